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
pub const BLOCKING_THREADS: usize = 32;

/// Milliseconds of `duration` for a log field or a timing, saturating (a `u128` would not fit
/// a field, and no duration here comes near 2^64 ms).
pub fn millis(duration: std::time::Duration) -> u64 {
    u64::try_from(duration.as_millis()).unwrap_or(u64::MAX)
}
