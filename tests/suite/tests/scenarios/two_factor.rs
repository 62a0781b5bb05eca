//! Two-factor logins on the real wiki (OATHAuth's TOTP, MediaWiki 1.43):
//! each driver has its own account (`two_factor_rust`,
//! `two_factor_rust_async`), whose codes come from `testwiki totp`. On a
//! wiki without the account (1.39 has no OATHAuth; a 1.43 wiki made before
//! it) each scenario prints one SKIP line and passes.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use crate::driver::Driver;
use crate::support::{Wiki, nonce, two_factor_turn};
use mw_core::{EmailResult, EmailUser, Error, LoginFailure, OptionsChange, Password, SecondFactor};

/// The driver's two-factor role, with its name and password, or None
/// after a SKIP line.
fn account<D: Driver>(wiki: &Wiki, test: &str) -> Option<(String, String, String)> {
    let role = D::role("two_factor_rust");
    let user = wiki.two_factor(&role, test)?;
    let name = user["name"].as_str().unwrap().to_owned();
    let password = user["password"].as_str().unwrap().to_owned();
    Some((role, name, password))
}

/// A second factor that asks `testwiki totp` for `role`'s next code each
/// time it is asked, and counts how often that was.
fn asking_totp(wiki: &Wiki, role: &str) -> (SecondFactor, Arc<AtomicUsize>) {
    let asked = Arc::new(AtomicUsize::new(0));
    let (count, wiki, role) = (
        Arc::clone(&asked),
        Wiki {
            state: wiki.state.clone(),
        },
        role.to_owned(),
    );
    let factor = SecondFactor::ask(move || {
        count.fetch_add(1, Ordering::SeqCst);
        Some(Password::new(wiki.totp(&role, false)))
    });
    (factor, asked)
}

/// A second factor that must never be asked: it counts, and gives nothing.
fn never_asked() -> (SecondFactor, Arc<AtomicUsize>) {
    let asked = Arc::new(AtomicUsize::new(0));
    let count = Arc::clone(&asked);
    let factor = SecondFactor::ask(move || {
        count.fetch_add(1, Ordering::SeqCst);
        None
    });
    (factor, asked)
}

/// The login error's kind, after checking it is one and its table name.
fn login_failure(err: &Error, name: &str) -> LoginFailure {
    let Error::Login(login) = err else {
        panic!("a login error, not {err:?}")
    };
    assert_eq!(err.code().name, name, "{err:?}");
    assert!(!err.outcome_unknown(), "{err:?}");
    login.kind
}

pub fn the_right_code_asked_once_logs_in_then_one_mail_and_the_users_own_options<D: Driver>() {
    let test = &D::test_name(
        "two_factor",
        "the_right_code_asked_once_logs_in_then_one_mail_and_the_users_own_options",
    );
    let wiki = Wiki::get();
    let Some((role, name, password)) = account::<D>(&wiki, test) else {
        return;
    };
    // A value only this user has, set through its bot password (which
    // needs no code), for the two-factor session to read back.
    let mark = nonce();
    let (bot, _) = wiki.logged_in::<D>(&role, "two-factor-bot");
    bot.change_options(&OptionsChange::new().set("userjs-mwkit-two-factor", mark.as_str()))
        .unwrap();

    let (client, ua) = wiki.client::<D>("two-factor-right");
    let (factor, asked) = asking_totp(&wiki, &role);
    let info = {
        let _turn = two_factor_turn(&role);
        client
            .client_login_with_second_factor(&name, &password, None, factor)
            .unwrap_or_else(|e| panic!("{e:?}"))
    };
    assert_eq!(info.account.name, name);
    assert_eq!(
        asked.load(Ordering::SeqCst),
        1,
        "asked once, when the wiki asked"
    );
    // clientlogin and its one continuation, then the confirming read.
    let lines = wiki.requests(&ua);
    let posts = lines.iter().filter(|l| l.contains("\"POST ")).count();
    assert_eq!(posts, 2, "{lines:#?}");

    let subject = format!("mwkit two-factor {}", nonce());
    let sent = client
        .email_user(&EmailUser::new(
            wiki.name("recipient"),
            subject.as_str(),
            "Sent after a two-factor login.",
        ))
        .unwrap();
    assert_eq!(sent.result, EmailResult::Success);
    let mails = wiki.wait_for_mails(&subject, 1);
    assert_eq!(mails.len(), 1, "exactly one mail");
    assert_eq!(
        mails[0]["rcpt_to"],
        serde_json::json!([wiki.email("recipient")])
    );

    let read = client.options().unwrap();
    assert!(!read.anonymous);
    assert_eq!(read.user, name);
    assert_eq!(
        read.options.get("userjs-mwkit-two-factor"),
        Some(&mark),
        "the user's own value"
    );
    assert_eq!(asked.load(Ordering::SeqCst), 1, "not asked again");
}

pub fn no_code_is_second_factor_required_after_one_clientlogin_post_and_no_continuation<
    D: Driver,
>() {
    let test = &D::test_name(
        "two_factor",
        "no_code_is_second_factor_required_after_one_clientlogin_post_and_no_continuation",
    );
    let wiki = Wiki::get();
    let Some((_, name, password)) = account::<D>(&wiki, test) else {
        return;
    };
    // No second factor at all, and one whose answer is none.
    for with_ask in [false, true] {
        let (client, ua) = wiki.client::<D>("two-factor-none");
        let (factor, asked) = never_asked();
        let err = if with_ask {
            client.client_login_with_second_factor(&name, &password, None, factor)
        } else {
            client.client_login(&name, &password, None)
        }
        .unwrap_err();
        assert_eq!(
            login_failure(&err, "second_factor_required"),
            LoginFailure::SecondFactorRequired,
            "asked: {with_ask}"
        );
        assert!(!format!("{err:?}{err}").contains(&password));
        assert_eq!(asked.load(Ordering::SeqCst), usize::from(with_ask));
        assert!(client.account().is_none());
        // The login token and the one clientlogin POST the wiki answered
        // with its question: nothing more was sent.
        let lines = wiki.requests(&ua);
        assert_eq!(lines.len(), 2, "asked: {with_ask}: {lines:#?}");
        assert!(
            lines[0].contains("\"GET ") && lines[0].contains("type=login"),
            "{lines:#?}"
        );
        assert!(lines[1].contains("\"POST "), "{lines:#?}");
    }
}

pub fn a_wrong_code_is_second_factor_failed_then_the_right_one_on_the_same_client_logs_in<
    D: Driver,
>() {
    let test = &D::test_name(
        "two_factor",
        "a_wrong_code_is_second_factor_failed_then_the_right_one_on_the_same_client_logs_in",
    );
    let wiki = Wiki::get();
    let Some((role, name, password)) = account::<D>(&wiki, test) else {
        return;
    };
    let (client, ua) = wiki.client::<D>("two-factor-wrong");
    let wrong = wiki.totp(&role, true);
    let err = client
        .client_login_with_second_factor(&name, &password, None, SecondFactor::code(wrong.as_str()))
        .unwrap_err();
    assert_eq!(
        login_failure(&err, "second_factor_failed"),
        LoginFailure::SecondFactorFailed
    );
    let shown = format!("{err:?} {err}");
    assert!(
        !shown.contains(&wrong) && !shown.contains(&password),
        "{shown}"
    );
    assert!(client.account().is_none());
    assert!(client.options().unwrap().anonymous, "not logged in");
    let before = wiki.requests(&ua).len();

    let info = {
        let _turn = two_factor_turn(&role);
        let right = wiki.totp(&role, false);
        client
            .client_login_with_second_factor(&name, &password, None, SecondFactor::code(right))
            .unwrap_or_else(|e| panic!("{e:?}"))
    };
    assert_eq!(info.account.name, name);
    let read = client.options().unwrap();
    assert!(!read.anonymous);
    assert_eq!(read.user, name);
    // A new login from its token: clientlogin, the continuation with the
    // code, the confirming read, then the options read.
    let after = wiki.requests(&ua)[before..].to_vec();
    assert!(after[0].contains("type=login"), "{after:#?}");
    assert_eq!(
        after.iter().filter(|l| l.contains("\"POST ")).count(),
        2,
        "{after:#?}"
    );
}

pub fn the_second_factor_is_never_asked_for_an_account_without_it_nor_a_bot_password<D: Driver>() {
    let test = &D::test_name(
        "two_factor",
        "the_second_factor_is_never_asked_for_an_account_without_it_nor_a_bot_password",
    );
    let wiki = Wiki::get();
    // A main account without two-factor (any wiki): one clientlogin POST,
    // no continuation, never asked.
    let sender = wiki.user("sender");
    let (client, ua) = wiki.client::<D>("two-factor-plain");
    let (factor, asked) = never_asked();
    let info = client
        .client_login_with_second_factor(
            wiki.name("sender"),
            sender["password"].as_str().unwrap(),
            None,
            factor,
        )
        .unwrap_or_else(|e| panic!("{e:?}"));
    assert_eq!(info.account.name, wiki.name("sender"));
    assert_eq!(asked.load(Ordering::SeqCst), 0);
    let lines = wiki.requests(&ua);
    assert_eq!(
        lines.iter().filter(|l| l.contains("\"POST ")).count(),
        1,
        "{lines:#?}"
    );

    // The two-factor account's bot password: action=login, which takes no
    // code, logs in (the wiki does not ask); given to clientlogin, it is
    // refused as any unknown password, and the code is not asked for either.
    let role = D::role("two_factor_rust");
    if wiki
        .two_factor(&role, &format!("{test} (its bot password part)"))
        .is_none()
    {
        return;
    }
    let user = wiki.user(&role);
    let (bot_name, bot_password) = (
        user["bot_name"].as_str().unwrap(),
        user["bot_password"].as_str().unwrap(),
    );
    let (client, _) = wiki.client::<D>("two-factor-bot-login");
    let info = client.login(bot_name, bot_password).unwrap();
    assert_eq!(info.account.name, wiki.name(&role));
    assert!(!client.options().unwrap().anonymous);

    let (client, _) = wiki.client::<D>("two-factor-bot-clientlogin");
    let (factor, asked) = never_asked();
    let err = client
        .client_login_with_second_factor(bot_name, bot_password, None, factor)
        .unwrap_err();
    assert_eq!(
        login_failure(&err, "login_failed"),
        LoginFailure::Refused,
        "{err:?}"
    );
    assert_eq!(asked.load(Ordering::SeqCst), 0);
}

/// Posts and continuations of `ua`'s login in the access log.
fn login_posts(wiki: &Wiki, ua: &str) -> usize {
    let lines = wiki.requests(ua);
    lines.iter().filter(|l| l.contains("\"POST ")).count()
}

pub fn a_session_lost_before_the_code_is_checked_asks_again_once_and_logs_in_once<D: Driver>() {
    let test = &D::test_name(
        "two_factor",
        "a_session_lost_before_the_code_is_checked_asks_again_once_and_logs_in_once",
    );
    let wiki = Wiki::get();
    let Some((role, name, password)) = account::<D>(&wiki, test) else {
        return;
    };
    let (client, ua) = wiki.client::<D>("two-factor-lost-once");
    if !wiki.lose_login_sessions(&ua, 1, test) {
        return;
    }
    let (factor, asked) = asking_totp(&wiki, &role);
    let info = {
        let _turn = two_factor_turn(&role);
        client
            .client_login_with_second_factor(&name, &password, None, factor)
            .unwrap_or_else(|e| panic!("{e:?}"))
    };
    assert_eq!(info.account.name, name);
    assert_eq!(
        asked.load(Ordering::SeqCst),
        2,
        "asked again after the loss"
    );
    // Twice clientlogin and its continuation (the first one's session
    // deleted on the server): one login, confirmed once.
    assert_eq!(login_posts(&wiki, &ua), 4);
    let confirms = wiki.requests(&ua);
    let confirms = confirms.iter().filter(|l| l.contains("uiprop=rights"));
    assert_eq!(confirms.count(), 1, "one login results");
    let read = client.options().unwrap();
    assert!(!read.anonymous);
    assert_eq!(read.user, name);
}

pub fn a_session_lost_with_a_fixed_code_or_twice_is_login_session_lost<D: Driver>() {
    let test = &D::test_name(
        "two_factor",
        "a_session_lost_with_a_fixed_code_or_twice_is_login_session_lost",
    );
    let wiki = Wiki::get();
    let Some((role, name, password)) = account::<D>(&wiki, test) else {
        return;
    };
    // A fixed code: the wiki loses the session once, and that is the end.
    let (client, ua) = wiki.client::<D>("two-factor-lost-fixed");
    if !wiki.lose_login_sessions(&ua, 1, test) {
        return;
    }
    let code = wiki.totp(&role, false);
    let err = client
        .client_login_with_second_factor(&name, &password, None, SecondFactor::code(code.as_str()))
        .unwrap_err();
    assert_eq!(
        login_failure(&err, "login_session_lost"),
        LoginFailure::SessionLost
    );
    let Error::Login(login) = &err else {
        unreachable!()
    };
    assert_eq!(login.code.as_deref(), Some("badtoken"), "{err:?}");
    let shown = format!("{err:?} {err}");
    assert!(
        !shown.contains(&code) && !shown.contains(&password),
        "{shown}"
    );
    assert_eq!(
        login_posts(&wiki, &ua),
        2,
        "nothing after the lost continuation"
    );
    assert!(client.account().is_none());
    assert!(client.options().unwrap().anonymous, "not logged in");

    // A function, and the session lost at both continuations: asked twice,
    // started over once, then the same error.
    let (client, ua) = wiki.client::<D>("two-factor-lost-twice");
    wiki.lose_login_sessions(&ua, 2, test);
    let (factor, asked) = asking_totp(&wiki, &role);
    let err = {
        let _turn = two_factor_turn(&role);
        client
            .client_login_with_second_factor(&name, &password, None, factor)
            .unwrap_err()
    };
    assert_eq!(
        login_failure(&err, "login_session_lost"),
        LoginFailure::SessionLost
    );
    assert_eq!(asked.load(Ordering::SeqCst), 2);
    assert_eq!(login_posts(&wiki, &ua), 4);
    assert!(client.account().is_none());
}

pub fn a_code_holding_the_canary_shows_in_no_error_or_log_line<D: Driver>() {
    let test = &D::test_name(
        "two_factor",
        "a_code_holding_the_canary_shows_in_no_error_or_log_line",
    );
    let wiki = Wiki::get();
    let Some((_, name, password)) = account::<D>(&wiki, test) else {
        return;
    };
    // wiki.json's canary, planted in a fixed code and in one a function
    // gives: the wiki refuses it, and the error, the log lines (each
    // checked as it is logged, logs.rs) and the client's Debug never show it.
    let canary = wiki.state["canary"].as_str().unwrap().to_owned();
    let planted = format!("{canary} {}", nonce());
    let capture = crate::logs::capture();
    for fixed in [true, false] {
        let (client, ua) = wiki.client::<D>("two-factor-canary");
        let factor = if fixed {
            SecondFactor::code(planted.as_str())
        } else {
            let planted = planted.clone();
            SecondFactor::ask(move || Some(Password::new(planted.as_str())))
        };
        let err = client
            .client_login_with_second_factor(&name, &password, None, factor)
            .unwrap_err();
        assert_eq!(
            login_failure(&err, "second_factor_failed"),
            LoginFailure::SecondFactorFailed,
            "fixed: {fixed}"
        );
        assert_eq!(login_posts(&wiki, &ua), 2, "the code was sent, once");
        crate::support::no_canary("a login error (a planted code)", &format!("{err} {err:?}"));
    }
    let lines = capture.lines();
    assert!(
        lines.iter().any(|l| l.contains("clientlogin")),
        "the login's requests were logged: {lines:#?}"
    );
}
