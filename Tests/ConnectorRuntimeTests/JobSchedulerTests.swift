import ChatExportService
import ConnectorKit
import ConnectorRuntime
import ConnectorTesting
import Testing

@Suite("Job scheduler")
struct JobSchedulerTests {
    /// Counts runs per job and lets the test wait for a number of them.
    actor Runs {
        var starts: [String] = []
        var concurrent = 0
        var maxConcurrent = 0
        private var waiters: [(Int, CheckedContinuation<Void, Never>)] = []

        func begin(_ name: String) {
            starts.append(name)
            concurrent += 1
            maxConcurrent = max(maxConcurrent, concurrent)
            let ready = waiters.filter { $0.0 <= starts.count }
            waiters.removeAll { $0.0 <= starts.count }
            for waiter in ready { waiter.1.resume() }
        }

        func end() { concurrent -= 1 }

        func waitFor(_ count: Int) async {
            if starts.count >= count { return }
            await withCheckedContinuation { waiters.append((count, $0)) }
        }

        func count(_ name: String) -> Int { starts.filter { $0 == name }.count }
    }

    func job(_ name: String, every: Double, runs: Runs, failFirst: Bool = false) -> JobScheduler.Job {
        let attempts = Runs()
        return JobScheduler.Job(name: name, every: .seconds(every)) {
            await runs.begin(name)
            await attempts.begin(name)
            await runs.end()
            if failFirst, await attempts.count(name) == 1 { throw ChatExportError(.temporaryFailure, "vendor down") }
            var summary = RunSummary()
            summary.streams["messages"] = RunSummary.StreamSummary(records: 3)
            return summary
        }
    }

    @Test("each job runs on its own schedule, measured on the injected clock")
    func schedules() async {
        let clock = ManualClock()
        let runs = Runs()
        let metrics = ServiceMetrics(jobs: ["fast", "slow"])
        let scheduler = JobScheduler(
            jobs: [job("fast", every: 600, runs: runs), job("slow", every: 3600, runs: runs)], clock: SchedulingClock(clock),
            metrics: metrics,
            logger: .disabled)
        await withTaskGroup(of: Void.self) { group in
            group.addTask { _ = try? await scheduler.run() }
            await runs.waitFor(2)
            for step in 1...6 {
                await clock.waitForSleepers(1)
                clock.advance(by: .seconds(600))
                await runs.waitFor(2 + step + (step == 6 ? 1 : 0))
            }
            #expect(await runs.count("fast") == 7)
            #expect(await runs.count("slow") == 2)
            group.cancelAll()
        }
        #expect(metrics["fast"].runs == 7)
        #expect(metrics["fast"].records >= 18)
        let text = metrics.prometheusText()
        #expect(text.contains("chat_export_job_runs_total{job=\"slow\"} 2"))
        #expect(text.contains("# TYPE chat_export_job_records_total counter"))
    }

    @Test("once: returns when every job has succeeded; a failed run is tried again after a backoff, not at once")
    func onceWithRetry() async {
        let clock = ManualClock()
        let runs = Runs()
        let scheduler = JobScheduler(
            jobs: [job("flaky", every: 3600, runs: runs, failFirst: true), job("steady", every: 3600, runs: runs)], maxConcurrent: 1,
            clock: SchedulingClock(clock), once: true, logger: .disabled)
        await withTaskGroup(of: Void.self) { group in
            group.addTask { _ = try? await scheduler.run() }
            await runs.waitFor(2)
            // The flaky job failed; its retry waits 60 s on the clock.
            await clock.waitForSleepers(1)
            #expect(await runs.count("flaky") == 1)
            clock.advance(by: .seconds(60))
            await group.next()
        }
        #expect(await runs.count("flaky") == 2)
        #expect(await runs.count("steady") == 1)
        #expect(await runs.maxConcurrent == 1)
        #expect(JobScheduler.retryDelay(failures: 3, every: 3600) == 240)
        #expect(JobScheduler.retryDelay(failures: 9, every: 600) == 600)
    }

    @Test("a fleet worker's metrics carry the leases it holds, labelled with its name (escaped); a lone service has no such series")
    func workerMetrics() {
        let metrics = ServiceMetrics(jobs: ["a"], worker: "host \"7\"")
        metrics.leasesHeld = 2
        metrics.fleetLastSuccess = ["a": 1000]
        let text = metrics.prometheusText(now: 1060)
        #expect(text.contains(#"chat_export_fleet_job_last_success_timestamp_seconds{job="a"} 1000.000"#), "\(text)")
        #expect(text.contains(#"chat_export_fleet_job_seconds_since_success{job="a"} 60.000"#), "\(text)")
        #expect(text.contains("# TYPE chat_export_worker_leases_held gauge"))
        #expect(text.contains(#"chat_export_worker_leases_held{worker="host \"7\""} 2"#), "\(text)")
        #expect(!ServiceMetrics(jobs: ["a"]).prometheusText().contains("leases_held"))
    }
}
