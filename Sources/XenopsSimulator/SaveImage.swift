import Foundation

/// The simulator's save image: what `save` writes and `restore` reads.
///
/// Layout (integers big-endian):
/// ```
/// "XENOPS-SIM-IMAGE v1\n"            magic, 20 bytes
/// u32 n, n bytes                      uuid of the saved VM (UTF-8)
/// u64 n, n bytes                      the domain state as JSON (vCPUs, memory, devices)
/// u64 n, n bytes                      synthetic guest memory
/// u64                                 FNV-1a 64 of every byte above
/// "XENOPS-SIM-END\n"                  trailer, 15 bytes
/// ```
/// The stream is self-delimiting, so a reader stops at the trailer and the same socket can
/// carry more traffic afterwards (as libxl's migration stream does).
struct SaveImage: Sendable, Equatable {
    static let magic = Array("XENOPS-SIM-IMAGE v1\n".utf8)
    static let trailer = Array("XENOPS-SIM-END\n".utf8)
    /// Sanity limits so a corrupt length field cannot make the reader allocate gigabytes.
    static let maxUUIDBytes = 1024
    static let maxStateBytes = 16 << 20
    static let maxMemoryBytes = 64 << 20

    var uuid: String
    var domain: SimulatedDomain
    var memory: [UInt8]

    /// Synthetic memory for a domain: proportional to its size (1/4096), between 64 KiB and
    /// 1 MiB, and derived from the uuid and domid so it is reproducible.
    static func syntheticMemory(for domain: SimulatedDomain) -> [UInt8] {
        let size = Int(min(max(domain.memoryMax / 4096, 64 << 10), 1 << 20))
        var seed = FNV1a64()
        seed.update(Array(domain.uuid.utf8))
        seed.update(bigEndian: UInt64(domain.domid))
        var x = seed.value | 1
        var bytes = [UInt8](repeating: 0, count: size)
        var i = 0
        while i < size {
            // xorshift64: cheap, deterministic filler.
            x ^= x << 13
            x ^= x >> 7
            x ^= x << 17
            withUnsafeBytes(of: x.bigEndian) { word in
                for b in word where i < size {
                    bytes[i] = b
                    i += 1
                }
            }
        }
        return bytes
    }

    /// The whole image as bytes.
    func encoded() throws -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let state = Array(try encoder.encode(domain))
        let uuidBytes = Array(uuid.utf8)
        var out = Self.magic
        out.reserveCapacity(out.count + 4 + uuidBytes.count + 8 + state.count + 8 + memory.count + 8 + Self.trailer.count)
        out.append(bigEndian: UInt32(uuidBytes.count))
        out += uuidBytes
        out.append(bigEndian: UInt64(state.count))
        out += state
        out.append(bigEndian: UInt64(memory.count))
        out += memory
        var sum = FNV1a64()
        sum.update(out)
        out.append(bigEndian: sum.value)
        out += Self.trailer
        return out
    }

    /// Reads one image from `source`, validating every field.
    static func read(from source: inout some ByteSource) throws(SaveImageError) -> SaveImage {
        var sum = FNV1a64()
        func take(_ n: Int, _ what: String) throws(SaveImageError) -> [UInt8] {
            let bytes = try source.read(exactly: n, what: what)
            sum.update(bytes)
            return bytes
        }
        let magic = try take(Self.magic.count, "the magic header")
        guard magic == Self.magic else {
            throw .badMagic(found: String(decoding: magic.prefix(20), as: UTF8.self))
        }
        let uuidCount = Int(try take(4, "the uuid length").bigEndianInteger)
        guard uuidCount <= maxUUIDBytes else { throw .badLength(field: "uuid", value: uuidCount, limit: maxUUIDBytes) }
        let uuid = String(decoding: try take(uuidCount, "the uuid"), as: UTF8.self)
        let stateCount = try take(8, "the state length").bigEndianInteger
        guard stateCount <= UInt64(maxStateBytes) else { throw .badLength(field: "state", value: Int(clamping: stateCount), limit: maxStateBytes) }
        let stateBytes = try take(Int(stateCount), "the domain state")
        let memoryCount = try take(8, "the memory length").bigEndianInteger
        guard memoryCount <= UInt64(maxMemoryBytes) else { throw .badLength(field: "memory", value: Int(clamping: memoryCount), limit: maxMemoryBytes) }
        let memory = try take(Int(memoryCount), "the guest memory")
        let expected = sum.value
        let found = try source.read(exactly: 8, what: "the checksum").bigEndianInteger
        guard found == expected else { throw .badChecksum(expected: expected, found: found) }
        let trailer = try source.read(exactly: Self.trailer.count, what: "the trailer")
        guard trailer == Self.trailer else { throw .badTrailer }
        let domain: SimulatedDomain
        do { domain = try JSONDecoder().decode(SimulatedDomain.self, from: Data(stateBytes)) } catch {
            throw .badState("\(error)")
        }
        guard domain.uuid == uuid else { throw .badState("the state is for \(domain.uuid) but the header says \(uuid)") }
        return SaveImage(uuid: uuid, domain: domain, memory: memory)
    }
}

/// Something a save image can be read from, a few bytes at a time.
protocol ByteSource {
    /// Exactly `count` bytes, or ``SaveImageError/truncated(what:)``.
    mutating func read(exactly count: Int, what: String) throws(SaveImageError) -> [UInt8]
}

/// An in-memory byte source (tests, and images already read).
struct ArrayByteSource: ByteSource {
    var bytes: [UInt8]
    var offset = 0

    mutating func read(exactly count: Int, what: String) throws(SaveImageError) -> [UInt8] {
        guard bytes.count - offset >= count else { throw .truncated(what: what) }
        defer { offset += count }
        return Array(bytes[offset..<offset + count])
    }
}

/// Why a save image was rejected.
enum SaveImageError: Error, Sendable, Equatable, CustomStringConvertible {
    case badMagic(found: String)
    case truncated(what: String)
    case badLength(field: String, value: Int, limit: Int)
    case badChecksum(expected: UInt64, found: UInt64)
    case badTrailer
    case badState(String)
    /// Reading the descriptor failed.
    case io(String)
    case cancelled

    var description: String {
        switch self {
        case .badMagic(let found):
            return "the stream does not start with the simulator image magic (found \(found.debugDescription))"
        case .truncated(let what): return "the image is truncated: it ends before \(what)"
        case .badLength(let field, let value, let limit): return "the \(field) length \(value) exceeds the limit \(limit)"
        case .badChecksum(let expected, let found):
            return "the checksum does not match (computed \(String(expected, radix: 16)), stored \(String(found, radix: 16)))"
        case .badTrailer: return "the image trailer is missing or damaged"
        case .badState(let why): return "the saved domain state is invalid: \(why)"
        case .io(let why): return why
        case .cancelled: return "reading was cancelled"
        }
    }
}

/// 64-bit FNV-1a: a simple checksum that needs no dependency.
struct FNV1a64 {
    private(set) var value: UInt64 = 0xcbf2_9ce4_8422_2325

    mutating func update(_ bytes: [UInt8]) {
        for b in bytes {
            value ^= UInt64(b)
            value &*= 0x0000_0100_0000_01b3
        }
    }

    mutating func update(bigEndian word: UInt64) {
        var bytes = [UInt8]()
        bytes.append(bigEndian: word)
        update(bytes)
    }
}

extension Array where Element == UInt8 {
    mutating func append<T: FixedWidthInteger>(bigEndian value: T) {
        Swift.withUnsafeBytes(of: value.bigEndian) { append(contentsOf: $0) }
    }

    /// The bytes as a big-endian unsigned integer (at most 8 bytes).
    var bigEndianInteger: UInt64 {
        reduce(0) { ($0 << 8) | UInt64($1) }
    }
}
