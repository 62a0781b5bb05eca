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
