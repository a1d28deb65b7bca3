import ArgumentParser
import Foundation
import Logging
import PDU

/// `-v` / `-vv`: how much mmsctl logs to standard error (warnings by default).
struct LogOptions: ParsableArguments {
    @Flag(name: .short, help: "Log more: -v for each step, -vv for debugging.")
    var verbose: Int

    func level(quiet: Logger.Level) -> Logger.Level {
        switch verbose {
        case 0: return quiet
        case 1: return .info
        default: return .debug
        }
    }

    /// Sets up swift-log once: lines to standard error, `mmsctl: level: message key=value`. One-shot
    /// commands log warnings and errors by default (their results go to standard output); the watch
    /// also logs notices (a new message, a reboot), which are its only output.
    func logger(label: String = "mmsctl", quiet: Logger.Level = .warning) -> Logger {
        let level = level(quiet: quiet)
        LoggingBootstrap.once(level: level)
        var logger = Logger(label: label)
        logger.logLevel = level
        return logger
    }
}

enum LoggingBootstrap {
    nonisolated(unsafe) private static var done = false
    private static let lock = NSLock()

    static func once(level: Logger.Level) {
        lock.withLock {
            guard !done else { return }
            done = true
            LoggingSystem.bootstrap { label in
                var handler = StderrLogHandler(label: label)
                handler.logLevel = level
                return handler
            }
        }
    }
}

/// Log lines without time stamps (the journal and terminals add their own), every value passed
/// through the terminal sanitiser: a sender's text never reaches the terminal as control bytes.
struct StderrLogHandler: LogHandler {
    let label: String
    var logLevel: Logger.Level = .notice
    var metadata: Logger.Metadata = [:]

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        let merged = metadata.merging(event.metadata ?? [:]) { $1 }
        let fields = merged.sorted { $0.key < $1.key }.map { "\($0.key)=\(TerminalText.safe("\($0.value)"))" }
        let text =
            "mmsctl: \(event.level): \(TerminalText.safe(event.message.description))"
            + (fields.isEmpty ? "" : " " + fields.joined(separator: " "))
        FileHandle.standardError.write(Data((text + "\n").utf8))
    }
}
