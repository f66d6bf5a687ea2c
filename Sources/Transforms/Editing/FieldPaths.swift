import ConnectorKit
import Glibc

/// The fields a transform acts on and the fields it must leave alone, as a tree of keys from the
/// record's root. Arrays are looked through: `items.secret` reaches `secret` in every element of
/// `items`.
///
/// Kept as flat arrays of plain values, so a walk over a record looks keys up without reference
/// counting.
struct FieldPaths: Sendable {
    struct Node: Sendable {
        /// The key's bytes: `keyBytes[keyStart..<keyStart + keyLength]`.
        var keyStart = 0
        var keyLength = 0
        /// The transform acts on the value here.
        var target = false
        /// The value here identifies the record: never touched.
        var protected = false
        /// Whether any node hangs below this one.
        var hasChildren = false
    }

    private(set) var nodes = [Node()]
    /// Each node's children, by node index (parallel to ``nodes``).
    private var children: [[Int]] = [[]]
    private var keyBytes: [UInt8] = []

    /// The root.
    static let root = 0

    /// Adds a path (keys from the root).
    mutating func insert(_ path: [String], target: Bool = false, protected: Bool = false) {
        var node = Self.root
        for key in path {
            let bytes = Array(key.utf8)
            if let child = children[node].first(where: { self.key(of: $0) == bytes[...] }) {
                node = child
            } else {
                nodes.append(Node(keyStart: keyBytes.count, keyLength: bytes.count))
                keyBytes += bytes
                children.append([])
                children[node].append(nodes.count - 1)
                nodes[node].hasChildren = true
                node = nodes.count - 1
            }
        }
        if target { nodes[node].target = true }
        if protected { nodes[node].protected = true }
    }

    private func key(of node: Int) -> ArraySlice<UInt8> { keyBytes[nodes[node].keyStart..<(nodes[node].keyStart + nodes[node].keyLength)] }

    /// The paths of a stream that identify its records: its id, cursor and parent fields.
    static func identifying(_ stream: StreamDescriptor) -> [(path: [String], role: String)] {
        var paths: [(path: [String], role: String)] = [(stream.idPath, "id")]
        if let cursor = stream.cursorField { paths.append((cursor.split(separator: ".").map(String.init), "cursor")) }
        if let parent = stream.parentField { paths.append((parent.split(separator: ".").map(String.init), "parent id")) }
        return paths
    }

    /// A configured path (`variables.email`) as keys, or nil when a key is empty.
    static func parse(_ text: String) -> [String]? {
        let keys = text.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        return keys.contains(where: \.isEmpty) ? nil : keys
    }

    /// Runs `body` with a view for walking records: the tree as unsafe buffers.
    func withView<T>(_ body: (View) throws -> T) rethrows -> T {
        // Children flattened: node i's children are `flat[starts[i]..<starts[i + 1]]`.
        var starts: [Int] = []
        var flat: [Int] = []
        for list in children {
            starts.append(flat.count)
            flat += list
        }
        starts.append(flat.count)
        return try nodes.withUnsafeBufferPointer { nodes in
            try starts.withUnsafeBufferPointer { starts in
                try flat.withUnsafeBufferPointer { flat in
                    try keyBytes.withUnsafeBufferPointer { keys in
                        try body(View(nodes: nodes, starts: starts, children: flat, keys: keys))
                    }
                }
            }
        }
    }

    /// The tree, valid inside ``withView(_:)``.
    struct View {
        let nodes: UnsafeBufferPointer<Node>
        let starts: UnsafeBufferPointer<Int>
        let children: UnsafeBufferPointer<Int>
        let keys: UnsafeBufferPointer<UInt8>

        @inline(__always) func node(_ index: Int) -> Node { nodes[index] }

        /// The child of `node` whose key is the string at `range` of `json` (raw bytes, decoded
        /// first when it holds escapes), or nil.
        @inline(__always) func child(of node: Int, key range: Range<Int>, escaped: Bool, in json: JSONBytes) -> Int? {
            guard nodes[node].hasChildren else { return nil }
            if escaped {
                var decoded: [UInt8] = []
                JSONEscapes.decode(UnsafeBufferPointer(start: json.p + range.lowerBound, count: range.count), into: &decoded)
                return decoded.withUnsafeBufferPointer { child(of: node, matching: $0.baseAddress, count: $0.count) }
            }
            return child(of: node, matching: json.p + range.lowerBound, count: range.count)
        }

        @inline(__always) private func child(of node: Int, matching bytes: UnsafePointer<UInt8>?, count: Int) -> Int? {
            for position in starts[node]..<starts[node + 1] {
                let candidate = children[position]
                let entry = nodes[candidate]
                guard entry.keyLength == count else { continue }
                if count == 0 { return candidate }
                guard let bytes, let keys = keys.baseAddress else { continue }
                if memcmp(keys + entry.keyStart, bytes, count) == 0 { return candidate }
            }
            return nil
        }
    }
}
