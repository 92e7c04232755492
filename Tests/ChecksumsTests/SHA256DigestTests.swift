import Checksums
import Foundation
import Testing

@Suite struct SHA256DigestTests {
    /// FIPS 180-2 test vectors.
    @Test func knownVectors() {
        #expect(
            SHA256Digest.hex(of: Array("".utf8)) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        #expect(
            SHA256Digest.hex(of: Array("abc".utf8))
                == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(
            SHA256Digest.hex(of: Array("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".utf8))
                == "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
    }

    @Test func streamingEqualsOneShot() {
        let bytes = (0..<100_000).map { UInt8(truncatingIfNeeded: $0 &* 31) }
        let digest = SHA256Digest()
        for chunk in stride(from: 0, to: bytes.count, by: 7_777) {
            digest.update(bytes[chunk..<min(chunk + 7_777, bytes.count)])
        }
        #expect(digest.finalize() == SHA256Digest.hex(of: bytes))
    }

    @Test func fileDigestSpansSeveralReads() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("sha-\(UUID()).bin").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        let bytes = (0..<(3 << 20) + 5).map { UInt8(truncatingIfNeeded: $0 >> 3) }
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        #expect(try SHA256Digest.hex(ofFile: path) == SHA256Digest.hex(of: bytes))
    }

    @Test func missingFileNamesThePath() {
        #expect {
            try SHA256Digest.hex(ofFile: "/nonexistent/ocpizza.xml")
        } throws: { error in
            "\(error)".contains("/nonexistent/ocpizza.xml")
        }
    }
}
