import ChatExportService
import ConnectorKit
import ConnectorRuntime
import ConnectorTesting
import Testing

@Suite("Cron schedules")
struct CronScheduleTests {
    /// One case: the expression, the time after which to look, and the next time it names.
    struct Case: CustomTestStringConvertible, Sendable {
        var expression: String
        var after: String
        var next: String
        var testDescription: String { "\"\(expression)\" after \(after) → \(next)" }
    }

    // 2026-12-05 is a Saturday; 2028 is a leap year.
    static let cases: [Case] = [
        // Steps, every minute, exact minutes.
        Case(expression: "*/15 * * * *", after: "2026-12-05T10:07:12Z", next: "2026-12-05T10:15:00Z"),
        Case(expression: "*/15 * * * *", after: "2026-12-05T10:15:00Z", next: "2026-12-05T10:30:00Z"),
        Case(expression: "*/15 * * * *", after: "2026-12-05T23:59:00Z", next: "2026-12-06T00:00:00Z"),
        Case(expression: "* * * * *", after: "2026-12-05T10:07:59.999Z", next: "2026-12-05T10:08:00Z"),
        Case(expression: "30 6 * * *", after: "2026-12-05T06:30:00Z", next: "2026-12-06T06:30:00Z"),
        Case(expression: "0 0 1 1 *", after: "2026-12-05T00:00:00Z", next: "2027-01-01T00:00:00Z"),
        // Ranges, ranges with steps, a/s (from a to the end), lists of all of them.
        Case(expression: "0 9-17 * * *", after: "2026-12-05T17:00:00Z", next: "2026-12-06T09:00:00Z"),
        Case(expression: "0 9-17/4 * * *", after: "2026-12-05T09:00:00Z", next: "2026-12-05T13:00:00Z"),
        Case(expression: "5/20 * * * *", after: "2026-12-05T10:46:00Z", next: "2026-12-05T11:05:00Z"),
        Case(expression: "0,10-12,50/5 8 * * *", after: "2026-12-05T08:00:00Z", next: "2026-12-05T08:10:00Z"),
        Case(expression: "0,10-12,50/5 8 * * *", after: "2026-12-05T08:12:00Z", next: "2026-12-05T08:50:00Z"),
        Case(expression: "0,10-12,50/5 8 * * *", after: "2026-12-05T08:55:00Z", next: "2026-12-06T08:00:00Z"),
        // Names, any case; 0 and 7 are Sunday.
        Case(expression: "0 6 * * MON-FRI", after: "2026-12-05T00:00:00Z", next: "2026-12-07T06:00:00Z"),
        Case(expression: "0 6 * * sun", after: "2026-12-05T00:00:00Z", next: "2026-12-06T06:00:00Z"),
        Case(expression: "0 6 * * 7", after: "2026-12-05T00:00:00Z", next: "2026-12-06T06:00:00Z"),
        Case(expression: "0 6 * * 0", after: "2026-12-05T00:00:00Z", next: "2026-12-06T06:00:00Z"),
        Case(expression: "0 0 1 jan,Jul *", after: "2026-12-05T00:00:00Z", next: "2027-01-01T00:00:00Z"),
        Case(expression: "0 0 1 FEB-MAR/1 *", after: "2027-02-01T00:00:00Z", next: "2027-03-01T00:00:00Z"),
        // Day of the month and day of the week: either, when both are restricted…
        Case(expression: "0 0 13 * FRI", after: "2026-12-05T00:00:00Z", next: "2026-12-11T00:00:00Z"),
        Case(expression: "0 0 13 * FRI", after: "2026-12-12T00:00:00Z", next: "2026-12-13T00:00:00Z"),
        // …both, when one starts with * (*/2 too, as in Vixie cron).
        Case(expression: "0 0 13 * *", after: "2026-12-05T00:00:00Z", next: "2026-12-13T00:00:00Z"),
        Case(expression: "0 0 * * FRI", after: "2026-12-05T00:00:00Z", next: "2026-12-11T00:00:00Z"),
        Case(expression: "0 0 */2 * FRI", after: "2026-12-05T00:00:00Z", next: "2026-12-11T00:00:00Z"),
        Case(expression: "0 0 */2 * FRI", after: "2026-12-11T00:00:00Z", next: "2026-12-25T00:00:00Z"),
        // Days that not every month or year has.
        Case(expression: "0 0 31 * *", after: "2026-12-31T00:00:00Z", next: "2027-01-31T00:00:00Z"),
        Case(expression: "0 0 31 * *", after: "2027-01-31T00:00:00Z", next: "2027-03-31T00:00:00Z"),
        Case(expression: "0 0 29 2 *", after: "2026-12-05T00:00:00Z", next: "2028-02-29T00:00:00Z"),
        Case(expression: "0 0 30 2 MON", after: "2026-12-05T00:00:00Z", next: "2027-02-01T00:00:00Z"),
        // Tabs and repeated spaces separate fields too.
        Case(expression: "0\t12  * * *", after: "2026-12-05T12:00:00Z", next: "2026-12-06T12:00:00Z"),
    ]

    @Test("the next time an expression names", arguments: cases)
    func next(_ testCase: Case) throws {
        let cron = try CronSchedule(testCase.expression)
        let after = try #require(Timestamp(iso8601: testCase.after))
        #expect(cron.next(after: after)?.iso8601() == testCase.next)
    }

    @Test(
        "an expression that cannot be read, or never fires, is refused saying why",
        arguments: [
            ("*/15 * * *", "expected 5 fields"), ("60 * * * *", "minute: \"60\" is not 0–59"), ("* 24 * * *", "hour"),
            ("* * 0 * *", "day of the month: \"0\" is not 1–31"), ("* * * 13 *", "month"), ("* * * FOO *", "or JAN–DEC"),
            ("* * * * 8", "day of the week"), ("*/0 * * * *", "step"), ("5-1 * * * *", "goes backwards"), ("1,,2 * * * *", "empty item"),
            ("1/2/3 * * * *", "more than one /"), ("0 0 30 2 *", "never fires"), ("0 0 31 4,6,9,11 *", "never fires"),
            ("@hourly", "expected 5 fields"),
        ])
    func refused(_ expression: String, _ reason: String) {
        #expect {
            _ = try CronSchedule(expression)
        } throws: { error in
            "\(error)".contains(reason)
        }
    }

    @Test("serve's scheduler runs a cron job at its times on the wall clock, once per time, and every job at once with --once")
    func scheduled() async throws {
        let clock = ManualClock()
        let base = try #require(Timestamp(iso8601: "2026-12-05T10:07:00Z"))
        let runs = JobSchedulerTests.Runs()
        let started = RunTimes()
        let job = JobScheduler.Job(name: "quarter", schedule: .cron(try CronSchedule("*/15 * * * *"))) {
            await started.add(clock.now.offset)
            await runs.begin("quarter")
            await runs.end()
            return RunSummary()
        }
        var scheduler = JobScheduler(jobs: [job], clock: SchedulingClock(clock), logger: .disabled)
        scheduler.wallClock = { base.adding(seconds: clock.now.offset.components.seconds) }
        let running = scheduler
        await withTaskGroup(of: Void.self) { group in
            group.addTask { _ = try? await running.run() }
            // 10:07 → the first run at 10:15 (8 min), then 10:30 and 10:45.
            for expected in 1...3 {
                await clock.waitForSleepers(1)
                #expect(await runs.count("quarter") == expected - 1)
                clock.advance(by: .seconds(expected == 1 ? 480 : 900))
                await runs.waitFor(expected)
            }
            group.cancelAll()
        }
        #expect(await started.offsets == [.seconds(480), .seconds(1380), .seconds(2280)])

        var once = JobScheduler(jobs: [job], clock: SchedulingClock(clock), once: true, logger: .disabled)
        once.wallClock = scheduler.wallClock
        try await once.run()
        #expect(await runs.count("quarter") == 4)
    }

    actor RunTimes {
        var offsets: [Duration] = []
        func add(_ offset: Duration) { offsets.append(offset) }
    }
}
