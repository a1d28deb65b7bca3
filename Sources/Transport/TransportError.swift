/// What went wrong talking to the MMSC, naming the URL, the proxy and the bearer.
public enum TransportError: Error, Hashable, Sendable, CustomStringConvertible {
    case invalidURL(String, reason: String)
    /// The name did not resolve (with the DNS server asked, or "system resolver").
    case dns(host: String, server: String, reason: String)
    case connect(target: String, reason: String)
    case timeout(phase: String, seconds: Double)
    /// The server answered with a non-2xx status.
    case status(code: Int, reason: String)
    /// The body exceeded the configured cap (stopped while streaming).
    case tooLarge(limit: Int)
    case tooManyRedirects(limit: Int)
    /// The connection ended before the announced body length.
    case truncated(expected: Int, received: Int)
    case contentType(String)
    case connectionReset(String)
    case bearer(String)
    /// An error with where it happened: the URL, the proxy used, the bearer.
    indirect case request(TransportError, url: String, proxy: String?, bearer: String)

    public var description: String {
        switch self {
        case .invalidURL(let url, let reason): return "\(url): \(reason)"
        case .dns(let host, let server, let reason): return "cannot resolve \(host) (DNS \(server)): \(reason)"
        case .connect(let target, let reason): return "cannot connect to \(target): \(reason)"
        case .timeout(let phase, let seconds): return "\(phase) timed out after \(seconds) s"
        case .status(let code, let reason): return "HTTP \(code) \(reason)"
        case .tooLarge(let limit): return "response larger than the \(limit)-byte limit; stopped"
        case .tooManyRedirects(let limit): return "more than \(limit) redirects"
        case .truncated(let expected, let received): return "body cut off after \(received) of \(expected) bytes"
        case .contentType(let type): return "unexpected content type \(type) (expected application/vnd.wap.mms-message)"
        case .connectionReset(let detail): return "connection reset: \(detail)"
        case .bearer(let detail): return "bearer: \(detail)"
        case .request(let error, let url, let proxy, let bearer):
            return "\(url)\(proxy.map { " via proxy \($0)" } ?? "") over \(bearer): \(error)"
        }
    }

    /// The error without its location wrapper.
    public var underlying: TransportError {
        if case .request(let error, _, _, _) = self { return error }
        return self
    }

    /// Connection errors, timeouts, resets, truncations and 5xx are worth retrying; 4xx and local errors are not.
    public var isRetryable: Bool {
        switch underlying {
        case .connect, .timeout, .connectionReset, .truncated: return true
        case .status(let code, _): return code >= 500
        case .dns(_, _, let reason): return reason.contains("timed out")
        default: return false
        }
    }
}
