import Testing
import XenopsCore
@testable import XenopsServer

/// The message-switch wire format as the daemon writes and reads it.
@Suite struct MessageSwitchProtocolTests {
    @Test func requestsHaveUpstreamsPathsAndBodies() {
        #expect(SwitchOperation.login(token: "xenopsd:42").path == "/login/xenopsd:42")
        #expect(SwitchOperation.login(token: "x").method == "GET" && SwitchOperation.login(token: "x").body.isEmpty)
        #expect(SwitchOperation.createPersistent(queue: "org.xen.xapi.xenops.classic").path == "/persistent/org.xen.xapi.xenops.classic")
        #expect(SwitchOperation.ack(queue: "q", id: 7).path == "/ack/q/7")
        let reply = SwitchOperation.response(replyTo: "xapi:12", queue: "org.xen.xapi.xenops.classic", id: 3, body: Array("{}".utf8))
        #expect(reply.method == "POST" && reply.path == "/response/xapi:12/org.xen.xapi.xenops.classic/3" && reply.body == Array("{}".utf8))
        // A name with a slash or a space cannot break the path.
        #expect(SwitchOperation.createPersistent(queue: "a/b c").path == "/persistent/a%2Fb%20c")
    }

    @Test func transferOmitsFromOnTheFirstCallAndSendsItAsAString() throws {
        let first = try JSONValue.parse(SwitchOperation.transfer(from: nil, timeout: 30, queues: ["q"]).body)
        #expect(first["from"] == nil)
        #expect(first["timeout"] == .double(30))
        #expect(first["queues"] == .array([.string("q")]))
        let next = try JSONValue.parse(SwitchOperation.transfer(from: "12", timeout: 30, queues: ["q"]).body)
        #expect(next["from"] == .string("12"))
        #expect(SwitchOperation.transfer(from: nil, timeout: 30, queues: ["q"]).path == "/transfer")
    }

    @Test func transferRepliesDecodeWithTheirDoubleEncodedPayloads() throws {
        let call = #"{"method":"query","params":[{"debug_info":"x","unit":null}],"id":1}"#
        let body = JSONValue.object([
            JSONMember("messages", .array([
                .array([.array([.string("org.xen.xapi.xenops.classic"), .int(4)]),
                        .object([JSONMember("payload", .string(call)), JSONMember("kind", .array([.string("Request"), .string("xapi:9")]))])]),
                .array([.array([.string("org.xen.xapi.xenops.classic"), .int(3)]),
                        .object([JSONMember("payload", .string("{}")), JSONMember("kind", .array([.string("Response"), .array([.string("other"), .int(8)])]))])]),
            ])),
            JSONMember("next", .string("4")),
        ]).jsonString
        let transfer = try SwitchTransfer.decode(Array(body.utf8), limits: .default)
        #expect(transfer.next == "4")
        #expect(transfer.messages == [
            SwitchMessage(queue: "org.xen.xapi.xenops.classic", id: 4, payload: call, kind: .request(replyTo: "xapi:9")),
            SwitchMessage(queue: "org.xen.xapi.xenops.classic", id: 3, payload: "{}", kind: .response(queue: "other", id: 8)),
        ])
        #expect(try SwitchTransfer.decode(Array(#"{"messages":[],"next":"-1"}"#.utf8), limits: .default).messages.isEmpty)
    }

    @Test func malformedTransferRepliesAreRefusedWithAReason() {
        for bad in ["nope", #"{"messages":[]}"#, #"{"messages":[[["q"],{"payload":"x","kind":["Request","r"]}]],"next":"1"}"#,
                    #"{"messages":[[["q",1],{"payload":3,"kind":["Request","r"]}]],"next":"1"}"#,
                    #"{"messages":[[["q",1],{"payload":"x","kind":["Shout","r"]}]],"next":"1"}"#] {
            #expect(throws: SwitchTransfer.DecodeError.self) { try SwitchTransfer.decode(Array(bad.utf8), limits: .default) }
        }
    }

    @Test func aReplyWithANullIDGetsZeroAndOthersAreUntouched() {
        let null = Array(#"{"result":null,"error":["Internal_error","x"],"id":null}"#.utf8)
        #expect(String(decoding: SwitchTransfer.replyWithUsableID(null), as: UTF8.self) == #"{"result":null,"error":["Internal_error","x"],"id":0}"#)
        let fine = Array(#"{"result":"a","error":null,"id":17}"#.utf8)
        #expect(SwitchTransfer.replyWithUsableID(fine) == fine)
    }
}

/// Reply-then-ack bookkeeping across reconnects.
@Suite struct SwitchDeliveryTrackerTests {
    let request = SwitchMessage(queue: "q", id: 0, payload: "{}", kind: .request(replyTo: "xapi"))
    var key: SwitchDeliveryTracker.Key { .init(queue: "q", id: 0) }

    @Test func aRequestIsRunThenAnsweredThenAcknowledged() throws {
        var tracker = SwitchDeliveryTracker()
        guard case .run(let token) = tracker.deliver(request) else { Issue.record("not run"); return }
        let step1 = tracker.nextStep(key)
        #expect(step1 == nil)  // still running
        let kept2 = tracker.finish(key, token: token, reply: [1])
        #expect(kept2)
        let step3 = tracker.nextStep(key)
        #expect(step3 == .sendReply(replyTo: "xapi", body: [1], token: token))
        let step4 = tracker.nextStep(key)
        #expect(step4 == nil)  // sending
        tracker.stepSucceeded(key, token: token)
        let step5 = tracker.nextStep(key)
        #expect(step5 == .acknowledge(token: token))
        tracker.stepSucceeded(key, token: token)
        #expect(tracker.count == 0)
    }

    @Test func aFailedSendIsTakenAgainAndADeliveryAgainRunsNothing() throws {
        var tracker = SwitchDeliveryTracker()
        guard case .run(let token) = tracker.deliver(request) else { Issue.record("not run"); return }
        _ = tracker.finish(key, token: token, reply: [1])
        _ = tracker.nextStep(key)
        tracker.stepFailed(key, token: token)
        tracker.beginSession()
        let delivery6 = tracker.deliver(request)
        #expect(delivery6 == .known)
        let dropped7 = tracker.dropUnseen()
        #expect(dropped7.isEmpty)
        let step8 = tracker.nextStep(key)
        #expect(step8 == .sendReply(replyTo: "xapi", body: [1], token: token))
        tracker.stepSucceeded(key, token: token)
        _ = tracker.nextStep(key)
        tracker.stepFailed(key, token: token)  // the ack failed: only the ack is left
        #expect(tracker.pendingKeys == [key])
        let step9 = tracker.nextStep(key)
        #expect(step9 == .acknowledge(token: token))
    }

    @Test func messagesNotDeliveredAgainWereAcknowledgedAlready() {
        var tracker = SwitchDeliveryTracker()
        _ = tracker.deliver(request)
        tracker.beginSession()
        let dropped10 = tracker.dropUnseen()
        #expect(dropped10 == [key])
        #expect(tracker.count == 0)
    }

    @Test func aSwitchThatLostItsQueuesVoidsEveryDelivery() {
        var tracker = SwitchDeliveryTracker()
        guard case .run(let token) = tracker.deliver(request) else { Issue.record("not run"); return }
        let forgotten11 = tracker.reset()
        #expect(forgotten11 == (forgotten: 1, running: 1))
        // The old call's reply has nowhere to go; a new message with the same id runs afresh.
        let kept12 = tracker.finish(key, token: token, reply: [1])
        #expect(!kept12)
        let reused = SwitchMessage(queue: "q", id: 0, payload: "{\"other\":1}", kind: .request(replyTo: "xapi"))
        guard case .run(let again) = tracker.deliver(reused) else { Issue.record("not run"); return }
        #expect(again != token)
        let kept13 = tracker.finish(key, token: token, reply: [1])
        #expect(!kept13)
    }

    @Test func aResponseOnTheServersQueueIsOnlyAcknowledged() {
        var tracker = SwitchDeliveryTracker()
        let stray = SwitchMessage(queue: "q", id: 5, payload: "{}", kind: .response(queue: "x", id: 1))
        guard case .acknowledgeOnly(let token) = tracker.deliver(stray) else { Issue.record("not acknowledge-only"); return }
        let step14 = tracker.nextStep(.init(queue: "q", id: 5))
        #expect(step14 == .acknowledge(token: token))
    }
}
