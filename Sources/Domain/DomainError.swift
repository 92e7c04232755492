/// The one error type of the domain module.
///
/// Every failure of the pure domain rules (a malformed amount, a unit that cannot be converted,
/// a refused state transition, an impossible date) is a `DomainError`. Callers tell failures apart
/// by ``code`` and read the facts of the failure in ``context`` (for example `from` and `to` for a
/// refused transition), so a job can put them in a rejection reason without parsing a message.
///
/// All throwing functions of the module use typed throws (`throws(DomainError)`).
///
/// Codes can be matched directly in a `catch` clause:
/// ```swift
/// do { _ = try status.transition(to: .collected, mode: .delivery) }
/// catch DomainError.Code.invalidTransition { ... }
/// ```
public struct DomainError: Error, Hashable, Sendable, CustomStringConvertible, CustomDebugStringConvertible {
    /// What kind of rule was broken. Extensible: new codes can be added without breaking `switch`es,
    /// because callers compare with `==` or `~=` instead of switching over a closed enum.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Base: String, Hashable, Sendable {
            case invalidAmount = "invalid_amount"
            case tooManyDecimals = "too_many_decimals"
            case amountOverflow = "amount_overflow"
            case invalidAllocation = "invalid_allocation"
            case invalidQuantity = "invalid_quantity"
            case unitMismatch = "unit_mismatch"
            case unknownUnitCode = "unknown_unit_code"
            case packSizeRequired = "pack_size_required"
            case invalidPackSize = "invalid_pack_size"
            case dimensionMismatch = "dimension_mismatch"
            case invalidTransition = "invalid_transition"
            case invalidDate = "invalid_date"
            case invalidTimeOfDay = "invalid_time_of_day"
            case unknownTimeZone = "unknown_time_zone"
            case invalidVATRate = "invalid_vat_rate"
            case invalidPhoneNumber = "invalid_phone_number"
        }

        private let base: Base

        private init(_ base: Base) { self.base = base }

        /// Text that is not a money amount ("12.5.0", "", "abc").
        public static let invalidAmount = Code(.invalidAmount)
        /// A money amount with more than 2 decimals when no rounding was asked for.
        public static let tooManyDecimals = Code(.tooManyDecimals)
        /// An amount outside the range of `Int64` cents.
        public static let amountOverflow = Code(.amountOverflow)
        /// An allocation with no parts, a negative weight, or weights summing to zero.
        public static let invalidAllocation = Code(.invalidAllocation)
        /// Text that is not a decimal quantity.
        public static let invalidQuantity = Code(.invalidQuantity)
        /// Arithmetic between quantities of different base units (g + ml).
        public static let unitMismatch = Code(.unitMismatch)
        /// A unit code that is not in the module's UN/ECE Rec 20/21 table. Never guessed.
        public static let unknownUnitCode = Code(.unknownUnitCode)
        /// A packaging code (XBX, XCS, XPP...) or a count of packs without the supplier item's pack size.
        public static let packSizeRequired = Code(.packSizeRequired)
        /// A pack size that is zero or negative.
        public static let invalidPackSize = Code(.invalidPackSize)
        /// A unit of another dimension than the ingredient's base unit (KGM for an ingredient in ml).
        public static let dimensionMismatch = Code(.dimensionMismatch)
        /// A state transition that the order state machines refuse.
        public static let invalidTransition = Code(.invalidTransition)
        /// A calendar date that does not exist or an ISO date string that is malformed.
        public static let invalidDate = Code(.invalidDate)
        /// A day cutoff outside 00:00...23:59.
        public static let invalidTimeOfDay = Code(.invalidTimeOfDay)
        /// A time-zone identifier that the system does not know.
        public static let unknownTimeZone = Code(.unknownTimeZone)
        /// A VAT rate that is negative, above 100 %, or finer than a basis point.
        public static let invalidVATRate = Code(.invalidVATRate)
        /// Text that is not a phone number (see ``PhoneNumber``).
        public static let invalidPhoneNumber = Code(.invalidPhoneNumber)

        /// The stable snake_case name of the code, safe to store or log.
        public var description: String { base.rawValue }
    }

    /// What kind of rule was broken.
    public var code: Code
    /// A short human explanation, without the offending values.
    public var reason: String
    /// The facts of the failure (for example `"from": "ready"`, `"to": "collected"`, `"code": "KGX"`).
    public var context: [String: String]

    /// Creates an error; the module's functions build these, callers normally only read them.
    public init(_ code: Code, _ reason: String, context: [String: String] = [:]) {
        self.code = code
        self.reason = reason
        self.context = context
    }

    /// `code: reason`, short and safe to show.
    public var description: String { "\(code): \(reason)" }

    /// The description followed by the context, sorted by key so that output is stable.
    public var debugDescription: String {
        guard !context.isEmpty else { return description }
        let facts = context.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ", ")
        return "\(description) [\(facts)]"
    }
}

extension DomainError.Code {
    /// Lets a code be used as a pattern in `catch` clauses over untyped errors.
    public static func ~= (code: Self, error: any Error) -> Bool {
        (error as? DomainError)?.code == code
    }

    /// Lets a code be used as a pattern in `catch` clauses of typed-throwing calls.
    public static func ~= (code: Self, error: DomainError) -> Bool {
        error.code == code
    }
}
