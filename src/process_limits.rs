//! Limits graphmail sets on its own process before anything else runs.
//!
//! No core dumps: a crash while a client secret, a certificate password or
//! an access token is in memory would otherwise write them to a core file
//! (or hand them to a crash collector such as systemd-coredump or apport).
//! Both the soft and the hard limit go to 0, so nothing graphmail runs later
//! can raise them again. Unix only; elsewhere this does nothing.
//!
//! Shown by `tests/hostile.rs`
//! (`the_process_refuses_core_dumps_even_when_its_parent_allows_them`), which
//! reads `/proc/<pid>/limits` of a running graphmail.

/// Sets `RLIMIT_CORE` to 0. Failure is ignored: the limit can only be
/// lowered, and a platform that refuses has no core dumps to stop.
pub fn disable_core_dumps() {
    #[cfg(unix)]
    {
        let zero = libc::rlimit {
            rlim_cur: 0,
            rlim_max: 0,
        };
        // SAFETY: setrlimit reads the struct we pass and touches no memory of ours.
        let _ = unsafe { libc::setrlimit(libc::RLIMIT_CORE, &zero) };
    }
}

/// Lowers the calling thread's scheduling priority (nice +10, on Linux
/// per thread): for work that runs beside a write on the critical path
/// and only has to be done by the time that write is, so that on two cores
/// it takes the core the write does not need rather than one it does.
/// Lowered before it waits for such work (`threads::run_yielding`), not
/// once woken: woken at full priority, it took the core of the thread that
/// woke it. `SCHED_IDLE` measured no better, and would all but stop the
/// thread on a machine busy with other work.
pub fn yield_to_the_writers() {
    #[cfg(target_os = "linux")]
    {
        // SAFETY: plain system calls on the calling thread's own id.
        unsafe {
            let tid = libc::gettid();
            let _ = libc::setpriority(libc::PRIO_PROCESS, tid as libc::id_t, 10);
        }
    }
}
