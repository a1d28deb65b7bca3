import CVipsShim
import Foundation
import PDU

/// Media types of attachments, by their first bytes (the content decides; the extension only when
/// the content says nothing, as for plain text).
public enum MediaSniffer {
    public static func mediaType(of data: [UInt8], fileName: String) -> String? {
        func starts(_ prefix: [UInt8], at offset: Int = 0) -> Bool {
            data.count >= offset + prefix.count && Array(data[offset..<offset + prefix.count]) == prefix
        }
        func ascii(_ text: String, at offset: Int = 0) -> Bool { starts(Array(text.utf8), at: offset) }
        if starts([0xFF, 0xD8, 0xFF]) { return "image/jpeg" }
        if starts([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]) { return "image/png" }
        if ascii("GIF87a") || ascii("GIF89a") { return "image/gif" }
        if ascii("RIFF") && ascii("WEBP", at: 8) { return "image/webp" }
        if ascii("BM") && data.count > 26 && fileName.lowercased().hasSuffix(".bmp") { return "image/bmp" }
        if ascii("#!AMR-WB\n") { return "audio/amr-wb" }
        if ascii("#!AMR\n") { return "audio/amr" }
        if ascii("ID3") || (data.count > 2 && data[0] == 0xFF && data[1] & 0xE6 == 0xE2) { return "audio/mpeg" }
        if data.count > 2 && data[0] == 0xFF && data[1] & 0xF6 == 0xF0 { return "audio/aac" }
        if ascii("OggS") { return "audio/ogg" }
        if ascii("ftyp", at: 4), data.count >= 12 {
            let brand = String(decoding: data[8..<12], as: UTF8.self)
            switch brand {
            case "heic", "heix", "heim", "heis", "mif1": return "image/heic"
            case "3gp4", "3gp5", "3gp6", "3gp7", "3gr6", "3gs6", "3ge6", "3gg6": return "video/3gpp"
            case "3g2a", "3g2b", "3g2c": return "video/3gpp2"
            case "M4A ": return "audio/mp4"
            default: return "video/mp4"
            }
        }
        let head = String(decoding: data.prefix(64), as: UTF8.self).uppercased()
        if head.hasPrefix("BEGIN:VCARD") { return "text/x-vcard" }
        if head.hasPrefix("BEGIN:VCALENDAR") { return "text/x-vcalendar" }
        if head.hasPrefix("<SMIL") { return "application/smil" }
        let byExtension: [String: String] = [
            "txt": "text/plain", "text": "text/plain", "vcf": "text/x-vcard", "vcs": "text/x-vcalendar",
            "ics": "text/x-vcalendar", "smil": "application/smil",
        ]
        let ext = (fileName as NSString).pathExtension.lowercased()
        if let type = byExtension[ext] {
            return String(validating: data, as: UTF8.self) != nil ? type : nil
        }
        // Text without an extension: valid UTF-8 without control characters (other than line breaks).
        if !data.isEmpty, String(validating: data, as: UTF8.self) != nil,
            !data.contains(where: { $0 < 0x20 && ![0x09, 0x0A, 0x0D].contains($0) })
        {
            return "text/plain"
        }
        return nil
    }

    /// Types a recipient's phone can show in an MMS (OMA-MMS-CONF content classes and what carriers
    /// take today); others are refused before anything is sent.
    public static let sendable: Set<String> = [
        "image/jpeg", "image/png", "image/gif", "image/webp", "image/heic", "image/bmp", "audio/amr", "audio/amr-wb",
        "audio/mpeg", "audio/aac", "audio/mp4", "audio/ogg", "video/3gpp", "video/3gpp2", "video/mp4", "text/plain",
        "text/x-vcard", "text/x-vcalendar",
    ]
}

/// Shrinks photos with libvips: turned upright by their EXIF orientation, metadata stripped, the
/// aspect ratio kept, never enlarged.
public enum ImageResizer {
    public struct Image: Sendable {
        public var data: [UInt8]
        public var width: Int
        public var height: Int
    }

    public struct Failure: Error, Sendable, CustomStringConvertible {
        public var description: String
    }

    private static let initialised: Bool = mmsctl_vips_init() == 0

    /// Width and height as displayed, or nil when libvips cannot read it.
    public static func size(of data: [UInt8]) -> (width: Int, height: Int)? {
        guard initialised else { return nil }
        var width: Int32 = 0
        var height: Int32 = 0
        var loader = [CChar](repeating: 0, count: 64)
        let result = data.withUnsafeBytes { buffer in
            mmsctl_vips_probe(buffer.baseAddress, buffer.count, &width, &height, &loader, loader.count)
        }
        return result == 0 ? (Int(width), Int(height)) : nil
    }

    /// The image shrunk so that its longer side is at most `maxSide`, as JPEG (or PNG).
    public static func thumbnail(_ data: [UInt8], maxSide: Int, png: Bool = false, quality: Int = 82) throws(Failure)
        -> Image
    {
        guard initialised else { throw Failure(description: "libvips could not start: \(lastError)") }
        var out: UnsafeMutableRawPointer?
        var length = 0
        var width: Int32 = 0
        var height: Int32 = 0
        let result = data.withUnsafeBytes { buffer in
            mmsctl_vips_thumbnail(
                buffer.baseAddress, buffer.count, Int32(clamping: maxSide), png ? 1 : 0, Int32(clamping: quality), &out,
                &length, &width, &height)
        }
        guard result == 0, let out else { throw Failure(description: lastError) }
        defer { mmsctl_vips_free(out) }
        let bytes = [UInt8](UnsafeRawBufferPointer(start: out, count: length))
        return Image(data: bytes, width: Int(width), height: Int(height))
    }

    static var lastError: String { String(cString: mmsctl_vips_error()) }
}
