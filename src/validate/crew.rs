//! The helper threads of one validation.
//!
//! They are started when a validation starts, before its files are listed,
//! and wait for work without blocking (see [`relax`]): a thread that is
//! started, or that blocks, only when the work is there can be woken
//! milliseconds late on a busy machine, while listing the files gives them
//! the time to get going. The caller hands them a [`Task`] (the groups of
//! one input set, then its store checks) and works on it too; the task
//! itself tells when all of it is done, so the caller goes on without
//! waiting for a helper to drop what it used or to end. When the crew is
//! dropped, its threads end on their own.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::Thread;
use std::time::{Duration, Instant};

/// Work helpers can share.
pub(crate) trait Task: Send + Sync {
    /// Does whatever of the task is left to do; returns when nothing is.
    fn help(&self);
}

/// How long a helper spins for its first task before it parks (about as
/// long as listing a large store takes).
const SPIN_FIRST: Duration = Duration::from_millis(5);
/// How long it spins for a further task (they come one after another
/// when several paths are checked).
const SPIN_NEXT: Duration = Duration::from_micros(200);

/// What the caller and its helpers share.
struct Shared {
    /// The task offered last.
    task: Mutex<Option<Arc<dyn Task>>>,
    /// How many tasks have been offered.
    posted: AtomicUsize,
    /// Set when the crew is dropped.
    quit: AtomicBool,
}

/// Helper threads waiting for tasks.
pub(crate) struct Crew {
    shared: Arc<Shared>,
    threads: Vec<Thread>,
}

impl Crew {
    /// A crew of `helpers` threads (fewer if threads cannot be started).
    pub fn start(helpers: usize) -> Crew {
        let shared = Arc::new(Shared {
            task: Mutex::new(None),
            posted: AtomicUsize::new(0),
            quit: AtomicBool::new(false),
        });
        let threads = (0..helpers)
            .filter_map(|_| {
                let shared = Arc::clone(&shared);
                std::thread::Builder::new()
                    .name("gpforge-check".into())
                    .spawn(move || serve(&shared))
                    .ok()
                    .map(|h| h.thread().clone())
            })
            .collect();
        Crew { shared, threads }
    }

    /// A crew sized for this machine: one helper per further processor
    /// (at most 7).
    pub fn for_machine() -> Crew {
        let n = std::thread::available_parallelism().map_or(1, |n| n.get());
        Crew::start(n.clamp(1, 8) - 1)
    }

    /// A crew without helpers (yet: see [`Crew::wake`]).
    pub fn idle() -> Crew {
        Crew::start(0)
    }

    /// Starts the helpers of a crew for this machine if there are none.
    pub fn wake(&mut self) {
        if self.threads.is_empty() {
            *self = Crew::for_machine();
        }
    }

    /// Number of helper threads.
    pub fn helpers(&self) -> usize {
        self.threads.len()
    }

    /// Offers `task` to the helpers (who take it whenever they are free).
    pub fn post(&self, task: Arc<dyn Task>) {
        if self.threads.is_empty() {
            return;
        }
        *lock(&self.shared.task) = Some(task);
        self.shared.posted.fetch_add(1, Ordering::AcqRel);
        for t in &self.threads {
            t.unpark();
        }
    }
}

impl Drop for Crew {
    fn drop(&mut self) {
        // (the last task goes now, not when the helpers next look)
        *lock(&self.shared.task) = None;
        self.shared.quit.store(true, Ordering::Release);
        for t in &self.threads {
            t.unpark();
        }
    }
}

/// A lock that a panic on another thread does not close.
pub(crate) fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// One turn of a wait for another thread: a few busy spins, then a yield of
/// the processor at each turn. A thread that only spins can hold up the very
/// thread it waits for when the two share a processor (a new thread often
/// starts beside the one that made it), until the scheduler moves one.
fn relax(turn: u32) {
    if turn < 16 {
        std::hint::spin_loop();
    } else {
        std::thread::yield_now();
    }
}

/// Waits, without blocking, until `ready()` (see [`relax`]).
pub(crate) fn wait_until(ready: impl Fn() -> bool) {
    let mut turn = 0u32;
    while !ready() {
        relax(turn);
        turn = turn.saturating_add(1);
    }
}

/// A helper's life: each task offered, until the crew is dropped.
fn serve(shared: &Shared) {
    let mut seen = 0;
    loop {
        let started = Instant::now();
        let budget = if seen == 0 { SPIN_FIRST } else { SPIN_NEXT };
        let mut spins = 0u32;
        loop {
            if shared.quit.load(Ordering::Acquire) {
                return;
            }
            let posted = shared.posted.load(Ordering::Acquire);
            if posted != seen {
                seen = posted;
                break;
            }
            spins = spins.wrapping_add(1);
            if spins % 256 != 0 || started.elapsed() < budget {
                relax(spins);
            } else {
                std::thread::park_timeout(SPIN_FIRST);
            }
        }
        let task = lock(&shared.task).clone();
        if let Some(task) = task {
            // (a task catches its own panics; one that escapes ends
            // this helper only)
            task.help();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Counts to a number; every thread adds what it takes.
    struct Count {
        next: AtomicUsize,
        done: AtomicUsize,
        helped: AtomicUsize,
    }

    impl Count {
        fn work(&self) -> usize {
            let mut mine = 0;
            while self.next.fetch_add(1, Ordering::SeqCst) < 10_000 {
                mine += 1;
                self.done.fetch_add(1, Ordering::SeqCst);
            }
            mine
        }
    }

    impl Task for Count {
        fn help(&self) {
            let n = self.work();
            self.helped.fetch_add(n, Ordering::SeqCst);
        }
    }

    #[test]
    fn helpers_share_tasks_and_tasks_finish_without_them() {
        let crew = Crew::start(2);
        for _ in 0..3 {
            let task = Arc::new(Count {
                next: AtomicUsize::new(0),
                done: AtomicUsize::new(0),
                helped: AtomicUsize::new(0),
            });
            crew.post(task.clone());
            let mine = task.work();
            // every unit is done once, by the caller or a helper
            while task.done.load(Ordering::SeqCst) < 10_000 {
                std::hint::spin_loop();
            }
            let started = Instant::now();
            while mine + task.helped.load(Ordering::SeqCst) < 10_000 {
                assert!(started.elapsed() < Duration::from_secs(10));
                std::thread::yield_now();
            }
            assert_eq!(mine + task.helped.load(Ordering::SeqCst), 10_000);
            assert_eq!(task.done.load(Ordering::SeqCst), 10_000);
        }
        // no helpers: the caller does it all
        let none = Crew::start(0);
        assert_eq!(none.helpers(), 0);
        let task = Arc::new(Count {
            next: AtomicUsize::new(0),
            done: AtomicUsize::new(0),
            helped: AtomicUsize::new(0),
        });
        none.post(task.clone());
        assert_eq!(task.work(), 10_000);
        drop(crew);
    }
}
