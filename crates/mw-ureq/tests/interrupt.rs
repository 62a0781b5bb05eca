//! A call's events reach the observer given to the client, and an
//! interrupt stops a call wherever it waits (for an answer, a delay the
//! wiki asked for, another call) with the usual guarantees: nothing of it is
//! sent again, a late answer is dropped, what it held is given back, and
//! the caller learns whether a write was on its way. Against a loopback
//! stand-in; no check depends on timing.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

#[path = "support/standin.rs"]
mod standin;

use std::ops::ControlFlow;
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use mw_ureq::{CallEvent, Client, EmailUser, Interrupt, Waiting};
use standin::{Answer, SUCCESS, TOKENS, ok, stand_in};

const USERINFO: &str = r#"{"batchcomplete":true,"query":{"userinfo":{"id":3,"name":"Bob","options":{"gender":"female"}}}}"#;

fn maxlag(seconds: u32) -> Answer {
    Answer::Http(
        200,
        vec![
            ("MediaWiki-API-Error", "maxlag".into()),
            ("Retry-After", seconds.to_string()),
        ],
        r#"{"error":{"code":"maxlag","info":"Waiting for a database server: 1 seconds lagged."}}"#
            .into(),
    )
}

/// The events' words, with the times taken cut out.
fn shown(events: &[CallEvent]) -> Vec<String> {
    events
        .iter()
        .map(|e| {
            let text = e.to_string();
            match text
                .split_once(" in ")
                .or_else(|| text.split_once(" after "))
            {
                Some((head, _)) if !text.starts_with("waiting") => head.to_owned(),
                _ => text,
            }
        })
        .collect()
}

fn email() -> EmailUser {
    EmailUser::new("Alice", "Hello", "How are you?")
}

#[test]
fn the_observer_sees_each_request_its_answer_and_a_wait_with_its_reason() {
    let server = stand_in(vec![ok(TOKENS), maxlag(1), ok(SUCCESS)]);
    let seen = Arc::new(Mutex::new(Vec::new()));
    let into = Arc::clone(&seen);
    let client = Client::builder(&server.url, "mwkit-test/observer")
        .observer(move |e| into.lock().unwrap().push(e.clone()))
        .build()
        .unwrap();
    client.email_user(&email()).unwrap();
    assert_eq!(
        shown(&seen.lock().unwrap()),
        [
            "GET action=query meta=tokens type=csrf sent",
            "GET action=query meta=tokens type=csrf -> HTTP 200",
            "POST action=emailuser sent",
            "POST action=emailuser -> HTTP 200 (maxlag)",
            "waiting 1.0 s before sending again, as the wiki asked (maxlag, Retry-After: 1)",
            "POST action=emailuser sent",
            "POST action=emailuser -> HTTP 200",
        ]
    );
}

/// An interrupt that stops once `stop` says so, given what the call waits
/// for; every kind of wait it was asked about is kept in `seen`.
fn interrupt_when<F: Fn(Waiting) -> bool>(
    seen: &Arc<Mutex<Vec<Waiting>>>,
    stop: F,
) -> impl Fn(Waiting) -> ControlFlow<()> + use<F> {
    let seen = Arc::clone(seen);
    move |waiting| {
        let mut kinds = seen.lock().unwrap();
        if !kinds.contains(&waiting) {
            kinds.push(waiting);
        }
        drop(kinds);
        if stop(waiting) {
            ControlFlow::Break(())
        } else {
            ControlFlow::Continue(())
        }
    }
}

fn seen() -> Arc<Mutex<Vec<Waiting>>> {
    Arc::new(Mutex::new(Vec::new()))
}

#[test]
fn a_write_stopped_on_its_way_is_never_sent_again_and_its_late_answer_is_dropped() {
    let server = stand_in(vec![
        ok(TOKENS),
        // The mail's answer comes after the interrupt: dropped.
        Answer::Delay(Duration::from_millis(500), SUCCESS.into()),
        ok(USERINFO),
    ]);
    let client = Client::new(&server.url, "mwkit-test/interrupt").unwrap();
    let kinds = seen();
    let check = interrupt_when(&kinds, |w| w == Waiting::Answer { write: true });
    let stopped = client
        .call(|s| s.email_user(&email()), Some(&check), None)
        .expect_err("stopped");
    assert!(stopped.write_in_flight);
    assert_eq!(*kinds.lock().unwrap(), [Waiting::Answer { write: true }]);
    assert_eq!(stopped.options_progress, None);
    // The session goes on: the next call reads, and the mail was sent once.
    let options = client.options().unwrap();
    assert_eq!(options.options["gender"], "female");
    assert_eq!(server.requests.load(Ordering::SeqCst), 3);
    let bodies = server.bodies.lock().unwrap();
    assert_eq!(
        bodies
            .iter()
            .filter(|b| b.contains("action=emailuser"))
            .count(),
        1
    );
}

#[test]
fn a_call_stopped_while_it_waits_as_the_wiki_asked_sends_nothing_more() {
    let server = stand_in(vec![
        ok(TOKENS),
        // Slow enough to be checked while on its way: the check lets the
        // answer come, and stops at the wait it asks for.
        Answer::Late(Duration::from_millis(300), Box::new(maxlag(30))),
        ok(USERINFO),
    ]);
    let waits = Arc::new(Mutex::new(0));
    let counted = Arc::clone(&waits);
    let client = Client::new(&server.url, "mwkit-test/interrupt-wait").unwrap();
    let observer = move |e: &CallEvent| {
        if matches!(e, CallEvent::Wait { .. }) {
            *counted.lock().unwrap() += 1;
        }
    };
    let kinds = seen();
    let check = interrupt_when(&kinds, |w| w == Waiting::Delay);
    let stopped = client
        .call(|s| s.email_user(&email()), Some(&check), Some(&observer))
        .expect_err("stopped");
    // The answer said maxlag: the wiki did nothing, nothing is on its way.
    assert!(!stopped.write_in_flight);
    assert_eq!(*waits.lock().unwrap(), 1);
    assert_eq!(
        *kinds.lock().unwrap(),
        [Waiting::Answer { write: true }, Waiting::Delay]
    );
    client.options().unwrap();
    assert_eq!(server.requests.load(Ordering::SeqCst), 3);
}

#[test]
fn a_token_fetch_stopped_is_given_back_and_a_call_parked_on_another_can_be_stopped() {
    let server = stand_in(vec![
        // A's token fetch, answered late: the interrupt comes first.
        Answer::Delay(Duration::from_millis(500), TOKENS.into()),
        ok(TOKENS),
        ok(SUCCESS),
    ]);
    let client = Arc::new(Client::new(&server.url, "mwkit-test/interrupt-park").unwrap());

    // B parks on A's token fetch (A's request is out before B starts), and
    // is stopped there: nothing of B was ever on its way.
    let requests = Arc::clone(&server.requests);
    let a_stops = Arc::new(Mutex::new(false));
    let a_kinds = seen();
    let a_check = {
        let a_stops = Arc::clone(&a_stops);
        interrupt_when(&a_kinds, move |_| *a_stops.lock().unwrap())
    };
    let a = {
        let client = Arc::clone(&client);
        std::thread::spawn(move || {
            client
                .call(|s| s.email_user(&email()), Some(&a_check), None)
                .map(|_| ())
        })
    };
    while requests.load(Ordering::SeqCst) < 1 {
        std::thread::yield_now();
    }
    let b_kinds = seen();
    let b_check = interrupt_when(&b_kinds, |_| true);
    let stopped = client
        .call(
            |s| s.email_user(&email()),
            Some(&b_check as &dyn Interrupt),
            None,
        )
        .expect_err("B stopped while parked");
    assert!(!stopped.write_in_flight);
    assert_eq!(*b_kinds.lock().unwrap(), [Waiting::OtherCall]);

    // A is stopped during its token fetch: no write was on its way, and the
    // fetch it held is given back, so that the next call fetches its own.
    *a_stops.lock().unwrap() = true;
    let stopped = a.join().unwrap().expect_err("A stopped");
    assert!(!stopped.write_in_flight);
    assert_eq!(*a_kinds.lock().unwrap(), [Waiting::Answer { write: false }]);
    // Were the fetch still held, this call would park for ever: its own
    // interrupt gives up after many checks instead, and the test fails.
    let checks = Mutex::new(0);
    let patience = interrupt_when(&seen(), |_| {
        let mut n = checks.lock().unwrap();
        *n += 1;
        *n > 400
    });
    client
        .call(
            |s| s.email_user(&email()),
            Some(&patience as &dyn Interrupt),
            None,
        )
        .expect("not parked behind a token fetch that nobody holds")
        .unwrap();
    assert_eq!(server.requests.load(Ordering::SeqCst), 3);
}
