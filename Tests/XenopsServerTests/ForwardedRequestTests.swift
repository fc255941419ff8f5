import Testing
import XenopsServer

/// Decoding the JSON of XAPI's `Http.Request.t` that comes with a forwarded connection, and
/// routing it as xenopsd's `handle_received_fd` does.
@Suite("Forwarded request")
struct ForwardedRequestTests {
    /// `Http.Request.rpc_of_t` of a source xenopsd's `PUT` as XAPI forwards it
    /// (`xapi_services.ml` `hand_over_connection`, `Jsonrpc.to_string`): fields in declaration
    /// order, `None` fields omitted, lists of pairs as objects.
    static let xapiSample = #"""
    {"m":"Put","path":"/services/xenops/migrate/vm/7b719ce6-0b17-9733-e8ee-000000000001","query":{"session_id":"OpaqueRef:0c2b5e3d-9d2a-4c55-8f5a-9ab1c2d3e4f5"},"version":"1.1","frame":false,"cookie":{"instance_id":"a1b2c3d4-0000-4000-8000-000000000001","final_id":"7b719ce6-0b17-9733-e8ee-dbc1e6e7b701","dbg":"Async.VM.pool_migrate R:5e0c1ad9a1b2","mem_migration":"25.6.0","memory_limit":"4294967296","memory_total_source":"4294967296"},"host":"10.71.12.34","user_agent":"xenopsd","close":false,"additional_headers":{"traceparent":"00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"}}
    """#

    @Test func xapisRequestDecodes() throws {
        let request = try ForwardedRequest(json: Array(Self.xapiSample.utf8))
        #expect(request.path == "/services/xenops/migrate/vm/7b719ce6-0b17-9733-e8ee-000000000001")
        #expect(request.query == [.init("session_id", "OpaqueRef:0c2b5e3d-9d2a-4c55-8f5a-9ab1c2d3e4f5")])
        #expect(request.cookie.map(\.name) == ["instance_id", "final_id", "dbg", "mem_migration", "memory_limit", "memory_total_source"])
        #expect(request.cookies.first { $0.0 == "final_id" }?.1 == "7b719ce6-0b17-9733-e8ee-dbc1e6e7b701")
        #expect(request.header("TraceParent") == "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01")
        #expect(request.body == nil)
        #expect(request.route == .receiveVM(id: "7b719ce6-0b17-9733-e8ee-000000000001"))
    }

    @Test func keysMatchCaseInsensitivelyAndPairsMayComeAsArrays() throws {
        let request = try ForwardedRequest(json: Array(#"{"PATH":"/services/xenops/migrate/mem/x","Cookie":[["dbg","d"],["final_id","y"]],"body":"b"}"#.utf8))
        #expect(request.route == .receiveMemory(id: "x"))
        #expect(request.cookie == [.init("dbg", "d"), .init("final_id", "y")])
        #expect(request.query.isEmpty && request.additionalHeaders.isEmpty)
        #expect(request.body == "b")
    }

    @Test func anOlderXAPIsUriKeyIsThePath() throws {
        let request = try ForwardedRequest(json: Array(#"{"uri":"/services/xenops/memory/x","query":{},"cookie":{}}"#.utf8))
        #expect(request.route == .receiveVMLegacy(id: "x"))
    }

    @Test(arguments: [
        ("/services/xenops/migrate/vm/abc", ForwardedRoute.receiveVM(id: "abc")),
        ("/services/xenops/memory/abc", .receiveVMLegacy(id: "abc")),
        ("/services/xenops/migrate/mem/abc", .receiveMemory(id: "abc")),
        ("/services/xenops/migrate/vgpu/abc.0", .receiveVGPU(id: "abc.0")),
        ("/services/xenops/migrate-vgpu/abc.0", .receiveVGPU(id: "abc.0")),
        ("/services/xenops/migrate/vm/", .notFound),
        ("/services/xenops/migrate/vm", .notFound),
        ("/services/xenops/migrate/disk/abc", .notFound),
        ("/services/xenops", .notFound),
        ("/services/SM/data/x/y", .notFound),
        ("services/xenops/migrate/vm/abc", .notFound),
        ("", .notFound),
    ])
    func routes(path: String, route: ForwardedRoute) {
        #expect(ForwardedRoute(path: path) == route)
    }

    @Test func aTruncatedRequestIsToldApartFromGarbage() {
        let half = Array(Self.xapiSample.utf8.prefix(100))
        #expect(throws: ForwardedRequestError.truncated) { try ForwardedRequest(json: half) }
    }

    @Test(arguments: [
        "not json {",
        #"["/services/xenops/migrate/vm/x"]"#,
        #"{"m":"Put"}"#,
        #"{"path":42}"#,
        #"{"path":"/x","cookie":{"dbg":7}}"#,
        #"{"path":"/x","cookie":[["dbg"]]}"#,
        #"{"path":"/x","query":"a=b"}"#,
        #"{"path":"/x","body":{}}"#,
    ])
    func garbageIsRefusedWithAReason(json: String) {
        do {
            _ = try ForwardedRequest(json: Array(json.utf8))
            Issue.record("\(json) was accepted")
        } catch {
            guard case .invalid(let why) = error else {
                Issue.record("\(json): \(error)")
                return
            }
            #expect(!why.isEmpty)
        }
    }

    @Test func anOversizedRequestIsRefused() {
        let huge = #"{"path":"/x","body":""# + String(repeating: "a", count: 70_000) + #""}"#
        #expect(throws: ForwardedRequestError.self) { try ForwardedRequest(json: Array(huge.utf8)) }
    }
}
