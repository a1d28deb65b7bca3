import PDU

/// SMS storages (27.005 §3.2.2): which ones a modem offers, and choosing the one to read from.
extension ModemCommands {
    /// Parses the answer to `AT+CPMS=?` into its three groups (mem1 read/delete, mem2 write, mem3
    /// receive). Lenient as the field guide §3.1/§5.10 asks: `("SM","ME"),(…),(…)`, spaces, a group
    /// without parentheses (`"ME","MT","SM"`: one storage per group), `(),(),()`, a broken quote.
    public static func parseStorageGroups(_ value: String) -> [[String]] {
        var groups: [[String]] = []
        var current: [String] = []
        var token = ""
        var depth = 0
        var sawParenthesis = false
        func flushToken() {
            let name = token.trimming("\" ").uppercased()
            if !name.isEmpty { current.append(name) }
            token = ""
        }
        for character in value {
            switch character {
            case "(":
                depth += 1
                sawParenthesis = true
            case ")":
                flushToken()
                depth = max(depth - 1, 0)
                groups.append(current)
                current = []
            case ",":
                flushToken()
                if depth == 0 && !sawParenthesis {
                    groups.append(current)
                    current = []
                }
            default:
                token.append(character)
            }
        }
        flushToken()
        if !current.isEmpty { groups.append(current) }
        return groups
    }

    /// The storages mmsctl reads notifications from: every mem1 choice of `AT+CPMS=?` that holds
    /// received messages. `MT` (ME and SM read as one) is left out when both of its halves are offered,
    /// `SR` (status reports) and `BM` (broadcast) always. When the modem does not answer the test
    /// command, the storages `AT+CPMS?` names.
    public func readableStorages() async throws(ATError) -> [String] {
        var names: [String] = []
        if let response = try? await retryingBusy({ () async throws(ATError) in try await channel.send("AT+CPMS=?") }),
            let value = response.values("+CPMS").first
        {
            names = Self.parseStorageGroups(value).first ?? []
        }
        if names.isEmpty { names = try await storageUse().map { $0.memory.uppercased() } }
        var seen: Set<String> = []
        names = names.filter { seen.insert($0).inserted && !["SR", "BM", "SM_P", "ME_P"].contains($0) }
        if names.contains("SM") && names.contains("ME") { names.removeAll { $0 == "MT" } }
        return names
    }

    /// Makes `memory` the storage read, listed and deleted from (mem1), keeping mem2 and mem3 as they
    /// are. Always three parameters: some firmware refuses fewer (Brovi E3372-325).
    public func selectReadStorage(_ memory: String, current: [StorageUse]? = nil) async throws(ATError) {
        let use: [StorageUse]
        if let current { use = current } else { use = try await storageUse() }
        let write = use.count > 1 ? use[1].memory : memory
        let receive = use.count > 2 ? use[2].memory : write
        guard ![memory, write, receive].contains(where: { $0.contains("\"") || $0.contains("\r") }) else {
            throw .unexpectedResponse(command: "AT+CPMS", detail: "a storage name with a quote")
        }
        _ = try await retryingBusy { () async throws(ATError) in
            try await channel.send("AT+CPMS=\"\(memory)\",\"\(write)\",\"\(receive)\"")
        }
    }

    /// `AT+CMGL=4` in every readable storage: each message with the storage it sits in. mem1 is put
    /// back afterwards.
    public func listAllStorages() async throws(ATError) -> [(memory: String, sms: StoredSMS)] {
        let before = try await storageUse()
        let storages = try await readableStorages()
        var result: [(memory: String, sms: StoredSMS)] = []
        for memory in storages {
            do {
                try await selectReadStorage(memory, current: before)
            } catch {
                // A storage the SIM or firmware refuses to select (no SIM storage, say) is skipped.
                if error.finalResult != nil { continue }
                throw error
            }
            for sms in try await listSMS() { result.append((memory, sms)) }
        }
        if let first = before.first { try? await selectReadStorage(first.memory, current: before) }
        return result
    }
}
