import Foundation
import PDU
import TestSupport
import Testing

/// `mmsctl decode` run as a user would run it.
@Suite struct DecodeCommandTests {
    /// protocol-reference §11.1's M-Notification.ind, written by hand.
    static let notification = WorkedExamples.notification

    @Test func textOutputShowsEveryHeader() throws {
        let dir = try temporaryDirectory()
        let file = dir.appendingPathComponent("n.mms")
        try Data(Self.notification).write(to: file)
        let result = try MMSCtl.run(["decode", file.path])
        #expect(result.status == 0)
        #expect(result.stdout.contains("m-notification-ind"))
        #expect(result.stdout.contains("X-Mms-Content-Location  http://eps3.de/O/Z9IZO"))
        #expect(result.stdout.contains("X-Mms-Expiry            in 259200 s"))
    }

    @Test func jsonOutputFollowsTheDocumentedSchema() throws {
        let result = try MMSCtl.run(["decode", "--json", "-"], stdin: Data(Self.notification))
        #expect(result.status == 0)
        let document = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        #expect(document["schema"] as? String == "mmsctl.decode/1")
        let first = try #require((document["results"] as? [[String: Any]])?.first)
        #expect(first["input"] as? String == "<stdin>")
        #expect(first["ok"] as? Bool == true)
        let mms = try #require(first["mms"] as? [String: Any])
        #expect(mms["type"] as? String == "m-notification-ind")
        #expect(mms["transaction_id"] as? String == "OgQKKB")
        #expect(mms["from"] as? String == "Erotik")
        #expect(mms["message_size"] as? Int == 16384)
        #expect((mms["expiry"] as? [String: Any])?["relative_seconds"] as? Int == 259_200)
        #expect(mms["content_location"] as? String == "http://eps3.de/O/Z9IZO")
        #expect((mms["missing_mandatory"] as? [String])?.isEmpty == true)
    }

    @Test func malformedInputNamesFieldAndOffsetAndExitsWith65() throws {
        let truncated = Array(Self.notification.prefix(8))
        let result = try MMSCtl.run(["decode", "--json", "-"], stdin: Data(truncated))
        #expect(result.status == 65)
        let document = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        let first = try #require((document["results"] as? [[String: Any]])?.first)
        #expect(first["ok"] as? Bool == false)
        let error = try #require(first["error"] as? [String: Any])
        #expect(error["field"] as? String == "X-Mms-Transaction-Id")
        #expect(error["offset"] as? Int == 8)
    }

    @Test func missingFileExitsWith66AndSaysWhich() throws {
        let result = try MMSCtl.run(["decode", "/nonexistent/x.mms"])
        #expect(result.status == 66)
        #expect(result.stderr.contains("/nonexistent/x.mms: no such file"))
    }

    @Test func noArgumentsIsAUsageError() throws {
        let result = try MMSCtl.run(["decode"])
        #expect(result.status == 64)
        #expect(result.stderr.contains("Give at least one file"))
    }

    @Test func partsAreWrittenWithSafeNamesAndNeverOverwrite() throws {
        let hostile = ["../../escape.txt", "/etc/passwd", ".hidden", "sub/dir/name.txt", "..", "a\u{1}b.txt"]
        let parts = hostile.enumerated().map { index, name in
            MMSPart(
                contentType: ContentType("text/plain"), contentID: "<\(index)>", contentLocation: name,
                data: Array("part \(index)".utf8))
        }
        let pdu = MMSPDU(
            type: .retrieveConf, transactionID: "t",
            headers: [
                .field(.contentType, .contentType(ContentType("application/vnd.wap.multipart.mixed")))
            ], body: .multipart(parts))
        let dir = try temporaryDirectory()
        let input = dir.appendingPathComponent("in.mms")
        try Data(pdu.encode()).write(to: input)
        let out = dir.appendingPathComponent("out")

        let first = try MMSCtl.run(["decode", "--parts-to", out.path, input.path])
        #expect(first.status == 0, "\(first.stderr)")
        var written = try FileManager.default.contentsOfDirectory(atPath: out.path).sorted()
        #expect(written == ["a_b.txt", "escape.txt", "hidden.txt", "name.txt", "part-5.txt", "passwd.txt"])
        #expect(!FileManager.default.fileExists(atPath: dir.appendingPathComponent("escape.txt").path))
        #expect(try String(contentsOf: out.appendingPathComponent("passwd.txt"), encoding: .utf8) == "part 1")

        let second = try MMSCtl.run(["decode", "--parts-to", out.path, input.path])
        #expect(second.status == 0)
        written = try FileManager.default.contentsOfDirectory(atPath: out.path).sorted()
        #expect(written.count == 12)
        #expect(written.contains("passwd-1.txt"))
        #expect(try String(contentsOf: out.appendingPathComponent("passwd.txt"), encoding: .utf8) == "part 1")
    }
}

/// Issue 12: decode on large batches: folders, --files-from, and thousands of file arguments.
@Suite struct DecodeBatchTests {
    @Test func foldersAreReadRecursivelyAndFilesFromAList() throws {
        let folder = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let nested = folder.appendingPathComponent("a/b")
        try FileManager.default.createDirectory(at: nested, withIntermediateDirectories: true)
        let pdu = MMSPDU.notifyResp(transactionID: Array("t1".utf8), status: .retrieved).encode()
        try Data(pdu).write(to: folder.appendingPathComponent("a/one.mms"))
        try Data(pdu).write(to: nested.appendingPathComponent("two.mms"))
        let run = try MMSCtl.run(["decode", "--json", folder.path])
        #expect(run.status == 0, "\(run.stderr)")
        let document = try #require(try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any])
        let inputs = (document["results"] as? [[String: Any]])?.compactMap { $0["input"] as? String } ?? []
        // In path order: a/b/two.mms before a/one.mms.
        #expect(inputs.map { ($0 as NSString).lastPathComponent } == ["two.mms", "one.mms"])
        let list = folder.appendingPathComponent("list.txt")
        try "\(folder.path)/a/one.mms\n\(nested.path)/two.mms\n".write(to: list, atomically: true, encoding: .utf8)
        let fromList = try MMSCtl.run(["decode", "--json", "--files-from", list.path])
        #expect(fromList.status == 0, "\(fromList.stderr)")
        let listed = try #require(
            try JSONSerialization.jsonObject(with: Data(fromList.stdout.utf8)) as? [String: Any])
        #expect((listed["results"] as? [Any])?.count == 2)
        let fromStdin = try MMSCtl.run(["decode", "--files-from", "-"], stdin: Data("\(nested.path)/two.mms\n".utf8))
        #expect(fromStdin.status == 0, "\(fromStdin.stderr)")
    }

    /// Ten thousand file arguments, options among them: every file decoded, the options honoured.
    @Test func tenThousandFileArgumentsAreAllDecoded() throws {
        let folder = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let pdu = MMSPDU.notifyResp(transactionID: Array("t".utf8), status: .retrieved).encode()
        let file = folder.appendingPathComponent("x.mms")
        try Data(pdu).write(to: file)
        let files = [String](repeating: file.path, count: 10_000)
        let start = Date()
        let run = try MMSCtl.run(["decode"] + files.prefix(5000) + ["--json"] + files.suffix(5000))
        #expect(run.status == 0, "\(run.stderr)")
        let document = try #require(try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any])
        #expect((document["results"] as? [Any])?.count == 10_000)
        // Not a benchmark: a bound far above the seconds the quadratic parsing took.
        #expect(Date().timeIntervalSince(start) < 60)
    }
}
