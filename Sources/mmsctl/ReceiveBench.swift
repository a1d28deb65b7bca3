import ArgumentParser
import Foundation
import MMSClient
import PDU
import Simulator
import Transport

#if canImport(Glibc)
    import Glibc
#endif

/// `mmsctl bench --receive`: the receive pipeline's figures, measured on this binary as a user runs
/// it, against the simulated modem (a pty) and the simulated MMSC (loopback).
extension BenchCommand {
    struct ReceiveResult: Encodable {
        var schema = "mmsctl.bench/1"
        var idleSeconds: Double
        var idleCPUSeconds: Double
        var messages: Int
        var cmtiToAcknowledgedMilliseconds: Double
        var httpTransferMilliseconds: Double
        var overheadMilliseconds: Double
        var fetchNothingPendingMilliseconds: Double
        var versionMilliseconds: Double
        var largeMessageBytes: Int
        var largeFetchPeakRSSBytes: Int
        var emptyFetchPeakRSSBytes: Int
        /// The peak RSS the message adds over a fetch with nothing pending, against its size.
        var largeFetchRSSRatio: Double
    }

    /// A child process started with posix_spawn. Its peak RSS comes from the child itself: mmsctl
    /// writes it (MMSCTL_PEAK_RSS_FILE), another program runs under GNU time. wait4's figure would be
    /// this process's own, which the spawned child shares until exec.
    struct Child {
        var pid: pid_t
        var peakFile: String?
        var timeReport = false

        static func spawn(
            _ arguments: [String], environment: [String: String], quiet: Bool = true, executable: String? = nil,
            arguments explicit: [String]? = nil
        ) throws -> Child {
            let peakFile = NSTemporaryDirectory() + "mmsctl-peak-\(UUID().uuidString)"
            var path = executable ?? BenchCommand.selfPath
            var arguments = explicit ?? arguments
            var environment = environment
            var timeReport = false
            if executable == nil {
                environment["MMSCTL_PEAK_RSS_FILE"] = peakFile
            } else if FileManager.default.isExecutableFile(atPath: "/usr/bin/time") {
                arguments = ["-f", "%M", "-o", peakFile, path] + arguments
                path = "/usr/bin/time"
                timeReport = true
            }
            var actions = posix_spawn_file_actions_t()
            posix_spawn_file_actions_init(&actions)
            defer { posix_spawn_file_actions_destroy(&actions) }
            if quiet {
                posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
                posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
            }
            posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
            let argv = ([path] + arguments).map { strdup($0) } + [nil]
            let merged = ProcessInfo.processInfo.environment.merging(environment) { $1 }
            let envp = merged.map { strdup("\($0.key)=\($0.value)") } + [nil]
            defer {
                for pointer in argv { free(pointer) }
                for pointer in envp { free(pointer) }
            }
            var pid: pid_t = 0
            let result = posix_spawn(&pid, path, &actions, nil, argv, envp)
            guard result == 0 else {
                throw ValidationError("cannot start \(path): \(String(cString: strerror(result)))")
            }
            return Child(pid: pid, peakFile: peakFile, timeReport: timeReport)
        }

        /// Waits for the child; its exit status and peak resident set in bytes (0 when unknown).
        func wait() -> (status: Int32, maxRSS: Int) {
            var status: Int32 = 0
            var usage = rusage()
            while wait4(pid, &status, 0, &usage) < 0 && errno == EINTR {}
            let exit = (status & 0x7F) == 0 ? (status >> 8) & 0xFF : 128 + (status & 0x7F)
            var peak = 0
            if let peakFile, let text = try? String(contentsOfFile: peakFile, encoding: .utf8) {
                let number = Int(text.split(whereSeparator: \.isNewline).last ?? "") ?? 0
                peak = timeReport ? number * 1024 : number
                try? FileManager.default.removeItem(atPath: peakFile)
            }
            return (exit, peak)
        }

        /// User and system CPU time of the whole process (threads that ended included), in seconds,
        /// from /proc/<pid>/stat (clock-tick resolution, 10 ms).
        func cpuSeconds() -> Double {
            guard let text = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
                let close = text.lastIndex(of: ")")
            else { return 0 }
            // Fields after "(comm)": state is field 3; utime and stime are fields 14 and 15.
            let fields = text[text.index(after: close)...].split(separator: " ")
            guard fields.count > 13, let user = Double(fields[11]), let system = Double(fields[12]) else { return 0 }
            return (user + system) / Double(sysconf(Int32(_SC_CLK_TCK)))
        }
    }

    static var selfPath: String {
        (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
    }

    func runReceive() async throws {
        let modem = try SimulatedModem(profile: .quectel)
        modem.start()
        defer { modem.stop() }
        let mmsc = SimulatedMMSC()
        try await mmsc.start(port: 0)
        let folder = NSTemporaryDirectory() + "mmsctl-bench-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: folder + "/locks", withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let environment = ["MMSCTL_LOCK_DIR": folder + "/locks", "XDG_CONFIG_HOME": folder]
        let common = ["--device", modem.devicePath, "--mmsc", mmsc.url, "--store", folder + "/store"]
        func note(_ text: String) { if !json { printError("bench: " + text) } }
        note("receive pipeline against the simulators (\(BenchCommand.selfPath))")

        // 1. An idle watch: CPU over `idleSeconds` once it listens.
        let watch = try Child.spawn(["receive", "--watch"] + common, environment: environment)
        let listening = Date().addingTimeInterval(20)
        while !modem.commands.contains(where: { $0.uppercased().hasPrefix("AT+CNMI=") }), Date() < listening {
            try await Task.sleep(nanoseconds: 10_000_000)
        }
        try await Task.sleep(nanoseconds: 500_000_000)
        note("idle watch for \(Int(idleSeconds)) s")
        let cpuBefore = watch.cpuSeconds()
        try await Task.sleep(nanoseconds: UInt64(idleSeconds * 1e9))
        let idleCPU = watch.cpuSeconds() - cpuBefore

        // 2. +CMTI to acknowledged, against the HTTP transfer alone.
        let rounds = 20
        var totals: [Double] = []
        var transfers: [Double] = []
        var transport = TransportConfiguration()
        transport.retries = 0
        let http = HTTPTransport(configuration: transport)
        for round in 0..<rounds {
            let id = "bench-\(round)"
            let (notification, _) = Self.message(mmsc: mmsc, number: modem.profile.ownNumber, id: id, bodyBytes: 2000)
            let start = Date()
            for sms in try Self.pushSMS(notification, smsc: modem.profile.smsc) { modem.deliver(sms) }
            let deadline = start.addingTimeInterval(10)
            while !mmsc.received.contains(where: { $0.messageType == .notifyRespInd && $0.transactionID == "tx-\(id)" }
            ),
                Date() < deadline
            {
                try await Task.sleep(nanoseconds: 200_000)
            }
            totals.append(Date().timeIntervalSince(start))
            // The same GET and POST, from here, without mmsctl around them.
            let location = notification.contentLocation ?? ""
            let transferStart = Date()
            _ = try await http.get(location, expectMMS: false)
            _ = try await http.post(
                mmsc.url,
                pdu: MMSPDU.notifyResp(transactionID: Array("tx-x".utf8), status: .retrieved).encode())
            transfers.append(Date().timeIntervalSince(transferStart))
        }
        kill(watch.pid, SIGTERM)
        _ = watch.wait()
        let total = Self.median(totals) * 1000
        let transfer = Self.median(transfers) * 1000

        // 3. fetch with nothing pending, against --version.
        var fetchTimes: [Double] = []
        var versionTimes: [Double] = []
        var emptyRSS = 0
        for _ in 0..<10 {
            var start = Date()
            let fetch = try Child.spawn(["fetch"] + common, environment: environment)
            emptyRSS = max(emptyRSS, fetch.wait().maxRSS)
            fetchTimes.append(Date().timeIntervalSince(start))
            start = Date()
            _ = try Child.spawn(["--version"], environment: environment).wait()
            versionTimes.append(Date().timeIntervalSince(start))
        }

        // 4. Peak RSS fetching a 5 MB message.
        let large = 5 << 20
        let (notification, retrieve) = Self.message(
            mmsc: mmsc, number: modem.profile.ownNumber, id: "large", bodyBytes: large)
        for sms in try Self.pushSMS(notification, smsc: modem.profile.smsc) { modem.deliver(sms) }
        let fetch = try Child.spawn(
            ["fetch", "--max-size", String(large + (1 << 20))] + common, environment: environment)
        let (status, peak) = fetch.wait()
        guard status == 0 else { throw ValidationError("the 5 MB fetch failed with exit status \(status)") }
        let size = retrieve.encode().count

        let result = ReceiveResult(
            idleSeconds: idleSeconds, idleCPUSeconds: idleCPU, messages: rounds,
            cmtiToAcknowledgedMilliseconds: total, httpTransferMilliseconds: transfer,
            overheadMilliseconds: total - transfer, fetchNothingPendingMilliseconds: Self.median(fetchTimes) * 1000,
            versionMilliseconds: Self.median(versionTimes) * 1000, largeMessageBytes: size,
            largeFetchPeakRSSBytes: peak, emptyFetchPeakRSSBytes: emptyRSS,
            largeFetchRSSRatio: Double(peak - emptyRSS) / Double(size))
        await mmsc.stop()
        if json {
            print(JSONOutput.encode(result))
            return
        }
        print(String(format: "idle receive --watch: %.4f CPU seconds over %.0f s", idleCPU, idleSeconds))
        print(
            String(
                format: "+CMTI to acknowledged: %.1f ms median of %d (HTTP GET+POST alone %.1f ms; overhead %.1f ms)",
                total, rounds, transfer, total - transfer))
        print(
            String(
                format: "fetch with nothing pending: %.0f ms median (mmsctl --version: %.0f ms)",
                result.fetchNothingPendingMilliseconds, result.versionMilliseconds))
        print(
            String(
                format:
                    "fetch of a %.1f MB message: peak RSS %.1f MB, %.1f MB over an empty fetch's %.1f MB (%.2f× the message)",
                Double(size) / 1e6, Double(peak) / 1e6, Double(peak - emptyRSS) / 1e6, Double(emptyRSS) / 1e6,
                result.largeFetchRSSRatio))
    }

    static func median(_ values: [Double]) -> Double {
        let sorted = values.sorted()
        return sorted.isEmpty ? 0 : sorted[sorted.count / 2]
    }

    /// An M-Retrieve.conf with one part of `bodyBytes` stored at the MMSC, and its notification.
    static func message(mmsc: SimulatedMMSC, number: String, id: String, bodyBytes: Int) -> (MMSPDU, MMSPDU) {
        var generator = SystemRandomNumberGenerator()
        let data = (0..<bodyBytes).map { _ in UInt8.random(in: 0...255, using: &generator) }
        let retrieve = MMSPDU(
            type: .retrieveConf, transactionID: id, version: .v1_2,
            headers: [
                .field(.messageID, .text(Array(id.utf8))),
                .field(.from, .from(EncodedString(MMSAddress(value: "+15550100002", kind: .plmn).wireText))),
                .field(.to, .encodedString(EncodedString(MMSAddress(recipient: number).wireText))),
                .field(.contentType, .contentType(ContentType(media: .wellKnown(0x23)))),
            ], body: .multipart([MMSPart(contentType: ContentType("image/jpeg"), contentLocation: "a.jpg", data: data)])
        )
        let location = mmsc.store(retrieve, id: id)
        let notification = MMSPDU(
            type: .notificationInd, transactionID: "tx-\(id)", version: .v1_2,
            headers: [
                .field(.messageClass, .octet(0x80)), .field(.messageSize, .integer(UInt64(bodyBytes))),
                .field(.expiry, .time(.relative(86_400))), .field(.contentLocation, .text(Array(location.utf8))),
            ])
        return (notification, retrieve)
    }

    static func pushSMS(_ notification: MMSPDU, smsc: String) throws -> [SMSPDU] {
        try WAPPush.mms(notification).deliverPDUs(
            reference: UInt16.random(in: 0...UInt16.max), smsc: SMSAddress(smsc),
            originator: SMSAddress("+15550100002"),
            timestamp: SMSTimestamp(year: 2026, month: 12, day: 1, hour: 9, minute: 0, second: 0, quarterHours: 0))
    }
}

/// `mmsctl bench --send`: composing an MMS around a 4000×3000 camera photo so that it fits 300 KB,
/// by this binary (`send --dry-run`, as a user runs it), beside the `vips thumbnail` command doing the
/// same shrink in the same run, each with its peak RSS.
extension BenchCommand {
    struct SendBenchResult: Encodable {
        var schema = "mmsctl.bench/1"
        var photoBytes: Int
        var limit: Int
        var runs: Int
        var mmsctlMilliseconds: Double
        var mmsctlPeakRSSBytes: Int
        var resultBytes: Int
        var vipsMilliseconds: Double?
        var vipsPeakRSSBytes: Int?
        var ratio: Double?
    }

    func runSend() async throws {
        let folder = NSTemporaryDirectory() + "mmsctl-bench-send-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let vips = "/usr/bin/vips"
        guard FileManager.default.isExecutableFile(atPath: vips) else {
            throw ValidationError("--send makes its test photo with the vips command: apt-get install libvips-tools")
        }
        // A camera-like photo: 3 bands of noise, JPEG quality 92 (about 8 MB).
        let band = folder + "/band.v"
        let rgb = folder + "/rgb.v"
        let photo = folder + "/IMG_0001.JPG"
        for arguments in [
            ["gaussnoise", band, "4000", "3000", "--mean", "128", "--sigma", "50"],
            ["bandjoin", "\(band) \(band) \(band)", rgb], ["copy", rgb, photo + "[Q=92]"],
        ] {
            let child = try Child.spawn([], environment: [:], executable: vips, arguments: arguments)
            guard child.wait().status == 0 else { throw ValidationError("vips \(arguments[0]) failed") }
        }
        let photoBytes = (try? FileManager.default.attributesOfItem(atPath: photo)[.size] as? Int) ?? 0
        let limit = 300_000
        let runs = 5
        var ours: [Double] = []
        var ourPeak = 0
        var theirs: [Double] = []
        var theirPeak = 0
        for run in 0..<runs {
            let out = folder + "/m\(run).mms"
            var start = Date()
            let send = try Child.spawn(
                [
                    "send", "--dry-run", "--out", out, "--to", "+491701234567", "--max-size", String(limit), "--text",
                    "front door", photo,
                ], environment: ["XDG_CONFIG_HOME": folder])
            let (status, peak) = send.wait()
            guard status == 0 else { throw ValidationError("mmsctl send --dry-run failed with \(status)") }
            ours.append(Date().timeIntervalSince(start))
            ourPeak = max(ourPeak, peak)
            start = Date()
            // The same shrink by the vips command: the long side to the size mmsctl chose.
            let thumb = try Child.spawn(
                [], environment: [:], executable: vips,
                arguments: ["thumbnail", photo, folder + "/t\(run).jpg[Q=82,strip]", "1280"])
            let (thumbStatus, thumbPeak) = thumb.wait()
            if thumbStatus == 0 {
                theirs.append(Date().timeIntervalSince(start))
                theirPeak = max(theirPeak, thumbPeak)
            }
        }
        let size = (try? FileManager.default.attributesOfItem(atPath: folder + "/m0.mms")[.size] as? Int) ?? 0
        let mine = Self.median(ours) * 1000
        let vipsTime = theirs.isEmpty ? nil : Self.median(theirs) * 1000
        let result = SendBenchResult(
            photoBytes: photoBytes, limit: limit, runs: runs, mmsctlMilliseconds: mine, mmsctlPeakRSSBytes: ourPeak,
            resultBytes: size, vipsMilliseconds: vipsTime, vipsPeakRSSBytes: theirs.isEmpty ? nil : theirPeak,
            ratio: vipsTime.map { mine / $0 })
        if json {
            print(JSONOutput.encode(result))
            return
        }
        print(
            String(
                format:
                    "send --dry-run, a %.1f MB 4000×3000 JPEG to fit %d bytes: %.0f ms median of %d, peak RSS %.1f MB, PDU %d bytes",
                Double(photoBytes) / 1e6, limit, mine, runs, Double(ourPeak) / 1e6, size))
        if let vipsTime {
            print(
                String(
                    format:
                        "vips thumbnail of the same photo to 1280 px: %.0f ms median, peak RSS %.1f MB (mmsctl/vips: %.2f×)",
                    vipsTime, Double(theirPeak) / 1e6, mine / vipsTime))
        }
    }
}
