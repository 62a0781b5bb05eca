//! The client against a loopback stand-in server that answers what the real
//! wiki cannot be made to (maxlag, readonly, 503, a dropped connection, a
//! huge body, a redirect), counting the requests it gets.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use mw_ureq::{Client, EmailUser, Error, ErrorKind};

/// What the stand-in does with one request.
#[derive(Clone)]
enum Answer {
    /// Status, extra headers, body.
    Http(u16, Vec<(&'static str, String)>, String),
    /// Read the request, then close without answering.
    Drop,
    /// Read the request, then answer after this long.
    Delay(Duration, String),
}

struct StandIn {
    url: String,
    requests: Arc<AtomicUsize>,
    bodies: Arc<Mutex<Vec<String>>>,
}

const TOKENS: &str = r#"{"query":{"tokens":{"csrftoken":"abc+\\"}}}"#;
const SUCCESS: &str = r#"{"emailuser":{"result":"Success"}}"#;

fn ok(body: &str) -> Answer {
    Answer::Http(200, Vec::new(), body.to_owned())
}

/// Serves `answers` in order, one per request, on loopback.
fn stand_in(answers: Vec<Answer>) -> StandIn {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/api.php", listener.local_addr().unwrap());
    let requests = Arc::new(AtomicUsize::new(0));
    let bodies = Arc::new(Mutex::new(Vec::new()));
    let (count, seen) = (Arc::clone(&requests), Arc::clone(&bodies));
    std::thread::spawn(move || {
        let mut answers = answers.into_iter();
        for stream in listener.incoming() {
            let Ok(stream) = stream else { return };
            // One connection may carry several requests (keep-alive).
            if !serve(stream, &mut answers, &count, &seen) {
                return;
            }
        }
    });
    StandIn {
        url,
        requests,
        bodies,
    }
}

/// Serves requests on one connection; false when the answers ran out.
fn serve(
    stream: TcpStream,
    answers: &mut impl Iterator<Item = Answer>,
    count: &AtomicUsize,
    seen: &Mutex<Vec<String>>,
) -> bool {
    let mut reader = BufReader::new(stream.try_clone().unwrap());
    let mut out = stream;
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).unwrap_or(0) == 0 {
            return true; // the client closed the connection
        }
        let mut length = 0;
        loop {
            let mut header = String::new();
            reader.read_line(&mut header).unwrap();
            if header.trim().is_empty() {
                break;
            }
            if let Some(v) = header.to_ascii_lowercase().strip_prefix("content-length:") {
                length = v.trim().parse().unwrap();
            }
        }
        let mut body = vec![0; length];
        reader.read_exact(&mut body).unwrap();
        count.fetch_add(1, Ordering::SeqCst);
        seen.lock()
            .unwrap()
            .push(format!("{}{}", line.trim(), String::from_utf8_lossy(&body)));
        let Some(answer) = answers.next() else {
            return false;
        };
        let (status, headers, body) = match answer {
            Answer::Drop => return true,
            Answer::Delay(d, body) => {
                std::thread::sleep(d);
                (200, Vec::new(), body)
            }
            Answer::Http(s, h, b) => (s, h, b),
        };
        let mut head = format!(
            "HTTP/1.1 {status} X\r\nContent-Type: application/json\r\nContent-Length: {}\r\n",
            body.len()
        );
        for (k, v) in headers {
            head.push_str(&format!("{k}: {v}\r\n"));
        }
        head.push_str("\r\n");
        if out
            .write_all(head.as_bytes())
            .and_then(|()| out.write_all(body.as_bytes()))
            .is_err()
        {
            return true;
        }
    }
}

fn client(url: &str) -> Client {
    Client::builder(url, "mwkit-standin-tests/0")
        .read_timeout(Duration::from_millis(800))
        .build()
        .unwrap()
}

fn email() -> EmailUser {
    EmailUser::new("Bob", "subject", "text")
}

#[test]
fn maxlag_is_waited_for_and_sent_again() {
    let maxlag = r#"{"errors":[{"code":"maxlag","text":"Waiting: 1 seconds lagged.","data":{"lag":1},"module":"main"}]}"#;
    let server = stand_in(vec![
        ok(TOKENS),
        Answer::Http(200, vec![("Retry-After", "1".into())], maxlag.into()),
        ok(SUCCESS),
    ]);
    let started = Instant::now();
    client(&server.url).email_user(&email()).unwrap();
    assert!(
        started.elapsed() >= Duration::from_secs(1),
        "waited as asked"
    );
    assert_eq!(server.requests.load(Ordering::SeqCst), 3);
}

#[test]
fn readonly_and_503_are_waited_for_within_the_budget() {
    let readonly =
        r#"{"errors":[{"code":"readonly","text":"The wiki is read-only.","module":"main"}]}"#;
    let server = stand_in(vec![
        ok(TOKENS),
        Answer::Http(200, vec![("Retry-After", "0".into())], readonly.into()),
        Answer::Http(
            503,
            vec![("Retry-After", "0".into())],
            "<html>busy</html>".into(),
        ),
        ok(SUCCESS),
    ]);
    client(&server.url).email_user(&email()).unwrap();
    assert_eq!(server.requests.load(Ordering::SeqCst), 4);

    let busy = || Answer::Http(503, vec![("Retry-After", "0".into())], "busy".into());
    let server = stand_in(vec![ok(TOKENS), busy(), busy(), busy()]);
    let c = Client::builder(&server.url, "t/0")
        .retries(2)
        .build()
        .unwrap();
    let err = c.email_user(&email()).unwrap_err();
    assert!(
        matches!(
            err,
            Error::Core(mw_ureq::mw_core::Error::Http { status: 503, .. })
        ),
        "{err:?}"
    );
    assert_eq!(
        server.requests.load(Ordering::SeqCst),
        4,
        "token, then 1 + 2 retries"
    );
}

#[test]
fn a_wait_longer_than_allowed_is_returned_not_shortened() {
    let server = stand_in(vec![
        ok(TOKENS),
        Answer::Http(503, vec![("Retry-After", "3600".into())], "busy".into()),
    ]);
    let started = Instant::now();
    let err = client(&server.url).email_user(&email()).unwrap_err();
    assert!(started.elapsed() < Duration::from_secs(5));
    assert!(matches!(
        err,
        Error::Core(mw_ureq::mw_core::Error::Http { status: 503, .. })
    ));
    assert_eq!(server.requests.load(Ordering::SeqCst), 2);
}

#[test]
fn a_gateway_error_on_a_write_is_outcome_unknown_and_not_resent() {
    let server = stand_in(vec![
        ok(TOKENS),
        Answer::Http(502, vec![], "<html>bad gateway</html>".into()),
        ok(SUCCESS),
    ]);
    let err = client(&server.url).email_user(&email()).unwrap_err();
    assert!(err.outcome_unknown(), "{err:?}");
    assert!(
        matches!(
            err,
            Error::OutcomeUnknown {
                timed_out: false,
                cause: Some(_),
                ..
            }
        ),
        "{err:?}"
    );
    assert_eq!(server.requests.load(Ordering::SeqCst), 2);
}

#[test]
fn a_connection_dropped_after_the_request_is_outcome_unknown_and_not_resent() {
    let server = stand_in(vec![ok(TOKENS), Answer::Drop, ok(SUCCESS)]);
    let err = client(&server.url).email_user(&email()).unwrap_err();
    assert!(err.outcome_unknown(), "{err:?}");
    std::thread::sleep(Duration::from_millis(200));
    assert_eq!(server.requests.load(Ordering::SeqCst), 2);
}

#[test]
fn a_write_that_times_out_is_outcome_unknown_within_the_timeout() {
    let server = stand_in(vec![
        ok(TOKENS),
        Answer::Delay(Duration::from_secs(3), SUCCESS.into()),
    ]);
    let c = client(&server.url);
    let started = Instant::now();
    let err = c.email_user(&email()).unwrap_err();
    let took = started.elapsed();
    assert!(
        matches!(
            err,
            Error::OutcomeUnknown {
                timed_out: true,
                ..
            }
        ),
        "{err:?}"
    );
    assert!(
        took < Duration::from_millis(800 * 12 / 10 + 300),
        "{took:?}"
    );
    assert_eq!(server.requests.load(Ordering::SeqCst), 2);
}

#[test]
fn a_read_that_times_out_is_a_timeout() {
    let server = stand_in(vec![Answer::Delay(Duration::from_secs(3), "{}".into())]);
    let err = client(&server.url).options().unwrap_err();
    assert!(matches!(err, Error::Timeout { .. }), "{err:?}");
    assert!(!err.outcome_unknown());
}

#[test]
fn an_oversized_answer_stops_at_the_limit() {
    let big = format!("{{\"query\":{{\"pad\":\"{}\"}}}}", "x".repeat(200_000));
    let server = stand_in(vec![ok(&big)]);
    let c = Client::builder(&server.url, "t/0")
        .max_response_bytes(64 * 1024)
        .build()
        .unwrap();
    let err = c.options().unwrap_err();
    assert!(
        matches!(
            err,
            Error::BodyTooLarge {
                limit: 65536,
                outcome_unknown: false
            }
        ),
        "{err:?}"
    );
}

#[test]
fn a_redirect_is_reported_not_followed() {
    let server = stand_in(vec![
        ok(TOKENS),
        Answer::Http(
            301,
            vec![("Location", "https://elsewhere.invalid/w/api.php".into())],
            String::new(),
        ),
    ]);
    let err = client(&server.url).email_user(&email()).unwrap_err();
    match err {
        Error::Redirected {
            status: 301,
            location,
        } => {
            assert_eq!(
                location.as_deref(),
                Some("https://elsewhere.invalid/w/api.php")
            );
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(server.requests.load(Ordering::SeqCst), 2);
}

#[test]
fn refused_connections_say_nothing_was_sent() {
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let err = client(&format!("http://127.0.0.1:{port}/api.php"))
        .email_user(&email())
        .unwrap_err();
    assert!(matches!(err, Error::Connect { .. }), "{err:?}");
    assert!(!err.outcome_unknown());
}

#[test]
fn a_token_with_plus_and_backslash_arrives_encoded_and_last() {
    let server = stand_in(vec![ok(TOKENS), ok(SUCCESS)]);
    client(&server.url).email_user(&email()).unwrap();
    let bodies = server.bodies.lock().unwrap();
    assert!(
        bodies[0].starts_with("GET /api.php?action=query&meta=tokens&type=csrf"),
        "{}",
        bodies[0]
    );
    assert!(bodies[1].starts_with("POST /api.php"), "{}", bodies[1]);
    assert!(bodies[1].ends_with("&token=abc%2B%5C"), "{}", bodies[1]);
    assert!(
        bodies[1].contains("&maxlag=5&"),
        "maxlag 5 by default: {}",
        bodies[1]
    );
}

#[test]
fn a_ratelimited_answer_is_not_retried() {
    let limited = r#"{"errors":[{"code":"ratelimited","text":"Slow down.","module":"emailuser"}]}"#;
    let server = stand_in(vec![ok(TOKENS), ok(limited), ok(SUCCESS)]);
    let err = client(&server.url).email_user(&email()).unwrap_err();
    assert_eq!(err.api_kind(), Some(ErrorKind::RateLimited));
    assert_eq!(server.requests.load(Ordering::SeqCst), 2);
}

#[test]
fn bad_input_is_refused_before_anything_is_sent_not_even_a_token_fetch() {
    let server = stand_in(vec![ok(TOKENS), ok(SUCCESS)]);
    let c = client(&server.url);
    for email in [EmailUser::new("", "s", "t"), EmailUser::new("Bob", "s", "")] {
        let err = c.email_user(&email).unwrap_err();
        assert!(matches!(err, Error::Core(mw_ureq::mw_core::Error::InvalidInput(_))), "{err:?}");
    }
    let err = c.raw(&[("action", "purge"), ("token", "x")], mw_ureq::Method::Post, true).unwrap_err();
    assert!(matches!(err, Error::Core(mw_ureq::mw_core::Error::InvalidInput(_))), "{err:?}");
    let err = c.change_options(&mw_ureq::OptionsChange::new().set("a", "x\u{1f}")).unwrap_err();
    assert!(matches!(err, Error::Core(mw_ureq::mw_core::Error::InvalidInput(_))), "{err:?}");
    assert_eq!(server.requests.load(Ordering::SeqCst), 0);
}
