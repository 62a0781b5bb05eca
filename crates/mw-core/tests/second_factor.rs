//! Two-factor logins through `action=clientlogin`, on the answers of a real
//! MediaWiki 1.43 with OATHAuth (`fixtures/reference-1.43-oathauth/`): the
//! code is asked for only when the wiki asks, at most once per question,
//! never shown, and a wiki that asks again is a refusal, never a loop.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::SystemTime;

use mw_core::*;

mod common;
use common::{Sent, recorded};

fn drive<T: CallOutput>(
    s: &mut Session,
    call: &mut Call<T>,
    answers: &mut Vec<Response>,
) -> (Vec<Sent>, Result<T, Error>) {
    common::drive(s, call, answers, SystemTime::UNIX_EPOCH)
}

fn oath(name: &str) -> Response {
    recorded("reference-1.43-oathauth", name)
}

fn live(name: &str) -> Response {
    recorded("live-1.43", name)
}

fn session() -> Session {
    let api = Api::new("http://127.0.0.1:8080/api.php", "mwkit-tests/0").unwrap();
    Session::new(api, SessionConfig::default())
}

fn login_error(err: Error) -> LoginError {
    match err {
        Error::Login(e) => e,
        other => panic!("expected a login error, got {other:?}"),
    }
}

/// A second factor that counts how often it is asked, and answers `code`.
fn counting(code: &'static str) -> (SecondFactor, Arc<AtomicU32>) {
    let asked = Arc::new(AtomicU32::new(0));
    let counter = asked.clone();
    let factor = SecondFactor::ask(move || {
        counter.fetch_add(1, Ordering::SeqCst);
        Some(code.into())
    });
    (factor, asked)
}

#[test]
fn without_a_code_the_question_ends_the_login_and_nothing_more_is_sent() {
    let mut s = session();
    let mut call = s
        .client_login("Twofa", Password::new("pw"), None, None)
        .unwrap();
    let mut answers = vec![
        live("tokens_csrf_and_login_logged_out"),
        oath("clientlogin_2fa_ui"),
    ];
    let (sent, result) = drive(&mut s, &mut call, &mut answers);
    assert_eq!(sent.len(), 2, "{sent:#?}");
    let e = login_error(result.unwrap_err());
    assert_eq!(e.kind, LoginFailure::SecondFactorRequired);
    assert_eq!(
        Error::Login(e.clone()).code().name,
        "second_factor_required"
    );
    assert_eq!(e.code.as_deref(), Some("oathauth-auth-ui"));
    assert!(s.account().is_none());
}

#[test]
fn the_code_is_asked_for_once_when_the_wiki_asks_and_logs_in() {
    let mut s = session();
    let (factor, asked) = counting("123456");
    let mut call = s
        .client_login("Twofa", Password::new("pw"), None, Some(factor))
        .unwrap();
    let mut answers = vec![
        live("tokens_csrf_and_login_logged_out"),
        oath("clientlogin_2fa_ui"),
        oath("clientlogin_2fa_continue_right_code"),
        live("login_verify_userinfo_and_csrf"),
    ];
    let (sent, result) = drive(&mut s, &mut call, &mut answers);
    result.unwrap();
    assert_eq!(asked.load(Ordering::SeqCst), 1);
    assert!(
        sent[2].contains("logincontinue=1") && sent[2].contains("OATHToken=123456"),
        "{sent:#?}"
    );
    assert!(
        !sent[2].contains("password="),
        "the password goes once: {sent:#?}"
    );
    assert!(s.account().is_some());
}

#[test]
fn a_wrong_code_is_second_factor_failed_and_the_same_session_can_try_again() {
    let mut s = session();
    let (factor, asked) = counting("000000");
    let mut call = s
        .client_login("Twofa", Password::new("pw"), None, Some(factor))
        .unwrap();
    let mut answers = vec![
        live("tokens_csrf_and_login_logged_out"),
        oath("clientlogin_2fa_ui"),
        oath("clientlogin_2fa_continue_wrong_code"),
    ];
    let (sent, result) = drive(&mut s, &mut call, &mut answers);
    let e = login_error(result.unwrap_err());
    assert_eq!(e.kind, LoginFailure::SecondFactorFailed);
    assert_eq!(e.code.as_deref(), Some("oathauth-login-failed"));
    // One code, no loop: the wiki asking again ends it.
    assert_eq!(sent.len(), 3);
    assert_eq!(asked.load(Ordering::SeqCst), 1);
    assert!(s.account().is_none());

    // The same session, the right code.
    let mut again = s
        .client_login(
            "Twofa",
            Password::new("pw"),
            None,
            Some(SecondFactor::code("123456")),
        )
        .unwrap();
    let mut answers = vec![
        live("tokens_csrf_and_login_logged_out"),
        oath("clientlogin_2fa_ui"),
        oath("clientlogin_2fa_continue_right_code_after_wrong"),
        live("login_verify_userinfo_and_csrf"),
    ];
    drive(&mut s, &mut again, &mut answers).1.unwrap();
    assert!(s.account().is_some());
}

#[test]
fn an_account_without_two_factor_never_asks_for_a_code() {
    let mut s = session();
    let (factor, asked) = counting("123456");
    let mut call = s
        .client_login("Sender", Password::new("pw"), None, Some(factor))
        .unwrap();
    let mut answers = vec![
        live("tokens_csrf_and_login_logged_out"),
        live("clientlogin_pass"),
        live("login_verify_userinfo_and_csrf"),
    ];
    drive(&mut s, &mut call, &mut answers).1.unwrap();
    assert_eq!(asked.load(Ordering::SeqCst), 0);
}

#[test]
fn a_function_that_gives_no_code_is_second_factor_required() {
    let mut s = session();
    let mut call = s
        .client_login(
            "Twofa",
            Password::new("pw"),
            None,
            Some(SecondFactor::ask(|| None)),
        )
        .unwrap();
    let mut answers = vec![
        live("tokens_csrf_and_login_logged_out"),
        oath("clientlogin_2fa_ui"),
    ];
    let (sent, result) = drive(&mut s, &mut call, &mut answers);
    assert_eq!(sent.len(), 2);
    assert_eq!(
        login_error(result.unwrap_err()).kind,
        LoginFailure::SecondFactorRequired
    );
}

#[test]
fn a_question_mwkit_cannot_answer_names_its_fields_and_ends_the_login() {
    let captcha = r#"{"clientlogin":{"status":"UI","message":"Solve the captcha.","messagecode":"captcha-createaccount-fail","requests":[{"id":"CaptchaAuthenticationRequest","fields":{"captchaId":{"type":"hidden"},"captchaWord":{"type":"string"}}}]}}"#;
    let mut s = session();
    let mut call = s
        .client_login(
            "Twofa",
            Password::new("pw"),
            None,
            Some(SecondFactor::code("123456")),
        )
        .unwrap();
    let mut answers = vec![
        live("tokens_csrf_and_login_logged_out"),
        Response::json(captcha),
    ];
    let (sent, result) = drive(&mut s, &mut call, &mut answers);
    assert_eq!(sent.len(), 2);
    let e = login_error(result.unwrap_err());
    assert_eq!(e.kind, LoginFailure::Refused);
    assert!(
        e.reason.contains("captchaId") && e.reason.contains("captchaWord"),
        "{e}"
    );
}

#[test]
fn redirect_and_restart_end_the_login_with_the_wikis_words() {
    for (body, result) in [
        (
            r#"{"clientlogin":{"status":"REDIRECT","redirecttarget":"https://idp.example/"}}"#,
            "REDIRECT",
        ),
        (
            r#"{"clientlogin":{"status":"RESTART","message":"Link an account.","messagecode":"authmanager-authn-no-local-user-link"}}"#,
            "RESTART",
        ),
    ] {
        let mut s = session();
        let mut call = s
            .client_login("Twofa", Password::new("pw"), None, None)
            .unwrap();
        let mut answers = vec![
            live("tokens_csrf_and_login_logged_out"),
            Response::json(body),
        ];
        let (sent, end) = drive(&mut s, &mut call, &mut answers);
        assert_eq!(sent.len(), 2);
        assert_eq!(login_error(end.unwrap_err()).result, result);
    }
}

#[test]
fn the_code_never_shows_in_debug_output_or_errors() {
    let factor = SecondFactor::code("987654");
    let mut s = session();
    let mut call = s
        .client_login("Twofa", Password::new("pw"), None, Some(factor.clone()))
        .unwrap();
    let mut answers = vec![
        live("tokens_csrf_and_login_logged_out"),
        oath("clientlogin_2fa_ui"),
        oath("clientlogin_2fa_continue_wrong_code"),
    ];
    let now = SystemTime::UNIX_EPOCH;
    let mut shown = vec![format!("{factor:?}")];
    loop {
        match s.poll(&mut call, now) {
            Step::Send(req) => {
                shown.push(format!("{req:?}"));
                s.handle(&mut call, Answer::Response(answers.remove(0)), now);
            }
            Step::Done(r) => {
                let e = r.unwrap_err();
                shown.push(format!("{e:?} {e}"));
                break;
            }
            _ => unreachable!(),
        }
    }
    shown.push(format!("{s:?} {call:?}"));
    for text in shown {
        assert!(!text.contains("987654"), "{text}");
    }
}

// ---- a session the wiki lost between the steps -------------------------------
//
// Recorded on 1.43 (`record lost-session`): the session deleted from the
// wiki's store after its question, the continuation is answered `badtoken`
// (its login token went with the session); a live session that holds no
// login answers `FAIL` / `authmanager-authn-not-in-progress`.

/// The token answer, setting the session cookie `wiki_session=NAME`.
fn token_in_session(name: &str) -> Response {
    let mut r = live("tokens_csrf_and_login_logged_out");
    r.headers
        .push(("set-cookie".into(), format!("wiki_session={name}; path=/")));
    r
}

fn session_lost() -> Response {
    live("clientlogin_2fa_continue_session_lost")
}

/// A login whose code comes from a function that counts its calls.
fn asking_login() -> (Session, Call<LoginInfo>, Arc<AtomicU32>) {
    let mut s = session();
    let (factor, asked) = counting("123456");
    let call = s
        .client_login("Twofa", Password::new("pw"), None, Some(factor))
        .unwrap();
    (s, call, asked)
}

#[test]
fn a_lost_session_at_the_code_starts_the_login_over_once_asking_again() {
    let (mut s, mut call, asked) = asking_login();
    let mut answers = vec![
        token_in_session("first"),
        oath("clientlogin_2fa_ui"),
        session_lost(),
        token_in_session("second"),
        oath("clientlogin_2fa_ui"),
        oath("clientlogin_2fa_continue_right_code"),
        live("login_verify_userinfo_and_csrf"),
    ];
    let (sent, result) = drive(&mut s, &mut call, &mut answers);
    result.unwrap();
    assert_eq!(
        asked.load(Ordering::SeqCst),
        2,
        "asked again after the loss"
    );
    assert_eq!(sent.len(), 7, "{sent:#?}");
    assert!(s.account().is_some());
    assert!(sent[2].contains("logincontinue=1"), "{sent:#?}");
    started_over_in_a_new_session(&sent, 3);
    assert_eq!(sent[5].cookie.as_deref(), Some("wiki_session=second"));
}

/// From `sent[at]` on, the login started over from its first step, in a
/// new session: a new login token asked for with none of the lost
/// session's cookies, then the password step in the new session
/// (`token_in_session("second")`).
fn started_over_in_a_new_session(sent: &[Sent], at: usize) {
    assert!(sent[at].contains("type=login"), "{sent:#?}");
    assert!(sent[at].cookie.is_none(), "{:?}", sent[at].cookie);
    let first_step = &sent[at + 1];
    assert!(
        first_step.contains("password=pw") && !first_step.contains("logincontinue"),
        "{sent:#?}"
    );
    assert_eq!(first_step.cookie.as_deref(), Some("wiki_session=second"));
}

#[test]
fn a_session_lost_twice_is_login_session_lost_after_two_questions() {
    let (mut s, mut call, asked) = asking_login();
    let mut answers = vec![
        live("tokens_csrf_and_login_logged_out"),
        oath("clientlogin_2fa_ui"),
        session_lost(),
        live("tokens_csrf_and_login_logged_out"),
        oath("clientlogin_2fa_ui"),
        session_lost(),
    ];
    let (sent, result) = drive(&mut s, &mut call, &mut answers);
    assert_eq!(sent.len(), 6, "started over once, not twice: {sent:#?}");
    assert_eq!(asked.load(Ordering::SeqCst), 2);
    let err = result.unwrap_err();
    assert_eq!(err.code().name, "login_session_lost");
    let e = login_error(err);
    assert_eq!(e.kind, LoginFailure::SessionLost);
    assert_eq!(e.code.as_deref(), Some("badtoken"));
    assert!(e.reason.contains("lost again"), "{e}");
    assert!(s.account().is_none());
}

#[test]
fn a_lost_session_with_a_fixed_code_is_login_session_lost_and_nothing_more_is_sent() {
    for (lost, code) in [
        (session_lost(), "badtoken"),
        (
            live("clientlogin_continue_not_in_progress"),
            "authmanager-authn-not-in-progress",
        ),
    ] {
        let mut s = session();
        let mut call = s
            .client_login(
                "Twofa",
                Password::new("pw"),
                None,
                Some(SecondFactor::code("123456")),
            )
            .unwrap();
        let mut answers = vec![
            live("tokens_csrf_and_login_logged_out"),
            oath("clientlogin_2fa_ui"),
            lost,
        ];
        let (sent, result) = drive(&mut s, &mut call, &mut answers);
        assert_eq!(sent.len(), 3, "{sent:#?}");
        let e = session_lost_error(result.unwrap_err(), code);
        assert!(e.reason.contains("new code"), "{e}");
        assert!(!e.reason.contains("lost again"), "{e}");
        assert!(s.account().is_none());
    }
}

/// The error of a login whose session the wiki lost, with the wiki's
/// `code`: `login_session_lost` to every binding (C's
/// MW_ERR_LOGIN_FAILED), never showing the code 123456.
fn session_lost_error(err: Error, code: &str) -> LoginError {
    let row = err.code();
    assert_eq!((row.name, row.c_value), ("login_session_lost", 14));
    assert!(!err.outcome_unknown());
    let shown = format!("{err:?} {err}");
    assert!(!shown.contains("123456"), "{shown}");
    let e = login_error(err);
    assert_eq!(e.kind, LoginFailure::SessionLost);
    assert_eq!(e.code.as_deref(), Some(code));
    e
}

/// A login with a temporary password, and the new password to set.
fn temporary_password_login() -> (Session, Call<LoginInfo>) {
    let mut s = session();
    let call = s
        .client_login(
            "Reset3",
            Password::new("temporary"),
            Some(Password::new("New-pass-12345")),
            None,
        )
        .unwrap();
    (s, call)
}

#[test]
fn a_lost_session_at_the_password_change_starts_over_once_and_sets_it() {
    let (mut s, mut call) = temporary_password_login();
    let mut answers = vec![
        token_in_session("first"),
        live("clientlogin_ui_new_password_after_temporary"),
        live("clientlogin_continue_new_password_session_lost"),
        token_in_session("second"),
        live("clientlogin_ui_new_password_after_temporary"),
        live("clientlogin_continue_pass"),
        live("login_verify_userinfo_and_csrf"),
    ];
    let (sent, result) = drive(&mut s, &mut call, &mut answers);
    result.unwrap();
    assert_eq!(sent.len(), 7, "{sent:#?}");
    assert!(sent[3].contains("type=login") && sent[3].cookie.is_none());
    assert!(sent[4].contains("password=temporary"), "{sent:#?}");
    assert!(sent[5].contains("retype=New-pass-12345"), "{sent:#?}");
    assert!(s.account().is_some());
}

#[test]
fn a_session_lost_twice_at_the_password_change_leaves_the_password_unchanged() {
    let (mut s, mut call) = temporary_password_login();
    let mut answers = vec![
        live("tokens_csrf_and_login_logged_out"),
        live("clientlogin_ui_new_password_after_temporary"),
        live("clientlogin_continue_new_password_session_lost"),
        live("tokens_csrf_and_login_logged_out"),
        live("clientlogin_ui_new_password_after_temporary"),
        live("clientlogin_continue_not_in_progress"),
    ];
    let (sent, result) = drive(&mut s, &mut call, &mut answers);
    assert_eq!(sent.len(), 6, "{sent:#?}");
    let e = login_error(result.unwrap_err());
    assert_eq!(e.kind, LoginFailure::SessionLost);
    assert_eq!(e.code.as_deref(), Some("authmanager-authn-not-in-progress"));
    assert!(e.reason.contains("password is unchanged"), "{e}");
    assert!(!e.needs_new_password());
    // Never set: the session keeps no new password to log in with.
    assert!(s.account().is_none());
}

#[test]
fn a_fixed_code_that_was_accepted_ends_a_login_lost_at_the_password_change() {
    // The wiki took the code, then asked for a new password, then lost the
    // session: starting over would need the code again.
    let ui_new_password = live("clientlogin_ui_new_password_after_temporary");
    let mut s = session();
    let mut call = s
        .client_login(
            "Twofa",
            Password::new("temporary"),
            Some(Password::new("New-pass-12345")),
            Some(SecondFactor::code("123456")),
        )
        .unwrap();
    let mut answers = vec![
        live("tokens_csrf_and_login_logged_out"),
        oath("clientlogin_2fa_ui"),
        ui_new_password,
        session_lost(),
    ];
    let (sent, result) = drive(&mut s, &mut call, &mut answers);
    assert_eq!(sent.len(), 4, "{sent:#?}");
    let e = login_error(result.unwrap_err());
    assert_eq!(e.kind, LoginFailure::SessionLost);
    assert!(e.reason.contains("password is unchanged"), "{e}");
}

// A `badtoken` to the first step (the password): the login token is no
// longer the session's (it expired, or a proxy lost its cookie, or a jar
// keeps no cookies), and the wiki did not act.

/// A login with a fixed code: the first step's loss needs no code again.
fn fixed_code_login() -> (Session, Call<LoginInfo>) {
    let mut s = session();
    let call = s
        .client_login(
            "Twofa",
            Password::new("pw"),
            None,
            Some(SecondFactor::code("123456")),
        )
        .unwrap();
    (s, call)
}

#[test]
fn a_badtoken_to_the_password_step_fetches_a_new_login_token_and_sends_it_once_more() {
    let (mut s, mut call) = fixed_code_login();
    let mut answers = vec![
        token_in_session("first"),
        session_lost(),
        token_in_session("second"),
        oath("clientlogin_2fa_ui"),
        oath("clientlogin_2fa_continue_right_code"),
        live("login_verify_userinfo_and_csrf"),
    ];
    let (sent, result) = drive(&mut s, &mut call, &mut answers);
    result.unwrap();
    assert_eq!(sent.len(), 6, "{sent:#?}");
    assert!(s.account().is_some());
    assert!(sent[1].contains("password=pw"), "{sent:#?}");
    started_over_in_a_new_session(&sent, 2);
}

#[test]
fn a_badtoken_to_the_password_step_twice_is_login_session_lost_never_an_api_error() {
    let (mut s, mut call) = fixed_code_login();
    let mut answers = vec![
        live("tokens_csrf_and_login_logged_out"),
        session_lost(),
        live("tokens_csrf_and_login_logged_out"),
        session_lost(),
    ];
    let (sent, result) = drive(&mut s, &mut call, &mut answers);
    assert_eq!(sent.len(), 4, "sent once more, not twice: {sent:#?}");
    let e = session_lost_error(result.unwrap_err(), "badtoken");
    assert!(e.reason.contains("before the password was checked"), "{e}");
    assert!(e.reason.contains("lost again"), "{e}");
    assert!(s.account().is_none());
}
