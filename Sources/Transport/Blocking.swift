import Dispatch

/// Runs blocking system work (connect with poll, DNS over UDP, getaddrinfo, waiting for a process)
/// on a dispatch queue instead of a thread of Swift's cooperative pool, so that two transfers on a
/// two-core machine can never starve the AT channel or each other.
public enum Blocking {
    public static func run<T: Sendable, E: Error>(_ body: @escaping @Sendable () throws(E) -> T) async throws(E) -> T {
        let result: Result<T, E> = await withCheckedContinuation { continuation in
            DispatchQueue.global(qos: .userInitiated).async {
                do throws(E) {
                    continuation.resume(returning: .success(try body()))
                } catch {
                    continuation.resume(returning: .failure(error))
                }
            }
        }
        return try result.get()
    }
}
