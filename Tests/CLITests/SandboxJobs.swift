import ConnectorKit
import VendorSandbox

/// An Ada job config for the sandbox's whole dataset, as JSON text: pages of `pageSize`, paced
/// fast (the sandbox enforces no limit), `extra` members appended to the source.
func adaJob(
    _ sandbox: VendorSandbox, type: String = "ada-v2", baseURL: String? = nil, pageSize: Int = 500, extra: String = "",
    sinks: String = #"[{"type": "sqlite", "path": "out/db.sqlite"}]"#
) -> String {
    #"{"source": {"type": "\#(type)", "base_url": "\#(baseURL ?? sandbox.baseURL)", "token": "\#(sandbox.settings.adaToken)", "page_size": \#(pageSize), "rate_limits": {"per_endpoint_per_second": 50, "per_minute": 0}, "start": "\#(sandbox.dataset.start.iso8601())", "end": "\#(sandbox.settings.end.iso8601())"\#(extra)}, "sinks": \#(sinks)}"#
}
