import ConnectorKit

/// The Thrift compact protocol, read side: a struct as a tree of its fields by id, enough to read
/// the metadata ``ParquetWriter`` writes (the footer and page headers). Bounded: nesting deeper
/// than 16 structs, or a list or binary longer than the bytes left, is an error.
struct ThriftCompactReader {
    /// A value read.
    indirect enum Value {
        case int(Int64)
        case bool(Bool)
        case binary(ArraySlice<UInt8>)
        case list([Value])
        case structure([Int16: Value])

        var int: Int64? { if case .int(let value) = self { value } else { nil } }
        var binary: ArraySlice<UInt8>? { if case .binary(let value) = self { value } else { nil } }
        var list: [Value]? { if case .list(let value) = self { value } else { nil } }
        var fields: [Int16: Value]? { if case .structure(let value) = self { value } else { nil } }
    }

    struct Malformed: Error {}

    let bytes: ArraySlice<UInt8>
    /// The next byte to read.
    private(set) var position: Int

    init(_ bytes: ArraySlice<UInt8>) {
        self.bytes = bytes
        position = bytes.startIndex
    }

    /// Reads one struct (its fields up to the stop byte).
    mutating func structure(depth: Int = 0) throws -> [Int16: Value] {
        guard depth < 16 else { throw Malformed() }
        var fields: [Int16: Value] = [:]
        var last: Int16 = 0
        while true {
            let header = try byte()
            if header == 0 { return fields }
            let type = header & 0x0F
            let delta = Int16(header >> 4)
            let id: Int16
            if delta == 0 {
                guard let value = Int16(exactly: zigzag(try varint())) else { throw Malformed() }
                id = value
            } else {
                id = last + delta
            }
            last = id
            fields[id] = try value(type, depth: depth)
        }
    }

    private mutating func value(_ type: UInt8, depth: Int) throws -> Value {
        switch type {
        case 1: return .bool(true)
        case 2: return .bool(false)
        case 3: return .int(Int64(Int8(bitPattern: try byte())))
        case 4, 5, 6: return .int(zigzag(try varint()))
        case 7:
            guard position + 8 <= bytes.endIndex else { throw Malformed() }
            position += 8
            return .int(0)
        case 8:
            let count = Int(try varint())
            guard count >= 0, count <= bytes.endIndex - position else { throw Malformed() }
            defer { position += count }
            return .binary(bytes[position..<position + count])
        case 9, 10:
            let header = try byte()
            var count = Int(header >> 4)
            if count == 15 { count = Int(try varint()) }
            guard count <= bytes.endIndex - position else { throw Malformed() }
            let element = header & 0x0F
            var values: [Value] = []
            for _ in 0..<count {
                values.append(element == 1 ? .bool(try byte() == 1) : try value(element, depth: depth + 1))
            }
            return .list(values)
        case 12: return .structure(try structure(depth: depth + 1))
        default: throw Malformed()
        }
    }

    private mutating func byte() throws -> UInt8 {
        guard position < bytes.endIndex else { throw Malformed() }
        defer { position += 1 }
        return bytes[position]
    }

    private mutating func varint() throws -> UInt64 {
        var value: UInt64 = 0
        var shift: UInt64 = 0
        while true {
            let next = try byte()
            guard shift < 64 else { throw Malformed() }
            value |= UInt64(next & 0x7F) << shift
            if next & 0x80 == 0 { return value }
            shift += 7
        }
    }

    private func zigzag(_ value: UInt64) -> Int64 { Int64(bitPattern: value >> 1) ^ -Int64(bitPattern: value & 1) }
}
