/// One HTTP response as the client needs it.
struct HTTPResponse: Sendable, Equatable {
    /// `HTTP/1.1` → (1, 1).
    var version: (major: Int, minor: Int)
    var status: Int
    var reason: String
    /// Header fields in order, names as sent.
    var headers: [(name: String, value: String)]
    var body: [UInt8]
    /// Whether the body was delimited by the end of the stream (no length, not chunked).
    var bodyEndedWithClose = false

    /// The first value of a header, matched case-insensitively.
    func header(_ name: String) -> String? {
        let lowered = name.lowercased()
        return headers.first { $0.name.lowercased() == lowered }?.value
    }

    /// Whether the connection may carry another request after this response.
    var keepAlive: Bool {
        if bodyEndedWithClose { return false }
        let tokens = (header("Connection") ?? "").lowercased().split(separator: ",").map { $0.trimmingCharacters(in: " \t") }
        if tokens.contains("close") { return false }
        if version.major == 1 && version.minor == 0 { return tokens.contains("keep-alive") }
        return true
    }

    static func == (a: HTTPResponse, b: HTTPResponse) -> Bool {
        a.version == b.version && a.status == b.status && a.reason == b.reason
            && a.headers.elementsEqual(b.headers) { $0.name == $1.name && $0.value == $1.value }
            && a.body == b.body && a.bodyEndedWithClose == b.bodyEndedWithClose
    }
}

extension Substring {
    func trimmingCharacters(in set: String) -> String {
        var s = self[...]
        while let c = s.first, set.contains(c) { s = s.dropFirst() }
        while let c = s.last, set.contains(c) { s = s.dropLast() }
        return String(s)
    }
}
