public import ConnectorKit
import SQLStore

extension PostgresSink: ForgettingSink {
    /// The ids of the stream's rows whose end-user fields hold one of the values.
    ///
    /// - Parameters:
    ///   - stream: The stream and the values.
    ///   - job: Unused: the schema keeps no owner.
    /// - Returns: The ids.
    /// - Throws: ``ChatExportError`` when the server cannot be asked.
    public func ids(matching stream: ForgetRequest.Stream, for job: JobIdentity) async throws -> Set<String> {
        try store.ids(matching: stream, on: database())
    }

    /// Deletes the matching rows of every stream in one transaction. (PostgreSQL keeps deleted
    /// rows' bytes in the table's pages until `VACUUM` reuses them.)
    ///
    /// - Parameter request: What to remove.
    /// - Returns: Rows deleted, by stream.
    /// - Throws: ``ChatExportError``; nothing is deleted then.
    public func forget(_ request: ForgetRequest) async throws -> [String: Int] {
        let counts = try store.forget(request, on: database())
        request.stepCompleted("\(identity): rows deleted")
        return counts
    }
}
