import Testing
import XenopsCore

private typealias F = CodecFixtures

/// Decoding errors say which field of which type was wrong.
@Suite("Codec: decoding errors name the field and the type")
struct CodecDecodeErrorTests {
    /// The full Metadata document with one value replaced (or removed, for nil).
    private func metadata(setting path: [String], to value: JSONValue?) throws -> JSONValue {
        F.setting(path, to: value, in: try F.json(F.fullMetadata))
    }

    private func error<T: XenopsCodable>(decoding value: JSONValue, as type: T.Type) throws -> XenopsDecodeError {
        try #require(throws: XenopsDecodeError.self) { try T(xenops: value) }
    }

    @Test("a field of the wrong type names the field and the record type")
    func wrongFieldType() throws {
        let vm = try #require(try F.json(F.fullMetadata)["vm"])
        let bad = F.setting(["memory_static_max"], to: .string("lots"), in: vm)
        let e = try error(decoding: bad, as: VM.self)
        #expect(e.path == ["memory_static_max"])
        #expect(e.rootType == "Vm.t")
        #expect(e.description.contains("memory_static_max"))
        #expect(e.description.contains("Vm.t"))
        #expect(e.description.contains("lots"))
    }

    @Test("the same error inside Metadata.t names the whole path and the owning record")
    func wrongFieldTypeNested() throws {
        let e = try error(decoding: try metadata(setting: ["vm", "memory_static_max"], to: .string("lots")), as: Metadata.self)
        #expect(e.path == ["vm", "memory_static_max"])
        #expect(e.description.contains("vm.memory_static_max"))
        #expect(e.description.contains("Metadata.t"))
        #expect(e.description.contains("Vm.t"))
    }

    @Test("an error inside a variant argument names the constructor in the path (ty.HVM.firmware)")
    func unknownTagInsideVariant() throws {
        let vm = try #require(try F.json(F.fullMetadata)["vm"])
        let ty = try F.json(#"["HVM",{"firmware":"Coreboot"}]"#)
        let e = try error(decoding: F.setting(["ty"], to: ty, in: vm), as: VM.self)
        #expect(e.path == ["ty", "HVM", "firmware"])
        #expect(e.description.contains("ty.HVM.firmware"))
        #expect(e.description.contains("Coreboot"))
        #expect(e.description.contains("Vm.t"))
        #expect(e.description.contains("Vm.hvm_info"))
    }

    @Test("a missing required field says so", arguments: ["vcpus", "id", "ty", "on_crash", "scheduler_params"])
    func missingField(field: String) throws {
        let e = try error(decoding: try metadata(setting: ["vm", field], to: nil), as: Metadata.self)
        #expect(e.path == ["vm", field])
        #expect(e.description.contains("missing"))
        #expect(e.description.contains("vm.\(field)"))
        #expect(e.description.contains("Vm.t"))
    }

    @Test("a missing vm in Metadata.t")
    func missingVM() throws {
        let e = try error(decoding: try F.json(#"{"vbds":[]}"#), as: Metadata.self)
        #expect(e.description.contains("'vm'") && e.description.contains("missing") && e.description.contains("Metadata.t"))
    }

    @Test("an error in a list element names the index (vbds[1].mode)")
    func listElement() throws {
        let good = try #require(try F.json(F.fullMetadata)["vbds"]?.arrayElements?.first)
        let bad = F.setting(["mode"], to: .string("ReadExecute"), in: good)
        let e = try error(decoding: try metadata(setting: ["vbds"], to: .array([good, bad])), as: Metadata.self)
        #expect(e.path == ["vbds", "[1]", "mode"])
        #expect(e.description.contains("vbds[1].mode"))
        #expect(e.description.contains("ReadExecute"))
        #expect(e.description.contains("Vbd.t"))
        #expect(e.description.contains("Metadata.t"))
    }

    @Test("an error in an association list names the key")
    func mapValue() throws {
        let xsdata = JSONValue.object([JSONMember("vm-data/ok", .string("1")), JSONMember("vm-data/bad", .int(2))])
        let e = try error(decoding: try metadata(setting: ["vm", "xsdata"], to: xsdata), as: Metadata.self)
        #expect(e.description.contains(#"vm.xsdata["vm-data/bad"]"#))
    }

    @Test("an error in a tuple element and in an enum list")
    func tupleAndListOfTags() throws {
        let e1 = try error(decoding: try metadata(setting: ["vm", "on_reboot"], to: .array([.string("Start"), .string("Explode")])), as: Metadata.self)
        #expect(e1.description.contains("vm.on_reboot[1]"))
        #expect(e1.description.contains("Explode"))
        let e2 = try error(decoding: try metadata(setting: ["vm", "ssidref"], to: .int(1 << 40)), as: Metadata.self)
        #expect(e2.description.contains("vm.ssidref") && e2.description.contains("int32"))
    }

    @Test("a document that is not an object names the type")
    func notAnObject() throws {
        let e = try error(decoding: .array([]), as: TaskInfo.self)
        #expect(e.description.contains("Task.t"))
        #expect(e.description.contains("object"))
    }
}
