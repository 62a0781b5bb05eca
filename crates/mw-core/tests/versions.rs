//! Every recorded answer of the MediaWiki versions the project runs, 1.39,
//! 1.43 and 1.45, through mw-core: each one parses, every error MediaWiki
//! gave maps to a kind of its own (none is `other`), and a case recorded on
//! two versions next to each other ends the same way on both, apart from the
//! differences the version table of docs/guides/versions.md lists.
//!
//! The folders: `fixtures/reference-VERSION/` (answers captured on a fresh
//! wiki of each version, the same accounts and settings, body as JSON) and
//! `fixtures/live-VERSION/` (recorded from the project's test wiki by
//! `fixtures/record`, body as text).
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::SystemTime;

use mw_core::*;
use serde_json::Value;

mod common;

fn drive<T: CallOutput>(
    session: &mut Session,
    call: &mut Call<T>,
    answers: &mut Vec<Response>,
) -> (Vec<common::Sent>, Result<T, Error>) {
    common::drive(session, call, answers, SystemTime::UNIX_EPOCH)
}

const VERSIONS: [&str; 3] = ["1.39", "1.43", "1.45"];
const FOLDERS: [&str; 2] = ["reference", "live"];

/// Cases whose answers differ between 1.39 and 1.43, and why. Each is in
/// the version table of docs/guides/versions.md.
const DIFFERENCES_1_43: &[(&str, &str)] = &[
    (
        "emailuser_ratelimited",
        "1.43's API path for emailuser never applies the sendemail rate limit: the mail is sent",
    ),
    (
        "emailuser_blocked",
        "1.39 says blockedemailuser and 1.43 blocked for the same sitewide block: the email \
         call asks for the block's details (see the block tests below)",
    ),
    ("emailuser_blockedemailuser", "as emailuser_blocked"),
    ("emailuser_blocked_email_only", "as emailuser_blocked"),
    (
        "options_get",
        "1.43 has more default options (110, not 94) and another default skin",
    ),
    ("userinfo_options", "as options_get"),
];

/// Cases whose answers differ between 1.43 and 1.45, and why. Each is in
/// the version table of docs/guides/versions.md. (The blocked sender's `blocked` error also
/// carries the block's details from 1.45 on, `data.blockinfo`: its outcome
/// is the same, and the block tests below show that 1.45 needs no read.)
const DIFFERENCES_1_45: &[(&str, &str)] = &[
    (
        "options_get",
        "1.45 has 113 default options, not 110 (four watch-expiry options added, \
         minerva-theme gone with the MinervaNeue skin)",
    ),
    ("userinfo_options", "as options_get"),
    (
        "emailuser_blocked_email_only",
        "1.45's blocked error carries data.blockinfo, so the answer alone says the block is \
         email-only; 1.43's needs the block read (the whole email call ends \
         blocked_from_email on both: see the block tests below)",
    ),
];

/// Cases that differ between two versions, each with why.
type Differences = &'static [(&'static str, &'static str)];

/// The versions next to each other, and what differs between them.
const STEPS: [(&str, &str, Differences); 2] = [
    ("1.39", "1.43", DIFFERENCES_1_43),
    ("1.43", "1.45", DIFFERENCES_1_45),
];

struct Recorded {
    name: String,
    params: BTreeMap<String, String>,
    resp: Response,
}

fn folder(kind: &str, version: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(format!("{kind}-{version}"))
}

fn load(path: &Path) -> Recorded {
    let v: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap())
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let params = v["request"]["params"]
        .as_object()
        .map(|p| {
            p.iter()
                .map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_owned()))
                .collect()
        })
        .unwrap_or_default();
    Recorded {
        name: path.file_stem().unwrap().to_string_lossy().into_owned(),
        params,
        resp: common::response_of(&v),
    }
}

fn load_all(kind: &str, version: &str) -> Vec<Recorded> {
    let mut paths: Vec<PathBuf> = std::fs::read_dir(folder(kind, version))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    paths.sort();
    paths.iter().map(|p| load(p)).collect()
}

/// How a failure ends, as the bindings name it: the table's name.
fn failure(err: &Error) -> String {
    err.code().name.to_owned()
}

/// What mw-core makes of one recorded answer, as a short text: `ok`, the
/// failure's name, or a login's result.
fn outcome(r: &Recorded) -> String {
    let param = |k: &str| r.params.get(k).map(String::as_str).unwrap_or_default();
    let ended = |res: Result<(), Error>| res.map_or_else(|e| failure(&e), |()| "ok".to_owned());
    match param("action") {
        "emailuser" => ended(parse_email_user(&r.resp).map(drop)),
        "resetpassword" => ended(parse_reset_password(&r.resp).map(drop)),
        "query" if param("meta").contains("tokens") && !param("meta").contains("userinfo") => {
            ended(parse_tokens(&r.resp).map(drop))
        }
        "query" if param("uiprop").contains("options") => {
            ended(parse_read_options(&r.resp).map(drop))
        }
        "login" | "clientlogin" => match parse_raw(&r.resp) {
            Ok(reply) => {
                let body = &reply.json[param("action")];
                let result = body["result"].as_str().or(body["status"].as_str());
                let code = body["reason"]["code"]
                    .as_str()
                    .or(body["messagecode"].as_str())
                    .unwrap_or_default();
                format!("login {} {code}", result.expect("a login result"))
            }
            Err(e) => failure(&e),
        },
        _ => ended(parse_raw(&r.resp).map(drop)),
    }
}

#[test]
fn every_recorded_answer_of_every_version_parses_and_every_error_has_a_kind() {
    let mut seen = 0;
    // The two-factor answers of 1.43 with OATHAuth too.
    let folders = VERSIONS
        .iter()
        .flat_map(|v| FOLDERS.iter().map(move |k| (*k, *v)))
        .chain([("reference", "1.43-oathauth")]);
    for (kind, version) in folders {
        {
            for r in load_all(kind, version) {
                seen += 1;
                let out = outcome(&r);
                let header = r.resp.header("mediawiki-api-error").map(str::to_owned);
                assert!(
                    !matches!(out.as_str(), "other" | "decode" | "unclassified"),
                    "{kind}-{version}/{}: {out}",
                    r.name
                );
                // MediaWiki's own error answers name their code in a header.
                if let Some(code) = header {
                    let err = parse_raw(&r.resp).expect_err(&r.name);
                    match err {
                        Error::Api(api) => assert_eq!(api.code, code, "{}", r.name),
                        other => panic!("{}: {other:?}", r.name),
                    }
                }
            }
        }
    }
    assert!(seen > 220, "only {seen} answers found");
}

#[test]
fn a_case_recorded_on_two_versions_next_to_each_other_ends_the_same_way() {
    for (from, to, differences) in STEPS {
        let mut compared = 0;
        for kind in FOLDERS {
            let old: BTreeMap<String, String> = load_all(kind, from)
                .iter()
                .map(|r| (r.name.clone(), outcome(r)))
                .collect();
            for r in load_all(kind, to) {
                let Some(before) = old.get(&r.name) else {
                    continue;
                };
                let now = outcome(&r);
                if let Some((_, why)) = differences.iter().find(|(n, _)| *n == r.name) {
                    eprintln!(
                        "{kind}/{}: {before} on {from}, {now} on {to} ({why})",
                        r.name
                    );
                    continue;
                }
                assert_eq!(&now, before, "{kind}/{} ({from} -> {to})", r.name);
                compared += 1;
            }
        }
        assert!(
            compared > 60,
            "{from} -> {to}: only {compared} cases compared"
        );
    }
}

/// The listed differences are real: each listed case was recorded on both
/// versions of its step, and its answers do differ (an entry that no longer
/// differs would hide a later change).
#[test]
fn every_listed_difference_is_recorded_and_differs() {
    for (from, to, differences) in STEPS {
        for (name, why) in differences {
            let mut found = false;
            for kind in FOLDERS {
                let (a, b) = (folder(kind, from), folder(kind, to));
                let (a, b) = (
                    a.join(format!("{name}.json")),
                    b.join(format!("{name}.json")),
                );
                if !(a.exists() && b.exists()) {
                    continue;
                }
                found = true;
                let (a, b) = (load(&a), load(&b));
                assert_ne!(
                    a.resp.body, b.resp.body,
                    "{kind}/{name}: listed as differing from {from} to {to} ({why}), but the same"
                );
            }
            assert!(
                found,
                "{name}: listed for {from} -> {to} but recorded on neither"
            );
        }
    }
}

#[test]
fn the_renamed_email_codes_of_1_43_have_the_kinds_of_1_39() {
    for (old, new, kind) in [
        ("emailuser_notarget", "emailuser_notarget", "no_target"),
        ("emailuser_noemail", "emailuser_noemail", "no_email"),
        (
            "emailuser_nowikiemail",
            "emailuser_nowikiemail",
            "no_wiki_email",
        ),
        ("emailuser_loggedout", "emailuser_loggedout", "cant_send"),
    ] {
        let a = load(&folder("reference", "1.39").join(format!("{old}.json")));
        let b = load(&folder("reference", "1.43").join(format!("{new}.json")));
        assert_eq!(outcome(&a), kind, "1.39 {old}");
        assert_eq!(outcome(&b), kind, "1.43 {new}");
    }
    // And the spellings of 1.41+ that the captures do not hold.
    for (code, kind) in [
        ("mailnologin", "cant_send"),
        ("hookaborted", "hook_aborted"),
        ("usermaildisabled", "user_mail_disabled"),
        ("autoblocked", "blocked"),
        ("baduser_target", "no_target"),
    ] {
        assert_eq!(
            ErrorKind::from_code(code, None).name(),
            kind,
            "{code} should be {kind}"
        );
    }
}

// ---- blocks: the email call asks what the block covers ----------------------

/// The versions whose block error does not say what the block covers, so
/// that the email call reads it (`meta=userinfo&uiprop=blockinfo`).
const BLOCK_READ_VERSIONS: [&str; 2] = ["1.39", "1.43"];

fn live(version: &str, name: &str) -> Response {
    load(&folder("live", version).join(format!("{name}.json"))).resp
}

/// A session logged in with a bot password through `version`'s recorded
/// login answers.
fn logged_in(version: &str) -> Session {
    let api = Api::new("http://127.0.0.1:8080/api.php", "mwkit-tests/0").unwrap();
    let mut session = Session::new(api, SessionConfig::default());
    let mut call = session
        .login("MwkitBlocked@mwkit", Password::new("pw"))
        .unwrap();
    let mut answers = vec![
        live(version, "tokens_csrf_and_login_logged_out"),
        live(version, "login_success_bot_password"),
        live(version, "login_verify_userinfo_and_csrf"),
    ];
    let (_, result) = drive(&mut session, &mut call, &mut answers);
    result.unwrap();
    session
}

/// The email refused for a block, then the block's details: the kind.
fn blocked_email(version: &str, refusal: &str, blockinfo: &str) -> (Vec<common::Sent>, Error) {
    let mut session = logged_in(version);
    let mut call = session
        .email_user(&EmailUser::new("MwkitRecipient", "s", "t"))
        .unwrap();
    let mut answers = vec![live(version, refusal), live(version, blockinfo)];
    let (sent, result) = drive(&mut session, &mut call, &mut answers);
    assert!(answers.is_empty(), "the block's details were not asked");
    (sent, result.expect_err("a refusal"))
}

#[test]
fn a_sitewide_block_is_blocked_on_both_versions() {
    for version in BLOCK_READ_VERSIONS {
        let (sent, err) = blocked_email(
            version,
            "emailuser_blockedemailuser",
            "userinfo_blockinfo_sitewide",
        );
        assert_eq!(failure(&err), "blocked", "{version}");
        // The email once, then one read that asks and asserts.
        assert_eq!(sent.len(), 2, "{sent:?}");
        assert!(sent[0].contains("action=emailuser"), "{sent:?}");
        assert!(
            sent[1].contains("uiprop=blockinfo") && sent[1].contains("assert=user"),
            "{sent:?}"
        );
        let Error::Api(api) = err else { panic!() };
        assert_eq!(api.block_partial(), Some(false));
        assert!(!err_is_resent(&api));
    }
}

#[test]
fn an_email_only_block_is_blocked_from_email_on_both_versions() {
    for version in BLOCK_READ_VERSIONS {
        let (_, err) = blocked_email(
            version,
            "emailuser_blocked_email_only",
            "userinfo_blockinfo_email_only",
        );
        assert_eq!(failure(&err), "blocked_from_email", "{version}");
    }
}

#[test]
fn a_partial_block_that_leaves_email_alone_sends_the_mail_on_both_versions() {
    for version in VERSIONS {
        let r = load(&folder("live", version).join("emailuser_success_partial_block.json"));
        assert_eq!(outcome(&r), "ok", "{version}");
    }
}

#[test]
fn a_block_read_that_fails_leaves_the_refusal_by_its_code() {
    for (version, kind) in [("1.39", "blocked_from_email"), ("1.43", "blocked")] {
        let mut session = logged_in(version);
        let mut call = session
            .email_user(&EmailUser::new("MwkitRecipient", "s", "t"))
            .unwrap();
        let mut answers = vec![
            live(version, "emailuser_blockedemailuser"),
            Response::new(502, Vec::new(), "bad gateway"),
        ];
        let (_, result) = drive(&mut session, &mut call, &mut answers);
        let err = result.expect_err("a refusal");
        assert!(!err.outcome_unknown());
        assert_eq!(failure(&err), kind, "{version}");
    }
}

fn err_is_resent(api: &ApiError) -> bool {
    Error::Api(Box::new(api.clone())).retry_advice(true) != RetryAdvice::DoNotRetry
}

/// From 1.45 the `blocked` error carries the block's details itself
/// (`data.blockinfo`): the email call decides from them, and asks nothing
/// more, where 1.39 and 1.43 need one read (above).
#[test]
fn on_1_45_the_block_details_come_with_the_error_and_no_read_is_sent() {
    for (refusal, kind, partial) in [
        ("emailuser_blockedemailuser", "blocked", false),
        ("emailuser_blocked_email_only", "blocked_from_email", true),
    ] {
        let mut session = logged_in("1.45");
        let mut call = session
            .email_user(&EmailUser::new("MwkitRecipient", "s", "t"))
            .unwrap();
        let mut answers = vec![live("1.45", refusal)];
        let (sent, result) = drive(&mut session, &mut call, &mut answers);
        let err = result.expect_err("a refusal");
        assert_eq!(failure(&err), kind, "{refusal}");
        assert_eq!(sent.len(), 1, "the email alone, no block read: {sent:?}");
        assert!(sent[0].contains("action=emailuser"), "{sent:?}");
        let Error::Api(api) = err else { panic!() };
        assert_eq!(api.block_partial(), Some(partial), "{refusal}");
        assert!(!err_is_resent(&api));
    }
    // The reference capture of 1.45 holds the details too.
    let r = load(&folder("reference", "1.45").join("emailuser_blocked.json"));
    let err = parse_email_user(&r.resp).expect_err("blocked");
    let Error::Api(api) = err else { panic!() };
    assert_eq!(api.block_partial(), Some(false));
}
