import ArgumentParser
import Foundation

/// `mmsctl manual`: the man page, mmsctl(1), generated from the commands' own help, so that it can
/// never disagree with `--help`.
struct ManualCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "manual",
        abstract: "Print the man page (roff) for mmsctl and every command.",
        discussion: """
            Examples:
              mmsctl manual > mmsctl.1
              sudo install -m 644 mmsctl.1 /usr/local/share/man/man1/ && man mmsctl
            """
    )

    func run() {
        print(Self.render())
    }

    /// Every command with the path of names that reaches it (`inbox list`).
    static func commands(
        _ type: any ParsableCommand.Type = MMSCtl.self, path: [String] = []
    ) -> [(String, any ParsableCommand.Type)] {
        var result: [(String, any ParsableCommand.Type)] = []
        for sub in type.configuration.subcommands where sub != ManualCommand.self {
            let name = sub.configuration.commandName ?? String(describing: sub).lowercased()
            result.append(((path + [name]).joined(separator: " "), sub))
            result += commands(sub, path: path + [name])
        }
        return result
    }

    /// Text as roff: backslashes doubled, a leading dot or quote escaped so it is never a request.
    static func roff(_ text: String) -> String {
        text.split(separator: "\n", omittingEmptySubsequences: false).map { line in
            var escaped = line.replacingOccurrences(of: "\\", with: "\\e")
            if escaped.hasPrefix(".") || escaped.hasPrefix("'") { escaped = "\\&" + escaped }
            return escaped
        }.joined(separator: "\n")
    }

    static func render() -> String {
        let formatter = DateFormatter()
        formatter.dateFormat = "yyyy-MM-dd"
        formatter.timeZone = TimeZone(identifier: "UTC")
        var page = [
            ".TH MMSCTL 1 \"\(formatter.string(from: Date()))\" \"mmsctl \(MMSCtl.configuration.version)\" \"User Commands\"",
            ".SH NAME", "mmsctl \\- send and receive MMS with a plain USB GSM/LTE modem",
            ".SH SYNOPSIS", ".B mmsctl", "\\fIcommand\\fR [\\fIoptions\\fR]",
            ".SH DESCRIPTION", roff(MMSCtl.configuration.discussion), ".SH COMMANDS",
        ]
        for (name, type) in commands() {
            page.append(".SS \(name)")
            page.append(".nf")
            page.append(roff(MMSCtl.helpMessage(for: type, columns: 78)))
            page.append(".fi")
        }
        page += [
            ".SH EXIT STATUS", ".nf",
            roff(
                """
                0   success
                1   doctor: at least one check failed
                64  usage error
                65  an input is not decodable, or a message cannot be sent as it is
                66  an input file or device could not be read
                69  the modem is unavailable or failed; the MMSC denies the service
                73  an output file could not be created
                74  the store could not be opened
                75  something failed and will be retried (fetch, send)
                78  a configuration value is invalid
                """), ".fi",
            ".SH FILES", ".TP", "$XDG_CONFIG_HOME/mmsctl/config.toml, /etc/mmsctl/config.toml",
            "the configuration (TOML); every key also as an MMSCTL_ variable",
            ".TP", "$XDG_DATA_HOME/mmsctl/mmsctl.sqlite", "the store: inbox, outbox, notifications, reports",
            ".SH SEE ALSO", "ModemManager(8), pppd(8), udev(7), systemd.service(5)",
        ]
        return page.joined(separator: "\n")
    }
}
