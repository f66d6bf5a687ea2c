import Foundation

extension PostgresConnection {
    /// A `text[]` literal of `values`, to pass as one parameter (`= ANY($1::text[])`).
    ///
    /// - Parameter values: The strings.
    /// - Returns: `{"a","b"}` with quotes and backslashes escaped.
    package static func textArray(_ values: [String]) -> String {
        "{"
            + values.map { "\"" + $0.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\"" }
            .joined(separator: ",") + "}"
    }
}
