import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// The file side of a file-fed job: what is waiting in the inbox, and where a file goes once
/// its fate is committed (DESIGN.md: `archive/<job>/YYYY/MM/` after commit, `rejected/<job>/`
/// with a `<name>.reason.txt` beside it). A job never deletes an input.
///
/// Moves are `rename(2)` within the var directory: atomic, so after a crash a file is under its
/// old name or its new one, never lost. The folders are synced once at the end of a run
/// (``syncAll()``), not after every file: a move lost in a crash leaves the file in the inbox,
/// and the next run recognises it as already committed and archives it again.
struct InboxFiles {
    /// `var/`.
    let varDirectory: String
    /// The folder name under inbox/, archive/ and rejected/ (`supplier`).
    let folder: String

    var inbox: String { "\(varDirectory)/inbox/\(folder)" }
    var rejected: String { "\(varDirectory)/rejected/\(folder)" }

    func archive(for date: Date) -> String {
        let parts = Calendar(identifier: .gregorian).dateComponents(in: TimeZone(identifier: "UTC") ?? .gmt, from: date)
        return String(format: "%@/archive/%@/%04d/%02d", varDirectory, folder, parts.year ?? 1970, parts.month ?? 1)
    }

    /// The files to import from `paths` (files, or folders read one level deep), in name order.
    /// Hidden files, `.tmp`/`.part` files still being written, and reason files are left alone.
    static func list(_ paths: [String]) throws(InboxError) -> [String] {
        var files: [String] = []
        for path in paths {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
                throw InboxError(path: path, message: "no such file or directory")
            }
            guard isDirectory.boolValue else {
                files.append(path)
                continue
            }
            let names: [String]
            do { names = try FileManager.default.contentsOfDirectory(atPath: path) } catch {
                throw InboxError(path: path, message: "cannot list: \(error.localizedDescription)")
            }
            for name in names.sorted() where isImportable(name) {
                var nested: ObjCBool = false
                let full = path + "/" + name
                if FileManager.default.fileExists(atPath: full, isDirectory: &nested), !nested.boolValue {
                    files.append(full)
                }
            }
        }
        return files
    }

    static func isImportable(_ name: String) -> Bool {
        !name.hasPrefix(".") && !name.hasSuffix(".tmp") && !name.hasSuffix(".part") && !name.hasSuffix(".reason.txt")
    }

    /// Moves an imported file to the archive; returns its new path.
    func archive(_ path: String, at date: Date = Date()) throws(InboxError) -> String {
        try move(path, into: archive(for: date))
    }

    /// Moves a refused file to rejected/ and writes the reason beside it; returns its new path.
    func reject(_ path: String, reason: String) throws(InboxError) -> String {
        let target = try move(path, into: rejected)
        let reasonPath = target + ".reason.txt"
        do {
            try Data((reason + "\n").utf8).write(to: URL(fileURLWithPath: reasonPath), options: .atomic)
        } catch {
            throw InboxError(path: reasonPath, message: "cannot write the reason: \(error.localizedDescription)")
        }
        return target
    }

    /// `rename(2)` into `directory`, never over an existing file: a name already taken gets a
    /// numbered suffix (`invoice.xml` → `invoice.1.xml`).
    private func move(_ path: String, into directory: String) throws(InboxError) -> String {
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        } catch {
            throw InboxError(path: directory, message: "cannot create: \(error.localizedDescription)")
        }
        let name = (path as NSString).lastPathComponent
        var target = directory + "/" + name
        var attempt = 0
        while FileManager.default.fileExists(atPath: target) {
            attempt += 1
            let stem = (name as NSString).deletingPathExtension
            let suffix = (name as NSString).pathExtension
            target = directory + "/" + stem + ".\(attempt)" + (suffix.isEmpty ? "" : "." + suffix)
        }
        if rename(path, target) != 0 {
            let code = errno
            guard code == EXDEV else {
                throw InboxError(path: path, message: "cannot move to \(directory): \(String(cString: strerror(code)))")
            }
            // Another file system (an inbox on a mounted share): copy, sync, then unlink.
            do {
                try FileManager.default.copyItem(atPath: path, toPath: target)
                Self.syncFile(target)
                try FileManager.default.removeItem(atPath: path)
            } catch {
                throw InboxError(path: path, message: "cannot move to \(directory): \(error.localizedDescription)")
            }
        }
        return target
    }

    /// Makes the run's moves durable: the inbox, rejected/ and this month's archive folder.
    func syncAll(at date: Date = Date()) {
        for directory in [inbox, rejected, archive(for: date)] { Self.syncDirectory(directory) }
    }

    static func syncDirectory(_ path: String) {
        let descriptor = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard descriptor >= 0 else { return }
        _ = fsync(descriptor)
        close(descriptor)
    }

    static func syncFile(_ path: String) {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { return }
        _ = fsync(descriptor)
        close(descriptor)
    }
}

/// A file or folder of the inbox that cannot be read, listed or moved (exit 74).
public struct InboxError: Error, Sendable, CustomStringConvertible {
    public var path: String
    public var message: String

    public var description: String { "\(path): \(message)" }
}
