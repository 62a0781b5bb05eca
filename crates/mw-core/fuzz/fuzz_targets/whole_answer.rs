//! Whole answers (status, headers and body together) given to the session
//! engine at every step of an email: never a panic, every call ends, and
//! the email is sent a second time only when the answer is MediaWiki's own
//! proof that it did not act (an HTTP 200 whose `MediaWiki-API-Error`
//! header names the code). The first three bytes pick the status, the
//! headers and the Retry-After; the rest is the body.
#![no_main]

use std::time::{Duration, SystemTime};

use libfuzzer_sys::fuzz_target;
use mw_core::*;

const STATUSES: [u16; 8] = [200, 200, 200, 429, 500, 502, 503, 504];
const CODES: [&str; 8] = [
    "badtoken",
    "assertuserfailed",
    "maxlag",
    "readonly",
    "ratelimited",
    "noemailtext",
    "gateway_timeout",
    "internal_api_error_DBQueryError",
];

fuzz_target!(|data: &[u8]| {
    let (head, body) = data.split_at(data.len().min(3));
    let pick = |i: usize| head.get(i).copied().unwrap_or(0) as usize;
    let status = STATUSES[pick(0) % STATUSES.len()];
    let flags = pick(1);
    let mut headers = Vec::new();
    if flags & 1 != 0 {
        headers.push((
            "MediaWiki-API-Error".to_owned(),
            CODES[(flags >> 4) % CODES.len()].to_owned(),
        ));
    }
    if flags & 2 != 0 {
        headers.push(("Set-Cookie".to_owned(), "wiki_session=s1; path=/; HttpOnly".to_owned()));
    }
    if flags & 4 != 0 {
        headers.push(("Retry-After".to_owned(), (pick(2) % 3).to_string()));
    }
    let answer = Response::new(status, headers, body.to_vec());
    let proof = status == 200 && answer.header("mediawiki-api-error").is_some();

    let api = Api::new("https://wiki.example/w/api.php", "fuzz/0").expect("valid");
    let config = SessionConfig {
        retries: 2,
        max_wait: Duration::from_secs(2),
        allow_insecure_credentials: false,
    };
    let mut session = Session::new(api, config);
    let mut call = session
        .email_user(&EmailUser::new("Bob", "s", "t"))
        .expect("valid");
    let now = SystemTime::UNIX_EPOCH;
    let mut emails = 0;
    for _ in 0..64 {
        match session.poll(&mut call, now) {
            Step::Send(req) => {
                if req.is_write {
                    emails += 1;
                    assert!(emails == 1 || proof, "an email sent again without proof");
                }
                session.handle(&mut call, Answer::Response(answer.clone()), now);
            }
            Step::Wait(_) => {}
            Step::Park => panic!("a lone call parked"),
            Step::Done(result) => {
                if let Err(e) = result {
                    let _ = (e.to_string(), format!("{e:?}"), e.code());
                }
                return;
            }
        }
    }
    panic!("the call did not end within 64 steps");
});
