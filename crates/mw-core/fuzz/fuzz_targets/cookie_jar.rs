//! Any `Set-Cookie` text, at any time, into the session's cookie jar: it is
//! stored or ignored, never a panic (absurd Max-Age values and dates
//! included), and the `Cookie` header built from it holds no line break.
#![no_main]

use std::time::{Duration, SystemTime};

use libfuzzer_sys::fuzz_target;
use mw_core::CookieJar;

fuzz_target!(|data: &[u8]| {
    let Some((&first, rest)) = data.split_first() else {
        return;
    };
    // The first byte picks the time: 1970, now-ish, or the far future.
    let now = match first % 3 {
        0 => SystemTime::UNIX_EPOCH,
        1 => SystemTime::UNIX_EPOCH + Duration::from_secs(1_800_000_000),
        _ => SystemTime::UNIX_EPOCH + Duration::from_secs(u64::from(u32::MAX) * 64),
    };
    let text = String::from_utf8_lossy(rest);
    let mut jar = CookieJar::default();
    for line in text.split('\n') {
        jar.store(line, now);
    }
    for secure in [false, true] {
        if let Some(header) = jar.header(now, secure) {
            assert!(!header.contains(['\r', '\n']));
        }
    }
    let _ = format!("{jar:?}");
});
