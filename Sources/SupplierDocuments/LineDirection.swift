import Foundation

/// Which way a document line moves stock, and how much (FIELDS.md §6 pitfall 2).
///
/// Suppliers do not sign lines consistently: `cen_ubl-tc434-example1.xml` returns frying fat
/// ("FRITUUR VET 10 KG RETOUR") with quantity +6 and amount −109.98, and `kosit_01.20a` writes a
/// negative quantity. The direction therefore comes from the document kind, the amount sign and
/// the quantity sign together:
///
/// | kind | amount | quantity | movement | flagged |
/// |---|---|---|---|---|
/// | invoice | > 0 | ≥ 0 | receipt | |
/// | invoice | < 0 | ≤ 0 | return | |
/// | invoice | < 0 | > 0 | return | yes (FRITUUR) |
/// | invoice | > 0 | < 0 | receipt | yes |
/// | invoice | 0 or none | < 0 | return | |
/// | credit note | any | any | the invoice's, reversed | as invoice |
/// | despatch advice | ignored | ≥ 0 | receipt | |
/// | any | any | 0 | receipt, quantity 0 | |
///
/// The amount wins over the quantity because it is what the supplier bills or credits: the
/// accounting and the stock must agree on whether goods came or went.
public struct LineDirection: Sendable, Equatable {
    /// Goods in (a delivery) or goods out (back to the supplier).
    public enum Movement: String, Sendable, Codable {
        case receipt
        case `return`
    }

    public var movement: Movement
    /// The magnitude of the quantity (always ≥ 0), in the line's own unit.
    public var quantity: Decimal
    /// True when the quantity sign and the amount sign disagree (e.g. +6 and −109.98): the
    /// amount's sign wins, and the line is flagged for a person to look at.
    public var signDisagreement: Bool

    public init(movement: Movement, quantity: Decimal, signDisagreement: Bool = false) {
        self.movement = movement
        self.quantity = quantity
        self.signDisagreement = signDisagreement
    }

    /// The direction of `line` in a document of `kind`.
    ///
    /// - An **invoice** line is a receipt, unless its amount is negative or, when the amount is
    ///   absent or zero, its quantity is negative. This covers a corrected invoice (type 384, the
    ///   Rechnungskorrektur files, `kosit_03.01a` with −225.14 due): its negative lines reverse
    ///   what the corrected invoice received, so they are returns. A zero amount (free goods)
    ///   leaves the decision to the quantity.
    /// - A **credit note** carries positive amounts for goods that go back, so its direction is
    ///   the invoice rule reversed: a positive line is a return, and a negative line (a credit
    ///   note cancelling a return, or a supplier writing signs as on an invoice) brings goods in
    ///   again, a receipt.
    /// - A **despatch advice** line is always a receipt: it lists what was shipped to us, and it
    ///   has no amount. A negative delivered quantity is meaningless there and is refused.
    /// - A **zero quantity** moves nothing: it is a receipt of 0, never flagged, whatever the
    ///   amount (a price correction line), and the caller skips posting it. Choosing receipt
    ///   rather than a sign-derived direction keeps such lines out of the returns count.
    ///
    /// - Throws: ``SupplierDocumentError/Code/badValue`` for a negative quantity on a despatch
    ///   advice line.
    public static func of(
        _ line: SupplierDocumentLine, kind: SupplierDocumentKind, file: String
    ) throws(SupplierDocumentError) -> LineDirection {
        let quantity = line.quantity < 0 ? -line.quantity : line.quantity
        if kind == .despatchAdvice {
            guard line.quantity >= 0 else {
                throw SupplierDocumentError(
                    .badValue, file: file, line: line.fileLine,
                    "\(DocumentArithmetic.name(of: line)): a despatch advice line has a negative delivered "
                        + "quantity (\(line.quantity))")
            }
            return LineDirection(movement: .receipt, quantity: quantity)
        }
        guard line.quantity != 0 else { return LineDirection(movement: .receipt, quantity: 0) }
        let quantityIsNegative = line.quantity < 0
        let amount = line.netAmount ?? 0
        // The amount decides when it has a sign; a zero or absent amount leaves it to the quantity.
        let outOnInvoice = amount != 0 ? amount < 0 : quantityIsNegative
        let disagreement = amount != 0 && (amount < 0) != quantityIsNegative
        let out = kind == .creditNote ? !outOnInvoice : outOnInvoice
        return LineDirection(movement: out ? .return : .receipt, quantity: quantity, signDisagreement: disagreement)
    }
}
