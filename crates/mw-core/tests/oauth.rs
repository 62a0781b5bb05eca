//! Sessions that act with an OAuth token, on the answers of a real 1.43
//! wiki with Extension:OAuth (`fixtures/reference-1.43-oauth/`): the token is
//! the login, every request carries it and asserts the account, no login or
//! logout is ever sent under it, a refused token is a login error and is
//! never sent again, and a confidential client's token is fetched and
//! renewed without the caller noticing.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::time::{Duration, SystemTime};

use mw_core::*;

mod common;
use common::drive;

fn recorded(name: &str) -> Response {
    common::recorded("reference-1.43-oauth", name)
}

/// The confirming read's answer for the token's owner, with a csrf token.
fn owner() -> Response {
    Response::json(
        r#"{"query":{"userinfo":{"id":3,"name":"Sender","rights":["read","sendemail","editmyoptions"]},"tokens":{"csrftoken":"abc123+\\"}}}"#,
    )
}

fn email_ok() -> Response {
    Response::json(r#"{"emailuser":{"result":"Success"}}"#)
}

fn access_token(token: &str, expires_in: u64) -> Response {
    Response::json(format!(
        r#"{{"token_type":"Bearer","expires_in":{expires_in},"access_token":"{token}"}}"#
    ))
}

const T0: u64 = 1_800_000_000;

fn at(secs: u64) -> SystemTime {
    SystemTime::UNIX_EPOCH + Duration::from_secs(T0 + secs)
}

fn session(url: &str) -> Session {
    let api = Api::new(url, "mwkit-tests/0").unwrap();
    Session::new(api, SessionConfig::default())
}

fn oauth_error(err: Error) -> LoginError {
    match err {
        Error::Login(e) if e.kind == LoginFailure::OAuthInvalid => e,
        other => panic!("expected an oauth login error, got {other:?}"),
    }
}

#[test]
fn an_oauth2_token_is_the_login_every_request_carries_and_asserts() {
    let mut s = session("https://wiki.example/w/api.php");
    let mut login = s.login_oauth2(Token::new("jwt-token")).unwrap();
    let (sent, who) = drive(&mut s, &mut login, &mut vec![owner()], at(0));
    assert_eq!(who.unwrap().account.name, "Sender");
    assert_eq!(sent.len(), 1, "one read, no action=login");
    assert!(sent[0].text.contains("meta=userinfo") && !sent[0].text.contains("action=login"));
    assert_eq!(sent[0].auth.as_deref(), Some("Bearer jwt-token"));

    let mut email = s.email_user(&EmailUser::new("Bob", "s", "t")).unwrap();
    let (sent, r) = drive(&mut s, &mut email, &mut vec![email_ok()], at(1));
    r.unwrap();
    assert_eq!(sent[0].auth.as_deref(), Some("Bearer jwt-token"));
    assert!(sent[0].text.contains("assert=user") && sent[0].text.contains("assertuser=Sender"));
    assert!(
        sent[0].text.contains("token=abc123"),
        "the csrf token from the read"
    );

    // Logging out forgets the token, and sends nothing.
    let mut out = s.logout();
    let (sent, r) = drive(&mut s, &mut out, &mut vec![], at(2));
    r.unwrap();
    assert!(sent.is_empty());
    assert!(s.account().is_none());
    let mut read = s.read_options();
    let (sent, _) = drive(
        &mut s,
        &mut read,
        &mut vec![Response::json(
            r#"{"query":{"userinfo":{"id":0,"name":"1.2.3.4","anon":true,"options":{}}}}"#,
        )],
        at(3),
    );
    assert_eq!(sent[0].auth, None, "the token is forgotten");
}

#[test]
fn a_refused_token_is_a_login_error_and_the_write_is_not_sent_again() {
    let mut s = session("https://wiki.example/w/api.php");
    let mut login = s.login_oauth2(Token::new("garbage")).unwrap();
    let (_, r) = drive(
        &mut s,
        &mut login,
        &mut vec![recorded("oauth2_garbage_token")],
        at(0),
    );
    let e = oauth_error(r.unwrap_err());
    assert_eq!(e.code.as_deref(), Some("mwoauth-invalid-authorization"));
    assert_eq!(Error::Login(e).code().name, "oauth_invalid");

    // A token revoked after the login: the write is answered with the
    // refusal, reported, never sent again.
    let mut s = session("https://wiki.example/w/api.php");
    let mut login = s.login_oauth2(Token::new("jwt")).unwrap();
    drive(&mut s, &mut login, &mut vec![owner()], at(0))
        .1
        .unwrap();
    let mut email = s.email_user(&EmailUser::new("Bob", "s", "t")).unwrap();
    let (sent, r) = drive(
        &mut s,
        &mut email,
        &mut vec![recorded("oauth2_garbage_token_emailuser")],
        at(1),
    );
    assert_eq!(sent.len(), 1);
    let err = r.unwrap_err();
    assert!(!err.outcome_unknown());
    oauth_error(err);
}

#[test]
fn a_disabled_consumers_code_is_the_same_kind() {
    assert_eq!(
        ErrorKind::from_code("mwoauth-invalid-authorization-not-approved", None),
        ErrorKind::OAuthInvalid
    );
}

#[test]
fn oauth1_signs_every_request_with_the_nonce_and_time_given() {
    let keys = OAuth1Keys::new("ck", "cs", "tk", "ts").unwrap();
    let mut s = session("https://wiki.example/w/api.php");
    s.set_nonce_seed(0xfeed);
    let mut login = s.login_oauth1(keys.clone()).unwrap();
    let (sent, r) = drive(&mut s, &mut login, &mut vec![owner()], at(0));
    r.unwrap();
    let auth = sent[0].auth.clone().unwrap();
    assert!(
        auth.starts_with("OAuth oauth_consumer_key=\"ck\""),
        "{auth}"
    );
    assert!(
        auth.contains(&format!("oauth_timestamp=\"{T0}\"")),
        "{auth}"
    );
    assert!(
        auth.contains("oauth_nonce=\"000000000000feed00000001\""),
        "{auth}"
    );
    let mut email = s.email_user(&EmailUser::new("Bob", "s", "t")).unwrap();
    let (sent, _) = drive(&mut s, &mut email, &mut vec![email_ok()], at(5));
    let second = sent[0].auth.clone().unwrap();
    assert!(second.contains("00000002") && second.contains(&format!("\"{}\"", T0 + 5)));
    assert_ne!(auth, second);
}

#[test]
fn a_confidential_client_fetches_its_token_bare_and_renews_it_before_it_expires() {
    let mut s = session("https://wiki.example/w/api.php");
    let mut login = s
        .login_oauth2_client("client-1", Password::new("client-secret"))
        .unwrap();
    let mut answers = vec![access_token("first", 40), owner()];
    let (sent, r) = drive(&mut s, &mut login, &mut answers, at(0));
    r.unwrap();
    assert_eq!(
        sent[0].text.split(' ').next(),
        Some("https://wiki.example/w/rest.php/oauth2/access_token")
    );
    assert!(sent[0].text.contains("grant_type=client_credentials"));
    assert_eq!(
        (sent[0].auth.as_deref(), sent[0].cookie.as_deref()),
        (None, None)
    );
    assert_eq!(sent[1].auth.as_deref(), Some("Bearer first"));

    // Early in its life: used as it is.
    let mut email = s.email_user(&EmailUser::new("Bob", "s", "t")).unwrap();
    let (sent, r) = drive(&mut s, &mut email, &mut vec![email_ok()], at(10));
    r.unwrap();
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0].auth.as_deref(), Some("Bearer first"));

    // Within a quarter of its lifetime of expiring: a new one first.
    let mut email = s.email_user(&EmailUser::new("Bob", "s", "t")).unwrap();
    let mut answers = vec![access_token("second", 40), owner(), email_ok()];
    let (sent, r) = drive(&mut s, &mut email, &mut answers, at(31));
    r.unwrap();
    assert_eq!(sent.len(), 3);
    assert!(sent[0].text.contains("rest.php/oauth2/access_token"));
    assert_eq!(sent[2].auth.as_deref(), Some("Bearer second"));
    assert!(sent[2].text.contains("action=emailuser"));
}

#[test]
fn a_confidential_client_fetches_a_new_token_once_then_reports_the_refusal() {
    // A wiki of its own: the sessions of a process share a client's token.
    let mut s = session("https://refused.example/w/api.php");
    let mut login = s
        .login_oauth2_client("client-1", Password::new("client-secret"))
        .unwrap();
    drive(
        &mut s,
        &mut login,
        &mut vec![access_token("first", 3600), owner()],
        at(0),
    )
    .1
    .unwrap();
    // Refused once: a new token, and the write again (the wiki proved it
    // did not act).
    let mut email = s.email_user(&EmailUser::new("Bob", "s", "t")).unwrap();
    let mut answers = vec![
        recorded("oauth2_garbage_token_emailuser"),
        access_token("second", 3600),
        owner(),
        email_ok(),
    ];
    let (sent, r) = drive(&mut s, &mut email, &mut answers, at(1));
    r.unwrap();
    assert_eq!(sent.len(), 4);
    assert_eq!(sent[3].auth.as_deref(), Some("Bearer second"));
    // Refused again after the new token: reported.
    let mut email = s.email_user(&EmailUser::new("Bob", "s", "t")).unwrap();
    let mut answers = vec![
        recorded("oauth2_garbage_token_emailuser"),
        access_token("third", 3600),
        owner(),
        recorded("oauth2_garbage_token_emailuser"),
    ];
    let (sent, r) = drive(&mut s, &mut email, &mut answers, at(2));
    assert_eq!(
        sent.len(),
        4,
        "one new token, one more send, then the error"
    );
    oauth_error(r.unwrap_err());
}

#[test]
fn a_wrong_client_secret_is_oauth_invalid() {
    let mut s = session("https://wiki.example/w/api.php");
    let mut login = s
        .login_oauth2_client("client-1", Password::new("wrong"))
        .unwrap();
    let (sent, r) = drive(
        &mut s,
        &mut login,
        &mut vec![recorded("oauth2_rest_bad_client_secret")],
        at(0),
    );
    assert_eq!(sent.len(), 1);
    let e = oauth_error(r.unwrap_err());
    assert_eq!(e.code.as_deref(), Some("invalid_client"));
}

#[test]
fn tokens_and_secrets_never_print_and_never_go_over_plain_http_elsewhere() {
    let mut s = session("https://wiki.example/w/api.php");
    let mut login = s
        .login_oauth2_client("client-1", Password::new("client-secret-xyz"))
        .unwrap();
    let mut shown = Vec::new();
    let mut answers = vec![access_token("access-token-xyz", 3600), owner()];
    loop {
        match s.poll(&mut login, at(0)) {
            Step::Send(req) => {
                shown.push(format!("{req:?}"));
                s.handle(&mut login, Answer::Response(answers.remove(0)), at(0));
            }
            Step::Done(r) => {
                shown.push(format!("{r:?}"));
                break;
            }
            _ => unreachable!(),
        }
    }
    shown.push(format!("{s:?} {login:?}"));
    for text in &shown {
        assert!(!text.contains("xyz"), "{text}");
    }
    let mut plain = session("http://wiki.example/w/api.php");
    for r in [
        plain.login_oauth2(Token::new("t")).err(),
        plain.login_oauth2_client("c", Password::new("s")).err(),
        plain
            .login_oauth1(OAuth1Keys::new("a", "b", "c", "d").unwrap())
            .err(),
    ] {
        assert!(matches!(r, Some(Error::InvalidInput(_))), "{r:?}");
    }
    assert!(s.login_oauth2(Token::new(" ")).is_err());
}

fn badtoken() -> Response {
    common::recorded("live-1.43", "emailuser_badtoken")
}

fn csrf(token: &str) -> Response {
    Response::json(format!(
        r#"{{"batchcomplete":"","query":{{"tokens":{{"csrftoken":"{token}+\\"}}}}}}"#
    ))
}

/// The request of a step that must be a send.
fn sent<T: std::fmt::Debug>(step: Step<T>) -> Request {
    match step {
        Step::Send(req) => req,
        other => panic!("expected a request, got {other:?}"),
    }
}

fn bearer(req: &Request) -> Option<&str> {
    req.headers
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case("authorization"))
        .map(|(_, v)| v.as_str())
}

fn body(req: &Request) -> String {
    format!("{} {}", req.url, String::from_utf8_lossy(&req.body))
}

/// Extension:OAuth keeps one session per consumer: a token fetched by one
/// session of the process would end the csrf tokens of the others. So the
/// sessions of a process that act as one client share its token: one
/// fetches, the others adopt it, and a write that got `badtoken` because
/// the token changed under it (MediaWiki's proof that it did nothing) is
/// sent once more under the new one, never twice otherwise.
#[test]
fn sessions_of_one_client_share_its_token_and_its_renewal() {
    let url = "https://shared.example/w/api.php";
    let client = || Password::new("shared-secret");
    let (mut a, mut b, mut c) = (session(url), session(url), session(url));

    // A fetches the token; B only confirms it.
    let mut login = a.login_oauth2_client("client-s", client()).unwrap();
    let (sent_a, r) = drive(
        &mut a,
        &mut login,
        &mut vec![access_token("first", 20), owner()],
        at(0),
    );
    r.unwrap();
    assert!(sent_a[0].text.contains("rest.php/oauth2/access_token"));
    let mut login = b.login_oauth2_client("client-s", client()).unwrap();
    let (sent_b, r) = drive(&mut b, &mut login, &mut vec![owner()], at(1));
    r.unwrap();
    assert_eq!(sent_b.len(), 1, "no token of its own: {sent_b:#?}");
    assert_eq!(sent_b[0].auth.as_deref(), Some("Bearer first"));

    // B's email is out under the first token when A renews it.
    let mut email_b = b.email_user(&EmailUser::new("Bob", "s", "b")).unwrap();
    let req = sent(b.poll(&mut email_b, at(14)));
    assert!(body(&req).contains("action=emailuser"));
    assert_eq!(bearer(&req), Some("Bearer first"));

    let mut email_a = a.email_user(&EmailUser::new("Bob", "s", "a")).unwrap();
    let fetch = sent(a.poll(&mut email_a, at(16)));
    assert!(body(&fetch).contains("grant_type=client_credentials"));

    // While A fetches, a session that logs in waits for its token rather
    // than fetching one of its own.
    let mut login_c = c.login_oauth2_client("client-s", client()).unwrap();
    assert!(matches!(c.poll(&mut login_c, at(16)), Step::Wait(_)));

    a.handle(
        &mut email_a,
        Answer::Response(access_token("second", 20)),
        at(16),
    );
    let (sent_a, r) = drive(&mut a, &mut email_a, &mut vec![owner(), email_ok()], at(16));
    r.unwrap();
    assert_eq!(sent_a.len(), 2);
    assert_eq!(sent_a[1].auth.as_deref(), Some("Bearer second"));

    // The wiki's session changed under B's write: badtoken, nothing done.
    // B takes the new token, a csrf token with it, and sends once more.
    b.handle(&mut email_b, Answer::Response(badtoken()), at(16));
    let (sent_b, r) = drive(
        &mut b,
        &mut email_b,
        &mut vec![csrf("new"), email_ok()],
        at(16),
    );
    r.unwrap();
    assert_eq!(sent_b.len(), 2, "{sent_b:#?}");
    assert!(sent_b[0].text.contains("meta=tokens"));
    assert!(sent_b[1].text.contains("action=emailuser"));
    assert!(sent_b[1].text.contains("token=new"));
    assert!(
        sent_b
            .iter()
            .all(|s| s.auth.as_deref() == Some("Bearer second"))
    );

    // C, and B's next email, use the new token without fetching.
    let (sent_c, r) = drive(&mut c, &mut login_c, &mut vec![owner()], at(17));
    r.unwrap();
    assert_eq!(sent_c.len(), 1);
    assert_eq!(sent_c[0].auth.as_deref(), Some("Bearer second"));
    let mut email_b = b.email_user(&EmailUser::new("Bob", "s", "b2")).unwrap();
    let (sent_b, r) = drive(&mut b, &mut email_b, &mut vec![email_ok()], at(17));
    r.unwrap();
    assert_eq!(sent_b.len(), 1);
    assert_eq!(sent_b[0].auth.as_deref(), Some("Bearer second"));
}

/// The fetch's marker goes with its call: a fetch given up leaves the next
/// session free to fetch, and a wrong secret is another client.
#[test]
fn a_given_up_fetch_frees_the_next_and_a_wrong_secret_shares_nothing() {
    let url = "https://given-up.example/w/api.php";
    let (mut a, mut b) = (session(url), session(url));
    let mut login_a = a
        .login_oauth2_client("client-g", Password::new("right"))
        .unwrap();
    let _fetch = sent(a.poll(&mut login_a, at(0)));
    let mut login_b = b
        .login_oauth2_client("client-g", Password::new("right"))
        .unwrap();
    assert!(matches!(b.poll(&mut login_b, at(0)), Step::Wait(_)));
    let mut wrong = session(url);
    let mut login_w = wrong
        .login_oauth2_client("client-g", Password::new("wrong"))
        .unwrap();
    assert!(body(&sent(wrong.poll(&mut login_w, at(0)))).contains("client_credentials"));
    // Given up (a cancelled future, an interrupt), the call still alive.
    a.abandon(&mut login_a);
    assert!(body(&sent(b.poll(&mut login_b, at(0)))).contains("client_credentials"));
}
