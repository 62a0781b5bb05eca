//! An echoing stand-in (`crates/mw-ureq/tests/support/echo.rs`): a server
//! that repeats the request it got, as a firewall's block page or a
//! debugging proxy does, at each step of each kind of login and of an
//! email in turn. No password, code, token, secret or cookie value the
//! requests carried shows in any error (message, every field, `Debug`),
//! in the client's `Debug`, or in any log line.

use std::sync::atomic::Ordering;

use crate::driver::Driver;
use crate::echo_server::{
    ACCESS_KEY, ACCESS_SECRET, BOT_PASSWORD, CLIENT_SECRET, CODE, CONSUMER_SECRET, FORMS, Form,
    MAIN_PASSWORD, MARK, OAUTH2_TOKEN, echo_wiki, leak,
};
use crate::logs;
use mw_core::{ClientSettings, EmailUser, Error, OAuth1Keys, SecondFactor};

type Flow<D> = fn(&D) -> Result<(), Error>;

fn email<D: Driver>(d: &D) -> Result<(), Error> {
    d.email_user(&EmailUser::new("Rcpt", "subject", "text"))
        .map(drop)
}

fn flows<D: Driver>() -> Vec<(&'static str, Flow<D>)> {
    vec![
        ("bot password", |d| {
            d.login("Sender@app", BOT_PASSWORD)?;
            email(d)
        }),
        ("main account with a two-factor code", |d| {
            d.client_login_with_second_factor(
                "Sender",
                MAIN_PASSWORD,
                None,
                SecondFactor::code(CODE),
            )?;
            email(d)
        }),
        ("OAuth 2 token", |d| {
            d.login_oauth2(OAUTH2_TOKEN)?;
            email(d)
        }),
        ("OAuth 2 client", |d| {
            d.login_oauth2_client("client-id", CLIENT_SECRET)?;
            email(d)
        }),
        ("OAuth 1.0a", |d| {
            let keys = OAuth1Keys::new("consumer-key", CONSUMER_SECRET, ACCESS_KEY, ACCESS_SECRET)?;
            d.login_oauth1(keys)?;
            email(d)
        }),
    ]
}

fn shown_error(err: &Error) -> Vec<String> {
    let mut shown = vec![format!("{err}"), format!("{err:?}")];
    shown.extend(err.warnings().iter().map(|w| format!("{w:?}")));
    let mut source = std::error::Error::source(err);
    while let Some(s) = source {
        shown.push(s.to_string());
        source = s.source();
    }
    shown
}

pub fn no_secret_an_echoing_server_repeats_shows_in_errors_debug_or_logs<D: Driver>() {
    let capture = logs::capture();
    let mut echoes = 0;
    let mut errors = 0;
    for (name, flow) in flows::<D>() {
        for form in FORMS {
            for echo_at in 1.. {
                let server = echo_wiki(echo_at, form);
                let mut settings = ClientSettings::new(&server.url, "mwkit-echo-tests/0");
                settings.session.retries = 0;
                let client = D::build(settings).unwrap();
                let result = flow(&client);
                let mut shown = vec![client.debug()];
                if let Err(err) = &result {
                    errors += 1;
                    shown.extend(shown_error(err));
                }
                let echoed = server.echoed.load(Ordering::SeqCst);
                echoes += echoed;
                for text in &shown {
                    if let Some(secret) = leak(text) {
                        panic!(
                            "{name}, echo {form:?} of request {echo_at}: {secret:?} shows in {text}"
                        );
                    }
                }
                if echoed == 0 {
                    result.unwrap_or_else(|e| panic!("{name} without an echo: {e:?}"));
                    let seen = server.seen.lock().unwrap().join("\n");
                    assert!(seen.contains(MARK) || seen.contains(CODE), "{name}: {seen}");
                    break;
                }
                assert!(result.is_err(), "{name}: an echo is never a success");
                if form == Form::ApiError && echo_at > 1 {
                    // The whole request reached the error's fields: its
                    // secrets were there, and cut.
                    let err = result.unwrap_err();
                    assert!(format!("{err:?}").contains("<redacted>"), "{err:?}");
                }
            }
        }
    }
    assert!(
        echoes >= 40 && errors >= 40,
        "{echoes} echoes, {errors} errors"
    );
    let lines = capture.lines();
    drop(capture);
    // ureq's trace-level dump of the wire bytes is the documented exception
    // (mw-ureq's crate docs).
    for line in lines
        .iter()
        .filter(|l| !l.starts_with("TRACE ureq_proto::util "))
    {
        if let Some(secret) = leak(line) {
            panic!("a log line shows {secret:?}: {line}");
        }
    }
}
