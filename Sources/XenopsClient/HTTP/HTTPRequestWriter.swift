/// Writes the HTTP/1.1 request that carries one JSON-RPC call: `POST /` with a
/// `Content-Length` body, keep-alive (the HTTP/1.1 default).
enum HTTPRequestWriter {
    /// The complete request bytes: head and body.
    static func post(path: String = "/", host: String = "localhost", body: [UInt8], userAgent: String) -> [UInt8] {
        var head = "POST \(path) HTTP/1.1\r\n"
        head += "Host: \(host)\r\n"
        head += "User-Agent: \(userAgent)\r\n"
        head += "Content-Type: application/json\r\n"
        head += "Accept: application/json\r\n"
        head += "Content-Length: \(body.count)\r\n"
        head += "\r\n"
        var bytes = Array(head.utf8)
        bytes.reserveCapacity(bytes.count + body.count)
        bytes.append(contentsOf: body)
        return bytes
    }
}
