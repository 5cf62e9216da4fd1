//! Process limits. Every fetch in flight holds a socket, so the service raises its soft limit
//! on open descriptors to the hard limit at start-up, as servers commonly do, and logs both.
//! The descriptors it needs stay bounded by the fetcher pool, not by the sites visited, so a
//! low hard limit (systemd's and most containers' 1,024) is enough.

/// Raises the soft descriptor limit to the hard one; logs what it found and what it set.
pub fn raise_descriptor_limit() {
    let Ok((soft, hard)) = rlimit::getrlimit(rlimit::Resource::NOFILE) else {
        tracing::warn!("cannot read the open-descriptor limit");
        return;
    };
    match rlimit::increase_nofile_limit(hard) {
        Ok(raised) => tracing::info!(soft_before = soft, soft = raised, hard, "open-descriptor limit"),
        Err(error) => tracing::warn!(%error, soft, hard, "cannot raise the open-descriptor limit"),
    }
}

/// The cores this process may use (its CPU affinity and cgroup quota included): the number of
/// extraction threads.
pub fn cores() -> usize {
    std::thread::available_parallelism().map_or(2, |n| n.get())
}

/// Threads of the runtime's blocking pool, which serves short blocking calls (name resolution,
/// file reads); extraction has threads of its own (`extract::ExtractionThreads`).
pub fn blocking_threads() -> usize {
    32
}

/// Milliseconds of `duration` for a log field or a timing, saturating (a `u128` would not fit
/// a field, and no duration here comes near 2^64 ms).
pub fn millis(duration: std::time::Duration) -> u64 {
    u64::try_from(duration.as_millis()).unwrap_or(u64::MAX)
}

/// Caps glibc's malloc arenas at one per core. glibc makes up to eight per core and the
/// extraction threads each take one, so freed parse trees stay scattered over many arenas: a
/// drain's RSS then grew with the sites it had visited (107 MiB after 10,000 domains, 85 MiB
/// with the cap, at the same throughput; docs/benchmarks.md). An operator's own
/// `MALLOC_ARENA_MAX` wins. Called first thing in `main`, before any thread starts.
pub fn cap_malloc_arenas() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    if std::env::var_os("MALLOC_ARENA_MAX").is_none() {
        let arenas = libc::c_int::try_from(cores().max(2)).unwrap_or(2);
        // SAFETY: mallopt only sets a tunable of the allocator; no thread has started yet.
        unsafe {
            libc::mallopt(libc::M_ARENA_MAX, arenas);
        }
    }
}

/// Hands memory the allocator holds free back to the system. The extraction threads call it
/// every 64 pages: glibc otherwise keeps the freed parse trees in its arenas, and a drain
/// held 145-178 MiB instead of 66-68 MiB (docs/benchmarks.md).
pub fn trim_malloc() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: malloc_trim only releases free memory of the allocator; any thread may call it.
    unsafe {
        libc::malloc_trim(0);
    }
}
