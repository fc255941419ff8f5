import CXenLight
import Glibc

/// One heap-allocated libxl struct, initialised with its `*_init` and disposed with its
/// `*_dispose` exactly once, when the box goes away.
final class LibxlValue<T>: @unchecked Sendable {  // @unchecked: filled by one thread before use, then only read (by libxl or the owner)
    let pointer: UnsafeMutablePointer<T>
    private let dispose: @Sendable (UnsafeMutablePointer<T>) -> Void

    init(_ initialise: (UnsafeMutablePointer<T>) -> Void, dispose: @escaping @Sendable (UnsafeMutablePointer<T>) -> Void) {
        pointer = .allocate(capacity: 1)
        initialise(pointer)
        self.dispose = dispose
    }

    deinit {
        dispose(pointer)
        pointer.deallocate()
    }
}

extension LibxlValue where T == libxl_device_disk {
    static func disk() -> LibxlValue { LibxlValue(libxl_device_disk_init, dispose: { libxl_device_disk_dispose($0) }) }
}

extension LibxlValue where T == libxl_device_nic {
    static func nic() -> LibxlValue { LibxlValue(libxl_device_nic_init, dispose: { libxl_device_nic_dispose($0) }) }
}

extension LibxlValue where T == libxl_device_pci {
    static func pci() -> LibxlValue { LibxlValue(libxl_device_pci_init, dispose: { libxl_device_pci_dispose($0) }) }
}

extension LibxlValue where T == libxl_bitmap {
    static func bitmap() -> LibxlValue { LibxlValue(libxl_bitmap_init, dispose: { libxl_bitmap_dispose($0) }) }
}

/// An owned `libxl_domain_config`, plus the domid out-parameter that create/restore fill in.
///
/// Both must stay alive until an asynchronous create or restore completes; the
/// ``AsyncOperations`` registry keeps the box alive until then.
public final class DomainConfigBox: @unchecked Sendable {  // @unchecked: built by one thread, then only read by libxl during create/restore
    /// The configuration. libxl frees every string and array in it on dispose.
    public let pointer: UnsafeMutablePointer<libxl_domain_config>
    /// Where create/restore write the new domid.
    let domid: UnsafeMutablePointer<UInt32>

    /// An empty, initialised configuration.
    public init() {
        pointer = .allocate(capacity: 1)
        libxl_domain_config_init(pointer)
        domid = .allocate(capacity: 1)
        domid.initialize(to: CXL_INVALID_DOMID)
    }

    deinit {
        libxl_domain_config_dispose(pointer)
        pointer.deallocate()
        domid.deallocate()
    }

    /// libxl's own JSON rendering (`libxl_domain_config_to_json`, no ctx needed): the form xl
    /// puts in save headers and libxl keeps as its `libxl-json` userdata.
    public func json() -> String {
        guard let p = libxl_domain_config_to_json(nil, pointer) else { return "" }
        defer { free(p) }
        return String(cString: p)
    }
}
