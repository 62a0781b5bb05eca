//! Acting as an account with an OAuth token, on the real Extension:OAuth of
//! a 1.43 test wiki (wiki.json's `oauth`; skipped with one line where it is
//! null): an owner-only OAuth 2 token, owner-only OAuth 1.0a keys and a
//! confidential client's `client_credentials` each act as the owner (one
//! email, one mail; an option changed reads back), every request carrying
//! the token and asserting the owner, none a login or a logout; a garbage,
//! a disabled consumer's and a revoked token are `oauth_invalid` with
//! nothing sent twice; a `client_credentials` session outlives its token's
//! 20 s; and no token or secret shows in Debug, Display, errors or logs.
//!
//! Every client goes through the fault proxy, which keeps each request
//! whole: the access log shows neither POST bodies nor headers.

use std::time::{Duration, Instant, SystemTime};

use crate::driver::Driver;
use crate::logs;
use crate::proxy::{Proxy, RawRequest, Seen};
use crate::support::{Wiki, nonce};
use mw_core::{
    ClientSettings, EmailResult, EmailUser, Error, LoginFailure, LoginInfo, Method, OAuth1Keys,
    OptionsChange, Password, Request, Token, oauth1_authorization,
};
use serde_json::Value;

/// The consumers a scenario acting with a `kind` token uses: wiki.json's
/// shared ones, but for `client_credentials` a fresh set of its own.
///
/// The wiki keeps one session for all the `client_credentials` tokens of a
/// consumer, and the first request under a new token starts it afresh: the
/// csrf tokens handed out under the earlier ones are then refused
/// (`badtoken`). The engine gets past one such refusal a call (a new csrf
/// token, the request sent again), but scenarios that count requests, and
/// those of other languages running at the same time, must not fetch
/// tokens for the same consumer.
fn consumers(wiki: &Wiki, kind: Kind, shared: &Value) -> Value {
    match kind {
        Kind::ClientCredentials => wiki.oauth_new(),
        Kind::OAuth2 | Kind::OAuth1 => shared.clone(),
    }
}

/// The three ways to act with OAuth.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    /// An owner-only OAuth 2 access token: `Authorization: Bearer`.
    OAuth2,
    /// Owner-only OAuth 1.0a keys: each request signed.
    OAuth1,
    /// A confidential OAuth 2 client: `client_credentials` tokens.
    ClientCredentials,
}

const KINDS: [Kind; 3] = [Kind::OAuth2, Kind::OAuth1, Kind::ClientCredentials];

impl Kind {
    fn name(self) -> &'static str {
        match self {
            Kind::OAuth2 => "oauth2",
            Kind::OAuth1 => "oauth1",
            Kind::ClientCredentials => "client-credentials",
        }
    }

    /// The consumer's key in a set shaped like wiki.json's `oauth`.
    fn consumer(self, set: &Value) -> &str {
        let key = match self {
            Kind::OAuth2 => "oauth2",
            Kind::OAuth1 => "oauth1",
            Kind::ClientCredentials => "client_credentials",
        };
        set["consumers"][key].as_str().unwrap()
    }

    /// Acts as the owner of the set's consumer of this kind.
    fn login<D: Driver>(self, client: &D, set: &Value) -> Result<LoginInfo, Error> {
        match self {
            Kind::OAuth2 => client.login_oauth2(set["oauth2_token"].as_str().unwrap()),
            Kind::OAuth1 => client.login_oauth1(keys(set)),
            Kind::ClientCredentials => {
                let cc = &set["client_credentials"];
                client.login_oauth2_client(
                    cc["client_id"].as_str().unwrap(),
                    cc["client_secret"].as_str().unwrap(),
                )
            }
        }
    }

    /// Whether `seen` carries this kind's `Authorization` header.
    fn authorized(self, seen: &Seen) -> bool {
        let Some(value) = seen.header("authorization") else {
            return false;
        };
        match self {
            Kind::OAuth2 | Kind::ClientCredentials => {
                value.starts_with("Bearer ") && value.len() > 20
            }
            Kind::OAuth1 => {
                value.starts_with("OAuth ")
                    && value.contains("oauth_signature=\"")
                    && value.contains("oauth_signature_method=\"HMAC-SHA1\"")
            }
        }
    }
}

/// The recording proxy for a client acting with a `kind` token of `set`:
/// see [`recorder_for_keys`].
fn recorder(wiki: &Wiki, kind: Kind, set: &Value) -> Proxy {
    match kind {
        Kind::OAuth1 => recorder_for_keys(wiki, keys(set)),
        Kind::OAuth2 | Kind::ClientCredentials => Proxy::start(wiki.api_url()),
    }
}

/// The recording proxy for a client signing with OAuth 1.0a `keys`.
///
/// An OAuth 1.0a signature covers the URL, and the wiki checks it against
/// its own (`$wgServer`, not the Host header): a request signed for the
/// proxy's address is refused upstream. So this proxy checks each request's
/// signature as the client made it for the proxy's URL (its nonce and
/// timestamp, these `keys`: the whole header must come out the same), and
/// only then signs it again, same nonce and timestamp, for the wiki's URL.
/// A request whose signature is not right goes on unchanged, and the wiki
/// refuses it. [`Proxy::seen`] keeps the client's own header.
fn recorder_for_keys(wiki: &Wiki, keys: OAuth1Keys) -> Proxy {
    let proxy = Proxy::start(wiki.api_url());
    let (from, to) = (origin(&proxy.url), origin(wiki.api_url()));
    proxy.rewrite(move |req| resign(req, &keys, &from, &to));
    proxy
}

/// `http://host:port` of a URL.
fn origin(url: &str) -> String {
    let rest = url.strip_prefix("http://").expect("an http:// url");
    format!("http://{}", rest.split('/').next().unwrap())
}

/// See [`recorder_for_keys`].
fn resign(req: &mut RawRequest, keys: &OAuth1Keys, from: &str, to: &str) {
    let Some(at) = req
        .headers
        .iter()
        .position(|h| h.to_ascii_lowercase().starts_with("authorization: oauth "))
    else {
        return;
    };
    let header = req.headers[at]["authorization:".len()..].trim().to_owned();
    let field = |name: &str| -> Option<String> {
        header["OAuth ".len()..].split(", ").find_map(|f| {
            let value = f.strip_prefix(name)?.strip_prefix("=\"")?;
            Some(value.strip_suffix('"')?.to_owned())
        })
    };
    let (Some(nonce), Some(timestamp)) = (field("oauth_nonce"), field("oauth_timestamp")) else {
        return;
    };
    let Ok(timestamp) = timestamp.parse::<u64>() else {
        return;
    };
    let target = req.line.split_whitespace().nth(1).unwrap_or_default();
    let method = if req.line.starts_with("POST ") {
        Method::Post
    } else {
        Method::Get
    };
    let sign = |origin: &str| {
        let request = Request {
            method,
            url: format!("{origin}{target}"),
            headers: Vec::new(),
            body: req.body.clone(),
            is_write: false,
        };
        let at = SystemTime::UNIX_EPOCH + Duration::from_secs(timestamp);
        oauth1_authorization(&request, keys, &nonce, at)
    };
    if sign(from) == header {
        req.headers[at] = format!("Authorization: {}", sign(to));
    }
}

/// 32 random hex digits.
fn random_hex() -> String {
    use std::hash::{BuildHasher, Hasher};
    (0..2)
        .map(|_| {
            let hasher = std::collections::hash_map::RandomState::new().build_hasher();
            format!("{:016x}", hasher.finish())
        })
        .collect()
}

fn keys(set: &Value) -> OAuth1Keys {
    let k = &set["oauth1"];
    OAuth1Keys::new(
        k["consumer_key"].as_str().unwrap(),
        k["consumer_secret"].as_str().unwrap(),
        k["access_token"].as_str().unwrap(),
        k["access_secret"].as_str().unwrap(),
    )
    .unwrap()
}

/// A client of the wiki through `proxy`, with a User-Agent of its own and a
/// read timeout that stops a hang, not a slow answer.
fn through<D: Driver>(proxy: &Proxy, tag: &str) -> D {
    let mut settings = ClientSettings::new(
        &proxy.url,
        &format!("mwkit-tests/{tag}-{} (tests@mwkit.test)", nonce()),
    );
    settings.read_timeout = Duration::from_secs(15);
    D::build(settings).unwrap()
}

fn email_post(seen: &Seen) -> bool {
    seen.has("action=emailuser")
}

/// Whether `seen` went to the token endpoint (`rest.php/oauth2/access_token`).
fn token_fetch(seen: &Seen) -> bool {
    seen.path().ends_with("/rest.php/oauth2/access_token")
}

/// Whether `seen` is the read that learns the account under the token
/// (`meta=userinfo|tokens`, which cannot assert a user not yet known).
fn confirming_read(seen: &Seen) -> bool {
    seen.has("meta=userinfo%7Ctokens") && seen.has("uiprop=rights")
}

/// The requests, their headers left out (they carry the token): for
/// failure messages.
fn summaries(seen: &[Seen]) -> Vec<String> {
    seen.iter().map(Seen::summary).collect()
}

/// Checks what a client acting with a `kind` token sent: no login or
/// logout of any sort; every api.php request carries the token's
/// `Authorization` header, and every one but the confirming read asserts
/// `owner` (by name, but for the reads whose answer names the account,
/// which assert `assert=user`); the token endpoint (client_credentials only) gets the client's
/// id and secret in its body, and neither a cookie nor an `Authorization`
/// header. Returns how many token fetches there were.
fn check_requests(seen: &[Seen], kind: Kind, owner: &str) -> usize {
    let all = summaries(seen);
    let logins: Vec<&Seen> = seen
        .iter()
        .filter(|s| {
            [
                "action=login",
                "action=clientlogin",
                "action=logout",
                "type=login",
            ]
            .iter()
            .any(|p| s.has(p))
        })
        .collect();
    assert!(
        logins.is_empty(),
        "no login or logout under a token: {:#?}",
        summaries(&logins.into_iter().cloned().collect::<Vec<_>>())
    );
    let assertuser = format!("assertuser={owner}");
    for s in seen {
        if token_fetch(s) {
            assert_eq!(kind, Kind::ClientCredentials, "a token fetch: {all:#?}");
            assert!(s.line.starts_with("POST "), "{}", s.summary());
            assert!(s.has("grant_type=client_credentials"), "{}", s.summary());
            assert!(
                s.header("authorization").is_none() && s.cookies().is_empty(),
                "the token endpoint gets the id and secret alone: {}",
                s.summary()
            );
            continue;
        }
        assert_eq!(s.path(), "/api.php", "{all:#?}");
        assert!(
            kind.authorized(s),
            "every request carries the {kind:?} Authorization header: {}",
            s.summary()
        );
        if !confirming_read(s) {
            // By name, but for the reads whose answer names the account
            // (`meta=userinfo`: the options read, `emailable`), which the
            // client checks.
            let named_read =
                s.has("meta=userinfo") && (s.has("uiprop=options") || s.has("list=users"));
            assert!(
                s.has("assert=user") && s.has(&assertuser) != named_read,
                "every request asserts {owner}: {}",
                s.summary()
            );
        }
    }
    seen.iter().filter(|s| token_fetch(s)).count()
}

/// The error's `LoginError`, which must be of kind `OAuthInvalid`, its
/// table name `oauth_invalid`, and not a write in doubt.
fn assert_oauth_invalid(err: &Error, what: &str) {
    let Error::Login(login) = err else {
        panic!("{what}: a login error of kind OAuthInvalid, not {err:?}")
    };
    assert_eq!(login.kind, LoginFailure::OAuthInvalid, "{what}: {err:?}");
    assert_eq!(err.code().name, "oauth_invalid", "{what}: {err:?}");
    assert!(!err.outcome_unknown(), "{what}: nothing acted: {err:?}");
}

/// The user name of the mail's sender, from its Reply-To: `Name <address>`.
fn replied_to(mail: &Value) -> &str {
    let reply_to = mail["reply_to"].as_str().unwrap_or_default();
    reply_to.split(" <").next().unwrap_or_default()
}

/// With a `kind` token: the user is the owner, one email gives one mail
/// (sent by the owner), an option changed reads back, every request is
/// asserted and none is a login or a logout, and logging out sends
/// nothing and forgets the token.
fn acts_as_the_owner<D: Driver>(kind: Kind, test: &str) {
    let wiki = Wiki::get();
    let Some(oauth) = wiki.oauth(&D::test_name("oauth", test)) else {
        return;
    };
    let owner = oauth["owner"].as_str().unwrap();
    let set = consumers(&wiki, kind, oauth);
    let proxy = recorder(&wiki, kind, &set);
    let client = through::<D>(&proxy, &format!("oauth-{}", kind.name()));

    let info = kind.login(&client, &set).unwrap();
    assert_eq!(info.account.name, owner);
    assert_eq!(
        client.account().map(|a| a.name).as_deref(),
        Some(owner),
        "the client knows its account"
    );
    assert_eq!(
        proxy.requests(),
        if kind == Kind::ClientCredentials {
            2
        } else {
            1
        },
        "one read learns the account (after the client's token fetch): {:#?}",
        summaries(&proxy.seen())
    );

    let subject = format!("mwkit {} {}", kind.name(), nonce());
    let sent = client
        .email_user(&EmailUser::new(
            wiki.name("recipient"),
            subject.as_str(),
            "sent with an OAuth token",
        ))
        .unwrap();
    assert_eq!(sent.result, EmailResult::Success);
    let mails = wiki.wait_for_mails(&subject, 1);
    assert_eq!(mails.len(), 1, "exactly one mail");
    assert_eq!(replied_to(&mails[0]), owner, "sent by the owner");
    assert_eq!(
        mails[0]["rcpt_to"],
        serde_json::json!([wiki.email("recipient")])
    );

    // An option of this driver's and kind's own: the runs of the other
    // drivers, kinds and languages set theirs at the same time.
    let option = format!("userjs-mwkit-oauth-rust-{}-{}", D::tag(), kind.name());
    let value = format!("set-{}", nonce());
    let changed = client
        .change_options(&OptionsChange::new().set(option.as_str(), value.as_str()))
        .unwrap();
    assert!(changed.rejected.is_empty(), "{changed:?}");
    let read = client.options().unwrap();
    assert!(!read.anonymous);
    assert_eq!(read.user, owner);
    assert_eq!(
        read.options.get(&option),
        Some(&value),
        "the change reads back"
    );

    let seen = proxy.seen();
    let fetches = check_requests(&seen, kind, owner);
    assert_eq!(
        fetches,
        usize::from(kind == Kind::ClientCredentials),
        "{:#?}",
        summaries(&seen)
    );
    assert_eq!(
        seen.len(),
        4 + fetches,
        "the confirming read (with the csrf token), the email, the change and the read: {:#?}",
        summaries(&seen)
    );

    // Logging out forgets the token and sends nothing (the wiki refuses
    // action=logout under a token); the next read is anonymous, sent bare.
    let before = proxy.requests();
    client.logout().unwrap();
    assert!(client.account().is_none());
    assert_eq!(
        proxy.requests(),
        before,
        "a logout under a token sends nothing"
    );
    let read = client.options().unwrap();
    assert!(read.anonymous, "{read:?}");
    let after = proxy.seen()[before..].to_vec();
    assert_eq!(after.len(), 1, "{:#?}", summaries(&after));
    assert!(
        after[0].header("authorization").is_none() && !after[0].has("assert=user"),
        "after the logout, no token: {}",
        after[0].summary()
    );
}

pub fn an_oauth2_token_acts_as_its_owner_one_mail_and_an_option_that_reads_back<D: Driver>() {
    acts_as_the_owner::<D>(
        Kind::OAuth2,
        "an_oauth2_token_acts_as_its_owner_one_mail_and_an_option_that_reads_back",
    );
}

pub fn oauth1_keys_act_as_their_owner_one_mail_and_an_option_that_reads_back<D: Driver>() {
    acts_as_the_owner::<D>(
        Kind::OAuth1,
        "oauth1_keys_act_as_their_owner_one_mail_and_an_option_that_reads_back",
    );
}

pub fn client_credentials_act_as_the_owner_one_mail_and_an_option_that_reads_back<D: Driver>() {
    acts_as_the_owner::<D>(
        Kind::ClientCredentials,
        "client_credentials_act_as_the_owner_one_mail_and_an_option_that_reads_back",
    );
}

pub fn garbage_tokens_keys_and_secrets_are_oauth_invalid_after_one_request<D: Driver>() {
    let wiki = Wiki::get();
    let Some(oauth) = wiki.oauth(&D::test_name(
        "oauth",
        "garbage_tokens_keys_and_secrets_are_oauth_invalid_after_one_request",
    )) else {
        return;
    };
    let garbage = |what: &str| format!("{what}{}", nonce().repeat(2));
    let k = &oauth["oauth1"];
    let cases: Vec<(&str, Kind, Option<OAuth1Keys>)> = vec![
        ("a garbage OAuth 2 token", Kind::OAuth2, None),
        (
            "OAuth 1.0a keys of no consumer",
            Kind::OAuth1,
            Some(
                OAuth1Keys::new(&garbage("ck"), garbage("cs"), &garbage("tk"), garbage("ts"))
                    .unwrap(),
            ),
        ),
        (
            "OAuth 1.0a keys with a wrong consumer secret",
            Kind::OAuth1,
            Some(
                OAuth1Keys::new(
                    k["consumer_key"].as_str().unwrap(),
                    garbage("wrong-secret-"),
                    k["access_token"].as_str().unwrap(),
                    k["access_secret"].as_str().unwrap(),
                )
                .unwrap(),
            ),
        ),
        (
            "a client_credentials client with a wrong secret",
            Kind::ClientCredentials,
            None,
        ),
    ];
    for (what, kind, keys) in cases {
        // An OAuth 1.0a client's proxy signs for the wiki with the keys the
        // client has: the wiki refuses them for what they are.
        let proxy = match &keys {
            Some(keys) => recorder_for_keys(&wiki, keys.clone()),
            None => Proxy::start(wiki.api_url()),
        };
        let client = through::<D>(&proxy, &format!("oauth-garbage-{}", kind.name()));
        let err = match (kind, keys) {
            (Kind::OAuth1, Some(keys)) => client.login_oauth1(keys),
            (Kind::ClientCredentials, _) => client.login_oauth2_client(
                oauth["client_credentials"]["client_id"].as_str().unwrap(),
                &garbage("wrong-secret-"),
            ),
            _ => client.login_oauth2(&garbage("not-a-token-")),
        }
        .unwrap_err();
        assert_oauth_invalid(&err, what);
        assert!(client.account().is_none(), "{what}: no account");
        let seen = proxy.seen();
        assert_eq!(
            seen.len(),
            1,
            "{what}: one request, never sent again: {:#?}",
            summaries(&seen)
        );
        if kind == Kind::ClientCredentials {
            assert!(token_fetch(&seen[0]), "{what}: {:#?}", summaries(&seen));
        } else {
            assert!(confirming_read(&seen[0]), "{what}: {:#?}", summaries(&seen));
            assert!(kind.authorized(&seen[0]), "{what}: {}", seen[0].summary());
        }
    }
}

/// With a fresh set of consumers, a client of each kind acts as the owner;
/// then `end` makes every consumer's tokens invalid (disables the
/// consumers, or revokes the owner's grants), and an email is
/// `oauth_invalid`: it was sent once, refused, never sent again with the
/// same token, and no mail arrived. A confidential client fetches a new
/// token once, which the wiki refuses too.
fn a_token_made_invalid_is_refused<D: Driver>(test: &str, how: &str, end: impl Fn(&Wiki, &str)) {
    let wiki = Wiki::get();
    let Some(oauth) = wiki.oauth(&D::test_name("oauth", test)) else {
        return;
    };
    let owner = oauth["owner"].as_str().unwrap();
    let set = wiki.oauth_new();
    let clients: Vec<(Kind, Proxy, D)> = KINDS
        .into_iter()
        .map(|kind| {
            let proxy = recorder(&wiki, kind, &set);
            let client = through::<D>(&proxy, &format!("oauth-{how}-{}", kind.name()));
            let info = kind.login(&client, &set).unwrap();
            assert_eq!(info.account.name, owner);
            (kind, proxy, client)
        })
        .collect();
    for kind in KINDS {
        end(&wiki, kind.consumer(&set));
    }
    for (kind, proxy, client) in &clients {
        let before = proxy.requests();
        let subject = format!("mwkit {how} {} {}", kind.name(), nonce());
        let err = client
            .email_user(&EmailUser::new(
                wiki.name("recipient"),
                subject.as_str(),
                "never",
            ))
            .unwrap_err();
        assert_oauth_invalid(&err, &format!("{how} {kind:?}"));
        let seen = proxy.seen()[before..].to_vec();
        let emails = seen.iter().filter(|s| email_post(s)).count();
        // A confidential client whose token outlived its lifetime (a slow,
        // loaded machine: the wiki's tokens last 20 s) renews it before the
        // email; the wiki refuses the new token at its confirming read, and
        // the email is never sent at all. Otherwise the email goes once,
        // refused, and is never sent again.
        let renewed_first =
            *kind == Kind::ClientCredentials && seen.first().is_some_and(token_fetch);
        assert_eq!(
            emails,
            usize::from(!renewed_first),
            "{how} {kind:?}: the email was sent at most once and never again: {:#?}",
            summaries(&seen)
        );
        let fetches = seen.iter().filter(|s| token_fetch(s)).count();
        assert_eq!(
            fetches,
            usize::from(*kind == Kind::ClientCredentials),
            "{how} {kind:?}: a confidential client fetches a new token once: {:#?}",
            summaries(&seen)
        );
        // The new token, when the wiki gives one, is refused at its
        // confirming read.
        let others: Vec<&Seen> = seen
            .iter()
            .filter(|s| !email_post(s) && !token_fetch(s))
            .collect();
        assert!(
            others.len() <= fetches && others.iter().all(|s| confirming_read(s)),
            "{how} {kind:?}: {:#?}",
            summaries(&seen)
        );
        assert!(
            wiki.wait_for_mails(&subject, 0).is_empty(),
            "{how} {kind:?}: no mail"
        );
        check_requests(&proxy.seen(), *kind, owner);
    }
}

pub fn a_disabled_consumers_token_is_oauth_invalid_and_the_email_is_sent_once<D: Driver>() {
    a_token_made_invalid_is_refused::<D>(
        "a_disabled_consumers_token_is_oauth_invalid_and_the_email_is_sent_once",
        "disabled",
        |wiki, key| wiki.oauth_disable(key),
    );
}

pub fn a_revoked_token_is_oauth_invalid_and_the_email_is_sent_once<D: Driver>() {
    a_token_made_invalid_is_refused::<D>(
        "a_revoked_token_is_oauth_invalid_and_the_email_is_sent_once",
        "revoked",
        |wiki, key| wiki.oauth_revoke(key),
    );
}

/// For a `client_credentials` scenario named `test`: the wiki, the
/// owner, how long the wiki's tokens last (s), and a fresh consumer set;
/// None (with one line) when the wiki has no OAuth.
fn client_credentials_scenario<D: Driver>(test: &str) -> Option<(Wiki, String, u64, Value)> {
    let wiki = Wiki::get();
    let oauth = wiki.oauth(&D::test_name("oauth", test))?;
    let owner = oauth["owner"].as_str().unwrap().to_owned();
    let lifetime = oauth["client_credentials"]["lifetime_seconds"]
        .as_u64()
        .unwrap();
    let set = consumers(&wiki, Kind::ClientCredentials, oauth);
    Some((wiki, owner, lifetime, set))
}

/// How long [`a_client_credentials_session_outlives_its_tokens_lifetime`]
/// runs: half as long again as the test wiki's 20 s tokens.
const LONG_RUN: Duration = Duration::from_secs(30);

pub fn a_client_credentials_session_outlives_its_tokens_lifetime<D: Driver>() {
    // Calls spread over 30 s with tokens that last 20 s: the client fetches
    // a new token before the old one expires, without the caller noticing,
    // and no request is ever refused (each call costs one request; each
    // token one fetch and one confirming read).
    let Some((wiki, owner, lifetime, set)) = client_credentials_scenario::<D>(
        "a_client_credentials_session_outlives_its_tokens_lifetime",
    ) else {
        return;
    };
    let owner = owner.as_str();
    assert!(
        Duration::from_secs(lifetime) < LONG_RUN,
        "the wiki's tokens last {lifetime} s: the run would not outlive one"
    );
    let proxy = Proxy::start(wiki.api_url());
    let client = through::<D>(&proxy, "oauth-long-run");
    Kind::ClientCredentials.login(&client, &set).unwrap();
    let started = Instant::now();
    let option = format!("userjs-mwkit-oauth-rust-{}-long-run", D::tag());
    let mut calls = 0;
    let mut step = 0;
    while started.elapsed() < LONG_RUN {
        std::thread::sleep(Duration::from_secs(3));
        step += 1;
        match step % 3 {
            0 => {
                let value = format!("{step}-{}", nonce());
                client
                    .change_options(&OptionsChange::new().set(option.as_str(), value.as_str()))
                    .unwrap_or_else(|e| panic!("at {:?}: {e:?}", started.elapsed()));
                let read = client.options().unwrap();
                assert_eq!(read.user, owner);
                assert_eq!(read.options.get(&option), Some(&value));
                calls += 2;
            }
            1 => {
                let report = client
                    .emailable(&[wiki.name("recipient")])
                    .unwrap_or_else(|e| panic!("at {:?}: {e:?}", started.elapsed()));
                assert!(report.entries[0].status.is_emailable());
                // The session's first also reads the wiki's siteinfo (how
                // it folds names), once.
                calls += if step == 1 { 2 } else { 1 };
            }
            _ => {
                let read = client
                    .options()
                    .unwrap_or_else(|e| panic!("at {:?}: {e:?}", started.elapsed()));
                assert!(!read.anonymous);
                assert_eq!(read.user, owner);
                calls += 1;
            }
        }
    }
    let subject = format!("mwkit long run {}", nonce());
    client
        .email_user(&EmailUser::new(
            wiki.name("recipient"),
            subject.as_str(),
            "after the first token expired",
        ))
        .unwrap();
    calls += 1;
    assert_eq!(wiki.wait_for_mails(&subject, 1).len(), 1);

    let seen = proxy.seen();
    let fetches = check_requests(&seen, Kind::ClientCredentials, owner);
    assert!(
        fetches >= 2,
        "the token was renewed within {LONG_RUN:?}: {:#?}",
        summaries(&seen)
    );
    let mut tokens: Vec<&str> = seen
        .iter()
        .filter_map(|s| s.header("authorization"))
        .collect();
    tokens.dedup();
    assert_eq!(
        tokens.len(),
        fetches,
        "each token fetched was used, one after the other"
    );
    assert_eq!(
        seen.len(),
        calls + 2 * fetches,
        "one request a call, one fetch and one confirming read a token: nothing refused: {:#?}",
        summaries(&seen)
    );
}

pub fn no_token_or_secret_shows_in_debug_display_errors_or_trace_logs<D: Driver>() {
    let wiki = Wiki::get();
    let Some(oauth) = wiki.oauth(&D::test_name(
        "oauth",
        "no_token_or_secret_shows_in_debug_display_errors_or_trace_logs",
    )) else {
        return;
    };
    // Consumers of its own (see [`consumers`]), shaped as wiki.json's.
    let fresh = wiki.oauth_new();
    assert_eq!(fresh["owner"], oauth["owner"]);
    let oauth = &fresh;
    let capture = logs::capture();
    let mut proxies: Vec<Proxy> = Vec::new();
    // Random: a nonce shares its leading digits (the time) with the
    // User-Agents of the same run, which the logs do show.
    let garbage_token = format!("garbage-token-{}", random_hex());
    let garbage_secret = format!("garbage-secret-{}", random_hex());
    let mut shown: Vec<String> = Vec::new();
    let show_err = |shown: &mut Vec<String>, err: &Error| {
        shown.extend([format!("{err}"), format!("{err:?}")]);
        shown.extend(err.warnings().iter().map(|w| format!("{w:?}")));
    };

    for kind in KINDS {
        let proxy = recorder(&wiki, kind, oauth);
        let client = through::<D>(&proxy, &format!("oauth-secrets-{}", kind.name()));
        proxies.push(proxy);
        shown.push(client.debug());
        let info = kind.login(&client, oauth).unwrap();
        shown.extend([format!("{info:?}"), client.debug()]);
        let read = client.options().unwrap();
        shown.push(format!("{:?}", read.warnings));
        // A refusal under the token, with its message and warnings.
        let err = client
            .email_user(&EmailUser::new(wiki.name("no_address"), "never", "never"))
            .unwrap_err();
        show_err(&mut shown, &err);
        shown.push(client.debug());
        client.logout().unwrap();
        shown.push(client.debug());
    }
    let proxy = Proxy::start(wiki.api_url());
    let client = through::<D>(&proxy, "oauth-secrets-garbage");
    let err = client.login_oauth2(garbage_token.as_str()).unwrap_err();
    show_err(&mut shown, &err);
    let err = client
        .login_oauth2_client(
            oauth["client_credentials"]["client_id"].as_str().unwrap(),
            garbage_secret.as_str(),
        )
        .unwrap_err();
    show_err(&mut shown, &err);
    let k = &oauth["oauth1"];
    let wrong = OAuth1Keys::new(
        k["consumer_key"].as_str().unwrap(),
        garbage_secret.as_str(),
        k["access_token"].as_str().unwrap(),
        k["access_secret"].as_str().unwrap(),
    )
    .unwrap();
    proxies.push(proxy);
    let proxy = recorder_for_keys(&wiki, wrong.clone());
    let client = through::<D>(&proxy, "oauth-secrets-garbage-keys");
    proxies.push(proxy);
    let err = client.login_oauth1(wrong).unwrap_err();
    show_err(&mut shown, &err);
    shown.extend([
        client.debug(),
        format!("{:?}", keys(oauth)),
        format!("{:?}", Token::new(oauth["oauth2_token"].as_str().unwrap())),
        format!(
            "{:?} {}",
            Password::new(garbage_secret.as_str()),
            Password::new(garbage_secret.as_str())
        ),
    ]);

    // The secrets: the token, the keys' secrets and access token, the
    // client's secret, the garbage ones, and the client_credentials tokens
    // the wiki gave (read off the wire by the proxy).
    let mut secrets: Vec<String> = vec![
        oauth["oauth2_token"].as_str().unwrap().to_owned(),
        k["consumer_secret"].as_str().unwrap().to_owned(),
        k["access_token"].as_str().unwrap().to_owned(),
        k["access_secret"].as_str().unwrap().to_owned(),
        oauth["client_credentials"]["client_secret"]
            .as_str()
            .unwrap()
            .to_owned(),
        garbage_token.clone(),
        garbage_secret.clone(),
    ];
    let seen: Vec<Seen> = proxies.iter().flat_map(Proxy::seen).collect();
    for s in &seen {
        if let Some(bearer) = s
            .header("authorization")
            .and_then(|v| v.strip_prefix("Bearer "))
        {
            if !secrets.iter().any(|t| t == bearer) {
                secrets.push(bearer.to_owned());
            }
        }
    }
    assert!(
        secrets.len() >= 8,
        "a client_credentials token was seen on the wire"
    );
    // The secrets did travel, where they belong.
    let wire: String = seen
        .iter()
        .map(|s| format!("{}\n{}\n{}\n", s.line, s.headers.join("\n"), s.body))
        .collect();
    assert!(
        wire.contains(&secrets[0]) && wire.contains(&secrets[4]),
        "the token and the client secret were sent"
    );

    let short = |secret: &str| secret.chars().take(12).collect::<String>();
    // Each secret's every piece of 12 characters.
    let pieces: Vec<(&str, &str)> = secrets
        .iter()
        .flat_map(|s| {
            (0..=s.len().saturating_sub(12))
                .filter_map(move |i| s.get(i..i + 12).map(|p| (s.as_str(), p)))
        })
        .collect();
    for text in &shown {
        for (secret, piece) in &pieces {
            assert!(
                !text.contains(piece),
                "formatted output shows (a piece of) a secret ({}...): {text}",
                short(secret)
            );
        }
    }
    let lines = capture.lines();
    drop(capture);
    let own = if D::tag() == "blocking" {
        " mw_ureq"
    } else {
        " mw_reqwest"
    };
    assert!(
        lines.iter().any(|l| l.contains(own)),
        "the client's own lines were captured"
    );
    // ureq's trace-level dump of the wire bytes, 16 a row, is the
    // documented exception (mw-ureq's crate docs): every other line, of
    // every crate, at every level, is free of the secrets, and of any piece
    // of 12 characters of one.
    let wire_dump = |line: &String| line.starts_with("TRACE ureq_proto::util ");
    if D::tag() == "blocking" {
        let row_of_a_secret = |line: &String| {
            let ascii = &line[line.len().saturating_sub(16)..];
            secrets.iter().any(|s| s.contains(ascii))
        };
        assert!(
            lines.iter().any(|l| wire_dump(l) && row_of_a_secret(l)),
            "trace level was captured: the documented exception shows the secrets sent"
        );
    }
    for line in lines.iter().filter(|l| !wire_dump(l)) {
        for (secret, piece) in &pieces {
            assert!(
                !line.contains(piece),
                "a log line shows (a piece of) a secret ({}...): {line}",
                short(secret)
            );
        }
    }
}

/// How long each session of
/// [`sessions_of_one_confidential_client_share_its_token`] waits between
/// its mails: five mails span 20 s, past the renewal of the test wiki's
/// 20 s tokens (at three quarters of their life).
const SHARED_PAUSE: Duration = Duration::from_secs(5);

pub fn sessions_of_one_confidential_client_share_its_token<D: Driver>() {
    // The wiki keeps one session per consumer: a token of its own for each
    // session of the process would end the others' csrf tokens (before
    // sharing, 3 to 8 mails of 20 went out, the rest `bad_token`). Four
    // sessions on one client, five mails each, all at once, across a
    // renewal: every mail goes out, once, and the process fetches one
    // token per lifetime, not one per session.
    let Some((wiki, owner, lifetime, set)) =
        client_credentials_scenario::<D>("sessions_of_one_confidential_client_share_its_token")
    else {
        return;
    };
    let owner = owner.as_str();
    assert!(
        Duration::from_secs(lifetime * 3 / 4) < SHARED_PAUSE * 4,
        "the wiki's tokens last {lifetime} s: the run would not cross a renewal"
    );
    let proxy = Proxy::start(wiki.api_url());
    let clients: Vec<D> = (0..4)
        .map(|i| through::<D>(&proxy, &format!("oauth-shared-{i}")))
        .collect();
    let started = Instant::now();
    std::thread::scope(|scope| {
        let logins: Vec<_> = clients
            .iter()
            .map(|c| scope.spawn(|| Kind::ClientCredentials.login(c, &set)))
            .collect();
        for login in logins {
            assert_eq!(login.join().unwrap().unwrap().account.name, owner);
        }
    });
    let run = nonce();
    let recipient = wiki.name("recipient");
    let emails: Vec<Vec<EmailUser>> = (0..4)
        .map(|s| {
            (0..5)
                .map(|m| {
                    EmailUser::new(
                        recipient,
                        format!("mwkit shared {run} s{s} m{m}").as_str(),
                        "one of twenty",
                    )
                })
                .collect()
        })
        .collect();
    let results = D::sessions_email_at_once(&clients, &emails, SHARED_PAUSE);
    let elapsed = started.elapsed();
    let failed: Vec<String> = results
        .iter()
        .flatten()
        .filter_map(|r| r.as_ref().err().map(|e| format!("{e:?}")))
        .collect();
    assert!(
        failed.is_empty(),
        "{} of 20 failed: {failed:#?}",
        failed.len()
    );
    for r in results.iter().flatten() {
        assert_eq!(r.as_ref().unwrap().result, EmailResult::Success);
    }
    for s in 0..4 {
        for m in 0..5 {
            let subject = format!("mwkit shared {run} s{s} m{m}");
            assert_eq!(wiki.wait_for_mails(&subject, 1).len(), 1, "{subject}");
        }
    }
    let prefix = format!("mwkit shared {run} ");
    assert_eq!(
        wiki.mails(|s| s.starts_with(&prefix)).len(),
        20,
        "each mail exactly once"
    );

    let seen = proxy.seen();
    let fetches = check_requests(&seen, Kind::ClientCredentials, owner);
    let per_token = lifetime * 3 / 4;
    assert!(
        fetches >= 2,
        "the run crossed a renewal ({elapsed:?}): {:#?}",
        summaries(&seen)
    );
    assert!(
        fetches as u64 <= 1 + elapsed.as_secs() / per_token,
        "one fetch per token's life for the process, not one per session ({fetches} in \
         {elapsed:?}): {:#?}",
        summaries(&seen)
    );
    // A write refused `badtoken` (the token changed under it) is sent once
    // more; none is sent a third time.
    let posts = seen.iter().filter(|s| email_post(s)).count();
    assert!(
        (20..=40).contains(&posts),
        "{posts} email requests for 20 mails"
    );
}
