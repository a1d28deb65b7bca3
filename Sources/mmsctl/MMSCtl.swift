import ArgumentParser
import Foundation

@main
struct MMSCtl: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mmsctl",
        abstract: "Send and receive MMS with a plain USB GSM/LTE modem.",
        discussion: """
            Start with `mmsctl demo` (the whole loop on the built-in simulators) and `mmsctl doctor` \
            (what is missing between your modem and working MMS). Send with `mmsctl send`; receive with \
            `mmsctl fetch` from cron or `mmsctl receive --watch` as a service; read what arrived with \
            `mmsctl inbox` and what went out with `mmsctl sent`.

            Exit status: 0 success, 1 `doctor` found a failing check, 64 usage error, 65 some input \
            could not be decoded, 66 an input file could not be read, 69 the modem is unavailable or \
            failed a command, 73 an output file could not be created, 74 the store could not be \
            opened, 75 something must be retried later (`fetch`), 78 a configuration value is \
            invalid or the --config file cannot be used.
            """,
        version: "0.2.0",
        subcommands: [
            DemoCommand.self, SendCommand.self, SentCommand.self, FetchCommand.self, ReceiveCommand.self,
            InboxCommand.self, DoctorCommand.self,
            ModemsCommand.self, ConfigCommand.self, DecodeCommand.self, ModemCommand.self, SimCommand.self,
            SimMMSCCommand.self, BenchCommand.self, ManualCommand.self,
        ]
    )
}

extension MMSCtl {
    /// ArgumentParser's usual entry point, with one change: `decode`'s plain file arguments are taken
    /// out of the command line before it is parsed (`DecodeCommand.liftFiles`), so that
    /// `mmsctl decode dir/*.mms` with ten thousand files costs its decoding, not seconds of parsing.
    static func main() async {
        PeakMemory.reportAtExit()
        var arguments = Array(CommandLine.arguments.dropFirst())
        if arguments.first == "decode", arguments.count > 32, !arguments.contains("--help"), !arguments.contains("-h") {
            let (kept, files) = DecodeCommand.liftFiles(Array(arguments.dropFirst()))
            DecodeCommand.liftedFiles = files
            arguments = ["decode"] + kept
        }
        do {
            var command = try parseAsRoot(arguments)
            if var asynchronous = command as? AsyncParsableCommand {
                try await asynchronous.run()
            } else {
                try command.run()
            }
        } catch {
            exit(withError: error)
        }
    }
}

/// `MMSCTL_PEAK_RSS_FILE=path`: at exit, mmsctl writes its peak resident set (VmHWM, bytes) there.
/// The benchmarks and the memory tests read it: a parent's wait4 cannot tell, because glibc's
/// posix_spawn shares the parent's memory until exec and Linux keeps that high-water mark.
enum PeakMemory {
    nonisolated(unsafe) static var path: String?

    static func reportAtExit() {
        guard let target = ProcessInfo.processInfo.environment["MMSCTL_PEAK_RSS_FILE"], !target.isEmpty else { return }
        path = target
        atexit {
            guard let path = PeakMemory.path,
                let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
                let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") }),
                let kilobytes = Int(line.split(separator: " ").dropFirst().first ?? "")
            else { return }
            try? String(kilobytes * 1024).write(toFile: path, atomically: false, encoding: .utf8)
        }
    }

    /// The figure a child wrote, or nil.
    static func read(_ path: String) -> Int? {
        (try? String(contentsOfFile: path, encoding: .utf8)).flatMap { Int($0.trimmingCharacters(in: .whitespaces)) }
    }
}

/// sysexits(3) codes used by every command.
enum ExitStatus {
    static let dataError = ExitCode(65)
    static let noInput = ExitCode(66)
    static let unavailable = ExitCode(69)
    static let cannotCreate = ExitCode(73)
    static let ioError = ExitCode(74)
    static let tryAgain = ExitCode(75)
    static let configuration = ExitCode(78)
}
