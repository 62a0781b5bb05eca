//! Every warning of a call reaches its caller (issue 19): the warnings the
//! wiki gives on requests a call makes on the caller's behalf (the csrf
//! token fetch, a request refused with `badtoken` and sent again, the
//! relogin after the session was ended on the server) are on the result,
//! each with its module, once; and when the call then fails, on its error
//! ([`mw_core::Error::warnings`]).
//!
//! The real wiki gives no warnings there, so the fault proxy adds one to
//! the wiki's own answer to exactly that request
//! ([`crate::proxy::Fault::ForwardThenWarn`]).

use std::time::Duration;

use crate::driver::Driver;
use crate::proxy::{Fault, Proxy, Seen, warning};
use crate::support::{Wiki, exclusive, nonce};
use mw_core::{ClientSettings, EmailResult, EmailUser, ErrorKind, Message, Token};

/// A client of the wiki through `proxy`, logged in with `role`'s bot
/// password.
fn logged_in_through<D: Driver>(wiki: &Wiki, proxy: &Proxy, role: &str, tag: &str) -> D {
    let mut settings = ClientSettings::new(
        &proxy.url,
        &format!("mwkit-tests/{tag}-{} (tests@mwkit.test)", nonce()),
    );
    settings.read_timeout = Duration::from_secs(15);
    let client = D::build(settings).unwrap();
    let user = wiki.user(role);
    client
        .login(
            user["bot_name"].as_str().unwrap(),
            user["bot_password"].as_str().unwrap(),
        )
        .unwrap();
    client
}

/// A warning of its own for one request: its code, a text no other run
/// gives, and `module`.
struct Planted {
    code: &'static str,
    text: String,
    module: &'static str,
}

impl Planted {
    fn new(place: &str, module: &'static str) -> Planted {
        Planted {
            code: "mwkit-test-warning",
            text: format!("mwkit test warning on the {place} {}", nonce()),
            module,
        }
    }

    /// Queues it on the first request that `matches`.
    fn plant(&self, proxy: &Proxy, matches: impl Fn(&Seen) -> bool + Send + 'static) {
        proxy.push_for(
            matches,
            Fault::ForwardThenWarn(warning(self.code, &self.text, self.module)),
        );
    }

    /// Checks that `warnings` hold it exactly once, with its code and module.
    fn assert_in(&self, warnings: &[Message], what: &str) {
        let found: Vec<&Message> = warnings.iter().filter(|w| w.text == self.text).collect();
        assert_eq!(
            found.len(),
            1,
            "{what}: the warning given on the {} once, not {warnings:#?}",
            self.text
        );
        assert_eq!(found[0].code, self.code, "{what}: {found:?}");
        assert_eq!(
            found[0].module.as_deref(),
            Some(self.module),
            "{what}: with its module: {found:?}"
        );
    }
}

fn csrf_fetch(seen: &Seen) -> bool {
    seen.has("meta=tokens") && seen.has("type=csrf")
}

fn email_post(seen: &Seen) -> bool {
    seen.has("action=emailuser")
}

/// A csrf token that the wiki refuses (`badtoken`).
fn stale_token() -> Option<Token> {
    Some(Token::new("0123456789abcdef0123456789abcdef+\\"))
}

pub fn a_warning_on_the_csrf_token_fetch_reaches_the_result_and_a_failing_calls_error<D: Driver>() {
    let wiki = Wiki::get();
    let proxy = Proxy::start(wiki.api_url());
    let client = logged_in_through::<D>(&wiki, &proxy, "sender", "warn-token");

    // The email's token is fetched first: its warning is on the result.
    client.__set_cached_csrf_for_tests(None);
    let planted = Planted::new("token fetch", "tokens");
    planted.plant(&proxy, csrf_fetch);
    let before = proxy.requests();
    let subject = format!("mwkit warned token {}", nonce());
    let sent = client
        .email_user(&EmailUser::new(
            wiki.name("recipient"),
            subject.as_str(),
            "once",
        ))
        .unwrap();
    assert_eq!(proxy.targeted_left(), 0, "the token was fetched");
    assert_eq!(
        proxy.requests() - before,
        2,
        "the token fetch and the email"
    );
    planted.assert_in(&sent.warnings, "EmailSent.warnings");
    assert_eq!(sent.result, EmailResult::Success);
    assert_eq!(wiki.wait_for_mails(&subject, 1).len(), 1);

    // An options change whose token fetch warned.
    client.__set_cached_csrf_for_tests(None);
    let planted = Planted::new("token fetch for options", "tokens");
    planted.plant(&proxy, csrf_fetch);
    let changed = client
        .change_options(&mw_core::OptionsChange::new().set("userjs-mwkit-warned", nonce().as_str()))
        .unwrap();
    assert_eq!(proxy.targeted_left(), 0);
    planted.assert_in(&changed.warnings, "OptionsChanged.warnings");

    // The call then fails (the wiki refuses the email): the token fetch's
    // warning is on the error.
    client.__set_cached_csrf_for_tests(None);
    let planted = Planted::new("token fetch before a refusal", "tokens");
    planted.plant(&proxy, csrf_fetch);
    let err = client
        .email_user(&EmailUser::new(wiki.name("no_address"), "never", "never"))
        .unwrap_err();
    assert_eq!(err.api_kind(), Some(ErrorKind::NoEmail), "{err:?}");
    assert_eq!(proxy.targeted_left(), 0);
    planted.assert_in(&err.warnings(), "Error::warnings()");
}

pub fn a_warning_on_the_refused_badtoken_answer_reaches_the_result_and_a_failing_calls_error<
    D: Driver,
>() {
    let wiki = Wiki::get();
    let proxy = Proxy::start(wiki.api_url());
    let client = logged_in_through::<D>(&wiki, &proxy, "sender", "warn-badtoken");

    // The email is refused (badtoken, with the warning), the token fetched
    // again, the email sent again: one mail, and the refusal's warning.
    client.__set_cached_csrf_for_tests(stale_token());
    let planted = Planted::new("badtoken answer", "main");
    planted.plant(&proxy, email_post);
    let before = proxy.requests();
    let subject = format!("mwkit warned badtoken {}", nonce());
    let sent = client
        .email_user(&EmailUser::new(
            wiki.name("recipient"),
            subject.as_str(),
            "once",
        ))
        .unwrap();
    let seen = proxy.seen()[before..].to_vec();
    assert_eq!(seen.len(), 3, "POST (badtoken), token GET, POST: {seen:#?}");
    assert!(email_post(&seen[0]) && csrf_fetch(&seen[1]) && email_post(&seen[2]));
    planted.assert_in(&sent.warnings, "EmailSent.warnings");
    assert_eq!(wiki.wait_for_mails(&subject, 1).len(), 1, "one mail");

    // Again, to a user without an address: the resent email is refused,
    // and the first refusal's warning is on the error.
    client.__set_cached_csrf_for_tests(stale_token());
    let planted = Planted::new("badtoken answer before a refusal", "main");
    planted.plant(&proxy, email_post);
    let before = proxy.requests();
    let err = client
        .email_user(&EmailUser::new(wiki.name("no_address"), "never", "never"))
        .unwrap_err();
    assert_eq!(err.api_kind(), Some(ErrorKind::NoEmail), "{err:?}");
    assert_eq!(proxy.requests() - before, 3, "{:#?}", proxy.seen());
    planted.assert_in(&err.warnings(), "Error::warnings()");
}

pub fn a_warning_on_the_relogin_reaches_the_result_and_a_failing_calls_error<D: Driver>() {
    // The session is ended on the server (see support::SessionEnder): the
    // next call's request is refused (assertbotfailed or assertuserfailed),
    // the client logs in again (its action=login answered with the
    // warning), and sends the call again.
    let wiki = Wiki::get();
    let role = D::role("sessions2");
    let _only = exclusive(&role);
    let name = wiki.name(&role);
    let proxy = Proxy::start(wiki.api_url());
    let client = logged_in_through::<D>(&wiki, &proxy, &role, "warn-relogin");
    let mut ender = wiki.session_ender();
    let logins = |proxy: &Proxy| {
        proxy
            .seen()
            .iter()
            .filter(|s| s.has("action=login"))
            .count()
    };

    ender.end(name);
    let planted = Planted::new("relogin", "login");
    planted.plant(&proxy, |s| s.has("action=login"));
    let subject = format!("mwkit warned relogin {}", nonce());
    let sent = client
        .email_user(&EmailUser::new(
            wiki.name("recipient"),
            subject.as_str(),
            "once",
        ))
        .unwrap();
    assert_eq!(proxy.targeted_left(), 0, "the client logged in again");
    assert_eq!(logins(&proxy), 2, "the login and one relogin");
    planted.assert_in(&sent.warnings, "EmailSent.warnings");
    assert_eq!(wiki.wait_for_mails(&subject, 1).len(), 1, "one mail");

    // A read.
    ender.end(name);
    let planted = Planted::new("relogin for a read", "login");
    planted.plant(&proxy, |s| s.has("action=login"));
    let read = client.options().unwrap();
    assert_eq!(read.user, name);
    assert_eq!(logins(&proxy), 3);
    planted.assert_in(&read.warnings, "UserOptions.warnings");

    // A call that then fails: the relogin's warning is on its error.
    ender.end(name);
    let planted = Planted::new("relogin before a refusal", "login");
    planted.plant(&proxy, |s| s.has("action=login"));
    let err = client
        .email_user(&EmailUser::new(wiki.name("no_address"), "never", "never"))
        .unwrap_err();
    assert_eq!(err.api_kind(), Some(ErrorKind::NoEmail), "{err:?}");
    assert_eq!(logins(&proxy), 4);
    planted.assert_in(&err.warnings(), "Error::warnings()");
    ender.finish();
}
