//! A soak: 10,000 cheap requests through one client, with the client's
//! memory (RSS) and open file descriptors measured before and after.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

#[path = "support/standin.rs"]
mod standin;

use mw_ureq::Client;
use standin::{ok, stand_in_quiet};

const USERINFO: &str = r#"{"batchcomplete":true,"query":{"userinfo":{"id":3,"name":"Bob","options":{"gender":"female","rclimit":50,"skin":"vector"}}}}"#;

fn rss_kib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    let line = status.lines().find(|l| l.starts_with("VmRSS:")).unwrap();
    line.split_whitespace().nth(1).unwrap().parse().unwrap()
}

fn open_fds() -> usize {
    std::fs::read_dir("/proc/self/fd").unwrap().count()
}

#[test]
fn ten_thousand_requests_grow_neither_memory_nor_file_descriptors() {
    const WARM_UP: usize = 500;
    const SOAK: usize = 10_000;
    let server = stand_in_quiet(vec![ok(USERINFO); WARM_UP + SOAK]);
    let client = Client::new(&server.url, "mwkit-soak/0").unwrap();
    for _ in 0..WARM_UP {
        client.options().unwrap();
    }
    let (rss_before, fds_before) = (rss_kib(), open_fds());
    for _ in 0..SOAK {
        assert_eq!(client.options().unwrap().options["rclimit"], "50");
    }
    let (rss_after, fds_after) = (rss_kib(), open_fds());
    let growth = rss_after.saturating_sub(rss_before);
    eprintln!(
        "soak: {SOAK} requests, RSS {rss_before} -> {rss_after} KiB (+{growth}), fds {fds_before} -> {fds_after}"
    );
    assert!(growth < 5 * 1024, "RSS grew by {growth} KiB");
    assert!(
        fds_after <= fds_before,
        "file descriptors grew from {fds_before} to {fds_after}"
    );
}
