#if canImport(Glibc)
import Glibc
#endif

/// One file of a hook folder.
struct HookScript: Sendable, Equatable {
    /// The file name, as bytes (a name need not be UTF-8).
    var name: [UInt8]
    /// The name for logs and `Hook_failed` (invalid UTF-8 replaced).
    var displayName: String { String(decoding: name, as: UTF8.self) }
}

/// What a hook folder holds.
struct HookListing: Sendable, Equatable {
    /// The executables that run, in xenopsd's order.
    var scripts: [HookScript] = []
    /// Entries that are not run (subfolders, files without execute permission), with why.
    var skipped: [(name: String, why: String)] = []

    static func == (a: HookListing, b: HookListing) -> Bool {
        a.scripts == b.scripts && a.skipped.map(\.name) == b.skipped.map(\.name)
    }
}

/// Reads a hook folder (`<hooks dir>/<hook name>/`). Blocking: call it on a dedicated thread.
enum HookDirectory {
    /// The executables of `folder`, sorted by the bytes of their names — xenopsd's
    /// `Array.stable_sort compare` on `Sys.readdir`, so `10-a` runs before `9-b` and `B`
    /// before `a`. A missing folder holds no hooks. Entries other than executable regular
    /// files (after following symlinks) are skipped; xenopsd would try to run them and fail.
    ///
    /// - Throws: the errno when the folder exists but cannot be read.
    static func list(_ folder: [UInt8]) throws(HookDirectoryError) -> HookListing {
        let path = String(decoding: folder, as: UTF8.self)
        guard let dir = folder.withCString(opendir) else {
            let code = errno
            if code == ENOENT || code == ENOTDIR { return HookListing() }
            throw HookDirectoryError(path: path, code: code)
        }
        defer { closedir(dir) }
        var names: [[UInt8]] = []
        while true {
            errno = 0
            guard let entry = readdir(dir) else {
                if errno != 0 { throw HookDirectoryError(path: path, code: errno) }
                break
            }
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in Array(raw.prefix { $0 != 0 }) }
            if name == [0x2e] || name == [0x2e, 0x2e] { continue }
            names.append(name)
        }
        names.sort { $0.lexicographicallyPrecedes($1) }
        var listing = HookListing()
        for name in names {
            let full = folder + [0x2f] + name
            var st = stat()
            guard full.withCString({ stat($0, &st) }) == 0 else {
                listing.skipped.append((String(decoding: name, as: UTF8.self), "cannot be read: \(String(cString: strerror(errno)))"))
                continue
            }
            if st.st_mode & S_IFMT != S_IFREG {
                listing.skipped.append((String(decoding: name, as: UTF8.self), "not a regular file"))
            } else if full.withCString({ access($0, X_OK) }) != 0 {
                listing.skipped.append((String(decoding: name, as: UTF8.self), "not executable"))
            } else {
                listing.scripts.append(HookScript(name: name))
            }
        }
        return listing
    }
}

/// A hook folder that exists but cannot be read.
struct HookDirectoryError: Error {
    var path: String
    var code: Int32
    var message: String { "cannot read the hook folder \(path): \(String(cString: strerror(code)))" }
}

extension Array where Element == UInt8 {
    /// Calls `body` with the bytes as a NUL-terminated C string.
    func withCString<R>(_ body: (UnsafePointer<CChar>) -> R) -> R {
        (self + [0]).withUnsafeBufferPointer { buffer in
            buffer.withMemoryRebound(to: CChar.self) { body($0.baseAddress!) }
        }
    }
}
