import CXenLight

/// Conversions between uuid strings and `libxl_uuid` (pure: no ctx needed).
enum LibxlUUID {
    /// Parses `"6f0a1c52-…"`; nil if libxl does not accept it.
    static func parse(_ s: String) -> libxl_uuid? {
        var u = libxl_uuid()
        return libxl_uuid_from_string(&u, s) == 0 ? u : nil
    }

    /// The lowercase 8-4-4-4-12 form of a `libxl_uuid`.
    static func string(_ u: libxl_uuid) -> String {
        withUnsafeBytes(of: u.uuid) { bytes in
            var s = ""
            s.reserveCapacity(36)
            for (i, b) in bytes.enumerated() {
                if i == 4 || i == 6 || i == 8 || i == 10 { s += "-" }
                s += hexByte(b)
            }
            return s
        }
    }

    static func hexByte(_ b: UInt8) -> String {
        let digits = Array("0123456789abcdef")
        return String([digits[Int(b >> 4)], digits[Int(b & 0xf)]])
    }
}

/// A MAC address, parsed from the xenops `aa:bb:cc:dd:ee:ff` form.
struct MACAddress: Sendable, Hashable, CustomStringConvertible {
    var bytes: [UInt8]

    /// Accepts six hex byte pairs separated by `:` or `-`; nil otherwise.
    init?(_ s: String) {
        let parts = s.split(omittingEmptySubsequences: false, whereSeparator: { $0 == ":" || $0 == "-" })
        guard parts.count == 6 else { return nil }
        var out: [UInt8] = []
        for p in parts {
            guard p.count == 2, let b = UInt8(p, radix: 16) else { return nil }
            out.append(b)
        }
        bytes = out
    }

    init(libxl mac: libxl_mac) {
        bytes = withUnsafeBytes(of: mac) { Array($0) }
    }

    /// The value of a `libxl_mac` (a 6-tuple).
    var libxl: libxl_mac { (bytes[0], bytes[1], bytes[2], bytes[3], bytes[4], bytes[5]) }

    var description: String { bytes.map(LibxlUUID.hexByte).joined(separator: ":") }
}
