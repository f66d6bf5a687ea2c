/// The Thrift compact protocol, write side only: what Parquet's metadata (page headers and the
/// file footer) is encoded in. <https://github.com/apache/thrift/blob/master/doc/specs/thrift-compact-protocol.md>
struct ThriftCompactWriter {
    /// Compact type ids.
    enum FieldType: UInt8 {
        case boolTrue = 1
        case boolFalse = 2
        case i16 = 4
        case i32 = 5
        case i64 = 6
        case binary = 8
        case list = 9
        case structure = 12
    }

    private(set) var bytes: [UInt8] = []
    private var lastField: [Int16] = [0]

    private mutating func fieldHeader(_ id: Int16, _ type: FieldType) {
        let delta = id - lastField[lastField.count - 1]
        if delta > 0, delta <= 15 {
            bytes.append(UInt8(delta) << 4 | type.rawValue)
        } else {
            bytes.append(type.rawValue)
            varint(zigzag(Int64(id)))
        }
        lastField[lastField.count - 1] = id
    }

    private mutating func varint(_ value: UInt64) {
        var value = value
        while value >= 0x80 {
            bytes.append(UInt8(value & 0x7F) | 0x80)
            value >>= 7
        }
        bytes.append(UInt8(value))
    }

    private func zigzag(_ value: Int64) -> UInt64 { UInt64(bitPattern: (value << 1) ^ (value >> 63)) }

    /// An i16 field.
    mutating func i16(_ id: Int16, _ value: Int16) {
        fieldHeader(id, .i16)
        varint(zigzag(Int64(value)))
    }

    /// An i32 field.
    mutating func i32(_ id: Int16, _ value: Int32) {
        fieldHeader(id, .i32)
        varint(zigzag(Int64(value)))
    }

    /// An i64 field.
    mutating func i64(_ id: Int16, _ value: Int64) {
        fieldHeader(id, .i64)
        varint(zigzag(value))
    }

    /// A bool field (its value travels in the field header).
    mutating func bool(_ id: Int16, _ value: Bool) { fieldHeader(id, value ? .boolTrue : .boolFalse) }

    /// A binary (or string) field.
    mutating func binary(_ id: Int16, _ value: some Collection<UInt8>) {
        fieldHeader(id, .binary)
        varint(UInt64(value.count))
        bytes.append(contentsOf: value)
    }

    /// A string field.
    mutating func string(_ id: Int16, _ value: String) { binary(id, Array(value.utf8)) }

    /// A struct field: `body` writes its fields.
    mutating func structure(_ id: Int16, _ body: (inout ThriftCompactWriter) -> Void) {
        fieldHeader(id, .structure)
        structBody(body)
    }

    /// A list-of-structs field.
    mutating func structList(_ id: Int16, count: Int, _ element: (inout ThriftCompactWriter, Int) -> Void) {
        listHeader(id, count: count, .structure)
        for index in 0..<count { structBody { element(&$0, index) } }
    }

    /// A list-of-i32 field.
    mutating func i32List(_ id: Int16, _ values: [Int32]) {
        listHeader(id, count: values.count, .i32)
        for value in values { varint(zigzag(Int64(value))) }
    }

    /// A list-of-strings field.
    mutating func stringList(_ id: Int16, _ values: [String]) {
        listHeader(id, count: values.count, .binary)
        for value in values {
            varint(UInt64(value.utf8.count))
            bytes.append(contentsOf: value.utf8)
        }
    }

    /// Ends the outermost struct (the message itself).
    mutating func stop() { bytes.append(0) }

    private mutating func listHeader(_ id: Int16, count: Int, _ element: FieldType) {
        fieldHeader(id, .list)
        if count < 15 {
            bytes.append(UInt8(count) << 4 | element.rawValue)
        } else {
            bytes.append(0xF0 | element.rawValue)
            varint(UInt64(count))
        }
    }

    private mutating func structBody(_ body: (inout ThriftCompactWriter) -> Void) {
        lastField.append(0)
        body(&self)
        bytes.append(0)
        lastField.removeLast()
    }
}
