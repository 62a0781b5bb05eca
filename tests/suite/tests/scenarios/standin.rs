//! The client against a loopback stand-in server that answers what the real
//! wiki cannot be made to (maxlag, readonly, 503, a dropped connection, a
//! huge body, a redirect), counting the requests it gets.

use std::net::TcpListener;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use crate::driver::Driver;
use crate::standin_server::{Answer, SUCCESS, TOKENS, ok, stand_in};
use mw_core::{ClientSettings, EmailUser, Error, ErrorKind};

fn client<D: Driver>(url: &str) -> D {
    with::<D>(url, |s| s.read_timeout = Duration::from_millis(800))
}

/// A client of the stand-in with some settings changed.
fn with<D: Driver>(url: &str, change: impl FnOnce(&mut ClientSettings)) -> D {
    let mut settings = ClientSettings::new(url, "mwkit-standin-tests/0");
    change(&mut settings);
    D::build(settings).unwrap()
}

/// The header with which MediaWiki marks an error answer of its own.
fn mediawiki_error(code: &str) -> (&'static str, String) {
    ("MediaWiki-API-Error", code.to_owned())
}

fn email() -> EmailUser {
    EmailUser::new("Bob", "subject", "text")
}

pub fn maxlag_is_waited_for_and_sent_again<D: Driver>() {
    let maxlag = r#"{"errors":[{"code":"maxlag","text":"Waiting: 1 seconds lagged.","data":{"lag":1},"module":"main"}]}"#;
    let server = stand_in(vec![
        ok(TOKENS),
        Answer::Http(
            200,
            vec![("Retry-After", "1".into()), mediawiki_error("maxlag")],
            maxlag.into(),
        ),
        ok(SUCCESS),
    ]);
    let started = Instant::now();
    client::<D>(&server.url).email_user(&email()).unwrap();
    assert!(
        started.elapsed() >= Duration::from_secs(1),
        "waited as asked"
    );
    assert_eq!(server.requests.load(Ordering::SeqCst), 3);
}

pub fn readonly_is_waited_for_within_the_budget<D: Driver>() {
    let readonly = || {
        Answer::Http(
            200,
            vec![("Retry-After", "0".into()), mediawiki_error("readonly")],
            r#"{"errors":[{"code":"readonly","text":"The wiki is read-only.","module":"main"}]}"#
                .into(),
        )
    };
    let server = stand_in(vec![ok(TOKENS), readonly(), ok(SUCCESS)]);
    client::<D>(&server.url).email_user(&email()).unwrap();
    assert_eq!(server.requests.load(Ordering::SeqCst), 3);

    let server = stand_in(vec![ok(TOKENS), readonly(), readonly(), readonly()]);
    let c = with::<D>(&server.url, |s| s.session.retries = 2);
    let err = c.email_user(&email()).unwrap_err();
    assert_eq!(err.api_kind(), Some(ErrorKind::ReadOnly), "{err:?}");
    assert!(!err.outcome_unknown(), "readonly proves nothing was done");
    assert_eq!(
        server.requests.load(Ordering::SeqCst),
        4,
        "token, then 1 + 2 retries"
    );
}

pub fn a_503_to_a_write_is_outcome_unknown_with_its_retry_after_and_never_resent<D: Driver>() {
    // The 503 may come from a proxy after the wiki sent the mail: a status
    // proves nothing, so the write is not sent again (it used to be, 3 times).
    let busy = || Answer::Http(503, vec![("Retry-After", "0".into())], "busy".into());
    let server = stand_in(vec![
        ok(TOKENS),
        busy(),
        ok(SUCCESS),
        ok(SUCCESS),
        ok(SUCCESS),
    ]);
    let err = client::<D>(&server.url).email_user(&email()).unwrap_err();
    assert!(err.outcome_unknown(), "{err:?}");
    assert_eq!(
        err.retry_after(),
        Some(mw_core::RetryAfter::Delay(Duration::ZERO))
    );
    match &err {
        Error::OutcomeUnknown(unknown) => {
            assert!(matches!(unknown.cause, Error::Http { status: 503, .. }))
        }
        other => panic!("{other:?}"),
    }
    std::thread::sleep(Duration::from_millis(200));
    assert_eq!(server.requests.load(Ordering::SeqCst), 2, "token, one POST");
}

pub fn a_read_is_waited_for_and_sent_again_after_429_and_503<D: Driver>() {
    let options = r#"{"query":{"userinfo":{"id":0,"name":"127.0.0.1","anon":true,"options":{"skin":"vector"}}}}"#;
    let server = stand_in(vec![
        Answer::Http(503, vec![("Retry-After", "0".into())], "busy".into()),
        Answer::Http(429, vec![("Retry-After", "0".into())], "slow".into()),
        ok(options),
    ]);
    let read = client::<D>(&server.url).options().unwrap();
    assert_eq!(read.options["skin"], "vector");
    assert_eq!(server.requests.load(Ordering::SeqCst), 3);
}

pub fn a_wait_longer_than_allowed_is_returned_not_shortened<D: Driver>() {
    let server = stand_in(vec![
        ok(TOKENS),
        Answer::Http(503, vec![("Retry-After", "3600".into())], "busy".into()),
    ]);
    let started = Instant::now();
    let err = client::<D>(&server.url).email_user(&email()).unwrap_err();
    assert!(started.elapsed() < Duration::from_secs(5));
    assert!(err.outcome_unknown(), "{err:?}");
    assert_eq!(
        err.retry_after(),
        Some(mw_core::RetryAfter::Delay(Duration::from_secs(3600))),
        "the server's wish is passed on"
    );
    assert_eq!(server.requests.load(Ordering::SeqCst), 2);

    let maxlag = r#"{"errors":[{"code":"maxlag","text":"Waiting: 1 seconds lagged.","data":{"lag":1},"module":"main"}]}"#;
    let server = stand_in(vec![
        ok(TOKENS),
        Answer::Http(
            200,
            vec![("Retry-After", "3600".into()), mediawiki_error("maxlag")],
            maxlag.into(),
        ),
    ]);
    let started = Instant::now();
    let err = client::<D>(&server.url).email_user(&email()).unwrap_err();
    assert!(started.elapsed() < Duration::from_secs(5));
    assert!(
        matches!(err.api_kind(), Some(ErrorKind::Maxlag { .. })),
        "{err:?}"
    );
    assert_eq!(server.requests.load(Ordering::SeqCst), 2);
}

pub fn a_gateway_error_on_a_write_is_outcome_unknown_and_not_resent<D: Driver>() {
    let server = stand_in(vec![
        ok(TOKENS),
        Answer::Http(502, vec![], "<html>bad gateway</html>".into()),
        ok(SUCCESS),
    ]);
    let err = client::<D>(&server.url).email_user(&email()).unwrap_err();
    assert!(err.outcome_unknown(), "{err:?}");
    match &err {
        Error::OutcomeUnknown(unknown) => {
            assert!(!unknown.timed_out());
            assert!(matches!(unknown.cause, Error::Http { status: 502, .. }));
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(server.requests.load(Ordering::SeqCst), 2);
}

pub fn a_connection_dropped_after_the_request_is_outcome_unknown_and_not_resent<D: Driver>() {
    let server = stand_in(vec![ok(TOKENS), Answer::Drop, ok(SUCCESS)]);
    let err = client::<D>(&server.url).email_user(&email()).unwrap_err();
    assert!(err.outcome_unknown(), "{err:?}");
    std::thread::sleep(Duration::from_millis(200));
    assert_eq!(server.requests.load(Ordering::SeqCst), 2);
}

pub fn a_write_that_times_out_is_outcome_unknown_within_the_timeout<D: Driver>() {
    let server = stand_in(vec![
        ok(TOKENS),
        Answer::Delay(Duration::from_secs(3), SUCCESS.into()),
    ]);
    let c = client::<D>(&server.url);
    let started = Instant::now();
    let err = c.email_user(&email()).unwrap_err();
    let took = started.elapsed();
    assert!(
        matches!(&err, Error::OutcomeUnknown(unknown) if unknown.timed_out()),
        "{err:?}"
    );
    assert!(
        took < Duration::from_millis(800 * 12 / 10 + 300),
        "{took:?}"
    );
    assert_eq!(server.requests.load(Ordering::SeqCst), 2);
}

pub fn a_read_that_times_out_is_a_timeout<D: Driver>() {
    let server = stand_in(vec![Answer::Delay(Duration::from_secs(3), "{}".into())]);
    let err = client::<D>(&server.url).options().unwrap_err();
    assert!(matches!(err, Error::Timeout { .. }), "{err:?}");
    assert!(!err.outcome_unknown());
}

pub fn an_oversized_answer_stops_at_the_limit<D: Driver>() {
    let big = format!("{{\"query\":{{\"pad\":\"{}\"}}}}", "x".repeat(200_000));
    let server = stand_in(vec![ok(&big)]);
    let c = with::<D>(&server.url, |s| s.max_response_bytes = 64 * 1024);
    let err = c.options().unwrap_err();
    assert!(
        matches!(err, Error::BodyTooLarge { limit: 65536 }),
        "{err:?}"
    );
}

pub fn a_redirect_is_reported_not_followed<D: Driver>() {
    let server = stand_in(vec![
        ok(TOKENS),
        Answer::Http(
            301,
            vec![("Location", "https://elsewhere.invalid/w/api.php".into())],
            String::new(),
        ),
    ]);
    // A write answered by a redirect: whatever answered, it was not
    // MediaWiki saying it did nothing.
    let err = client::<D>(&server.url).email_user(&email()).unwrap_err();
    assert!(err.outcome_unknown(), "{err:?}");
    let Error::OutcomeUnknown(unknown) = err else {
        unreachable!()
    };
    match unknown.cause {
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

    let server = stand_in(vec![Answer::Http(
        302,
        vec![("Location", "https://wiki.example/w/api.php".into())],
        String::new(),
    )]);
    let err = client::<D>(&server.url).options().unwrap_err();
    assert!(
        matches!(err, Error::Redirected { status: 302, .. }),
        "{err:?}"
    );
}

pub fn refused_connections_say_nothing_was_sent<D: Driver>() {
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let err = client::<D>(&format!("http://127.0.0.1:{port}/api.php"))
        .email_user(&email())
        .unwrap_err();
    assert!(matches!(err, Error::Connect { .. }), "{err:?}");
    assert!(!err.outcome_unknown());
}

pub fn a_token_with_plus_and_backslash_arrives_encoded_and_last<D: Driver>() {
    let server = stand_in(vec![ok(TOKENS), ok(SUCCESS)]);
    client::<D>(&server.url).email_user(&email()).unwrap();
    let bodies = server.bodies.lock().unwrap();
    assert!(
        bodies[0].starts_with("GET /api.php?action=query&meta=tokens&type=csrf"),
        "{}",
        bodies[0]
    );
    assert!(bodies[1].starts_with("POST /api.php"), "{}", bodies[1]);
    assert!(
        bodies[1]
            .lines()
            .next()
            .unwrap()
            .ends_with("&token=abc%2B%5C"),
        "{}",
        bodies[1]
    );
    assert!(
        bodies[1].contains("&maxlag=5&"),
        "maxlag 5 by default: {}",
        bodies[1]
    );
}

pub fn a_ratelimited_answer_is_not_retried<D: Driver>() {
    let limited = r#"{"errors":[{"code":"ratelimited","text":"Slow down.","module":"emailuser"}]}"#;
    let limited = Answer::Http(200, vec![mediawiki_error("ratelimited")], limited.into());
    let server = stand_in(vec![ok(TOKENS), limited, ok(SUCCESS)]);
    let err = client::<D>(&server.url).email_user(&email()).unwrap_err();
    assert_eq!(err.api_kind(), Some(ErrorKind::RateLimited));
    assert_eq!(server.requests.load(Ordering::SeqCst), 2);
}

pub fn bad_input_is_refused_before_anything_is_sent_not_even_a_token_fetch<D: Driver>() {
    let server = stand_in(vec![ok(TOKENS), ok(SUCCESS)]);
    let c = client::<D>(&server.url);
    for email in [EmailUser::new("", "s", "t"), EmailUser::new("Bob", "s", "")] {
        let err = c.email_user(&email).unwrap_err();
        assert!(matches!(err, Error::InvalidInput(_)), "{err:?}");
    }
    let err = c
        .raw(
            &[("action", "purge"), ("token", "x")],
            mw_core::Method::Post,
            true,
        )
        .unwrap_err();
    assert!(matches!(err, Error::InvalidInput(_)), "{err:?}");
    let err = c
        .change_options(&mw_core::OptionsChange::new().set("a", "x\u{1f}"))
        .unwrap_err();
    assert!(matches!(err, Error::InvalidInput(_)), "{err:?}");
    assert_eq!(server.requests.load(Ordering::SeqCst), 0);
}

pub fn a_get_with_a_token_is_refused_before_sending<D: Driver>() {
    // A token on a GET would go out in the URL, or be dropped: the caller
    // meant a write. Refused before anything is sent, not even the token.
    let server = stand_in(vec![ok(TOKENS), ok(SUCCESS)]);
    let c = client::<D>(&server.url);
    let err = c
        .raw(
            &[("action", "emailuser"), ("target", "Bob")],
            mw_core::Method::Get,
            true,
        )
        .unwrap_err();
    assert!(matches!(err, Error::InvalidInput(_)), "{err:?}");
    assert_eq!(server.requests.load(Ordering::SeqCst), 0);
}
