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

extension ProcessMemory {
    /// Makes every thread allocate from one malloc arena from now on. glibc
    /// gives each thread that meets contention an arena of its own (up to 8
    /// per core), and memory freed in one arena is never reused by another:
    /// a daemon whose passes run on whichever pool thread is free ends up
    /// with a few mostly-empty arenas, each still holding pages around the
    /// odd long-lived block (`returnFreedPages` cannot free a page with one
    /// live byte on it). Measured with 100k tasks, idle: 245 MiB resident
    /// with the default arenas, 125 MiB with one. Allocation-heavy work on
    /// several threads at once then contends on one lock, so only a
    /// long-running process that mostly idles should call this, first thing.
    public static func useOneArena() {
        _ = mallopt(M_ARENA_MAX, 1)
    }
}
