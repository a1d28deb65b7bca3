/// Assigned numbers of WAP-230-WSP Appendix A and the OMNA registries, as tabulated in
/// `protocol-reference.md` §2–§3 and §5.2.
public enum WSPTables {
    /// Well-known content types (WSP Table 40 / OMNA), code → media type.
    public static let contentTypes: [UInt32: String] = {
        let list: [String] = [
            "*/*", "text/*", "text/html", "text/plain", "text/x-hdml", "text/x-ttml", "text/x-vCalendar",
            "text/x-vCard", "text/vnd.wap.wml", "text/vnd.wap.wmlscript", "text/vnd.wap.wta-event",
            "multipart/*", "multipart/mixed", "multipart/form-data", "multipart/byteranges",
            "multipart/alternative", "application/*", "application/java-vm",
            "application/x-www-form-urlencoded", "application/x-hdmlc", "application/vnd.wap.wmlc",
            "application/vnd.wap.wmlscriptc", "application/vnd.wap.wta-eventc", "application/vnd.wap.uaprof",
            "application/vnd.wap.wtls-ca-certificate", "application/vnd.wap.wtls-user-certificate",
            "application/x-x509-ca-cert", "application/x-x509-user-cert", "image/*", "image/gif", "image/jpeg",
            "image/tiff", "image/png", "image/vnd.wap.wbmp", "application/vnd.wap.multipart.*",
            "application/vnd.wap.multipart.mixed", "application/vnd.wap.multipart.form-data",
            "application/vnd.wap.multipart.byteranges", "application/vnd.wap.multipart.alternative",
            "application/xml", "text/xml", "application/vnd.wap.wbxml", "application/x-x968-cross-cert",
            "application/x-x968-ca-cert", "application/x-x968-user-cert", "text/vnd.wap.si",
            "application/vnd.wap.sic", "text/vnd.wap.sl", "application/vnd.wap.slc", "text/vnd.wap.co",
            "application/vnd.wap.coc", "application/vnd.wap.multipart.related", "application/vnd.wap.sia",
            "text/vnd.wap.connectivity-xml", "application/vnd.wap.connectivity-wbxml",
            "application/pkcs7-mime", "application/vnd.wap.hashed-certificate",
            "application/vnd.wap.signed-certificate", "application/vnd.wap.cert-response",
            "application/xhtml+xml", "application/wml+xml", "text/css", "application/vnd.wap.mms-message",
            "application/vnd.wap.rollover-certificate", "application/vnd.wap.locc+wbxml",
            "application/vnd.wap.loc+xml", "application/vnd.syncml.dm+wbxml", "application/vnd.syncml.dm+xml",
            "application/vnd.syncml.notification", "application/vnd.wap.xhtml+xml", "application/vnd.wv.csp.cir",
            "application/vnd.oma.dd+xml", "application/vnd.oma.drm.message", "application/vnd.oma.drm.content",
            "application/vnd.oma.drm.rights+xml", "application/vnd.oma.drm.rights+wbxml",
            "application/vnd.wv.csp+xml", "application/vnd.wv.csp+wbxml",
            "application/vnd.syncml.ds.notification", "audio/*", "video/*", "application/vnd.oma.dd2+xml",
            "application/mikey", "application/vnd.oma.dcd", "application/vnd.oma.dcdc",
        ]
        var table: [UInt32: String] = [:]
        for (code, name) in list.enumerated() { table[UInt32(code)] = name }
        let thirdParty: [UInt32: String] = [
            0x0201: "application/vnd.uplanet.cacheop-wbxml", 0x0202: "application/vnd.uplanet.signal",
            0x0203: "application/vnd.uplanet.alert-wbxml", 0x0204: "application/vnd.uplanet.list-wbxml",
            0x0205: "application/vnd.uplanet.listcmd-wbxml", 0x0206: "application/vnd.uplanet.channel-wbxml",
            0x0207: "application/vnd.uplanet.provisioning-status-uri", 0x0208: "x-wap.multipart/vnd.uplanet.header-set",
            0x0209: "application/vnd.uplanet.bearer-choice-wbxml", 0x020A: "application/vnd.phonecom.mmc-wbxml",
            0x020B: "application/vnd.nokia.syncset+wbxml", 0x020C: "image/x-up-wpng",
            0x0300: "application/iota.mmc-wbxml", 0x0301: "application/iota.mmc-xml",
            0x0302: "application/vnd.syncml+xml", 0x0303: "application/vnd.syncml+wbxml",
            0x0304: "text/vnd.wap.emn+xml", 0x0305: "text/calendar", 0x0306: "application/vnd.omads-email+xml",
            0x0307: "application/vnd.omads-file+xml", 0x0308: "application/vnd.omads-folder+xml",
            0x0309: "text/directory;profile=vCard", 0x030A: "application/vnd.wap.emn+wbxml",
            0x030B: "application/vnd.nokia.ipdc-purchase-response", 0x030C: "application/vnd.motorola.screen3+xml",
            0x030D: "application/vnd.motorola.screen3+gzip", 0x030E: "application/vnd.cmcc.setting+wbxml",
            0x030F: "application/vnd.cmcc.bombing+wbxml", 0x0310: "application/vnd.docomo.pf",
            0x0311: "application/vnd.docomo.ub", 0x0312: "application/vnd.omaloc-supl-init",
            0x0313: "application/vnd.oma.group-usage-list+xml", 0x0314: "application/oma-directory+xml",
            0x0315: "application/vnd.docomo.pf2", 0x0316: "application/vnd.oma.drm.roap-trigger+wbxml",
            0x0317: "application/vnd.sbm.mid2", 0x0318: "application/vnd.wmf.bootstrap",
            0x0319: "application/vnc.cmcc.dcd+xml", 0x031A: "application/vnd.sbm.cid",
            0x031B: "application/vnd.oma.bcast.provisioningtrigger",
        ]
        table.merge(thirdParty) { first, _ in first }
        return table
    }()

    /// Media type (lower-cased) → code, for encoders. Only codes below 0x80 are used for sending.
    public static let contentTypeCodes: [String: UInt32] = {
        var table: [String: UInt32] = [:]
        for (code, name) in contentTypes where code < 0x80 { table[name.lowercased()] = code }
        return table
    }()

    /// WSP header field names, code page 1 (WSP Table 39 and OMNA 0x48–0x4A).
    public static let headerFieldNames: [String] = [
        "Accept", "Accept-Charset", "Accept-Encoding", "Accept-Language", "Accept-Ranges", "Age", "Allow",
        "Authorization", "Cache-Control", "Connection", "Content-Base", "Content-Encoding", "Content-Language",
        "Content-Length", "Content-Location", "Content-MD5", "Content-Range", "Content-Type", "Date", "Etag",
        "Expires", "From", "Host", "If-Modified-Since", "If-Match", "If-None-Match", "If-Range",
        "If-Unmodified-Since", "Location", "Last-Modified", "Max-Forwards", "Pragma", "Proxy-Authenticate",
        "Proxy-Authorization", "Public", "Range", "Referer", "Retry-After", "Server", "Transfer-Encoding",
        "Upgrade", "User-Agent", "Vary", "Via", "Warning", "WWW-Authenticate", "Content-Disposition",
        "X-Wap-Application-Id", "X-Wap-Content-URI", "X-Wap-Initiator-URI", "Accept-Application",
        "Bearer-Indication", "Push-Flag", "Profile", "Profile-Diff", "Profile-Warning", "Expect", "TE",
        "Trailer", "Accept-Charset", "Accept-Encoding", "Cache-Control", "Content-Range", "X-Wap-Tod",
        "Content-ID", "Set-Cookie", "Cookie", "Encoding-Version", "Profile-Warning", "Content-Disposition",
        "X-WAP-Security", "Cache-Control", "Expect", "X-Wap-Loc-Invocation", "X-Wap-Loc-Delivery",
    ]

    public static func headerFieldName(_ code: UInt8) -> String {
        Int(code) < headerFieldNames.count ? headerFieldNames[Int(code)] : "Header-0x\(hex(code | 0x80))"
    }

    /// Well-known parameter names (WSP Table 38).
    public static let parameterNames: [UInt8: String] = [
        0x00: "q", 0x01: "charset", 0x02: "level", 0x03: "type", 0x05: "name", 0x06: "filename",
        0x07: "differences", 0x08: "padding", 0x09: "type", 0x0A: "start", 0x0B: "start-info", 0x0C: "comment",
        0x0D: "domain", 0x0E: "max-age", 0x0F: "path", 0x10: "secure", 0x11: "sec", 0x12: "mac",
        0x13: "creation-date", 0x14: "modification-date", 0x15: "read-date", 0x16: "size", 0x17: "name",
        0x18: "filename", 0x19: "start", 0x1A: "start-info", 0x1B: "comment", 0x1C: "domain", 0x1D: "path",
    ]

    /// Push application ids (OMNA), code → URN.
    public static let pushApplicationIDs: [UInt32: String] = [
        0x00: "x-wap-application:*", 0x01: "x-wap-application:push.sia", 0x02: "x-wap-application:wml.ua",
        0x03: "x-wap-application:wta.ua", 0x04: "x-wap-application:mms.ua", 0x05: "x-wap-application:push.syncml",
        0x06: "x-wap-application:loc.ua", 0x07: "x-wap-application:syncml.dm", 0x08: "x-wap-application:drm.ua",
        0x09: "x-wap-application:emn.ua", 0x0A: "x-wap-application:wv.ua",
        0x8000: "x-wap-microsoft:localcontent.ua", 0x8001: "x-wap-microsoft:IMclient.ua",
        0x8002: "x-wap-docomo:imode.mail.ua", 0x8003: "x-wap-docomo:imode.mr.ua",
        0x8004: "x-wap-docomo:imode.mf.ua", 0x8005: "x-motorola:location.ua", 0x8006: "x-motorola:now.ua",
        0x8007: "x-motorola:otaprov.ua", 0x8008: "x-motorola:browser.ua", 0x8009: "x-motorola:splash.ua",
        0x800B: "x-wap-nai:mvsw.command", 0x8010: "x-wap-openwave:iota.ua",
    ]
}

/// A character set named by its IANA MIBenum, as WSP and MMS carry it (protocol-reference §1.4).
public struct Charset: Hashable, Sendable, CustomStringConvertible {
    public var mib: UInt32
    public init(mib: UInt32) { self.mib = mib }

    public static let any = Charset(mib: 0)
    public static let usASCII = Charset(mib: 3)
    public static let iso8859_1 = Charset(mib: 4)
    public static let utf8 = Charset(mib: 106)
    public static let ucs2 = Charset(mib: 1000)
    public static let utf16BE = Charset(mib: 1013)
    public static let utf16LE = Charset(mib: 1014)
    public static let utf16 = Charset(mib: 1015)

    /// IANA preferred names (lower case) for the charsets real phones send.
    static let names: [UInt32: String] = [
        0: "*", 3: "us-ascii", 4: "iso-8859-1", 5: "iso-8859-2", 6: "iso-8859-3", 7: "iso-8859-4",
        8: "iso-8859-5", 9: "iso-8859-6", 10: "iso-8859-7", 11: "iso-8859-8", 12: "iso-8859-9",
        13: "iso-8859-10", 17: "shift_jis", 18: "euc-jp", 36: "ks_c_5601-1987", 37: "iso-2022-kr", 38: "euc-kr",
        39: "iso-2022-jp", 40: "iso-2022-jp-2", 81: "iso-8859-6-e", 82: "iso-8859-6-i", 84: "iso-8859-8-e",
        85: "iso-8859-8-i", 106: "utf-8", 109: "iso-8859-13", 110: "iso-8859-14", 111: "iso-8859-15",
        112: "iso-8859-16", 113: "gbk", 114: "gb18030", 1000: "iso-10646-ucs-2", 1013: "utf-16be",
        1014: "utf-16le", 1015: "utf-16", 2025: "gb2312", 2026: "big5", 2084: "koi8-r", 2088: "koi8-u",
        2250: "windows-1250", 2251: "windows-1251", 2252: "windows-1252", 2253: "windows-1253",
        2254: "windows-1254", 2255: "windows-1255", 2256: "windows-1256", 2257: "windows-1257",
        2258: "windows-1258",
    ]

    /// The IANA name, or "mib-N" for a number this table does not know.
    public var name: String { Charset.names[mib] ?? "mib-\(mib)" }

    public init?(name: String) {
        let lower = name.lowercased()
        let aliases: [String: UInt32] = ["utf8": 106, "ascii": 3, "latin1": 4, "ucs-2": 1000, "ucs2": 1000]
        if let mib = aliases[lower] {
            self.mib = mib
            return
        }
        guard let entry = Charset.names.first(where: { $0.value == lower }) else { return nil }
        self.mib = entry.key
    }

    public var description: String { name }
}
