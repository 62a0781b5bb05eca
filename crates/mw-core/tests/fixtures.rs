//! mw-core against recorded answers: `fixtures/live-1.39/` from the real test
//! wiki (MediaWiki 1.39, recorded by `fixtures/record`; `versions.rs` walks
//! both versions' recordings), `fixtures/documented/`
//! in the documented shapes for what that wiki cannot produce.
#![allow(clippy::unwrap_used, missing_docs)]

use std::path::Path;
use std::time::{Duration, SystemTime};

use mw_core::*;

fn fixture(name: &str) -> Response {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    let path = ["live-1.39", "documented"]
        .iter()
        .map(|d| dir.join(d).join(format!("{name}.json")))
        .find(|p| p.exists())
        .unwrap_or_else(|| panic!("no fixture {name}"));
    let v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let headers = v["headers"]
        .as_object()
        .map(|h| {
            h.iter()
                .map(|(k, v)| (k.clone(), v.as_str().unwrap().to_owned()))
                .collect()
        })
        .unwrap_or_default();
    Response::new(
        v["status"].as_u64().unwrap() as u16,
        headers,
        v["body"].as_str().unwrap().as_bytes().to_vec(),
    )
}

fn api() -> Api {
    Api::new(
        "http://127.0.0.1:8080/api.php",
        "mwkit-tests/0 (tests@example.org)",
    )
    .unwrap()
}

fn api_error(err: Error) -> ApiError {
    match err {
        Error::Api(e) => *e,
        other => panic!("expected an api error, got {other:?}"),
    }
}

fn body(req: &Request) -> Vec<(String, String)> {
    form_pairs(&req.body)
}

fn form_pairs(bytes: &[u8]) -> Vec<(String, String)> {
    form_urlencoded::parse(bytes).into_owned().collect()
}

fn param<'a>(pairs: &'a [(String, String)], key: &str) -> Option<&'a str> {
    pairs
        .iter()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v.as_str())
}

// ---- tokens ----------------------------------------------------------------

#[test]
fn parses_logged_out_tokens_and_recognises_the_anonymous_csrf_token() {
    let tokens = parse_tokens(&fixture("tokens_csrf_and_login_logged_out")).unwrap();
    assert!(tokens.get(TokenType::Csrf).unwrap().is_anonymous());
    let login = tokens.get(TokenType::Login).unwrap();
    assert!(!login.is_anonymous() && login.expose().ends_with("+\\"));
}

#[test]
fn parses_a_logged_in_csrf_token() {
    let tokens = parse_tokens(&fixture("tokens_csrf_logged_in")).unwrap();
    let csrf = tokens.get(TokenType::Csrf).unwrap();
    assert!(csrf.expose().len() > 2 && !csrf.is_anonymous());
    assert!(tokens.get(TokenType::Login).is_none());
}

#[test]
fn asks_for_several_token_types_in_one_request() {
    let req = api().tokens_request(&[TokenType::Csrf, TokenType::Login]);
    assert_eq!(req.method, Method::Get);
    assert!(
        req.url
            .contains("action=query&meta=tokens&type=csrf%7Clogin&format=json"),
        "{}",
        req.url
    );
}

#[test]
fn an_answer_without_tokens_is_a_decode_error() {
    assert!(matches!(
        parse_tokens(&fixture("options_success")),
        Err(Error::Decode { .. })
    ));
}

// ---- logins ----------------------------------------------------------------

fn drive<F: Flow>(
    flow: &mut F,
    api: &Api,
    answers: &[&str],
) -> (Vec<Request>, Result<Option<F::Output>, Error>) {
    let mut sent = Vec::new();
    let mut last = Ok(None);
    for name in answers {
        let req = flow
            .next_request(api)
            .expect("the flow wants another request");
        sent.push(req);
        last = flow.handle_response(&fixture(name));
        if last.is_err() {
            break;
        }
    }
    (sent, last)
}

#[test]
fn bot_login_fetches_a_token_logs_in_and_confirms_the_session() {
    let mut login = BotLogin::new("MwkitSender@mwkit", Password::new("bot-pass+&=")).unwrap();
    let (sent, done) = drive(
        &mut login,
        &api(),
        &[
            "tokens_csrf_and_login_logged_out",
            "login_success_bot_password",
            "login_verify_userinfo_and_csrf",
        ],
    );
    let done = done.unwrap().expect("finished");
    assert_eq!(done.account.name, "MwkitSender");
    assert!(
        !done.account.high_limits,
        "the test sender lacks apihighlimits"
    );
    assert!(!done.csrf.is_anonymous());
    let form = body(&sent[1]);
    assert_eq!(param(&form, "action"), Some("login"));
    assert_eq!(param(&form, "lgname"), Some("MwkitSender@mwkit"));
    assert_eq!(param(&form, "lgpassword"), Some("bot-pass+&="));
    assert!(param(&form, "lgtoken").unwrap().ends_with("+\\"));
    assert!(param(&form, "assert").is_none(), "a login is not asserted");
    assert!(!sent[1].is_write);
    assert!(
        login.next_request(&api()).is_none(),
        "finished flows send nothing more"
    );
}

#[test]
fn bot_login_failure_carries_the_servers_reason() {
    let mut login = BotLogin::new("MwkitSender@mwkit", Password::new("wrong")).unwrap();
    let (_, done) = drive(
        &mut login,
        &api(),
        &[
            "tokens_csrf_and_login_logged_out",
            "login_failed_wrong_bot_password",
        ],
    );
    match done {
        Err(Error::Login(e)) => {
            assert_eq!(e.result, "Failed");
            assert_eq!(e.code.as_deref(), Some("wrongpassword"));
            assert!(
                e.reason.contains("Incorrect username or password"),
                "{}",
                e.reason
            );
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn every_login_result_but_success_is_an_error() {
    for (name, result) in [
        ("login_wrongtoken", "WrongToken"),
        ("login_needtoken", "NeedToken"),
        ("login_aborted_string_reason", "Aborted"),
        ("login_throttled", "Failed"),
    ] {
        let mut login = BotLogin::new("A@b", Password::new("p")).unwrap();
        let (_, done) = drive(
            &mut login,
            &api(),
            &["tokens_csrf_and_login_logged_out", name],
        );
        match done {
            Err(Error::Login(e)) => assert_eq!(e.result, result, "{name}"),
            other => panic!("{name}: {other:?}"),
        }
    }
}

#[test]
fn a_string_reason_and_a_throttle_code_are_kept() {
    let mut login = BotLogin::new("A@b", Password::new("p")).unwrap();
    let (_, done) = drive(
        &mut login,
        &api(),
        &[
            "tokens_csrf_and_login_logged_out",
            "login_aborted_string_reason",
        ],
    );
    let Err(Error::Login(e)) = done else { panic!() };
    assert!(e.reason.contains("BotPasswordSessionProvider"));
    let mut login = BotLogin::new("A@b", Password::new("p")).unwrap();
    let (_, done) = drive(
        &mut login,
        &api(),
        &["tokens_csrf_and_login_logged_out", "login_throttled"],
    );
    let Err(Error::Login(e)) = done else { panic!() };
    assert_eq!(e.code.as_deref(), Some("login-throttled"));
}

#[test]
fn main_account_login_keeps_the_deprecation_warning() {
    let mut login = BotLogin::new("MwkitReset2", Password::new("x")).unwrap();
    let (_, done) = drive(
        &mut login,
        &api(),
        &[
            "tokens_csrf_and_login_logged_out",
            "login_success_main_account_deprecated",
            "login_verify_userinfo_and_csrf",
        ],
    );
    let done = done.unwrap().unwrap();
    assert!(
        done.warnings
            .iter()
            .any(|w| w.code == "deprecation" && w.module.as_deref() == Some("login"))
    );
}

#[test]
fn a_login_whose_session_stays_anonymous_is_an_error() {
    let mut login = BotLogin::new("A@b", Password::new("p")).unwrap();
    let (_, done) = drive(
        &mut login,
        &api(),
        &[
            "tokens_csrf_and_login_logged_out",
            "login_success_bot_password",
            "login_verify_anonymous",
        ],
    );
    match done {
        Err(Error::Login(e)) => assert_eq!(e.result, "NoSession"),
        other => panic!("{other:?}"),
    }
}

#[test]
fn empty_credentials_are_refused_before_sending() {
    assert!(matches!(
        BotLogin::new("", Password::new("p")),
        Err(Error::InvalidInput(_))
    ));
    assert!(matches!(
        BotLogin::new("A", Password::new("")),
        Err(Error::InvalidInput(_))
    ));
    assert!(matches!(
        ClientLogin::new(" ", Password::new("p")),
        Err(Error::InvalidInput(_))
    ));
}

#[test]
fn client_login_passes_with_the_main_password() {
    let mut login = ClientLogin::new("MwkitReset3", Password::new("pw")).unwrap();
    let (sent, done) = drive(
        &mut login,
        &api(),
        &[
            "tokens_csrf_and_login_logged_out",
            "clientlogin_pass",
            "login_verify_userinfo_and_csrf",
        ],
    );
    assert!(done.unwrap().is_some());
    let form = body(&sent[1]);
    assert_eq!(param(&form, "action"), Some("clientlogin"));
    assert_eq!(param(&form, "username"), Some("MwkitReset3"));
    assert_eq!(
        param(&form, "loginreturnurl"),
        Some("http://127.0.0.1:8080/api.php")
    );
    assert!(param(&form, "logintoken").is_some());
}

#[test]
fn client_login_fail_carries_the_message_and_its_code() {
    let mut login = ClientLogin::new("MwkitReset3", Password::new("wrong")).unwrap();
    let (_, done) = drive(
        &mut login,
        &api(),
        &[
            "tokens_csrf_and_login_logged_out",
            "clientlogin_fail_wrong_password",
        ],
    );
    let Err(Error::Login(e)) = done else {
        panic!("{done:?}")
    };
    assert_eq!(
        (e.result.as_str(), e.code.as_deref()),
        ("FAIL", Some("wrongpassword"))
    );
    assert!(e.reason.starts_with("Incorrect username or password"));
}

#[test]
fn a_temporary_password_without_a_new_one_asks_for_a_new_password() {
    let mut login = ClientLogin::new("MwkitReset3", Password::new("temp")).unwrap();
    let (_, done) = drive(
        &mut login,
        &api(),
        &[
            "tokens_csrf_and_login_logged_out",
            "clientlogin_ui_new_password_after_temporary",
        ],
    );
    let Err(Error::Login(e)) = done else {
        panic!("{done:?}")
    };
    assert!(e.needs_new_password(), "{e:?}");
}

#[test]
fn a_temporary_password_with_a_new_one_continues_and_passes() {
    let mut login = ClientLogin::new("MwkitReset3", Password::new("temp"))
        .unwrap()
        .with_new_password(Password::new("New pass+1"))
        .unwrap();
    let (sent, done) = drive(
        &mut login,
        &api(),
        &[
            "tokens_csrf_and_login_logged_out",
            "clientlogin_ui_new_password_after_temporary",
            "clientlogin_continue_pass",
            "login_verify_userinfo_and_csrf",
        ],
    );
    assert!(done.unwrap().is_some());
    let form = body(&sent[2]);
    assert_eq!(param(&form, "logincontinue"), Some("1"));
    assert_eq!(param(&form, "password"), Some("New pass+1"));
    assert_eq!(param(&form, "retype"), Some("New pass+1"));
    assert!(param(&form, "username").is_none());
}

#[test]
fn a_refused_new_password_is_an_error_not_a_loop() {
    let mut login = ClientLogin::new("MwkitReset3", Password::new("temp"))
        .unwrap()
        .with_new_password(Password::new("n"))
        .unwrap();
    let (_, done) = drive(
        &mut login,
        &api(),
        &[
            "tokens_csrf_and_login_logged_out",
            "clientlogin_ui_new_password_after_temporary",
            "clientlogin_continue_mismatched_retype",
        ],
    );
    let Err(Error::Login(e)) = done else {
        panic!("{done:?}")
    };
    assert_eq!(
        (e.result.as_str(), e.code.as_deref()),
        ("UI", Some("badretype"))
    );
}

#[test]
fn redirect_restart_and_other_ui_requests_fail_with_the_servers_message() {
    for (name, result) in [
        ("clientlogin_redirect", "REDIRECT"),
        ("clientlogin_restart", "RESTART"),
        ("clientlogin_ui_two_factor", "UI"),
    ] {
        let mut login = ClientLogin::new("A", Password::new("p"))
            .unwrap()
            .with_new_password(Password::new("n"))
            .unwrap();
        let (_, done) = drive(
            &mut login,
            &api(),
            &["tokens_csrf_and_login_logged_out", name],
        );
        let Err(Error::Login(e)) = done else {
            panic!("{name}: {done:?}")
        };
        assert_eq!(e.result, result);
        assert!(!e.reason.is_empty());
        assert!(!e.needs_new_password());
    }
}

#[test]
fn logout_posts_the_csrf_token_and_reads_an_empty_answer() {
    let req = api().logout_request(&Token::new("c+\\"));
    let form = body(&req);
    assert_eq!(param(&form, "action"), Some("logout"));
    assert_eq!(
        form.last().unwrap(),
        &("token".to_owned(), "c+\\".to_owned())
    );
    assert!(parse_logout(&fixture("logout_success")).unwrap().is_empty());
}

// ---- emailuser -------------------------------------------------------------

#[test]
fn emailuser_success_is_parsed() {
    let sent = parse_email_user(&fixture("emailuser_success")).unwrap();
    assert_eq!(sent.result, EmailResult::Success);
    assert!(sent.warnings.is_empty());
}

#[test]
fn emailuser_request_carries_every_field_and_omits_ccme_when_false() {
    let email = EmailUser::new("Bob", "Sub|ject = ü", "Line 1\nA&B+C%");
    let form = body(
        &api()
            .email_user_request(&email, &Token::new("t+\\"))
            .unwrap(),
    );
    assert_eq!(param(&form, "target"), Some("Bob"));
    assert_eq!(param(&form, "subject"), Some("Sub|ject = ü"));
    assert_eq!(param(&form, "text"), Some("Line 1\nA&B+C%"));
    assert_eq!(param(&form, "ccme"), None);
    assert_eq!(form.last().unwrap().0, "token");
    let form = body(
        &api()
            .email_user_request(&email.cc_me(true), &Token::new("t+\\"))
            .unwrap(),
    );
    assert_eq!(param(&form, "ccme"), Some("1"));
}

#[test]
fn emailuser_refuses_an_empty_target_or_text_before_sending() {
    let token = Token::new("t+\\");
    for email in [
        EmailUser::new("", "s", "t"),
        EmailUser::new("Bob", "s", " \n"),
        EmailUser::new("Bo\nb", "s", "t"),
    ] {
        assert!(
            matches!(
                api().email_user_request(&email, &token),
                Err(Error::InvalidInput(_))
            ),
            "{email:?}"
        );
    }
}

#[test]
fn maps_every_emailuser_error_the_wiki_gives_to_its_kind() {
    for (name, kind) in [
        ("emailuser_notarget", ErrorKind::NoTarget),
        ("emailuser_noemail", ErrorKind::NoEmail),
        ("emailuser_nowikiemail", ErrorKind::NoWikiEmail),
        ("emailuser_blockedemailuser", ErrorKind::BlockedFromEmail),
        ("emailuser_blockedfrommail", ErrorKind::BlockedFromEmail),
        ("emailuser_cantsend_logged_out", ErrorKind::CantSend),
        ("emailuser_missingparam", ErrorKind::MissingParam),
        ("emailuser_badtoken", ErrorKind::BadToken),
        (
            "emailuser_badtoken_plus_sent_unencoded",
            ErrorKind::BadToken,
        ),
        ("emailuser_mustpostparams", ErrorKind::MustPostParams),
        ("emailuser_ratelimited", ErrorKind::RateLimited),
        ("emailuser_usermaildisabled", ErrorKind::UserMailDisabled),
        ("emailuser_notarget_legacy_format", ErrorKind::NoTarget),
        ("moduledisabled", ErrorKind::ModuleDisabled),
    ] {
        let err = api_error(parse_email_user(&fixture(name)).unwrap_err());
        assert_eq!(err.kind(), kind, "{name}");
        assert!(!err.text.is_empty(), "{name}: the server's text is kept");
        assert_eq!(err.http_status, 200);
    }
}

#[test]
fn keeps_the_module_and_text_of_an_api_error() {
    let err = api_error(parse_email_user(&fixture("emailuser_noemail")).unwrap_err());
    assert_eq!(err.code, "noemail");
    assert_eq!(err.module.as_deref(), Some("emailuser"));
    assert!(err.text.contains("MwkitNoAddress"));
    assert_eq!(err.errors.len(), 1);
}

#[test]
fn the_legacy_error_shape_keeps_code_and_info() {
    let err =
        api_error(parse_email_user(&fixture("emailuser_notarget_legacy_format")).unwrap_err());
    assert_eq!(err.code, "notarget");
    assert_eq!(
        err.text,
        "You have not specified a valid target for this action."
    );
    assert!(err.errors[0].data.is_none(), "the docref is not data");
}

#[test]
fn emailuser_warnings_result_keeps_the_modules_warnings() {
    let sent = parse_email_user(&fixture("emailuser_warnings_result")).unwrap();
    assert_eq!(sent.result, EmailResult::Warnings);
    assert_eq!(sent.warnings[0].code, "mailerror-note");
}

#[test]
fn emailuser_failure_result_is_outcome_unknown_with_the_modules_errors() {
    // MediaWiki answers Failure also when the mail went out and only the
    // ccme copy failed: it proves nothing about the main mail.
    let err = parse_email_user(&fixture("emailuser_failure_result")).unwrap_err();
    assert!(err.outcome_unknown(), "{err:?}");
    assert_eq!(err.retry_advice(true), RetryAdvice::OutcomeUnknown);
    let Error::OutcomeUnknown(unknown) = err else {
        panic!("{err:?}")
    };
    let err = api_error(unknown.cause);
    assert_eq!(err.code, "mailerror");
    assert!(err.text.contains("SMTP"));
    assert_eq!(err.module.as_deref(), Some("emailuser"));
}

#[test]
fn legacy_warnings_in_both_formatversions_become_messages() {
    let sent = parse_email_user(&fixture("warnings_legacy_formatversion1")).unwrap();
    let texts: Vec<&str> = sent.warnings.iter().map(|w| w.text.as_str()).collect();
    assert_eq!(texts, ["Unrecognized parameter: foo.", "Another warning."]);
    assert_eq!(sent.warnings[0].module.as_deref(), Some("main"));
    let sent = parse_email_user(&fixture("warnings_legacy_formatversion2")).unwrap();
    assert_eq!(sent.warnings.len(), 1);
}

// ---- resetpassword ---------------------------------------------------------

#[test]
fn resetpassword_success_is_success_even_for_unknown_users() {
    for name in [
        "resetpassword_success_by_user",
        "resetpassword_success_by_email",
        "resetpassword_success_unknown_user",
        "resetpassword_success_main_account",
    ] {
        assert!(parse_reset_password(&fixture(name)).is_ok(), "{name}");
    }
}

#[test]
fn resetpassword_needs_a_user_or_an_email_before_sending() {
    assert!(matches!(
        ResetPassword::new(None, None),
        Err(Error::InvalidInput(_))
    ));
    assert!(matches!(
        ResetPassword::new(Some(""), None),
        Err(Error::InvalidInput(_))
    ));
    let both = ResetPassword::new(Some("Bob"), Some("bob@example.org")).unwrap();
    let form = body(&api().reset_password_request(&both, &Token::anonymous()));
    assert_eq!(param(&form, "user"), Some("Bob"));
    assert_eq!(param(&form, "email"), Some("bob@example.org"));
    assert_eq!(param(&form, "token"), Some("+\\"));
}

#[test]
fn maps_resetpassword_errors_to_their_kinds() {
    for (name, kind) in [
        ("resetpassword_nodata", ErrorKind::PasswordResetNoData),
        (
            "resetpassword_badaccess_bot_password",
            ErrorKind::PermissionDenied,
        ),
        ("resetpassword_invalidparammix", ErrorKind::InvalidParamMix),
        (
            "resetpassword_invalidemail",
            ErrorKind::PasswordResetInvalidEmail,
        ),
    ] {
        assert_eq!(
            api_error(parse_reset_password(&fixture(name)).unwrap_err()).kind(),
            kind,
            "{name}"
        );
    }
}

// ---- options ---------------------------------------------------------------

fn one_batch(change: &OptionsChange) -> OptionsBatch {
    let mut batches = api().options_batches(change).unwrap();
    assert_eq!(batches.len(), 1);
    batches.remove(0)
}

#[test]
fn options_success_has_no_rejections() {
    let batch = one_batch(
        &OptionsChange::new()
            .set("gender", "female")
            .set("skin", "vector"),
    );
    let done = parse_options(&fixture("options_success"), &batch).unwrap();
    assert!(done.rejected.is_empty() && done.warnings.is_empty());
}

#[test]
fn validationfailed_warnings_name_the_options_the_server_dropped() {
    let batch = one_batch(
        &OptionsChange::new()
            .set("nosuchoption", "1")
            .set("gender", "male")
            .set("skin", "nosuchskin"),
    );
    let done = parse_options(&fixture("options_validationfailed"), &batch).unwrap();
    let names: Vec<_> = done.rejected.iter().map(|r| r.name.as_deref()).collect();
    assert_eq!(names, [Some("nosuchoption"), Some("skin")]);
    assert!(
        done.rejected
            .iter()
            .all(|r| r.message.code == "validationfailed")
    );
    assert_eq!(done.warnings.len(), 2);
}

#[test]
fn legacy_validation_warnings_still_name_the_option() {
    let batch = one_batch(
        &OptionsChange::new()
            .set("nosuchoption", "1")
            .set("gender", "male"),
    );
    let done = parse_options(&fixture("options_validationfailed_legacy_format"), &batch).unwrap();
    assert_eq!(done.rejected.len(), 1);
    assert_eq!(done.rejected[0].name.as_deref(), Some("nosuchoption"));
}

#[test]
fn the_longest_quoted_name_wins_when_names_overlap() {
    let batch = one_batch(
        &OptionsChange::new()
            .set("nosuch", "1")
            .set("nosuchoption", "1"),
    );
    let done = parse_options(&fixture("options_validationfailed"), &batch).unwrap();
    assert_eq!(done.rejected[0].name.as_deref(), Some("nosuchoption"));
}

#[test]
fn maps_options_errors_to_their_kinds() {
    let batch = one_batch(&OptionsChange::new().set("gender", "female"));
    for (name, kind) in [
        ("options_nochanges", ErrorKind::NoChanges),
        ("options_notloggedin", ErrorKind::NotLoggedIn),
        ("assertuserfailed_logged_out", ErrorKind::AssertUserFailed),
        ("assertnameduserfailed", ErrorKind::AssertUserFailed),
    ] {
        assert_eq!(
            api_error(parse_options(&fixture(name), &batch).unwrap_err()).kind(),
            kind,
            "{name}"
        );
    }
}

#[test]
fn reads_every_option_as_text() {
    let read = parse_read_options(&fixture("userinfo_options")).unwrap();
    assert_eq!(read.user, "MwkitSender");
    assert!(!read.anonymous);
    assert!(read.options.len() > 90, "{}", read.options.len());
    assert_eq!(
        read.options["gender"], "male",
        "set by the validationfailed fixture's request"
    );
    assert_eq!(read.options["skin"], "vector");
    assert_eq!(
        read.options["rclimit"], "50",
        "numbers read as decimal text"
    );
    assert_eq!(
        read.options["search-match-redirect"], "1",
        "true reads as 1"
    );
    assert_eq!(
        read.options["userjs-a"], "x|y",
        "the U+001F form was stored whole"
    );
}

#[test]
fn reading_options_logged_out_gives_the_defaults_and_says_so() {
    let read = parse_read_options(&fixture("userinfo_options_logged_out")).unwrap();
    assert!(read.anonymous);
    assert!(!read.options.is_empty());
}

#[test]
fn sixty_changes_take_two_requests_and_five_hundred_fit_one_with_high_limits() {
    let mut change = OptionsChange::new();
    for i in 0..60 {
        change = change.set(format!("userjs-opt{i}"), format!("v{i}"));
    }
    let batches = api().options_batches(&change).unwrap();
    assert_eq!(
        batches
            .iter()
            .map(OptionsBatch::change_len)
            .collect::<Vec<_>>(),
        [50, 10]
    );
    let mut high = api();
    high.set_account(Some(Account {
        name: "B".into(),
        id: 1,
        high_limits: true,
    }));
    assert_eq!(high.options_batches(&change).unwrap().len(), 1);
}

#[test]
fn names_holding_equals_go_one_per_request_through_optionname() {
    let change = OptionsChange::new()
        .set("a=b", "1")
        .set("c=d", "x|y")
        .reset("e=f")
        .set("plain", "p");
    let batches = api().options_batches(&change).unwrap();
    assert_eq!(batches.len(), 3);
    let forms: Vec<_> = batches
        .iter()
        .map(|b| body(&api().options_request(b, &Token::new("t+\\"))))
        .collect();
    assert_eq!(param(&forms[0], "change"), Some("plain=p"));
    assert_eq!(
        (
            param(&forms[0], "optionname"),
            param(&forms[0], "optionvalue")
        ),
        (Some("a=b"), Some("1"))
    );
    assert_eq!(
        (
            param(&forms[1], "optionname"),
            param(&forms[1], "optionvalue")
        ),
        (Some("c=d"), Some("x|y"))
    );
    assert_eq!(
        (
            param(&forms[2], "optionname"),
            param(&forms[2], "optionvalue")
        ),
        (Some("e=f"), None)
    );
    assert!(param(&forms[1], "change").is_none());
}

#[test]
fn a_reset_goes_first_and_only_once() {
    let mut change = OptionsChange::new().reset_kinds(["userjs", "unused"]);
    for i in 0..51 {
        change = change.set(format!("o{i}"), "1");
    }
    let batches = api().options_batches(&change).unwrap();
    let forms: Vec<_> = batches
        .iter()
        .map(|b| body(&api().options_request(b, &Token::new("t+\\"))))
        .collect();
    assert_eq!(param(&forms[0], "reset"), Some("1"));
    assert_eq!(param(&forms[0], "resetkinds"), Some("userjs|unused"));
    assert_eq!(param(&forms[1], "reset"), None);
    let form = body(&api().options_request(
        &one_batch(&OptionsChange::new().reset_all()),
        &Token::new("t+\\"),
    ));
    assert_eq!(
        (
            param(&form, "reset"),
            param(&form, "resetkinds"),
            param(&form, "change")
        ),
        (Some("1"), None, None)
    );
}

#[test]
fn the_last_value_given_for_a_name_wins() {
    let batch = one_batch(
        &OptionsChange::new()
            .set("a", "1")
            .set("b", "2")
            .set("a", "3"),
    );
    let form = body(&api().options_request(&batch, &Token::new("t+\\")));
    assert_eq!(param(&form, "change"), Some("b=2|a=3"));
}

#[test]
fn refuses_invalid_changes_before_sending() {
    let long_name = "n".repeat(256);
    let long_value = "v".repeat(65536);
    for change in [
        OptionsChange::new(),
        OptionsChange::new().set("", "x"),
        OptionsChange::new().set(long_name.as_str(), "x"),
        OptionsChange::new().set("a", long_value.as_str()),
        OptionsChange::new().set("a", "x\u{1f}y"),
        OptionsChange::new().set("a\u{1f}", "x"),
        OptionsChange::new().set("two\nlines", "x"),
        OptionsChange::new().reset("tab\there"),
        OptionsChange::new().set("userjs-bad name", "x"),
        OptionsChange::new().set("userjs-é", "x"),
        OptionsChange::new().reset_kinds(Vec::<String>::new()),
        OptionsChange::new().reset_kinds(["a|b"]),
    ] {
        assert!(
            matches!(api().options_batches(&change), Err(Error::InvalidInput(_))),
            "{change:?}"
        );
    }
    let ok_name = "n".repeat(255);
    let ok_value = "v".repeat(65535);
    assert!(
        api()
            .options_batches(&OptionsChange::new().set(ok_name.as_str(), ok_value.as_str()))
            .is_ok()
    );
    assert!(
        api()
            .options_batches(&OptionsChange::new().set("userjs-Ok_name-1", "x"))
            .is_ok()
    );
}

// ---- emailable -------------------------------------------------------------

#[test]
fn emailable_answers_every_name_in_the_order_given() {
    let names = [
        "MwkitRecipient",
        "MwkitNoAddress",
        "MwkitNoMail",
        "NoSuchUserAtAll",
        "Bad",
        "Name<>",
        "mwkitRecipient",
    ];
    let batches = api().emailable_batches(&names).unwrap();
    let report = parse_emailable(&fixture("users_emailable"), &batches[0]).unwrap();
    let got: Vec<_> = report
        .entries
        .iter()
        .map(|e| (e.requested.as_str(), e.status))
        .collect();
    assert_eq!(
        got,
        [
            ("MwkitRecipient", Emailability::Emailable),
            ("MwkitNoAddress", Emailability::NotEmailable),
            ("MwkitNoMail", Emailability::NotEmailable),
            ("NoSuchUserAtAll", Emailability::Missing),
            ("Bad", Emailability::Missing),
            ("Name<>", Emailability::Invalid),
            ("mwkitRecipient", Emailability::Emailable),
        ]
    );
    assert_eq!(report.entries[6].name.as_deref(), Some("MwkitRecipient"));
}

#[test]
fn names_holding_a_pipe_travel_in_the_unit_separator_form() {
    let batches = api().emailable_batches(&["A|B", "C"]).unwrap();
    let req = api().emailable_request(&batches[0]);
    let body = String::from_utf8(req.body.clone()).unwrap();
    assert!(body.contains("ususers=%1FA%7CB%1FC"), "{body}");
    assert_eq!(req.method, Method::Post, "names travel in the body");
    assert!(!req.is_write, "a read, even as a POST");
    assert!(matches!(
        api().emailable_batches::<&str>(&[]),
        Err(Error::InvalidInput(_))
    ));
    assert!(matches!(
        api().emailable_batches(&["ok", ""]),
        Err(Error::InvalidInput(_))
    ));
}

// ---- errors and retry advice -----------------------------------------------

#[test]
fn maxlag_keeps_its_lag_and_advises_the_servers_retry_after() {
    let err = parse_email_user(&fixture("maxlag")).unwrap_err();
    assert_eq!(err.api_kind(), Some(ErrorKind::Maxlag { lag: Some(7.0) }));
    assert_eq!(
        err.retry_advice(true),
        RetryAdvice::RetryAfter(RetryAfter::Delay(Duration::from_secs(7)))
    );
}

#[test]
fn legacy_maxlag_without_retry_after_waits_for_the_lag() {
    let err = parse_email_user(&fixture("maxlag_legacy_no_retry_after")).unwrap_err();
    assert_eq!(err.api_kind(), Some(ErrorKind::Maxlag { lag: Some(12.0) }));
    assert_eq!(
        err.retry_advice(true),
        RetryAdvice::RetryAfter(RetryAfter::Delay(Duration::from_secs(12)))
    );
}

#[test]
fn readonly_advises_waiting() {
    let err = parse_options(
        &fixture("readonly"),
        &one_batch(&OptionsChange::new().set("a", "1")),
    )
    .unwrap_err();
    assert_eq!(err.api_kind(), Some(ErrorKind::ReadOnly));
    assert_eq!(
        err.retry_advice(true),
        RetryAdvice::RetryAfter(RetryAfter::Delay(DEFAULT_READONLY_WAIT))
    );
    let err = parse_email_user(&fixture("readonly_with_retry_after")).unwrap_err();
    assert_eq!(
        err.retry_advice(true),
        RetryAdvice::RetryAfter(RetryAfter::Delay(Duration::from_secs(2)))
    );
}

#[test]
fn badtoken_advises_a_new_token_and_lost_sessions_a_new_login() {
    let err = parse_email_user(&fixture("emailuser_badtoken")).unwrap_err();
    assert_eq!(err.retry_advice(true), RetryAdvice::RefreshToken);
    let err = parse_email_user(&fixture("assertuserfailed_logged_out")).unwrap_err();
    assert_eq!(err.retry_advice(true), RetryAdvice::Relogin);
}

#[test]
fn refusals_that_would_repeat_are_not_retried() {
    for name in [
        "emailuser_ratelimited",
        "emailuser_notarget",
        "emailuser_blockedemailuser",
        "emailuser_cantsend_logged_out",
    ] {
        assert_eq!(
            parse_email_user(&fixture(name))
                .unwrap_err()
                .retry_advice(true),
            RetryAdvice::DoNotRetry,
            "{name}"
        );
    }
}

#[test]
fn http_503_with_retry_after_is_outcome_unknown_for_a_write_and_a_wait_for_a_read() {
    let err = parse_email_user(&fixture("http_503_html_retry_after")).unwrap_err();
    match &err {
        Error::Http {
            status: 503,
            snippet,
            ..
        } => assert!(snippet.contains("Service Unavailable")),
        other => panic!("{other:?}"),
    }
    // A 503 can come from a proxy after the wiki acted: never proof.
    assert_eq!(err.retry_advice(true), RetryAdvice::OutcomeUnknown);
    assert_eq!(
        err.retry_advice(false),
        RetryAdvice::RetryAfter(RetryAfter::Delay(Duration::from_secs(3)))
    );
    let unknown = err.for_write();
    assert!(unknown.outcome_unknown());
    assert_eq!(
        unknown.retry_after(),
        Some(RetryAfter::Delay(Duration::from_secs(3))),
        "the server's Retry-After stays with the error"
    );
}

#[test]
fn http_429_with_a_date_waits_until_that_date() {
    let err = parse_email_user(&fixture("http_429_retry_after_date")).unwrap_err();
    assert_eq!(err.retry_advice(true), RetryAdvice::OutcomeUnknown);
    let RetryAdvice::RetryAfter(at) = err.retry_advice(false) else {
        panic!("{err:?}")
    };
    let date = httpdate::parse_http_date("Wed, 21 Oct 2026 07:27:50 GMT").unwrap();
    assert_eq!(at.delay_from(date), Duration::from_secs(10));
    assert_eq!(
        at.delay_from(date + Duration::from_secs(60)),
        Duration::ZERO
    );
    assert!(at.delay_from(SystemTime::UNIX_EPOCH) > Duration::ZERO);
}

#[test]
fn a_gateway_error_on_a_write_leaves_the_outcome_unknown() {
    let err = parse_email_user(&fixture("http_502_html")).unwrap_err();
    assert!(matches!(err, Error::Http { status: 502, .. }));
    assert_eq!(err.retry_advice(true), RetryAdvice::OutcomeUnknown);
    assert_eq!(err.retry_advice(false), RetryAdvice::DoNotRetry);
}

#[test]
fn html_or_truncated_answers_are_decode_errors_with_a_snippet() {
    for name in ["html_200_not_json", "truncated_json"] {
        let err = parse_email_user(&fixture(name)).unwrap_err();
        let Error::Decode {
            snippet,
            status: 200,
            ..
        } = &err
        else {
            panic!("{name}: {err:?}")
        };
        assert!(!snippet.is_empty() && snippet.chars().count() <= 201);
        assert_eq!(
            err.retry_advice(true),
            RetryAdvice::OutcomeUnknown,
            "{name}"
        );
        assert_eq!(err.retry_advice(false), RetryAdvice::DoNotRetry, "{name}");
    }
    let garbage = Response::json(vec![0xff, 0xfe, 0x00, b'{']);
    assert!(matches!(
        parse_email_user(&garbage),
        Err(Error::Decode { .. })
    ));
    let not_object = Response::json("[1,2]");
    assert!(matches!(parse_raw(&not_object), Err(Error::Decode { .. })));
}

#[test]
fn an_internal_error_keeps_every_entry_its_status_and_the_warnings() {
    let err = api_error(parse_email_user(&fixture("internal_api_error")).unwrap_err());
    assert_eq!(err.kind(), ErrorKind::Internal("DBQueryError".into()));
    assert_eq!(err.http_status, 500);
    assert_eq!(err.errors.len(), 2);
    assert_eq!(err.errors[1].text, "second entry kept");
    assert_eq!(err.warnings[0].code, "unrecognizedparams");
}

#[test]
fn unknown_codes_arrive_intact() {
    assert_eq!(
        ErrorKind::from_code("some-new-code", None),
        ErrorKind::Other("some-new-code".into())
    );
}

// ---- raw -------------------------------------------------------------------

#[test]
fn raw_answers_are_json_and_raw_errors_are_api_errors() {
    let reply = parse_raw(&fixture("userinfo_options")).unwrap();
    assert_eq!(reply.json["query"]["userinfo"]["name"], "MwkitSender");
    let err = api_error(parse_raw(&fixture("emailuser_noemail")).unwrap_err());
    assert_eq!(err.kind(), ErrorKind::NoEmail);
}

#[test]
fn raw_requests_refuse_what_the_core_must_set() {
    let a = api();
    assert!(matches!(
        a.raw_request(&[("meta", "x")], Method::Get, None),
        Err(Error::InvalidInput(_))
    ));
    for reserved in ["format", "formatversion", "errorformat", "token"] {
        let r = a.raw_request(&[("action", "query"), (reserved, "x")], Method::Get, None);
        assert!(matches!(r, Err(Error::InvalidInput(_))), "{reserved}");
    }
    let twice = a.raw_request(
        &[("action", "query"), ("list", "a"), ("list", "b")],
        Method::Get,
        None,
    );
    assert!(matches!(twice, Err(Error::InvalidInput(_))));
    let get_with_token = a.raw_request(
        &[("action", "purge")],
        Method::Get,
        Some(&Token::new("t+\\")),
    );
    assert!(matches!(get_with_token, Err(Error::InvalidInput(_))));
    let post = a
        .raw_request(
            &[("action", "purge"), ("titles", "A")],
            Method::Post,
            Some(&Token::new("t+\\")),
        )
        .unwrap();
    assert!(post.is_write);
    assert_eq!(body(&post).last().unwrap().0, "token");
}

// ---- secrets ---------------------------------------------------------------

#[test]
fn debug_output_of_requests_and_flows_never_shows_a_secret() {
    let secret = "S3cret-Bot-Pass";
    let mut login = BotLogin::new("A@b", Password::new(secret)).unwrap();
    let _ = login.next_request(&api());
    login
        .handle_response(&fixture("tokens_csrf_and_login_logged_out"))
        .unwrap();
    let req = login.next_request(&api()).unwrap();
    assert!(
        String::from_utf8_lossy(&req.body).contains(secret),
        "the body does carry it"
    );
    for shown in [
        format!("{req:?}"),
        format!("{login:?}"),
        format!("{:?}", Token::new(secret)),
    ] {
        assert!(!shown.contains(secret), "{shown}");
    }
    let client = ClientLogin::new("A", Password::new(secret))
        .unwrap()
        .with_new_password(Password::new(secret))
        .unwrap();
    assert!(!format!("{client:?}").contains(secret));
}
