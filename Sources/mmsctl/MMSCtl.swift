import ArgumentParser

@main
struct MMSCtl: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mmsctl",
        abstract: "Send and receive MMS with a plain USB GSM/LTE modem.",
        discussion: """
            Start with `mmsctl demo` (the whole loop on the built-in simulators) and `mmsctl doctor` \
            (what is missing between your modem and working MMS). The `receive` and `send` commands \
            arrive with the pipelines; today the modem, transport, codec and simulators are in place.

            Exit status: 0 success, 64 usage error, 65 some input could not be decoded, \
            66 an input file could not be read, 73 an output file could not be created.
            """,
        version: "0.1.0",
        subcommands: [
            DemoCommand.self, DoctorCommand.self, ModemsCommand.self, ConfigCommand.self, DecodeCommand.self,
            ModemCommand.self, SimCommand.self, SimMMSCCommand.self, BenchCommand.self,
        ]
    )
}

/// sysexits(3) codes used by every command.
enum ExitStatus {
    static let dataError = ExitCode(65)
    static let noInput = ExitCode(66)
    static let cannotCreate = ExitCode(73)
}
