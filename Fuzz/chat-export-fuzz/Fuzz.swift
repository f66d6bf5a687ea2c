import Foundation
import FuzzChecks

// Built with `Fuzz/run` (`--sanitize=fuzzer --sanitize=address -Xswiftc -DFUZZING`), this is a
// libFuzzer target: libFuzzer's own `main` calls `LLVMFuzzerTestOneInput` with each input, and
// `CHAT_EXPORT_FUZZ_TARGET` names the target. A finding traps, so libFuzzer saves the input.
//
// Built normally, it replays inputs: `chat-export-fuzz TARGET FILE…` runs the same checks on
// each file and prints what it finds (exit 1), to reproduce a crash without the sanitizers.

#if FUZZING
    nonisolated(unsafe) private var selected: FuzzTarget?

    /// libFuzzer's entry point: checks one input with the selected target, and traps on a finding.
    @_cdecl("LLVMFuzzerTestOneInput")
    public func fuzzOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
        if selected == nil {
            let name = ProcessInfo.processInfo.environment["CHAT_EXPORT_FUZZ_TARGET"] ?? ""
            guard let target = FuzzTarget(rawValue: name) else {
                fatalError(
                    "set CHAT_EXPORT_FUZZ_TARGET to one of \(FuzzTarget.allCases.map(\.rawValue).joined(separator: ", ")) (got \"\(name)\")"
                )
            }
            selected = target
        }
        let input = data.map { Array(UnsafeBufferPointer(start: $0, count: size)) } ?? []
        do {
            try selected!.check(input)
        } catch {
            fatalError("\(error)")
        }
        return 0
    }
#else
    @main
    struct Replay {
        static func main() {
            let arguments = CommandLine.arguments.dropFirst()
            guard let name = arguments.first, let target = FuzzTarget(rawValue: name), arguments.count > 1 else {
                let names = FuzzTarget.allCases.map(\.rawValue).joined(separator: "|")
                FileHandle.standardError.write(Data("usage: chat-export-fuzz \(names) FILE...\n".utf8))
                exit(64)
            }
            var found = 0
            for file in arguments.dropFirst() {
                guard let data = FileManager.default.contents(atPath: file) else {
                    FileHandle.standardError.write(Data("chat-export-fuzz: cannot read \(file)\n".utf8))
                    exit(66)
                }
                do {
                    try target.check(Array(data))
                } catch {
                    found += 1
                    print("\(file): \(error)")
                }
            }
            exit(found == 0 ? 0 : 1)
        }
    }
#endif
