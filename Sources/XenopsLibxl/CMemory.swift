import CXenLight
import Glibc

/// Allocation helpers for values stored inside libxl structs.
///
/// libxl's `*_dispose` functions `free()` every string and array of a struct, so everything
/// put there must come from `malloc`/`calloc`/`strdup`, never from Swift-managed storage.
enum CMemory {
    /// A `strdup`'d copy of `s` that libxl may own and free. Aborts if out of memory, as
    /// libxl itself does.
    static func string(_ s: String) -> UnsafeMutablePointer<CChar> {
        guard let p = strdup(s) else { fatalError("out of memory copying a string for libxl") }
        return p
    }

    /// `count` zeroed elements of `T` from `calloc` (at least one, so the result is never NULL).
    static func array<T>(of type: T.Type, count: Int) -> UnsafeMutablePointer<T> {
        guard let raw = calloc(max(count, 1), MemoryLayout<T>.stride) else { fatalError("out of memory allocating for libxl") }
        return raw.assumingMemoryBound(to: T.self)
    }

    /// A NULL-terminated `char **` (`libxl_string_list`) holding copies of `items`.
    static func stringList(_ items: [String]) -> libxl_string_list {
        let list = array(of: UnsafeMutablePointer<CChar>?.self, count: items.count + 1)
        for (i, item) in items.enumerated() { list[i] = string(item) }
        return list
    }

    /// A NULL-terminated `char **` of alternating keys and values (`libxl_key_value_list`),
    /// sorted by key so the result is deterministic.
    static func keyValueList(_ pairs: [String: String]) -> libxl_key_value_list {
        let sorted = pairs.sorted { $0.key < $1.key }
        let list = array(of: UnsafeMutablePointer<CChar>?.self, count: 2 * sorted.count + 1)
        for (i, pair) in sorted.enumerated() {
            list[2 * i] = string(pair.key)
            list[2 * i + 1] = string(pair.value)
        }
        return list
    }

    /// Fills `bitmap` (which must be empty) with a map of `bits` bits, those in `set` on.
    ///
    /// `libxl_bitmap_alloc` needs a ctx (it segfaults with NULL), so the map is `calloc`'d here;
    /// `libxl_bitmap_dispose` frees it.
    static func fillBitmap(_ bitmap: inout libxl_bitmap, bits: Int, set: some Sequence<Int>) {
        let bytes = max(1, (bits + 7) / 8)
        let map = array(of: UInt8.self, count: bytes)
        for bit in set where bit >= 0 && bit < bytes * 8 {
            map[bit / 8] |= UInt8(1) << UInt8(bit % 8)
        }
        bitmap.size = UInt32(bytes)
        bitmap.map = map
    }

    /// A Swift string from a C string that may be NULL.
    static func swiftString(_ p: UnsafePointer<CChar>?) -> String? {
        guard let p else { return nil }
        return String(cString: p)
    }
}
