//! Threads started before they are needed.
//!
//! Starting a thread is not free: on the 2-core VM graphmail is measured on,
//! a `std::thread` spawn held the caller for 0.2 to 0.5 ms, and the new
//! thread ran 0.1 to 0.6 ms later (BENCHMARKS.md, the twentieth landing).
//! A bulk test run starts three (the rendering, the evidence, the history)
//! after its last answer, which is its critical path: about 1 ms of a
//! 120 ms run, issue 17 (c). [`warm`] starts them while the token request
//! is away and the process has nothing else to do; [`run`] hands a job to
//! one that waits, or starts a thread for it when none does, so a job never
//! waits for another job.
//!
//! Each waiting thread has a channel of its own: a job wakes the one thread
//! it is given to. A job that must not take a core from the writers beside
//! it goes to a thread whose priority was lowered before it began to wait
//! ([`run_yielding`]): lowered only once woken, it took the core of the
//! thread that woke it (0.9 ms, measured).
//!
//! Jobs are `'static`: they own what they work on and hand it back through
//! [`Task::join`], whose panic is the caller's, as a joined thread's is.

use std::any::Any;
use std::panic::{AssertUnwindSafe, catch_unwind, resume_unwind};
use std::sync::mpsc;
use std::sync::{Arc, Mutex, OnceLock};

/// The name of a thread started by [`warm`].
pub const NAME: &str = "graphmail-spare";

type Job = Box<dyn FnOnce() + Send>;

/// Threads waiting for jobs.
#[derive(Default)]
pub struct Spares {
    idle: Arc<Mutex<Vec<Waiting>>>,
    /// Its threads run at a lowered priority
    /// ([`crate::process_limits::yield_to_the_writers`]).
    yielding: bool,
}

/// The way to a waiting thread. It travels with the job and comes back to
/// the idle list with the thread, so a waiting thread holds no sender of
/// its own: dropping the [`Spares`] ends its threads.
struct Waiting(mpsc::Sender<Order>);

struct Order {
    job: Job,
    home: Waiting,
}

/// A job's result, to be collected.
#[must_use = "a task is joined to collect its result (and its panic)"]
pub struct Task<T> {
    result: mpsc::Receiver<Result<T, Box<dyn Any + Send>>>,
}

impl<T> Task<T> {
    /// Waits for the job; its panic is resumed here.
    pub fn join(self) -> T {
        match self.result.recv() {
            Ok(Ok(value)) => value,
            Ok(Err(panic)) => resume_unwind(panic),
            // Every job is run, on a waiting thread, a thread of its own or
            // the caller's, and sends before it ends: only a thread killed
            // from outside gets here.
            Err(_) => panic!("a graphmail thread ended without finishing its job"),
        }
    }
}

impl Spares {
    /// Spares whose threads run at a lowered priority.
    pub fn yielding() -> Self {
        Spares {
            yielding: true,
            ..Spares::default()
        }
    }

    /// Starts threads until `n` wait (fewer if the system refuses one).
    pub fn warm(&self, n: usize) {
        while self.idle() < n {
            let (orders, queue) = mpsc::channel::<Order>();
            // Weak: the thread must not keep its own way back alive.
            let idle = Arc::downgrade(&self.idle);
            let yielding = self.yielding;
            let started = std::thread::Builder::new()
                .name(NAME.into())
                .spawn(move || {
                    if yielding {
                        crate::process_limits::yield_to_the_writers();
                    }
                    while let Ok(Order { job, home }) = queue.recv() {
                        job();
                        let Some(idle) = idle.upgrade() else { return };
                        match idle.lock() {
                            Ok(mut idle) => idle.push(home),
                            Err(_) => return,
                        }
                    }
                });
            if started.is_err() {
                return;
            }
            match self.idle.lock() {
                Ok(mut idle) => idle.push(Waiting(orders)),
                Err(_) => return,
            }
        }
    }

    /// How many threads wait for a job.
    pub fn idle(&self) -> usize {
        self.idle.lock().map_or(0, |idle| idle.len())
    }

    /// Runs `job` on a waiting thread, or on a new one.
    pub fn run<T, F>(&self, job: F) -> Task<T>
    where
        T: Send + 'static,
        F: FnOnce() -> T + Send + 'static,
    {
        let (send, result) = mpsc::sync_channel(1);
        let mut job: Job = Box::new(move || {
            let _ = send.send(catch_unwind(AssertUnwindSafe(job)));
        });
        // The last thread back is the likeliest to still be warm in a cache.
        while let Some(Waiting(way)) = self.idle.lock().ok().and_then(|mut idle| idle.pop()) {
            let home = Waiting(way.clone());
            match way.send(Order { job, home }) {
                Ok(()) => return Task { result },
                // That thread is gone: the next one, or a new thread.
                Err(mpsc::SendError(order)) => job = order.job,
            }
        }
        // No thread waits: one of its own, as `std::thread::spawn` would,
        // or, should the system refuse one, here and now.
        let yielding = self.yielding;
        let job = Arc::new(Mutex::new(Some(job)));
        let theirs = job.clone();
        let started = std::thread::Builder::new().spawn(move || {
            if yielding {
                crate::process_limits::yield_to_the_writers();
            }
            if let Some(job) = theirs.lock().ok().and_then(|mut j| j.take()) {
                job();
            }
        });
        if started.is_err()
            && let Some(job) = job.lock().ok().and_then(|mut j| j.take())
        {
            job();
        }
        Task { result }
    }
}

fn spares() -> &'static Spares {
    static SPARES: OnceLock<Spares> = OnceLock::new();
    SPARES.get_or_init(Spares::default)
}

fn yielding_spares() -> &'static Spares {
    static SPARES: OnceLock<Spares> = OnceLock::new();
    SPARES.get_or_init(Spares::yielding)
}

/// Starts threads until `n` wait for [`run`]'s jobs and `yielding` for
/// [`run_yielding`]'s: for a caller that will soon need them and has idle
/// time now.
pub fn warm(n: usize, yielding: usize) {
    spares().warm(n);
    yielding_spares().warm(yielding);
}

/// Runs `job` on a spare thread if one waits, else on a new thread.
pub fn run<T, F>(job: F) -> Task<T>
where
    T: Send + 'static,
    F: FnOnce() -> T + Send + 'static,
{
    spares().run(job)
}

/// [`run`] at a lowered priority: for work beside a write on the critical
/// path that only has to be done by the time the write is.
pub fn run_yielding<T, F>(job: F) -> Task<T>
where
    T: Send + 'static,
    F: FnOnce() -> T + Send + 'static,
{
    yielding_spares().run(job)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::time::{Duration, Instant};

    fn thread_name() -> Option<String> {
        std::thread::current().name().map(str::to_owned)
    }

    /// Waits (10 s at most) until `n` threads wait: a thread is counted
    /// again only once its job has finished.
    fn until_idle(spares: &Spares, n: usize) {
        let deadline = Instant::now() + Duration::from_secs(10);
        while spares.idle() < n && Instant::now() < deadline {
            std::thread::yield_now();
        }
    }

    #[test]
    fn warmed_threads_run_the_jobs_and_wait_again() {
        let spares = Spares::default();
        spares.warm(2);
        assert_eq!(spares.idle(), 2);
        let a = spares.run(thread_name);
        let b = spares.run(|| 40 + 2);
        assert_eq!(a.join().as_deref(), Some(NAME));
        assert_eq!(b.join(), 42);
        until_idle(&spares, 2);
        assert_eq!(spares.idle(), 2);
        // Warming again starts nothing more.
        spares.warm(2);
        assert_eq!(spares.idle(), 2);
    }

    #[test]
    fn with_no_thread_waiting_a_job_gets_a_thread_of_its_own() {
        let spares = Spares::default();
        let here = std::thread::current().id();
        let task = spares.run(move || std::thread::current().id() != here);
        assert!(task.join(), "ran on the caller's thread");
        assert_eq!(spares.idle(), 0);
        // More jobs than waiting threads: none waits for another. Each job
        // waits (10 s at most) until both have started; had the second
        // been queued behind the first, the first would give up.
        spares.warm(1);
        let started = Arc::new(AtomicUsize::new(0));
        let tasks: Vec<_> = (0..2)
            .map(|_| {
                let started = started.clone();
                spares.run(move || {
                    started.fetch_add(1, Ordering::AcqRel);
                    let deadline = Instant::now() + Duration::from_secs(10);
                    while started.load(Ordering::Acquire) < 2 {
                        if Instant::now() > deadline {
                            return false;
                        }
                        std::thread::yield_now();
                    }
                    true
                })
            })
            .collect();
        assert!(
            tasks.into_iter().all(Task::join),
            "one job waited for the other"
        );
    }

    #[test]
    fn a_jobs_panic_is_the_callers_and_the_thread_survives_it() {
        let spares = Spares::default();
        spares.warm(1);
        let task = spares.run(|| -> u8 { panic!("the job failed") });
        let panic = catch_unwind(AssertUnwindSafe(|| task.join())).unwrap_err();
        assert_eq!(panic.downcast_ref::<&str>(), Some(&"the job failed"));
        until_idle(&spares, 1);
        assert_eq!(spares.run(thread_name).join().as_deref(), Some(NAME));
    }

    #[test]
    fn dropping_the_spares_ends_their_threads() {
        struct Ends(Arc<AtomicUsize>);
        impl Drop for Ends {
            fn drop(&mut self) {
                self.0.fetch_add(1, Ordering::AcqRel);
            }
        }
        thread_local! {
            static ENDS: std::cell::RefCell<Option<Ends>> = const { std::cell::RefCell::new(None) };
        }
        let ended = Arc::new(AtomicUsize::new(0));
        let spares = Spares::default();
        spares.warm(2);
        // Each thread keeps a value that is dropped when the thread ends.
        // The jobs wait for each other: a first job that finished at once
        // sent its thread back before the second was handed out, and the
        // second then ran on it too (the last thread back goes first),
        // replacing, and so dropping, the first job's value.
        let both = Arc::new(std::sync::Barrier::new(2));
        let tasks: Vec<_> = (0..2)
            .map(|_| {
                let ended = ended.clone();
                let both = both.clone();
                spares.run(move || {
                    ENDS.with(|e| *e.borrow_mut() = Some(Ends(ended)));
                    both.wait();
                })
            })
            .collect();
        tasks.into_iter().for_each(Task::join);
        until_idle(&spares, 2);
        assert_eq!(ended.load(Ordering::Acquire), 0);
        drop(spares);
        let deadline = Instant::now() + Duration::from_secs(10);
        while ended.load(Ordering::Acquire) < 2 && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(1));
        }
        assert_eq!(
            ended.load(Ordering::Acquire),
            2,
            "a spare thread outlived its pool"
        );
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn yielding_threads_are_lowered_before_their_first_job() {
        fn nice() -> i32 {
            // SAFETY: reads the calling thread's own priority.
            unsafe { libc::getpriority(libc::PRIO_PROCESS, libc::gettid() as libc::id_t) }
        }
        let base = nice();
        let spares = Spares::yielding();
        spares.warm(1);
        let (name, lowered) = spares.run(|| (thread_name(), nice())).join();
        assert_eq!(name.as_deref(), Some(NAME));
        assert!(lowered > base, "nice {lowered} is not above {base}");
        // A thread of its own, when none waits, is lowered too.
        assert!(Spares::yielding().run(nice).join() > base);
        // The plain kind is not.
        assert_eq!(Spares::default().run(nice).join(), base);
    }
}
