//! Faults between the client and the real test wiki, injected by a loopback
//! proxy: each test counts the requests at the proxy and the mails at the
//! sink, so "never sent twice" is checked where it lands.

use std::net::TcpListener;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use crate::driver::Driver;
use crate::proxy::{Fault, Proxy};
use crate::support::{Wiki, nonce};
use mw_core::{ClientSettings, EmailUser, Error, LoginFailure, OptionsChange};

/// The read timeout of the one scenario about timing out. That client logs
/// in with it too, at the start of the run, while three wikis and the other
/// suites load the machine's two cores: 1.5 s was once too short for that
/// login on a cold 1.39 wiki. 5 s leaves a fifth (1 s) for the timer's
/// wake-up on a loaded machine and still tells a timeout from none (the
/// proxy holds the answer twice as long).
const TIMEOUT: Duration = Duration::from_secs(5);

/// The read timeout of every other scenario here: long enough that a wiki
/// slowed by the rest of the test command (several suites run at once) is
/// never mistaken for a fault the proxy made.
const PATIENT: Duration = Duration::from_secs(30);

/// A client of the wiki through a fresh proxy, logged in as `sessions`'
/// neighbour role `sender`.
fn through_proxy<D: Driver>(wiki: &Wiki) -> (D, Proxy) {
    through_proxy_with(wiki, PATIENT)
}

/// [`through_proxy`], with the read timeout given.
fn through_proxy_with<D: Driver>(wiki: &Wiki, read_timeout: Duration) -> (D, Proxy) {
    let proxy = Proxy::start(wiki.api_url());
    let mut settings = ClientSettings::new(
        &proxy.url,
        &format!("mwkit-faults/{} (tests@mwkit.test)", nonce()),
    );
    settings.read_timeout = read_timeout;
    settings.max_response_bytes = 1024 * 1024;
    let client = D::build(settings).unwrap();
    let user = wiki.user("sender");
    client
        .login(
            user["bot_name"].as_str().unwrap(),
            user["bot_password"].as_str().unwrap(),
        )
        .unwrap();
    (client, proxy)
}

fn email(wiki: &Wiki, subject: &str) -> EmailUser {
    EmailUser::new(wiki.name("recipient"), subject, "fault injection")
}

pub fn a_refused_connection_sends_nothing_and_the_callers_retry_sends_one_mail<D: Driver>() {
    let wiki = Wiki::get();
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let refused = D::new(
        &format!("http://127.0.0.1:{port}/api.php"),
        "mwkit-faults/0",
    )
    .unwrap();
    let subject = format!("mwkit fault refused {}", nonce());
    let err = refused.email_user(&email(&wiki, &subject)).unwrap_err();
    assert!(matches!(err, Error::Connect { .. }), "{err:?}");
    assert!(!err.outcome_unknown(), "nothing was sent");
    assert!(wiki.wait_for_mails(&subject, 0).is_empty());

    let (client, _proxy) = through_proxy::<D>(&wiki);
    client.email_user(&email(&wiki, &subject)).unwrap();
    assert_eq!(wiki.wait_for_mails(&subject, 1).len(), 1);
}

pub fn a_reset_before_the_request_is_read_sends_no_mail_and_the_retry_sends_one<D: Driver>() {
    let wiki = Wiki::get();
    let (client, proxy) = through_proxy::<D>(&wiki);
    let before = proxy.requests();
    proxy.push([Fault::ResetBeforeRead]);
    let subject = format!("mwkit fault reset {}", nonce());
    let err = client.email_user(&email(&wiki, &subject)).unwrap_err();
    assert!(
        matches!(err, Error::OutcomeUnknown { .. } | Error::Transport { .. }),
        "{err:?}"
    );
    assert_eq!(proxy.requests() - before, 1, "not retried");
    assert!(wiki.wait_for_mails(&subject, 0).is_empty());
    client.email_user(&email(&wiki, &subject)).unwrap();
    assert_eq!(wiki.wait_for_mails(&subject, 1).len(), 1);
}

pub fn forwarded_then_dropped_is_outcome_unknown_with_one_request_and_at_most_one_mail<
    D: Driver,
>() {
    let wiki = Wiki::get();
    let (client, proxy) = through_proxy::<D>(&wiki);
    let before = proxy.requests();
    proxy.push([Fault::ForwardThenDrop]);
    let subject = format!("mwkit fault dropped {}", nonce());
    let err = client.email_user(&email(&wiki, &subject)).unwrap_err();
    assert!(err.outcome_unknown(), "{err:?}");
    assert_eq!(proxy.requests() - before, 1, "no automatic retry");
    assert!(wiki.wait_for_mails(&subject, 1).len() <= 1);
}

pub fn a_truncated_or_garbage_answer_is_a_decode_error_with_a_snippet_and_no_retry<D: Driver>() {
    let wiki = Wiki::get();
    let (client, proxy) = through_proxy::<D>(&wiki);
    for fault in [
        Fault::Truncate,
        Fault::ForwardThenReplace("<html><body>Gateway oops</body></html>".into()),
    ] {
        let before = proxy.requests();
        proxy.push([fault.clone()]);
        let subject = format!("mwkit fault garbage {}", nonce());
        let err = client.email_user(&email(&wiki, &subject)).unwrap_err();
        // The wiki got the write: its outcome is unknown to the client, and
        // the undecodable answer is kept as the cause.
        let Error::OutcomeUnknown(unknown) = &err else {
            panic!("{fault:?}: {err:?}")
        };
        let Error::Decode { snippet, .. } = &unknown.cause else {
            panic!("{unknown:?}")
        };
        assert!(
            !snippet.is_empty() && snippet.chars().count() <= 201,
            "{snippet}"
        );
        assert_eq!(proxy.requests() - before, 1, "{fault:?}: no retry");
        assert_eq!(wiki.wait_for_mails(&subject, 1).len(), 1, "{fault:?}");
    }
    // The same on a read is a plain decode error.
    proxy.push([Fault::ForwardThenReplace("not json at all".into())]);
    let err = client.options().unwrap_err();
    assert!(matches!(err, Error::Decode { .. }), "{err:?}");
}

pub fn a_delayed_answer_times_out_within_the_timeout_plus_a_fifth<D: Driver>() {
    let wiki = Wiki::get();
    let (client, proxy) = through_proxy_with::<D>(&wiki, TIMEOUT);
    proxy.push([Fault::Delay(TIMEOUT * 2)]);
    let subject = format!("mwkit fault delayed {}", nonce());
    let started = Instant::now();
    let err = client.email_user(&email(&wiki, &subject)).unwrap_err();
    let took = started.elapsed();
    assert!(
        matches!(&err, Error::OutcomeUnknown(unknown) if unknown.timed_out()),
        "{err:?}"
    );
    assert!(
        took >= TIMEOUT && took <= TIMEOUT * 6 / 5,
        "took {took:?}: the timeout is {TIMEOUT:?}"
    );
    assert!(wiki.wait_for_mails(&subject, 1).len() <= 1);
}

pub fn a_gateway_error_after_the_wiki_acted_gives_one_mail_and_outcome_unknown<D: Driver>() {
    // The proxy forwards the email, the wiki sends it, the proxy answers
    // 503/502/504: mwkit must not send it again, whatever Retry-After says.
    let wiki = Wiki::get();
    let (client, proxy) = through_proxy::<D>(&wiki);
    for status in [503, 502, 504] {
        let before = proxy.requests();
        proxy.push([Fault::ForwardThenRespond {
            status,
            headers: vec![("Retry-After".into(), "1".into())],
            body: "<html>the gateway gave up</html>".into(),
        }]);
        let subject = format!("mwkit fault {status} after forwarding {}", nonce());
        let err = client.email_user(&email(&wiki, &subject)).unwrap_err();
        assert!(err.outcome_unknown(), "{status}: {err:?}");
        assert_eq!(
            err.retry_after(),
            Some(mw_core::RetryAfter::Delay(Duration::from_secs(1))),
            "{status}: the server's Retry-After is passed on"
        );
        let Error::OutcomeUnknown(unknown) = &err else {
            unreachable!()
        };
        assert!(
            matches!(&unknown.cause, Error::Http { status: s, .. } if *s == status),
            "{unknown:?}"
        );
        assert_eq!(proxy.requests() - before, 1, "{status}: sent once");
        std::thread::sleep(Duration::from_millis(1500));
        assert_eq!(
            wiki.wait_for_mails(&subject, 1).len(),
            1,
            "{status}: exactly one mail"
        );
        assert_eq!(proxy.requests() - before, 1, "{status}: not resent later");
    }
}

pub fn a_gateways_json_error_after_forwarding_is_outcome_unknown_not_the_wikis_refusal<
    D: Driver,
>() {
    // A gateway that forwarded emailuser, saw the wiki send the mail, then
    // answered with a JSON error of its own, shaped like MediaWiki's (503)
    // or not (504), and without MediaWiki's `MediaWiki-API-Error` header:
    // not the wiki's refusal, so the mail may have left (it did), and it is
    // not sent again.
    let wiki = Wiki::get();
    let (client, proxy) = through_proxy::<D>(&wiki);
    let json = || vec![("Content-Type".to_owned(), "application/json".to_owned())];
    for (status, body) in [
        (
            503,
            r#"{"errors":[{"code":"gateway_timeout","text":"upstream timed out"}]}"#,
        ),
        (
            504,
            r#"{"error":{"code":503,"message":"Service Unavailable"}}"#,
        ),
    ] {
        let before = proxy.requests();
        proxy.push([Fault::ForwardThenRespond {
            status,
            headers: json(),
            body: body.to_owned(),
        }]);
        let subject = format!("mwkit fault json {status} after forwarding {}", nonce());
        let err = client.email_user(&email(&wiki, &subject)).unwrap_err();
        assert!(err.outcome_unknown(), "{status}: {err:?}");
        assert_eq!(
            err.api_kind(),
            None,
            "{status}: not the wiki's word: {err:?}"
        );
        let Error::OutcomeUnknown(unknown) = &err else {
            unreachable!()
        };
        assert!(
            matches!(&unknown.cause, Error::Http { status: s, .. } if *s == status),
            "{status}: {unknown:?}"
        );
        assert_eq!(proxy.requests() - before, 1, "{status}: sent once");
        let mails = wiki.wait_for_mails(&subject, 1);
        assert_eq!(mails.len(), 1, "{status}: exactly one mail");
        assert_eq!(
            mails[0]["rcpt_to"],
            serde_json::json!([wiki.email("recipient")]),
            "{status}"
        );
        assert_eq!(proxy.requests() - before, 1, "{status}: not resent later");
    }

    // The same answers to a read: an HTTP error, never the wiki's refusal
    // (the 503 is a read's to wait for and send again, and the second time
    // the wiki answers).
    let before = proxy.requests();
    proxy.push([Fault::ForwardThenRespond {
        status: 504,
        headers: json(),
        body: r#"{"error":{"code":503,"message":"Service Unavailable"}}"#.into(),
    }]);
    let err = client.options().unwrap_err();
    assert!(
        matches!(err, Error::Http { status: 504, .. }),
        "a read: {err:?}"
    );
    assert_eq!(proxy.requests() - before, 1);
    let before = proxy.requests();
    proxy.push([Fault::ForwardThenRespond {
        status: 503,
        headers: [json(), vec![("Retry-After".into(), "0".into())]].concat(),
        body: r#"{"errors":[{"code":"gateway_timeout","text":"upstream timed out"}]}"#.into(),
    }]);
    assert!(!client.options().unwrap().anonymous);
    assert_eq!(proxy.requests() - before, 2, "the read, sent again once");
    // And in an HTTP 200, without the header: a decode error.
    proxy.push([Fault::ForwardThenRespond {
        status: 200,
        headers: json(),
        body: r#"{"errors":[{"code":"gateway_timeout","text":"upstream timed out"}]}"#.into(),
    }]);
    let err = client.options().unwrap_err();
    assert!(matches!(err, Error::Decode { .. }), "a read: {err:?}");
}

pub fn a_503_before_forwarding_is_still_outcome_unknown_and_sends_nothing<D: Driver>() {
    // The client cannot tell where a 503 came from, so it is not resent;
    // here it came before the wiki, so no mail exists and the caller's own
    // retry delivers exactly one.
    let wiki = Wiki::get();
    let (client, proxy) = through_proxy::<D>(&wiki);
    proxy.push([Fault::Respond {
        status: 503,
        headers: vec![("Retry-After".into(), "0".into())],
        body: "<html>down for a moment</html>".into(),
    }]);
    let subject = format!("mwkit fault 503 {}", nonce());
    let err = client.email_user(&email(&wiki, &subject)).unwrap_err();
    assert!(err.outcome_unknown(), "{err:?}");
    assert!(wiki.wait_for_mails(&subject, 0).is_empty());
    client.email_user(&email(&wiki, &subject)).unwrap();
    assert_eq!(wiki.wait_for_mails(&subject, 1).len(), 1);
}

pub fn a_recorded_maxlag_answer_is_waited_for_and_gives_exactly_one_mail<D: Driver>() {
    let wiki = Wiki::get();
    let (client, proxy) = through_proxy::<D>(&wiki);
    let path =
        crate::support::repo_root().join("crates/mw-core/tests/fixtures/documented/maxlag.json");
    let fixture: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    // The recorded answer's headers (MediaWiki-API-Error among them: without
    // it the body is not the wiki's word), but a wait of 1 s, not its 7.
    let mut headers: Vec<(String, String)> = fixture["headers"]
        .as_object()
        .unwrap()
        .iter()
        .filter(|(name, _)| *name != "retry-after")
        .map(|(name, value)| (name.clone(), value.as_str().unwrap().to_owned()))
        .collect();
    headers.push(("Retry-After".into(), "1".into()));
    let before = proxy.requests();
    proxy.push([Fault::Respond {
        status: 200,
        headers,
        body: fixture["body"].as_str().unwrap().to_owned(),
    }]);
    let subject = format!("mwkit fault maxlag {}", nonce());
    client.email_user(&email(&wiki, &subject)).unwrap();
    assert_eq!(proxy.requests() - before, 2);
    assert_eq!(wiki.wait_for_mails(&subject, 1).len(), 1);
}

pub fn an_oversized_answer_is_an_error_and_is_not_read_whole<D: Driver>() {
    let wiki = Wiki::get();
    let (client, proxy) = through_proxy::<D>(&wiki);
    let size = 256 * 1024 * 1024;
    proxy.push([Fault::Oversize(size)]);
    let err = client.options().unwrap_err();
    assert!(
        matches!(
            err,
            Error::BodyTooLarge {
                limit: 1_048_576,
                ..
            }
        ),
        "{err:?}"
    );
    std::thread::sleep(Duration::from_millis(300));
    let written = proxy.written();
    assert!(
        written < 16 * 1024 * 1024,
        "the client read {written} of {size} bytes"
    );
}

pub fn a_dropped_options_write_is_outcome_unknown_not_resent_and_did_land<D: Driver>() {
    let wiki = Wiki::get();
    let (client, proxy) = through_proxy::<D>(&wiki);
    let value = format!("faults|{}", nonce());
    let change = mw_core::OptionsChange::new().set("userjs-mwkit-faults", value.as_str());
    let before = proxy.requests();
    proxy.push([Fault::ForwardThenDrop]);
    let err = client.change_options(&change).unwrap_err();
    assert!(err.outcome_unknown(), "{err:?}");
    assert_eq!(proxy.requests() - before, 1, "no automatic retry");
    // The wiki did act: the caller finds the change there, and need not resend.
    assert_eq!(
        client.options().unwrap().options.get("userjs-mwkit-faults"),
        Some(&value)
    );
}

pub fn hostile_set_cookie_headers_are_survived<D: Driver>() {
    let wiki = Wiki::get();
    let (client, proxy) = through_proxy::<D>(&wiki);
    let hostile = [
        "x=1; Max-Age=9223372036854775807",
        "y=2; Max-Age=-9223372036854775808",
        "z=3; Expires=Fri, 31 Dec 9999 23:59:59 GMT; Max-Age=99999999999999999999999",
        "=; ;;",
        "w=1; Expires=not a date",
    ];
    proxy.push([Fault::ForwardThenAddHeaders(
        hostile
            .iter()
            .map(|v| ("Set-Cookie".to_owned(), (*v).to_owned()))
            .collect(),
    )]);
    let read = client.options().unwrap();
    assert!(!read.anonymous);
    let subject = format!("mwkit fault cookies {}", nonce());
    client.email_user(&email(&wiki, &subject)).unwrap();
    assert_eq!(wiki.wait_for_mails(&subject, 1).len(), 1);
}

pub fn a_change_of_120_options_failing_in_its_second_request_names_what_was_applied<D: Driver>() {
    let wiki = Wiki::get();
    let (client, proxy) = through_proxy::<D>(&wiki);
    let run = nonce().replace(|c: char| !c.is_ascii_alphanumeric(), "");
    let names: Vec<String> = (0..120)
        .map(|i| format!("userjs-mwkit-p{run}-{i:03}"))
        .collect();
    let change = names
        .iter()
        .fold(OptionsChange::new(), |c, n| c.set(n.as_str(), "set"));
    // 50 to a request: the first is forwarded, the second is forwarded and
    // answered 502 by the "gateway", the third is never sent.
    proxy.push([
        Fault::Forward,
        Fault::ForwardThenRespond {
            status: 502,
            headers: vec![("Retry-After".into(), "2".into())],
            body: "<html>bad gateway</html>".into(),
        },
    ]);
    let before = proxy.requests();
    let err = client.change_options(&change).unwrap_err();
    assert!(err.outcome_unknown(), "{err:?}");
    assert_eq!(
        err.retry_after(),
        Some(mw_core::RetryAfter::Delay(Duration::from_secs(2)))
    );
    let Error::Incomplete(partial) = &err else {
        panic!("{err:?}")
    };
    assert_eq!(partial.applied, names[..50]);
    assert_eq!(partial.unknown, names[50..100]);
    assert_eq!(partial.not_applied, names[100..]);
    assert!(partial.error.outcome_unknown());
    assert_eq!(
        proxy.requests() - before,
        2,
        "the third request is not sent"
    );

    let read = client.options().unwrap().options;
    assert!(
        names[..100]
            .iter()
            .all(|n| read.get(n).map(String::as_str) == Some("set"))
    );
    assert!(names[100..].iter().all(|n| !read.contains_key(n)));
}

/// The proxy drops the session cookie of the next `count` first steps of a
/// client login (`action=clientlogin` without `logincontinue`), as a proxy
/// or load balancer that lost it: the wiki finds the login token stale.
fn lose_the_first_steps_cookie(proxy: &Proxy, count: usize) {
    let left = std::sync::atomic::AtomicUsize::new(count);
    proxy.rewrite(move |req| {
        let body = String::from_utf8_lossy(&req.body);
        let first_step = req.line.starts_with("POST ")
            && body.split('&').any(|p| p == "action=clientlogin")
            && !body.contains("logincontinue");
        let lose = first_step
            && left
                .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
                .is_ok();
        if lose {
            req.headers
                .retain(|h| !h.to_ascii_lowercase().starts_with("cookie:"));
        }
    });
}

pub fn a_first_login_step_whose_cookie_was_lost_is_sent_once_more_with_a_new_token<D: Driver>() {
    let wiki = Wiki::get();
    let password = wiki.user("sender")["password"].as_str().unwrap().to_owned();
    for lost in [1, 2] {
        let proxy = Proxy::start(wiki.api_url());
        lose_the_first_steps_cookie(&proxy, lost);
        let (client, _) = wiki
            .client_of::<D>(&proxy.url, None, "stale-login-token")
            .unwrap();
        let result = client.client_login(wiki.name("sender"), &password, None);
        // Twice a login token and the first step: sent once more, not twice.
        let seen = proxy.seen();
        let tokens = seen.iter().filter(|s| s.has("type=login")).count();
        let first_steps = seen
            .iter()
            .filter(|s| s.has("action=clientlogin") && !s.has("logincontinue=1"))
            .count();
        let shown: Vec<String> = seen.iter().map(|s| s.summary()).collect();
        assert_eq!((tokens, first_steps), (2, 2), "lost {lost}: {shown:#?}");
        if lost == 1 {
            let info = result.unwrap_or_else(|e| panic!("{e:?}"));
            assert_eq!(info.account.name, wiki.name("sender"));
            assert!(!client.options().unwrap().anonymous, "logged in");
        } else {
            // The wiki's badtoken, twice: a lost login session, never an
            // API error.
            let err = result.unwrap_err();
            let Error::Login(login) = &err else {
                panic!("a login error, not {err:?}")
            };
            assert_eq!(login.kind, LoginFailure::SessionLost, "{err:?}");
            assert_eq!(err.code().name, "login_session_lost", "{err:?}");
            assert_eq!(login.code.as_deref(), Some("badtoken"), "{err:?}");
            assert!(!err.outcome_unknown(), "{err:?}");
            assert!(client.account().is_none());
        }
    }
}
