//! The test wiki's canary, for a live Rust suite (the scenarios of both
//! clients, the command line's tests): every password and bot password of
//! the wiki's accounts holds wiki.json's `canary` (tests/wiki/testwiki), and
//! no text a suite captured (an error, a `Debug`, a log line, an output, a
//! journal) may show it, compared without case.
//!
//! Each check is counted; at the end of the test binary (after libtest's
//! `test result:` line) the suite's line `NAME canary: N captured texts
//! checked, M showed it` is printed, like the Python and C suites' (a line
//! scripts/test does not count as tests), and a text that showed it fails
//! the run there too, even one checked outside any test (a log line from a
//! runtime's worker thread).
#![allow(dead_code, unreachable_pub)]

use std::ffi::c_int;
use std::io::Write;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicUsize, Ordering};

/// A suite: its name in the final line, and what it checks at the end
/// (with [`check_at_end`]) before the line is printed.
pub struct Suite {
    pub name: &'static str,
    pub at_end: fn(),
}

static CHECKED: AtomicUsize = AtomicUsize::new(0);
static SHOWN: AtomicUsize = AtomicUsize::new(0);
static SUITE: OnceLock<&'static Suite> = OnceLock::new();

unsafe extern "C" {
    fn atexit(callback: extern "C" fn()) -> c_int;
    fn _exit(status: c_int) -> !;
}

/// wiki.json's `canary`, lowercase, when a wiki is up (`MWKIT_WIKI_JSON`).
pub fn canary_text() -> Option<&'static str> {
    static CANARY: OnceLock<Option<String>> = OnceLock::new();
    CANARY
        .get_or_init(|| {
            let path = std::env::var("MWKIT_WIKI_JSON").ok()?;
            let text = std::fs::read_to_string(path).ok()?;
            let state: serde_json::Value = serde_json::from_str(&text).ok()?;
            state["canary"].as_str().map(str::to_lowercase)
        })
        .as_deref()
}

/// Fails the test when `text`, which `suite` captured, shows the canary;
/// counts it. The first check registers the report at the end.
pub fn no_canary(suite: &'static Suite, what: &str, text: &str) {
    let Some(canary) = canary_text() else { return };
    SUITE.get_or_init(|| {
        // SAFETY: atexit takes a plain function that lives as long as the
        // process; it is registered once, and runs once.
        unsafe { atexit(report) };
        suite
    });
    let checked = CHECKED.fetch_add(1, Ordering::SeqCst) + 1;
    let shown = text.to_lowercase().contains(canary);
    if shown {
        SHOWN.fetch_add(1, Ordering::SeqCst);
    }
    assert!(
        !shown,
        "canary: {what} shows the test wiki's canary (a password), after {checked} captured \
         texts checked: {text}"
    );
}

/// For a suite's `at_end`: checks and counts `text` without panicking (a
/// panic must not cross `extern "C"`), saying on stderr what showed it.
pub fn check_at_end(what: &str, text: &str) {
    let Some(canary) = canary_text() else { return };
    CHECKED.fetch_add(1, Ordering::SeqCst);
    if text.to_lowercase().contains(canary) {
        SHOWN.fetch_add(1, Ordering::SeqCst);
        eprintln!("canary: {what} shows the test wiki's canary (a password)");
    }
}

extern "C" fn report() {
    let Some(suite) = SUITE.get() else { return };
    (suite.at_end)();
    let checked = CHECKED.load(Ordering::SeqCst);
    let shown = SHOWN.load(Ordering::SeqCst);
    let mut out = std::io::stdout();
    let _ = writeln!(
        out,
        "{} canary: {checked} captured texts checked, {shown} showed it",
        suite.name
    );
    let _ = out.flush();
    if shown > 0 {
        // SAFETY: ends the process at once with a failure; exit may not be
        // called again from an atexit handler.
        unsafe { _exit(101) }
    }
}
