/// A plain text table: upper-case headers, columns padded to their widest cell, two spaces
/// between columns.
struct Table {
    let headers: [String]
    private(set) var rows: [[String]] = []

    init(_ headers: String...) {
        self.headers = headers
    }

    mutating func add(_ cells: String...) {
        rows.append(cells)
    }

    /// The rendered lines, without a trailing newline.
    var rendered: String {
        var widths = headers.map(\.count)
        for row in rows {
            for (i, cell) in row.enumerated() where i < widths.count { widths[i] = max(widths[i], cell.count) }
        }
        func line(_ cells: [String]) -> String {
            var text = ""
            for (i, cell) in cells.enumerated() {
                if i == cells.count - 1 { text += cell } else { text += cell + String(repeating: " ", count: widths[i] - cell.count + 2) }
            }
            return text
        }
        return ([line(headers)] + rows.map(line)).joined(separator: "\n")
    }
}

/// Aligned `Key:  value` lines.
struct KeyValues {
    private(set) var pairs: [(String, String)] = []

    mutating func add(_ key: String, _ value: String) {
        pairs.append((key, value))
    }

    var rendered: String {
        let width = pairs.map(\.0.count).max() ?? 0
        return pairs.map { key, value in key + ":" + String(repeating: " ", count: width - key.count + 2) + value }.joined(separator: "\n")
    }
}
