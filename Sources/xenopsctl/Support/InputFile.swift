import Glibc

/// Reads a whole input file, or stdin for `-`.
enum InputFile {
    static func read(_ path: String) throws -> [UInt8] {
        let fd: Int32 = path == "-" ? 0 : open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else {
            throw CLIError.usage(
                "cannot read \(path): \(String(cString: strerror(errno)))",
                hint: "Give the path of a JSON file holding a xenops Metadata.t or Vm.t document, or - to read stdin.")
        }
        defer { if fd != 0 { close(fd) } }
        var data: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = buffer.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress!, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                throw CLIError.usage("cannot read \(path): \(String(cString: strerror(errno)))")
            }
            if n == 0 { return data }
            data.append(contentsOf: buffer[0..<n])
            if data.count > 16 * 1024 * 1024 { throw CLIError.usage("\(path) is larger than 16 MiB; a VM document is a few KiB") }
        }
    }
}
