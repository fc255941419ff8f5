/// Why a byte stream is not a valid HTTP/1.1 response.
enum HTTPParseError: Error, Sendable, Equatable, CustomStringConvertible {
    case malformed(String)
    case tooLarge(String)
    /// The stream ended inside a response.
    case truncated

    var description: String {
        switch self {
        case .malformed(let m): return "malformed HTTP response: \(m)"
        case .tooLarge(let m): return "HTTP response too large: \(m)"
        case .truncated: return "the connection closed in the middle of an HTTP response"
        }
    }
}

/// An incremental parser for HTTP/1.1 responses: feed it bytes as they arrive and ask for
/// complete responses. Bodies are delimited by `Content-Length`, `Transfer-Encoding: chunked`
/// or, failing both, the end of the stream. Interim `1xx` responses are skipped.
struct HTTPResponseParser {
    /// Bounds that keep a broken peer from making the client buffer without end.
    struct Limits: Sendable {
        var maxHeadBytes = 64 * 1024
        var maxBodyBytes = 64 * 1024 * 1024
    }

    private enum State: Equatable {
        case head
        case fixed(remaining: Int)
        case chunkSize
        case chunkData(remaining: Int)
        case chunkDataEnd
        case trailers
        case untilClose
    }

    let limits: Limits
    private var buffer: [UInt8] = []
    private var index = 0
    private var state = State.head
    private var current: HTTPResponse?

    init(limits: Limits = Limits()) {
        self.limits = limits
    }

    /// Whether any byte of a response not yet returned has arrived.
    var hasPartialResponse: Bool { state != .head || index < buffer.count }

    /// Appends bytes received from the peer.
    mutating func feed(_ bytes: some Collection<UInt8>) {
        if index > 0 && index == buffer.count {
            buffer.removeAll(keepingCapacity: true)
            index = 0
        }
        buffer.append(contentsOf: bytes)
    }

    /// The next complete response, or nil when more bytes are needed.
    mutating func next() throws(HTTPParseError) -> HTTPResponse? {
        while true {
            switch state {
            case .head:
                // Tolerate stray line ends between responses.
                while index < buffer.count && (buffer[index] == 0x0D || buffer[index] == 0x0A) { index += 1 }
                guard let head = try takeHead() else { return nil }
                if (100..<200).contains(head.status) && head.status != 101 { continue }
                current = head
                state = try bodyState(for: head)
            case .fixed(let remaining):
                let n = min(remaining, buffer.count - index)
                current!.body.append(contentsOf: buffer[index..<index + n])
                index += n
                if n < remaining {
                    state = .fixed(remaining: remaining - n)
                    return nil
                }
                return finishResponse()
            case .chunkSize:
                guard let line = takeLine() else {
                    if buffer.count - index > 1024 { throw .malformed("a chunk-size line is too long") }
                    return nil
                }
                let sizeText = line.split(separator: ";", maxSplits: 1, omittingEmptySubsequences: false).first.map { $0.trimmingCharacters(in: " \t") } ?? ""
                guard !sizeText.isEmpty, sizeText.count <= 15, let size = Int(sizeText, radix: 16), size >= 0 else {
                    throw .malformed("bad chunk size '\(line)'")
                }
                if size == 0 {
                    state = .trailers
                } else {
                    guard current!.body.count + size <= limits.maxBodyBytes else { throw .tooLarge("the chunked body exceeds \(limits.maxBodyBytes) bytes") }
                    state = .chunkData(remaining: size)
                }
            case .chunkData(let remaining):
                let n = min(remaining, buffer.count - index)
                current!.body.append(contentsOf: buffer[index..<index + n])
                index += n
                if n < remaining {
                    state = .chunkData(remaining: remaining - n)
                    return nil
                }
                state = .chunkDataEnd
            case .chunkDataEnd:
                guard let line = takeLine() else { return nil }
                guard line.isEmpty else { throw .malformed("a chunk is not followed by CRLF") }
                state = .chunkSize
            case .trailers:
                guard let line = takeLine() else {
                    if buffer.count - index > limits.maxHeadBytes { throw .tooLarge("the trailers exceed \(limits.maxHeadBytes) bytes") }
                    return nil
                }
                if line.isEmpty { return finishResponse() }
            case .untilClose:
                current!.body.append(contentsOf: buffer[index...])
                index = buffer.count
                guard current!.body.count <= limits.maxBodyBytes else { throw .tooLarge("the body exceeds \(limits.maxBodyBytes) bytes") }
                return nil
            }
        }
    }

    /// Tells the parser the stream ended. Completes a body delimited by the end of the
    /// stream; throws ``HTTPParseError/truncated`` if a response was cut short.
    mutating func finish() throws(HTTPParseError) -> HTTPResponse? {
        if let response = try next() { return response }
        switch state {
        case .untilClose:
            current!.bodyEndedWithClose = true
            return finishResponse()
        case .head where index == buffer.count:
            return nil
        default:
            throw .truncated
        }
    }

    private mutating func finishResponse() -> HTTPResponse {
        let response = current!
        current = nil
        state = .head
        return response
    }

    /// Takes one line ending in LF (an optional CR before it is dropped), or nil if none is complete.
    private mutating func takeLine() -> String? {
        guard let lf = buffer[index...].firstIndex(of: 0x0A) else { return nil }
        var end = lf
        if end > index && buffer[end - 1] == 0x0D { end -= 1 }
        let line = String(decoding: buffer[index..<end], as: UTF8.self)
        index = lf + 1
        return line
    }

    private mutating func takeHead() throws(HTTPParseError) -> HTTPResponse? {
        // Find the empty line that ends the head: LF followed by LF or CRLF.
        var end: Int?
        var i = index
        while let lf = buffer[i...].firstIndex(of: 0x0A) {
            if lf + 1 < buffer.count && buffer[lf + 1] == 0x0A { end = lf + 2; break }
            if lf + 2 < buffer.count && buffer[lf + 1] == 0x0D && buffer[lf + 2] == 0x0A { end = lf + 3; break }
            i = lf + 1
            if lf + 2 >= buffer.count { break }
        }
        guard let end else {
            if buffer.count - index > limits.maxHeadBytes { throw .tooLarge("the response head exceeds \(limits.maxHeadBytes) bytes") }
            return nil
        }
        guard end - index <= limits.maxHeadBytes else { throw .tooLarge("the response head exceeds \(limits.maxHeadBytes) bytes") }
        // Split on LF bytes (a String would treat CRLF as one character) and drop each line's CR.
        var lines = buffer[index..<end].split(separator: 0x0A, omittingEmptySubsequences: false).map { line in
            Substring(String(decoding: line.last == 0x0D ? line.dropLast() : line, as: UTF8.self))
        }
        index = end
        while lines.last?.isEmpty == true { lines.removeLast() }
        guard let statusLine = lines.first else { throw .malformed("empty response head") }
        var response = try Self.parseStatusLine(statusLine)
        for line in lines.dropFirst() {
            if line.first == " " || line.first == "\t" {
                // Obsolete line folding: continue the previous value.
                guard !response.headers.isEmpty else { throw .malformed("a continuation line before any header") }
                response.headers[response.headers.count - 1].value += " " + line.trimmingCharacters(in: " \t")
                continue
            }
            guard let colon = line.firstIndex(of: ":") else { throw .malformed("header line without ':' ('\(line)')") }
            let name = String(line[..<colon])
            guard !name.isEmpty, !name.contains(" ") else { throw .malformed("bad header name '\(name)'") }
            response.headers.append((name, line[line.index(after: colon)...].trimmingCharacters(in: " \t")))
        }
        return response
    }

    private static func parseStatusLine(_ line: Substring) throws(HTTPParseError) -> HTTPResponse {
        let parts = line.split(separator: " ", maxSplits: 2, omittingEmptySubsequences: false)
        guard parts.count >= 2, parts[0].hasPrefix("HTTP/") else { throw .malformed("bad status line '\(line)'") }
        let version = parts[0].dropFirst(5).split(separator: ".")
        guard version.count == 2, let major = Int(version[0]), let minor = Int(version[1]) else {
            throw .malformed("bad HTTP version in '\(line)'")
        }
        guard parts[1].count == 3, let status = Int(parts[1]) else { throw .malformed("bad status code in '\(line)'") }
        let reason = parts.count > 2 ? String(parts[2]) : ""
        return HTTPResponse(version: (major, minor), status: status, reason: reason, headers: [], body: [])
    }

    private func bodyState(for head: HTTPResponse) throws(HTTPParseError) -> State {
        if head.status == 204 || head.status == 304 || (100..<200).contains(head.status) { return .fixed(remaining: 0) }
        if let te = head.header("Transfer-Encoding") {
            let codings = te.lowercased().split(separator: ",").map { $0.trimmingCharacters(in: " \t") }
            if codings.last == "chunked" { return .chunkSize }
            return .untilClose
        }
        if let cl = head.header("Content-Length") {
            let values = Set(cl.split(separator: ",").map { $0.trimmingCharacters(in: " \t") })
            guard values.count == 1, let text = values.first, !text.isEmpty, text.allSatisfy({ $0 >= "0" && $0 <= "9" }), let length = Int(text), length >= 0 else {
                throw .malformed("bad Content-Length '\(cl)'")
            }
            guard length <= limits.maxBodyBytes else { throw .tooLarge("Content-Length \(length) exceeds \(limits.maxBodyBytes) bytes") }
            return .fixed(remaining: length)
        }
        return .untilClose
    }
}
