-- 0010 payment transitions: the payment graph of 0007 and the domain module's state machine
-- agree from here on (Sources/Domain/PaymentStatus.swift is the reference, and
-- SchemaTests checks that the two list the same moves). 0007 lacked two moves:
--   disputed → captured            a dispute won before the payout: the money is captured again;
--   partially_refunded → settled   the rest of a partly refunded payment is paid out.
INSERT INTO order_status_transition (kind, from_status, to_status) VALUES
    ('payment', 'disputed', 'captured'),
    ('payment', 'partially_refunded', 'settled');
