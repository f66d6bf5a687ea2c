import ConnectorKit
import Testing

@Suite("Typed options")
struct OptionTests {
    static let lag = Option.duration("lag", default: "2h", summary: "How far behind now.")
    static let pages = Option.integer("per_page", 1...1000, default: 1000, summary: "Records per request.")
    static let days = Option.number("window_days", 0.001...366, default: 7, summary: "Window length.")

    func validate(_ members: [(key: String, value: JSONValue)]) -> (ComponentOptions, [ConfigIssue]) {
        var issues: [ConfigIssue] = []
        let options = OptionValidator.validate(
            members, specs: [Self.lag.spec, Self.pages.spec, Self.days.spec], type: "t", path: "source", baseDirectory: "/", issues: &issues
        )
        return (options, issues)
    }

    @Test("one declaration gives the schema's default, the validation's bounds and the factory's value")
    func declaredOnce() {
        #expect(Self.lag.spec.defaultValue == .string("2h"))
        #expect(Self.days.spec.defaultValue == .integer(7))
        let (absent, none) = validate([])
        #expect(none.isEmpty)
        #expect(absent[Self.lag] == 7200)
        #expect(absent[Self.pages] == 1000)
        #expect(absent[Self.days] == 7)
        let (given, _) = validate([("lag", .string("90s")), ("per_page", .integer(50)), ("window_days", .number("0.5"))])
        #expect(given[Self.lag] == 90)
        #expect(given[Self.pages] == 50)
        #expect(given[Self.days] == 0.5)
        let (_, issues) = validate([("per_page", .integer(5000))])
        #expect(issues.map(\.path) == ["source.per_page"])
        // A duration has bounds too: what would overflow a computation is refused at validate.
        let (_, long) = validate([("lag", .string("999999999d"))])
        #expect(long.map(\.description) == [#"source.lag: expected a duration from 0s to 366d, got "999999999d""#])
        let (_, huge) = validate([("lag", .number("1e400"))])
        #expect(huge.map(\.path) == ["source.lag"])
    }
}
