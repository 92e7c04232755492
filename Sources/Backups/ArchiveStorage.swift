import Checksums
import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// The file-system side of a backup: free space, hashing, fsync, atomic publication.
///
/// An archive is written under a temporary name (`*.partial`), fsynced, then renamed to its
/// final name, and its folder fsynced: a backup file under its final name is always complete.
/// A killed or failed dump leaves at most a `.partial`, which the next run removes.
enum ArchiveStorage {
    /// Bytes available to an unprivileged writer on the file system holding `path`.
    static func freeBytes(at path: String) throws -> Int64 {
        var stats = statvfs()
        guard statvfs(path, &stats) == 0 else {
            throw BackupError(.storage, "cannot read the free space of \(path): \(String(cString: strerror(errno)))")
        }
        return Int64(stats.f_bavail) * Int64(stats.f_frsize)
    }

    /// SHA-256 and size of a custom-format archive (one file), or of a directory archive: then the
    /// hash is over its manifest, one "name sha256 size" line per file in name order, so that a
    /// changed, missing or added file changes it.
    static func digest(of path: String) throws -> (sha256: String, size: Int64) {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw BackupError(.notFound, "\(path) does not exist")
        }
        guard isDirectory.boolValue else { return try digestOfFile(path) }
        let names = try FileManager.default.contentsOfDirectory(atPath: path).sorted()
        let manifest = SHA256Digest()
        var total: Int64 = 0
        for name in names {
            let (sha, size) = try digestOfFile(path + "/" + name)
            manifest.update(Array("\(name) \(sha) \(size)\n".utf8))
            total += size
        }
        return (manifest.finalize(), total)
    }

    static func digestOfFile(_ path: String) throws -> (sha256: String, size: Int64) {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else {
            throw BackupError(.storage, "cannot open \(path): \(String(cString: strerror(errno)))")
        }
        defer { close(descriptor) }
        posix_fadvise(descriptor, 0, 0, POSIX_FADV_SEQUENTIAL)
        let digest = SHA256Digest()
        var buffer = [UInt8](repeating: 0, count: 1 << 20)
        var size: Int64 = 0
        while true {
            let count = buffer.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
            if count > 0 {
                buffer.withUnsafeBytes { digest.update(UnsafeRawBufferPointer(rebasing: $0[0..<count])) }
                size += Int64(count)
            } else if count == 0 {
                break
            } else if errno != EINTR {
                throw BackupError(.storage, "cannot read \(path): \(String(cString: strerror(errno)))")
            }
        }
        return (digest.finalize(), size)
    }

    /// fsyncs a file, or every file of a directory and the directory itself.
    static func sync(_ path: String) throws {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw BackupError(.storage, "\(path) vanished before it could be synced")
        }
        if isDirectory.boolValue {
            for name in try FileManager.default.contentsOfDirectory(atPath: path) { try syncOne(path + "/" + name) }
        }
        try syncOne(path)
    }

    private static func syncOne(_ path: String) throws {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else {
            throw BackupError(.storage, "cannot open \(path) to sync it: \(String(cString: strerror(errno)))")
        }
        defer { close(descriptor) }
        guard fsync(descriptor) == 0 else {
            throw BackupError(.storage, "fsync \(path) failed: \(String(cString: strerror(errno)))")
        }
    }

    /// Renames `temporary` to `final` (atomic on one file system) and fsyncs the folder so the
    /// new name survives a power cut.
    static func publish(_ temporary: String, as final: String) throws {
        guard rename(temporary, final) == 0 else {
            throw BackupError(
                .storage, "cannot rename \(temporary) to \(final): \(String(cString: strerror(errno)))")
        }
        try syncOne((final as NSString).deletingLastPathComponent)
    }

    /// Removes a file or directory if present; errors are ignored (used for clean-up paths).
    static func removeQuietly(_ path: String) {
        try? FileManager.default.removeItem(atPath: path)
    }

    static func exists(_ path: String) -> Bool { FileManager.default.fileExists(atPath: path) }

    static func makeDirectory(_ path: String) throws {
        do {
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        } catch {
            throw BackupError(.storage, "cannot create \(path): \(error.localizedDescription)")
        }
    }

    /// Copies a file or directory archive to `destination` (through a `.partial` name, synced, renamed).
    static func copy(_ source: String, to destination: String) throws {
        let temporary = destination + ".partial"
        removeQuietly(temporary)
        do {
            try FileManager.default.copyItem(atPath: source, toPath: temporary)
        } catch {
            removeQuietly(temporary)
            throw BackupError(.storage, "cannot copy \(source) to \(temporary): \(error.localizedDescription)")
        }
        try sync(temporary)
        removeQuietly(destination)
        try publish(temporary, as: destination)
    }
}
