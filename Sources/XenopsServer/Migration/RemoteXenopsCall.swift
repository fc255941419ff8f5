#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import Foundation
import XenopsCore
import XenopsRPC

/// One call to a destination's xenops API as xenopsd's `Remote` module makes it
/// (`Xcp_client.xml_http_rpc`): an XML-RPC `POST` to the `xenops_url` (its path and query),
/// one request per connection, the reply read to its `content-length` (or to the end of the
/// stream) and decoded XenAPI style: `Success` gives the value, `Failure` the xenops error.
struct RemoteXenopsCall {
    let target: MigrationURL
    let url: String
    let timeout: Duration
    let maxReplyBytes: Int

    func run(method: String, params: [JSONMember], on stream: DescriptorStream) async throws -> JSONValue {
        let body = XMLRPC.encodeCall(XMLRPC.Call(method: method, params: [.object(params)]))
        var head = "POST \(target.target()) HTTP/1.1\r\n"
        head += "host: \(target.hostHeader)\r\ncontent-length: \(body.count)\r\nuser-agent: xenopsd\r\nconnection: close\r\n\r\n"
        let fd = stream.descriptor
        let deadline = ContinuousClock.now + timeout
        let limit = maxReplyBytes
        let (status, reply): (Int, [UInt8])
        do {
            try await stream.write(Array(head.utf8) + body)
            (status, reply) = try await BlockingDescriptorIO.run { flag in
                try Self.readResponse(fd, deadline: deadline, maxBytes: limit, flag: flag)
            }
        } catch is CancellationError {
            throw CancellationError()
        } catch {
            throw TCPMigrationConnector.unreachable(url, "\(method): \(error)")
        }
        guard status == 200 else {
            throw TCPMigrationConnector.unreachable(url, "\(method): HTTP status \(status)")
        }
        let decoded: XMLRPC.Reply
        do { decoded = try XMLRPC.decodeReply(reply) } catch {
            throw XenopsError.internalError("\(method) on \(MigrationURL.redacted(url)): the reply is not XML-RPC: \(error.message)")
        }
        switch decoded {
        case .success(let value):
            return value
        case .failure(let description):
            if let error = try? XenopsError(xenops: description), error != .unknownError { throw error }
            throw XenopsError.internalError("\(method) on \(MigrationURL.redacted(url)) failed: \(description.jsonString.prefix(400))")
        case .fault(let code, let message):
            throw XenopsError.internalError("\(method) on \(MigrationURL.redacted(url)) answered an XML-RPC fault \(code.jsonString): \(message.jsonString.prefix(400))")
        }
    }

    /// Reads one HTTP response: the status code and the body (to `content-length`, or to the
    /// end of the stream when there is none).
    static func readResponse(_ fd: Int32, deadline: ContinuousClock.Instant, maxBytes: Int, flag: BlockingDescriptorIO.CancelFlag) throws -> (Int, [UInt8]) {
        var data: [UInt8] = []
        var headerEnd: Int?
        var expected: Int?
        var status = 0
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            if let end = headerEnd, let expected, data.count - end >= expected {
                return (status, Array(data[end..<end + expected]))
            }
            guard try BlockingDescriptorIO.wait(fd, for: POLLIN, flag: flag, deadline: deadline) != nil else {
                throw DescriptorIOError("no complete reply before the deadline")
            }
            let n = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress!, $0.count, Int32(MSG_DONTWAIT)) }
            if n < 0 {
                if errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK { continue }
                throw DescriptorIOError("reading the reply failed: \(BlockingDescriptorIO.errnoText())")
            }
            if n == 0 {
                guard let end = headerEnd else { throw DescriptorIOError("the connection closed before a reply") }
                guard expected == nil else { throw DescriptorIOError("the connection closed in the middle of the reply") }
                return (status, Array(data[end...]))
            }
            data += chunk[0..<n]
            guard data.count <= maxBytes else { throw DescriptorIOError("the reply is larger than \(maxBytes) bytes") }
            if headerEnd == nil, let range = findHeaderEnd(data) {
                headerEnd = range
                let lines = String(decoding: data[..<range], as: UTF8.self).split(separator: "\r\n")
                let statusParts = lines.first?.split(separator: " ") ?? []
                guard statusParts.count >= 2, statusParts[0].hasPrefix("HTTP/"), let code = Int(statusParts[1]) else {
                    throw DescriptorIOError("the reply is not HTTP (\(String(lines.first?.prefix(60) ?? "")))")
                }
                status = code
                for line in lines.dropFirst() {
                    guard let colon = line.firstIndex(of: ":") else { continue }
                    if line[..<colon].lowercased() == "content-length" {
                        expected = Int(line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces))
                    }
                }
            }
        }
    }

    /// The index just past the blank line ending the head, if it has arrived.
    static func findHeaderEnd(_ data: [UInt8]) -> Int? {
        guard data.count >= 4 else { return nil }
        for i in 0...(data.count - 4) where data[i] == 13 && data[i + 1] == 10 && data[i + 2] == 13 && data[i + 3] == 10 {
            return i + 4
        }
        return nil
    }
}
