import ConnectorRuntime
import ConnectorTesting
import Testing

@Suite("Progress line")
struct ProgressLineTests {
    @Test("the live line is cut to the terminal's width so a redraw never leaves wrapped rows behind")
    func fitsTheTerminal() {
        let long = String(repeating: "messages: 1234 records | ", count: 8)
        let fitted = FileOutput.fit(long, columns: 80)
        #expect(fitted.count == 79)
        #expect(fitted.hasSuffix("…"))
        #expect(FileOutput.fit("short", columns: 80) == "short")
    }
}
