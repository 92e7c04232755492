import CLibCrypto

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#else
import Darwin
#endif

/// SHA-256 through OpenSSL's libcrypto, streaming: feed bytes with ``update(_:)``, read the
/// digest with ``finalize()``. Owns its `EVP_MD_CTX` (freed in `deinit`).
///
/// Used for the identity of input files (`supplier_document.file_sha256`: the same file under
/// any name is a duplicate) and, later, of backups. Files are hashed in 1 MiB reads, so memory
/// stays flat whatever their size.
public final class SHA256Digest {
    private let context: OpaquePointer
    private var finished = false

    public init() {
        guard let context = EVP_MD_CTX_new(), EVP_DigestInit_ex(context, EVP_sha256(), nil) == 1 else {
            preconditionFailure("libcrypto cannot allocate a SHA-256 context (out of memory)")
        }
        self.context = context
    }

    deinit { EVP_MD_CTX_free(context) }

    public func update(_ bytes: UnsafeRawBufferPointer) {
        precondition(!finished, "SHA256Digest.update after finalize")
        guard let base = bytes.baseAddress, bytes.count > 0 else { return }
        EVP_DigestUpdate(context, base, bytes.count)
    }

    public func update(_ bytes: some Collection<UInt8>) {
        if let done = bytes.withContiguousStorageIfAvailable({ update(UnsafeRawBufferPointer($0)) }) { return done }
        Array(bytes).withUnsafeBytes { update($0) }
    }

    /// The lower-case hex digest (64 characters). The digest cannot be updated afterwards.
    public func finalize() -> String { Self.hex(finalizeBytes()) }

    /// The 32 bytes of the digest. The digest cannot be updated afterwards.
    public func finalizeBytes() -> [UInt8] {
        precondition(!finished, "SHA256Digest.finalize called twice")
        finished = true
        var digest = [UInt8](repeating: 0, count: 32)
        var length: UInt32 = 0
        EVP_DigestFinal_ex(context, &digest, &length)
        return Array(digest.prefix(Int(length)))
    }

    /// The 32-byte digest of bytes in memory.
    public static func bytes(of bytes: some Collection<UInt8>) -> [UInt8] {
        let digest = SHA256Digest()
        digest.update(bytes)
        return digest.finalizeBytes()
    }

    /// The hex digest of bytes in memory.
    public static func hex(of bytes: some Collection<UInt8>) -> String {
        let digest = SHA256Digest()
        digest.update(bytes)
        return digest.finalize()
    }

    /// The hex digest of a file, read in 1 MiB chunks.
    ///
    /// - Throws: ``ChecksumError`` naming the file when it cannot be opened or read.
    public static func hex(ofFile path: String) throws(ChecksumError) -> String {
        guard let file = fopen(path, "rb") else { throw ChecksumError(path: path, errno: errno) }
        defer { fclose(file) }
        let digest = SHA256Digest()
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 20, alignment: 16)
        defer { buffer.deallocate() }
        while true {
            let count = fread(buffer.baseAddress, 1, buffer.count, file)
            if count > 0 { digest.update(UnsafeRawBufferPointer(rebasing: buffer[..<count])) }
            if count < buffer.count {
                if ferror(file) != 0 { throw ChecksumError(path: path, errno: errno) }
                break
            }
        }
        return digest.finalize()
    }

    private static let digits = Array("0123456789abcdef".utf8)

    private static func hex(_ bytes: some Collection<UInt8>) -> String {
        var text = [UInt8]()
        text.reserveCapacity(bytes.count * 2)
        for byte in bytes {
            text.append(digits[Int(byte >> 4)])
            text.append(digits[Int(byte & 0x0f)])
        }
        return String(decoding: text, as: UTF8.self)
    }
}

@available(*, unavailable)
extension SHA256Digest: Sendable {}

/// A file that could not be hashed.
public struct ChecksumError: Error, Sendable, CustomStringConvertible {
    public var path: String
    public var errno: Int32

    public var description: String { "\(path): cannot read: \(String(cString: strerror(errno)))" }
}
