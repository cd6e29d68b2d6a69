import CSystemd

/// The process's heap, as the service manager sees it (RSS, what
/// `systemctl status` shows as Memory and what `MemoryMax=` limits).
public enum ProcessMemory {
    /// Returns the whole free pages of every malloc arena to the system
    /// (glibc's `malloc_trim(0)`, which releases them with `MADV_DONTNEED`
    /// from the middle of each heap, not only from its top as `free` does on
    /// its own). Worth calling after a burst of allocation the process does
    /// not keep, such as a daemon's pass; costs milliseconds.
    public static func returnFreedPages() {
        _ = malloc_trim(0)
    }
}
