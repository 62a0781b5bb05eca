//! Log output captured at trace level (as `RUST_LOG=trace` would show it),
//! from every crate, while a scenario holds a [`Capturing`] guard: for
//! scenarios that check what the clients log.
//!
//! The logger is this test binary's one logger, installed on first use.
//! Other scenarios running at the same time log into it too: a check over
//! the lines covers them as well, which is what it wants.
#![allow(dead_code, unreachable_pub, clippy::unwrap_used, clippy::expect_used)]

use std::sync::{Mutex, MutexGuard, PoisonError};

use log::{LevelFilter, Log, Metadata, Record};

struct Capture {
    /// How many guards are held: logging is on while any is.
    holders: Mutex<usize>,
    /// `LEVEL target message`, one entry a record.
    lines: Mutex<Vec<String>>,
}

impl Log for Capture {
    fn enabled(&self, _: &Metadata<'_>) -> bool {
        true
    }
    fn log(&self, record: &Record<'_>) {
        let line = format!("{} {} {}", record.level(), record.target(), record.args());
        // ureq's trace-level dump of the wire bytes is the documented
        // exception (mw-ureq's crate docs).
        if record.target() != "ureq_proto::util" {
            crate::support::no_canary("a log line", &line);
        }
        lock(&self.lines).push(line);
    }
    fn flush(&self) {}
}

static CAPTURE: Capture = Capture {
    holders: Mutex::new(0),
    lines: Mutex::new(Vec::new()),
};

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Log capture at trace level, on while held.
pub struct Capturing {
    /// The lines before this guard was taken: not its own.
    from: usize,
}

/// Turns trace-level capture on (installing the logger on first use) until
/// the guard is dropped.
pub fn capture() -> Capturing {
    // Only this module sets the logger; a second call fails harmlessly.
    let _ = log::set_logger(&CAPTURE);
    let mut holders = lock(&CAPTURE.holders);
    *holders += 1;
    log::set_max_level(LevelFilter::Trace);
    Capturing {
        from: lock(&CAPTURE.lines).len(),
    }
}

impl Capturing {
    /// Every line logged since the guard was taken, by anyone.
    pub fn lines(&self) -> Vec<String> {
        lock(&CAPTURE.lines)[self.from..].to_vec()
    }
}

impl Drop for Capturing {
    fn drop(&mut self) {
        let mut holders = lock(&CAPTURE.holders);
        *holders -= 1;
        if *holders == 0 {
            log::set_max_level(LevelFilter::Off);
            // Nobody reads them any more.
            lock(&CAPTURE.lines).clear();
        }
    }
}
