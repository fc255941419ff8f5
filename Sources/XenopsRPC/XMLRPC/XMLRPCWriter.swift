#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import XenopsCore

/// Writes ``JSONValue``s as ocaml-rpc's `Xmlrpc.to_string` does in its default (non-strict)
/// mode, byte for byte:
///
/// | JSON | XML-RPC |
/// |---|---|
/// | `null` | `<value><nil/></value>` |
/// | `true`/`false` | `<value><boolean>1</boolean></value>` / `0` |
/// | integer | `<value>42</value>` (untyped, so an XML-RPC string) |
/// | number | `<value><double>%.16g</double></value>` |
/// | string | `<value>text</value>` (untyped), `< > & "` escaped |
/// | array | `<value><array><data>…</data></array></value>` |
/// | object | `<value><struct><member><name>k</name>…</member>…</struct></value>` |
///
/// Two deliberate differences, both invisible to any XML parser: member names are escaped
/// like strings (ocaml-rpc writes them raw, which breaks on `<` or `&`), and a carriage return
/// is written `&#13;` so that it survives XML's end-of-line normalisation. Characters XML 1.0
/// cannot carry (controls other than tab, LF, CR; U+FFFE, U+FFFF) are dropped, as ocaml-rpc
/// drops the controls.
enum XMLRPCWriter {
    static func write(_ value: JSONValue, into out: inout [UInt8]) {
        switch value {
        case .null:
            out.append(contentsOf: "<value><nil/></value>".utf8)
        case .bool(let b):
            out.append(contentsOf: (b ? "<value><boolean>1</boolean></value>" : "<value><boolean>0</boolean></value>").utf8)
        case .int(let i):
            out.append(contentsOf: "<value>".utf8)
            out.append(contentsOf: String(i).utf8)
            out.append(contentsOf: "</value>".utf8)
        case .double(let d):
            out.append(contentsOf: "<value><double>".utf8)
            appendDouble(d, into: &out)
            out.append(contentsOf: "</double></value>".utf8)
        case .string(let s):
            out.append(contentsOf: "<value>".utf8)
            escape(s, into: &out)
            out.append(contentsOf: "</value>".utf8)
        case .array(let elements):
            out.append(contentsOf: "<value><array><data>".utf8)
            for element in elements { write(element, into: &out) }
            out.append(contentsOf: "</data></array></value>".utf8)
        case .object(let members):
            out.append(contentsOf: "<value><struct>".utf8)
            for member in members {
                out.append(contentsOf: "<member><name>".utf8)
                escape(member.key, into: &out)
                out.append(contentsOf: "</name>".utf8)
                write(member.value, into: &out)
                out.append(contentsOf: "</member>".utf8)
            }
            out.append(contentsOf: "</struct></value>".utf8)
        }
    }

    /// Text with ocaml-rpc's escapes (`&gt; &lt; &amp; &quot;`).
    static func escape(_ text: String, into out: inout [UInt8]) {
        let bytes = Array(text.utf8)
        var index = 0
        while index < bytes.count {
            let byte = bytes[index]
            index += 1
            switch byte {
            case UInt8(ascii: ">"): out.append(contentsOf: "&gt;".utf8)
            case UInt8(ascii: "<"): out.append(contentsOf: "&lt;".utf8)
            case UInt8(ascii: "&"): out.append(contentsOf: "&amp;".utf8)
            case UInt8(ascii: "\""): out.append(contentsOf: "&quot;".utf8)
            case 0x0D: out.append(contentsOf: "&#13;".utf8)
            case 0x09, 0x0A: out.append(byte)
            case ..<0x20: break  // not an XML character
            case 0xEF where index + 1 < bytes.count && bytes[index] == 0xBF && bytes[index + 1] >= 0xBE:
                index += 2  // U+FFFE, U+FFFF: not XML characters
            default: out.append(byte)
            }
        }
    }

    /// `%.16g`, as OCaml's `Printf.sprintf "%.16g"` writes it (`nan`, `inf`, `-inf` included).
    static func appendDouble(_ d: Double, into out: inout [UInt8]) {
        if d.isNaN {
            out.append(contentsOf: "nan".utf8)
            return
        }
        var buffer = [CChar](repeating: 0, count: 40)
        let count = withVaList([d]) { args in
            buffer.withUnsafeMutableBufferPointer { vsnprintf($0.baseAddress, 40, "%.16g", args) }
        }
        for index in 0..<Int(max(0, min(count, 39))) { out.append(UInt8(bitPattern: buffer[index])) }
    }
}
