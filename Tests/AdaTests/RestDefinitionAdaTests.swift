import AdaCommon
import ConnectorKit
import ConnectorTesting
import Foundation
import RestConnector
import Testing
import VendorSandbox

@Suite("Built-in connector definitions for Ada describe exactly what the native connectors do")
struct RestDefinitionAdaTests {
    static func definition(_ api: AdaAPI) throws -> RestDefinition {
        try RestSource.loadDefinition(.string(api.type), path: "source.definition", baseDirectory: "/")
    }

    @Test("the same options, with the same types, defaults, bounds and documentation", arguments: [AdaAPI.v2, .v14])
    func sameOptions(api: AdaAPI) throws {
        let entry = RestSource.entry(for: try Self.definition(api))
        let native = OptionSpec.jsonSchema(type: api.type, summary: "", options: api.options)
        let declared = OptionSpec.jsonSchema(type: api.type, summary: "", options: entry.options.filter { $0.name != "definition" })
        #expect(declared.serialized(pretty: true) == native.serialized(pretty: true))
    }

    @Test(
        "the same streams: fields, columns, cursor and the conversation model, for either conversations cursor",
        arguments: [AdaAPI.v2, .v14])
    func sameStreams(api: AdaAPI) throws {
        let sandbox = try VendorSandbox(settings: sandboxSettings())
        defer { sandbox.stop() }
        for cursor in AdaStreams.ConversationsCursor.allCases {
            let native = adaSource(api, sandbox) { $0.conversationsCursor = cursor }
            let rest = try restAdaSource(api, sandbox) { $0.conversationsCursor = cursor }
            #expect(rest.streams == native.streams)
            for stream in native.streams { #expect(rest.identity(of: stream) == native.identity(of: stream)) }
        }
    }
}
