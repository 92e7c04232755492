extension Money {
    /// Splits the amount into `parts` amounts that differ by at most one cent and add up exactly
    /// to the amount.
    ///
    /// The first parts get the extra cents: 10,00 € in 3 gives 3,34 €, 3,33 €, 3,33 €.
    ///
    /// - Throws: ``DomainError/Code/invalidAllocation`` when `parts` is not positive.
    public func split(into parts: Int) throws(DomainError) -> [Money] {
        guard parts > 0 else {
            throw DomainError(.invalidAllocation, "an amount is split into at least one part")
        }
        return try allocated(byWeights: Array(repeating: 1, count: parts))
    }

    /// Distributes the amount in proportion to `weights`, losing and inventing no cent.
    ///
    /// Uses the largest remainder method: every part first gets its share rounded towards zero,
    /// then the cents left over go one each to the parts whose exact share had the largest
    /// remainder; on a tie, the earlier part wins, so the result is deterministic. Parts of a
    /// negative amount are negative and computed as the mirror image of the positive case. The
    /// parts always add up to the amount, and each part is within one cent of its exact share.
    ///
    /// Use it to spread an order discount over its lines, a delivery fee over VAT rates, or a
    /// payout's fee over the payments it settles.
    ///
    /// - Parameter weights: non-negative weights, at least one positive. A zero weight gets zero.
    /// - Throws: ``DomainError/Code/invalidAllocation`` for an empty list, a negative weight or
    ///   weights summing to zero.
    public func allocated(byWeights weights: [Int64]) throws(DomainError) -> [Money] {
        guard !weights.isEmpty else {
            throw DomainError(.invalidAllocation, "an allocation needs at least one weight")
        }
        guard weights.allSatisfy({ $0 >= 0 }) else {
            throw DomainError(.invalidAllocation, "allocation weights cannot be negative")
        }
        let totalWeight = weights.reduce(Int128(0)) { $0 + Int128($1) }
        guard totalWeight > 0 else {
            throw DomainError(.invalidAllocation, "allocation weights must not all be zero")
        }
        let amount = Int128(cents.magnitude)
        var shares = weights.map { amount * Int128($0) / totalWeight }
        let remainders = weights.map { amount * Int128($0) % totalWeight }
        var leftover = amount - shares.reduce(0, +)
        // Indices by decreasing remainder, then by position: a stable, documented tie-break.
        let order = remainders.indices.sorted {
            remainders[$0] != remainders[$1] ? remainders[$0] > remainders[$1] : $0 < $1
        }
        for index in order where leftover > 0 {
            shares[index] += 1
            leftover -= 1
        }
        // Each share is at most the amount, which fits in Int64 cents (or is |Int64.min|).
        return shares.map { Money(cents: isNegative ? Int64(-$0) : Int64($0)) }
    }

    /// Distributes the amount in proportion to other amounts (for example a discount in
    /// proportion to line totals), with the same rules as ``allocated(byWeights:)``.
    ///
    /// - Throws: ``DomainError/Code/invalidAllocation`` when a weight is negative or all are zero.
    public func allocated(proportionallyTo weights: [Money]) throws(DomainError) -> [Money] {
        try allocated(byWeights: weights.map(\.cents))
    }
}
