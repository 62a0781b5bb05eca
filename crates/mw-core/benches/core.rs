//! Benchmarks of mw-core's hot paths (criterion; figures in BENCHMARKS.md).
//!
//! - building an `emailuser` request (target: <= 2 us);
//! - parsing a userinfo answer with ~100 options, against serde_json parsing
//!   the same bytes into a `Value` (target: <= 1.5x).
#![allow(missing_docs, clippy::unwrap_used)]

use std::hint::black_box;
use std::path::Path;

use criterion::{Criterion, criterion_group, criterion_main};
use mw_core::{Api, EmailUser, OptionsChange, Response, Token, parse_read_options};

fn userinfo_body() -> Vec<u8> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/live-1.39/userinfo_options.json");
    let fixture: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    fixture["body"].as_str().unwrap().as_bytes().to_vec()
}

fn benches(c: &mut Criterion) {
    let api = Api::new(
        "https://wiki.example/w/api.php",
        "mwkit-bench/0 (bench@example.org)",
    )
    .unwrap();
    let token = Token::new("0123456789abcdef0123456789abcdef+\\");
    let email = EmailUser::new(
        "Recipient",
        "Subject with ünïcode | pipe",
        "Hello,\nthis is the body & more.\n",
    );
    c.bench_function("build emailuser request", |b| {
        b.iter(|| {
            api.email_user_request(black_box(&email), black_box(&token))
                .unwrap()
        })
    });

    let body = userinfo_body();
    let resp = Response::json(body.clone());
    let count = parse_read_options(&resp).unwrap().options.len();
    assert!(count > 90, "the fixture holds {count} options");
    let mut group = c.benchmark_group("userinfo with ~100 options");
    group.bench_function("mw_core::parse_read_options", |b| {
        b.iter(|| parse_read_options(black_box(&resp)).unwrap())
    });
    group.bench_function("serde_json::from_slice::<Value>", |b| {
        b.iter(|| serde_json::from_slice::<serde_json::Value>(black_box(&body)).unwrap())
    });
    group.finish();

    let mut change = OptionsChange::new();
    for i in 0..60 {
        change = change.set(format!("userjs-opt{i}"), format!("value|{i}"));
    }
    c.bench_function("plan and build 60 option changes", |b| {
        b.iter(|| {
            let batches = api.options_batches(black_box(&change)).unwrap();
            batches
                .iter()
                .map(|batch| api.options_request(batch, &token))
                .collect::<Vec<_>>()
        })
    });
}

criterion_group! {
    name = core;
    config = Criterion::default().warm_up_time(std::time::Duration::from_millis(500)).measurement_time(std::time::Duration::from_secs(2));
    targets = benches
}
criterion_main!(core);
