/// SplitMix64 (Steele, Lea and Flood, 2014): a small, fast, seedable generator whose output depends
/// on nothing but its seed, on every platform and Swift version.
///
/// The generator never touches the system generator, and it draws numbers with its own
/// arithmetic instead of `Int.random(in:using:)` (whose algorithm the standard library may
/// change) or `log`/`cos` (whose last bit may differ between C libraries): normal deviates come
/// from the Irwin–Hall sum of twelve uniforms. The same seed gives the same rows, forever.
public struct SplitMix64: RandomNumberGenerator, Sendable {
    private var state: UInt64

    public init(seed: UInt64) {
        state = seed
    }

    /// A generator for one part of the work (a shop's day, a customer), independent of the order
    /// in which parts are generated: the seed mixed with the part's keys.
    public init(seed: UInt64, _ keys: UInt64...) {
        var mixer = SplitMix64(seed: seed)
        var state = mixer.next()
        for key in keys {
            mixer = SplitMix64(seed: state ^ key)
            state = mixer.next()
        }
        self.state = state
    }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Uniform in [0, 1), 53 random bits.
    mutating func unit() -> Double {
        Double(next() >> 11) * 0x1.0p-53
    }

    /// Uniform in 0..<count (multiply-high reduction).
    mutating func below(_ count: Int) -> Int {
        precondition(count > 0)
        return Int(next().multipliedFullWidth(by: UInt64(count)).high)
    }

    /// Uniform in low...high.
    mutating func between(_ low: Int, _ high: Int) -> Int {
        low + below(high - low + 1)
    }

    /// True with probability `probability`.
    mutating func chance(_ probability: Double) -> Bool {
        unit() < probability
    }

    /// A standard normal deviate, approximately: the sum of twelve uniforms minus six.
    mutating func normal() -> Double {
        var sum = 0.0
        for _ in 0..<12 { sum += unit() }
        return sum - 6
    }

    /// An index drawn from cumulative weights (non-decreasing, last = total).
    mutating func pick(cumulative: [Double]) -> Int {
        guard let total = cumulative.last, total > 0 else { return 0 }
        let target = unit() * total
        var low = 0
        var high = cumulative.count - 1
        while low < high {
            let middle = (low + high) / 2
            if cumulative[middle] > target { high = middle } else { low = middle + 1 }
        }
        return low
    }

    /// An element of a non-empty array.
    mutating func element<T>(_ array: [T]) -> T {
        array[below(array.count)]
    }
}

/// FNV-1a, 64 bits: a stable hash of a string (Swift's `Hasher` is seeded per process).
enum StableHash {
    static func fnv1a(_ text: String) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in text.utf8 {
            hash ^= UInt64(byte)
            hash &*= 0x0000_0100_0000_01B3
        }
        return hash
    }
}

extension Array where Element == Double {
    /// Running sums: the cumulative form ``SplitMix64/pick(cumulative:)`` takes.
    var cumulative: [Double] {
        var total = 0.0
        return map { weight in
            total += weight
            return total
        }
    }
}
