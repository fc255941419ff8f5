/// `Host.t`: what `HOST.stat` returns.
public struct HostInfo: Sendable, Hashable, XenopsCodable {
    public var cpuInfo: CPUInfo
    public var hypervisor: Hypervisor
    public var chipsetInfo: ChipsetInfo

    /// `Host.cpu_info`. The feature policies are hex words joined with `-`.
    public struct CPUInfo: Sendable, Hashable, XenopsCodable {
        public var cpuCount = 0
        public var socketCount = 0
        public var threadsPerCore = 0
        public var nrNodes = 1
        public var vendor = ""
        public var speed = ""
        public var modelname = ""
        public var family = ""
        public var model = ""
        public var stepping = ""
        public var flags = ""
        public var features = ""
        public var featuresPV = ""
        public var featuresHVM = ""
        public var featuresPVHost = ""
        public var featuresHVMHost = ""

        public init() {}

        public init(xenops value: JSONValue) throws {
            let r = try XenopsRecordReader(value, typeName: "Host.cpu_info")
            cpuCount = try r.required("cpu_count")
            socketCount = try r.required("socket_count")
            threadsPerCore = try r.required("threads_per_core")
            nrNodes = try r.defaulted("nr_nodes", 1)
            vendor = try r.required("vendor")
            speed = try r.required("speed")
            modelname = try r.required("modelname")
            family = try r.required("family")
            model = try r.required("model")
            stepping = try r.required("stepping")
            flags = try r.required("flags")
            features = try r.required("features")
            featuresPV = try r.required("features_pv")
            featuresHVM = try r.required("features_hvm")
            featuresPVHost = try r.defaulted("features_pv_host", "")
            featuresHVMHost = try r.defaulted("features_hvm_host", "")
        }

        public var xenops: JSONValue {
            var w = XenopsRecordWriter(capacity: 16)
            w.set("cpu_count", cpuCount)
            w.set("socket_count", socketCount)
            w.set("threads_per_core", threadsPerCore)
            w.set("nr_nodes", nrNodes)
            w.set("vendor", vendor)
            w.set("speed", speed)
            w.set("modelname", modelname)
            w.set("family", family)
            w.set("model", model)
            w.set("stepping", stepping)
            w.set("flags", flags)
            w.set("features", features)
            w.set("features_pv", featuresPV)
            w.set("features_hvm", featuresHVM)
            w.set("features_pv_host", featuresPVHost)
            w.set("features_hvm_host", featuresHVMHost)
            return w.json
        }
    }

    /// `Host.hypervisor`.
    public struct Hypervisor: Sendable, Hashable, XenopsCodable {
        public var version: String
        public var capabilities: String

        public init(version: String, capabilities: String) {
            self.version = version
            self.capabilities = capabilities
        }

        public init(xenops value: JSONValue) throws {
            let r = try XenopsRecordReader(value, typeName: "Host.hypervisor")
            version = try r.required("version")
            capabilities = try r.required("capabilities")
        }

        public var xenops: JSONValue {
            var w = XenopsRecordWriter(capacity: 2)
            w.set("version", version)
            w.set("capabilities", capabilities)
            return w.json
        }
    }

    /// `Host.chipset_info`.
    public struct ChipsetInfo: Sendable, Hashable, XenopsCodable {
        public var iommu: Bool
        public var hvm: Bool

        public init(iommu: Bool, hvm: Bool) {
            self.iommu = iommu
            self.hvm = hvm
        }

        public init(xenops value: JSONValue) throws {
            let r = try XenopsRecordReader(value, typeName: "Host.chipset_info")
            iommu = try r.required("iommu")
            hvm = try r.required("hvm")
        }

        public var xenops: JSONValue {
            var w = XenopsRecordWriter(capacity: 2)
            w.set("iommu", iommu)
            w.set("hvm", hvm)
            return w.json
        }
    }

    public init(cpuInfo: CPUInfo, hypervisor: Hypervisor, chipsetInfo: ChipsetInfo) {
        self.cpuInfo = cpuInfo
        self.hypervisor = hypervisor
        self.chipsetInfo = chipsetInfo
    }

    public init(xenops value: JSONValue) throws {
        let r = try XenopsRecordReader(value, typeName: "Host.t")
        cpuInfo = try r.required("cpu_info")
        hypervisor = try r.required("hypervisor")
        chipsetInfo = try r.required("chipset_info")
    }

    public var xenops: JSONValue {
        var w = XenopsRecordWriter(capacity: 3)
        w.set("cpu_info", cpuInfo)
        w.set("hypervisor", hypervisor)
        w.set("chipset_info", chipsetInfo)
        return w.json
    }
}

/// `Query.t`: what `query` returns.
public struct QueryResult: Sendable, Hashable, XenopsCodable {
    public var name = "xenops"
    public var vendor = "XCP"
    public var version = "0.1"
    public var features: [String] = []
    /// Fresh for every daemon process.
    public var instanceID: String

    public init(instanceID: String, features: [String] = []) {
        self.instanceID = instanceID
        self.features = features
    }

    public init(xenops value: JSONValue) throws {
        let r = try XenopsRecordReader(value, typeName: "Query.t")
        name = try r.required("name")
        vendor = try r.required("vendor")
        version = try r.required("version")
        features = try r.required("features")
        instanceID = try r.required("instance_id")
    }

    public var xenops: JSONValue {
        var w = XenopsRecordWriter(capacity: 5)
        w.set("name", name)
        w.set("vendor", vendor)
        w.set("version", version)
        w.set("features", features)
        w.set("instance_id", instanceID)
        return w.json
    }
}
