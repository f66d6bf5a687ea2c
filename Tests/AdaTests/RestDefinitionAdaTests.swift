import AdaV14
import AdaV2
import ConnectorKit
import ConnectorTesting
import Foundation
import RestConnector
import Testing
import VendorSandbox

@Suite("type ada-v2 and type rest with the ada-v2 definition are one connector")
struct RestDefinitionAdaTests {
    static func definition(_ api: AdaAPI) throws -> RestDefinition {
        try RestSource.loadDefinition(
            .string(api.type), path: "source.definition", baseDirectory: "/", builtIn: [AdaV2.definition, AdaV14.definition])
    }

    @Test("the same options, with the same types, defaults, bounds and documentation", arguments: [AdaAPI.v2, .v14])
    func sameOptions(api: AdaAPI) throws {
        let entry = RestSource.entry(for: try Self.definition(api))
        let typed = OptionSpec.jsonSchema(type: api.type, summary: "", options: api.definition.registryEntry.options)
        let declared = OptionSpec.jsonSchema(type: api.type, summary: "", options: entry.options.filter { $0.name != "definition" })
        #expect(declared.serialized(pretty: true) == typed.serialized(pretty: true))
    }

    @Test(
        "the same streams: fields, columns, cursor and the conversation model, for either conversations cursor",
        arguments: [AdaAPI.v2, .v14])
    func sameStreams(api: AdaAPI) throws {
        let sandbox = try VendorSandbox(settings: sandboxSettings())
        defer { sandbox.stop() }
        for cursor in ConversationsCursor.allCases {
            let typed = try ada(api, sandbox) { $0.conversationsCursor = cursor }
            let rest = try ada(api, sandbox, rest: true) { $0.conversationsCursor = cursor }
            #expect(rest.streams == typed.streams)
            for stream in typed.streams { #expect(rest.identity(of: stream) == typed.identity(of: stream)) }
        }
    }
}
