// The domain model: money, quantities, state machines, business dates, VAT.
