import ArgumentParser
import DubanStore

/// Runs `body`; a state-database failure becomes one clear line on stderr
/// and exit 2 (the state is unusable for now: full disk, read-only file,
/// damaged file, or — transient — another process holding it; the line says
/// which and what to do).
func withState<T>(_ body: () async throws -> T) async throws -> T {
    do {
        return try await body()
    } catch let error as StoreError {
        printErr("duban: \(error)" + (error.isTransient ? " (temporary: run the command again)" : ""))
        throw ExitStatus.configurationUnusable
    }
}
