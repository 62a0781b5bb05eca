//! mw-ureq against the real test wiki: each test checks the effect where it
//! lands (the mail in the sink, the option read back, the request count in
//! the access log).

use std::collections::{BTreeMap, HashSet};
use std::sync::Arc;

use crate::driver::Driver;
use crate::support::{Wiki, nonce, temporary_password};
use mw_core::{
    EmailResult, EmailUser, Emailability, Error, ErrorKind, Method, OptionsChange, Password,
    ResetPassword, Token,
};

const AWKWARD: &str =
    "ünï©ødé ✓ | pipe = equals & amp + plus % percent\nsecond line\n\nafter a blank line";

fn kind(err: &Error) -> ErrorKind {
    err.api_kind()
        .unwrap_or_else(|| panic!("expected an api error, got {err:?}"))
}

pub fn email_user_delivers_exactly_one_mail_with_subject_and_body_intact<D: Driver>() {
    let wiki = Wiki::get();
    let (client, ua) = wiki.logged_in::<D>("sender", "email-one");
    let subject = format!("mwkit {} {}", nonce(), "Grüße | a=b & c+d % ✓");
    let sent = client
        .email_user(&EmailUser::new(
            wiki.name("recipient"),
            subject.as_str(),
            AWKWARD,
        ))
        .unwrap();
    assert_eq!(sent.result, EmailResult::Success);
    assert!(sent.warnings.is_empty(), "{:?}", sent.warnings);

    let mails = wiki.wait_for_mails(&subject, 1);
    assert_eq!(mails.len(), 1, "cc off: exactly one mail");
    assert_eq!(mails[0]["subject"], subject.as_str());
    assert_eq!(mails[0]["text"], AWKWARD);
    assert_eq!(
        mails[0]["rcpt_to"],
        serde_json::json!([wiki.email("recipient")])
    );
    // login (3 requests: token, login, confirming read with the csrf token), then one POST.
    assert_eq!(wiki.requests(&ua).len(), 4, "{:#?}", wiki.requests(&ua));
}

pub fn cc_me_sends_a_copy_to_the_sender<D: Driver>() {
    let wiki = Wiki::get();
    let (client, _) = wiki.logged_in::<D>("sender", "email-cc");
    let subject = format!("mwkit cc {}", nonce());
    client
        .email_user(
            &EmailUser::new(wiki.name("recipient"), subject.as_str(), "with a copy").cc_me(true),
        )
        .unwrap();
    let mails = wiki.wait_for_mails_where(|s| s.ends_with(&subject), 2);
    assert_eq!(mails.len(), 2, "{mails:#?}");
    let to: HashSet<&str> = mails
        .iter()
        .map(|m| m["rcpt_to"][0].as_str().unwrap())
        .collect();
    assert_eq!(
        to,
        HashSet::from([wiki.email("recipient"), wiki.email("sender")])
    );
    assert!(mails.iter().any(|m| {
        m["subject"]
            .as_str()
            .unwrap()
            .starts_with("Copy of your message to")
    }));
}

/// Sends `client` an email to `target` that the wiki must refuse with
/// `expected`: checks the kind (and the stable name the bindings report
/// for it), that the refusal is not taken for a write in doubt, and that no
/// mail arrived. Returns the error and the requests the email cost (the
/// access log's lines for `ua`).
fn refused<D: Driver>(
    wiki: &Wiki,
    client: &D,
    ua: &str,
    target: &str,
    expected: ErrorKind,
) -> (Error, Vec<String>) {
    let on = wiki.series();
    let before = wiki.requests(ua).len();
    let subject = format!("mwkit refused {} {}", expected.name(), nonce());
    let err = client
        .email_user(&EmailUser::new(target, subject.as_str(), "must not arrive"))
        .unwrap_err();
    assert_eq!(kind(&err), expected, "MediaWiki {on}, to {target}: {err}");
    assert_eq!(err.code().name, expected.name(), "MediaWiki {on}: {err}");
    assert!(!err.outcome_unknown(), "MediaWiki {on}: {err:?}");
    assert!(!err.code().outcome_unknown, "MediaWiki {on}: {err:?}");
    assert!(
        wiki.wait_for_mails(&subject, 0).is_empty(),
        "MediaWiki {on}: a refused email arrived: {subject}"
    );
    let after = wiki.requests(ua)[before..].to_vec();
    (err, after)
}

/// A refusal because of the target: the one POST, not sent again.
fn refused_for_the_target<D: Driver>(wiki: &Wiki, target: &str, expected: ErrorKind) {
    let (sender, ua) = wiki.logged_in::<D>("sender", "email-refused");
    let (_, requests) = refused(wiki, &sender, &ua, target, expected);
    assert_eq!(requests.len(), 1, "one POST: {requests:#?}");
    assert!(requests[0].contains("\"POST "), "{requests:#?}");
}

/// A refusal because the sender is blocked: the refused POST, then, where
/// the error does not carry the block's details (1.39, 1.43), one read of
/// them (`meta=userinfo&uiprop=blockinfo`), which tell a sitewide block
/// from an email-only one; where it does (`data.blockinfo`, 1.45), no read
/// at all. Nothing is sent again.
fn refused_for_a_block<D: Driver>(wiki: &Wiki, role: &str, expected: ErrorKind) {
    let (blocked, ua) = wiki.logged_in::<D>(role, "email-blocked");
    let (err, requests) = refused(wiki, &blocked, &ua, wiki.name("recipient"), expected);
    let on = wiki.series();
    let block_reads = requests
        .iter()
        .filter(|r| r.contains("meta=userinfo") && r.contains("uiprop=blockinfo"))
        .count();
    let expected_reads = if wiki.error_carries_blockinfo() { 0 } else { 1 };
    eprintln!("MediaWiki {on}: {block_reads} block-details read(s) after the refused email");
    assert_eq!(
        block_reads, expected_reads,
        "MediaWiki {on}: block-details reads after the refused POST: {requests:#?} ({err:?})"
    );
    assert_eq!(
        requests.len(),
        1 + expected_reads,
        "MediaWiki {on}: the POST and {expected_reads} read(s) of the block: {requests:#?}"
    );
    assert!(requests[0].contains("\"POST "), "{requests:#?}");
    if expected_reads == 1 {
        assert!(requests[1].contains("\"GET "), "{requests:#?}");
    }
}

pub fn email_to_a_user_that_does_not_exist_is_no_target<D: Driver>() {
    // 1.39 says notarget, 1.43 emailnotarget.
    let wiki = Wiki::get();
    let nobody = format!("NoSuchUser{}", nonce());
    refused_for_the_target::<D>(&wiki, &nobody, ErrorKind::NoTarget);
}

pub fn email_to_a_user_without_an_address_is_no_email<D: Driver>() {
    // 1.39 says noemail, 1.43 noemailtext.
    let wiki = Wiki::get();
    refused_for_the_target::<D>(&wiki, wiki.name("no_address"), ErrorKind::NoEmail);
}

pub fn email_to_a_user_who_refuses_mail_is_no_wiki_email<D: Driver>() {
    // 1.39 says nowikiemail, 1.43 nowikiemailtext.
    let wiki = Wiki::get();
    refused_for_the_target::<D>(&wiki, wiki.name("no_mail"), ErrorKind::NoWikiEmail);
}

pub fn email_from_a_sitewide_blocked_sender_is_blocked<D: Driver>() {
    // 1.39 says blockedemailuser for every block that stops email, 1.43 and
    // 1.45 blocked: the kind comes from the block's details, sitewide here.
    let wiki = Wiki::get();
    refused_for_a_block::<D>(&wiki, "blocked", ErrorKind::Blocked);
}

pub fn email_from_a_sender_blocked_from_email_only_is_blocked_from_email<D: Driver>() {
    // A partial block with no page restrictions that forbids email: the
    // wiki's code is the same as for a sitewide block (blockedemailuser on
    // 1.39, blocked on 1.43), the kind is not.
    let wiki = Wiki::get();
    refused_for_a_block::<D>(&wiki, "email_blocked", ErrorKind::BlockedFromEmail);
}

pub fn email_from_a_sender_partially_blocked_elsewhere_is_sent<D: Driver>() {
    // Blocked from the Talk namespace only: email is not covered.
    let wiki = Wiki::get();
    let (client, _) = wiki.logged_in::<D>("partial_blocked", "email-partial-block");
    let subject = format!("mwkit partial block {}", nonce());
    let sent = client
        .email_user(&EmailUser::new(
            wiki.name("recipient"),
            subject.as_str(),
            "A partial block elsewhere does not stop email.",
        ))
        .unwrap_or_else(|e| panic!("MediaWiki {}: {e:?}", wiki.series()));
    assert_eq!(sent.result, EmailResult::Success);
    let mails = wiki.wait_for_mails(&subject, 1);
    assert_eq!(
        mails.len(),
        1,
        "MediaWiki {}: exactly one mail",
        wiki.series()
    );
    assert_eq!(
        mails[0]["rcpt_to"],
        serde_json::json!([wiki.email("recipient")])
    );
}

pub fn email_logged_out_is_cant_send<D: Driver>() {
    // 1.39 says cantsend, 1.43 mailnologin.
    let wiki = Wiki::get();
    let (anonymous, ua) = wiki.client::<D>("email-anonymous");
    refused(
        &wiki,
        &anonymous,
        &ua,
        wiki.name("recipient"),
        ErrorKind::CantSend,
    );
}

pub fn the_rate_limited_user_is_told_so_and_nothing_more_is_delivered<D: Driver>() {
    let wiki = Wiki::get();
    let (limited, _) = wiki.logged_in::<D>("limited", "email-limited");
    if wiki.since_1_43() {
        // MediaWiki 1.43's API never applies the emailuser rate limit:
        // ApiEmailUser calls EmailUser::canSend, not authorizeSend (which is
        // where the limit is pinged), so the second email, and every one
        // after it, is sent. The wiki, not the client, decides this.
        for attempt in 0..2 {
            let subject = format!("mwkit limited {attempt} {}", nonce());
            limited
                .email_user(&EmailUser::new(
                    wiki.name("recipient"),
                    subject.as_str(),
                    "limited",
                ))
                .unwrap_or_else(|e| panic!("MediaWiki 1.43, email {attempt}: {e:?}"));
            assert_eq!(wiki.wait_for_mails(&subject, 1).len(), 1, "email {attempt}");
        }
        return;
    }
    // The limit is one a day: the first email may pass (if no other suite
    // used it yet); the second is refused.
    let mut refused = None;
    for attempt in 0..2 {
        let subject = format!("mwkit limited {attempt} {}", nonce());
        match limited.email_user(&EmailUser::new(
            wiki.name("recipient"),
            subject.as_str(),
            "limited",
        )) {
            Ok(_) => assert_eq!(wiki.wait_for_mails(&subject, 1).len(), 1),
            Err(e) => {
                refused = Some((e, subject));
                break;
            }
        }
    }
    let (err, subject) = refused.expect("the second email is refused");
    assert_eq!(kind(&err), ErrorKind::RateLimited);
    assert!(!err.outcome_unknown());
    assert!(wiki.wait_for_mails(&subject, 0).is_empty());
}

pub fn emailable_answers_for_emailable_unemailable_and_missing_names<D: Driver>() {
    let wiki = Wiki::get();
    let (client, _) = wiki.logged_in::<D>("sender", "emailable");
    let missing = format!("NoSuchUser{}", nonce());
    let names = [
        wiki.name("recipient"),
        wiki.name("no_address"),
        wiki.name("no_mail"),
        missing.as_str(),
        "mwkitRecipient",
    ];
    let report = client.emailable(&names).unwrap();
    let got: Vec<_> = report.entries.iter().map(|e| e.status).collect();
    assert_eq!(
        got,
        [
            Emailability::Emailable,
            Emailability::NotEmailable,
            Emailability::NotEmailable,
            Emailability::Missing,
            Emailability::Emailable
        ]
    );
}

pub fn one_hundred_twenty_names_take_three_requests<D: Driver>() {
    let wiki = Wiki::get();
    let (client, ua) = wiki.client::<D>("emailable-120");
    let mut names: Vec<String> = (0..117)
        .map(|i| format!("Nobody {i} {}", nonce()))
        .collect();
    names.extend(
        [
            wiki.name("recipient"),
            wiki.name("no_address"),
            wiki.name("no_mail"),
        ]
        .map(str::to_owned),
    );
    let report = client.emailable(&names).unwrap();
    assert_eq!(report.entries.len(), 120);
    assert_eq!(
        report
            .entries
            .iter()
            .filter(|e| e.status == Emailability::Missing)
            .count(),
        117
    );
    assert_eq!(report.entries[117].status, Emailability::Emailable);
    // The names travel in POST bodies (a read, but no request line too
    // long), after the session's one siteinfo read (a GET: how the wiki
    // folds names).
    let lists = wiki.requests(&ua);
    assert_eq!(lists.len(), 4, "{lists:#?}");
    assert!(lists[0].contains("GET"), "{lists:#?}");
    assert!(lists[1..].iter().all(|l| l.contains("POST")), "{lists:#?}");
    // The siteinfo is read once per session: a second call sends its
    // three batches alone.
    client.emailable(&names).unwrap();
    assert_eq!(wiki.requests(&ua).len(), 7);
}

pub fn five_hundred_long_cyrillic_names_are_all_answered<D: Driver>() {
    // As Admin (apihighlimits: 500 names to a request). In a query string
    // these names overflow Apache's 8190-byte request line (HTTP 414); the
    // client sends them in a POST body.
    let wiki = Wiki::get();
    let (client, ua) = wiki.client::<D>("emailable-cyrillic");
    let admin = &wiki.state["admin"];
    client
        .client_login(
            admin["name"].as_str().unwrap(),
            admin["password"].as_str().unwrap(),
            None,
        )
        .unwrap();
    let run = nonce();
    let mut names: Vec<String> = (0..499)
        .map(|i| format!("Проверочный пользователь почты номер {i} {run}"))
        .collect();
    names.push(wiki.name("recipient").to_owned());
    let before = wiki.requests(&ua).len();
    let report = client.emailable(&names).unwrap();
    assert_eq!(report.entries.len(), 500);
    assert!(
        report.entries[..499]
            .iter()
            .all(|e| e.status == Emailability::Missing)
    );
    assert_eq!(report.entries[499].status, Emailability::Emailable);
    assert_eq!(
        wiki.requests(&ua).len() - before,
        2,
        "one siteinfo read, then one POST for 500 names"
    );

    // The control: the same names in a query string are refused (by the
    // HTTP library, which checks the length before sending, or else by
    // Apache with 414).
    let joined = names.join("|");
    let err = client
        .raw(
            &[("action", "query"), ("list", "users"), ("ususers", &joined)],
            Method::Get,
            false,
        )
        .unwrap_err();
    assert!(
        matches!(
            &err,
            Error::Http { status: 414, .. } | Error::Transport { .. }
        ),
        "{err:?}"
    );
}

pub fn sixty_option_changes_read_back_right_in_two_posts<D: Driver>() {
    let wiki = Wiki::get();
    let (client, ua) = wiki.logged_in::<D>("sender", "options-60");
    let run = nonce();
    let mut change = OptionsChange::new();
    let mut expected = BTreeMap::new();
    for i in 0..60 {
        let (name, value) = (format!("userjs-mwkit-{i}"), format!("{run}|{i}=ü&+%\n|end"));
        change = change.set(name.as_str(), value.as_str());
        expected.insert(name, value);
    }
    // A name holding `=` can only travel in optionname; no preference may
    // hold `=`, so the server drops it, and says so.
    change = change.set("mwkit=name", "through optionname");
    let before = wiki.requests(&ua).len();
    let done = client.change_options(&change).unwrap();
    let posts = wiki.requests(&ua)[before..]
        .iter()
        .filter(|l| l.contains("\"POST "))
        .count();
    assert_eq!(posts, 2);
    assert_eq!(done.rejected.len(), 1, "{:?}", done.rejected);
    assert_eq!(done.rejected[0].name.as_deref(), Some("mwkit=name"));

    let read = client.options().unwrap();
    for (name, value) in &expected {
        assert_eq!(read.options.get(name), Some(value), "{name}");
    }
}

pub fn an_unknown_option_name_comes_back_as_a_warning_not_silence<D: Driver>() {
    let wiki = Wiki::get();
    let (client, _) = wiki.logged_in::<D>("sender", "options-unknown");
    let unknown = format!("mwkit-unknown-{}", nonce());
    let done = client
        .change_options(
            &OptionsChange::new()
                .set(unknown.as_str(), "1")
                .set("gender", "female"),
        )
        .unwrap();
    assert_eq!(done.rejected.len(), 1);
    assert_eq!(done.rejected[0].name.as_deref(), Some(unknown.as_str()));
    assert_eq!(done.rejected[0].message.code, "validationfailed");
    assert_eq!(client.options().unwrap().options["gender"], "female");
}

pub fn options_can_be_reset_to_their_defaults<D: Driver>() {
    let wiki = Wiki::get();
    let (client, _) = wiki.logged_in::<D>("sessions", "options-reset");
    client
        .change_options(
            &OptionsChange::new()
                .set("gender", "male")
                .set("userjs-mwkit-keep", "x"),
        )
        .unwrap();
    client
        .change_options(&OptionsChange::new().reset("gender"))
        .unwrap();
    let read = client.options().unwrap();
    assert_eq!(
        read.options["gender"], "unknown",
        "gender back to its default"
    );
    assert_eq!(read.options["userjs-mwkit-keep"], "x");
    client
        .change_options(&OptionsChange::new().set("gender", "male"))
        .unwrap();
    client
        .reset_options(mw_core::ResetScope::Kinds(vec!["registered".into()]))
        .unwrap();
    let read = client.options().unwrap();
    assert_eq!(
        read.options["gender"], "unknown",
        "a registered option, reset by kind"
    );
    assert_eq!(
        read.options["userjs-mwkit-keep"], "x",
        "another kind is kept"
    );
    client.reset_options(mw_core::ResetScope::All).unwrap();
    assert!(
        !client
            .options()
            .unwrap()
            .options
            .contains_key("userjs-mwkit-keep")
    );
}

pub fn a_password_reset_mail_logs_in_and_the_new_password_works<D: Driver>() {
    let wiki = Wiki::get();
    let role = D::role("reset1");
    let (user, address) = (wiki.name(&role), wiki.email(&role));
    let (anonymous, _) = wiki.client::<D>("reset");

    let before = wiki.max_seq();
    anonymous
        .reset_password(&ResetPassword::new(Some(user), None).unwrap())
        .unwrap();
    let by_user = wiki.wait_for_mail_to(address, before);
    let before = by_user["seq"].as_u64().unwrap();
    anonymous
        .reset_password(&ResetPassword::new(None, Some(address)).unwrap())
        .unwrap();
    let by_email = wiki.wait_for_mail_to(address, before);
    let temporary = temporary_password(&by_email);

    // Without a new password, the temporary one is not enough.
    let (first, _) = wiki.client::<D>("reset-login");
    let err = first
        .client_login(user, temporary.as_str(), None)
        .unwrap_err();
    match &err {
        Error::Login(e) => assert!(e.needs_new_password(), "{e:?}"),
        other => panic!("{other:?}"),
    }
    let new_password = format!("New-{}-pw", nonce());
    let (second, ua) = wiki.client::<D>("reset-login");
    // The wiki loses the session before it sets the new password (where
    // the test wiki can be made to): nothing was set, so the login starts
    // over once and sets it.
    let test = D::test_name(
        "live",
        "a_password_reset_mail_logs_in_and_the_new_password_works",
    );
    let lost = wiki.lose_login_sessions(&ua, 1, &test);
    let info = second
        .client_login(
            user,
            temporary.as_str(),
            Some(Password::new(new_password.as_str())),
        )
        .unwrap_or_else(|e| panic!("{e:?}"));
    assert_eq!(info.account.name, user);
    if lost {
        let lines = wiki.requests(&ua);
        let posts = lines.iter().filter(|l| l.contains("\"POST ")).count();
        assert_eq!(
            posts, 4,
            "clientlogin and its continuation, twice: {lines:#?}"
        );
    }

    let (third, _) = wiki.client::<D>("reset-login");
    assert_eq!(
        third
            .client_login(user, new_password.as_str(), None)
            .unwrap()
            .account
            .name,
        user
    );
    // The main account can itself start a reset (a bot password cannot).
    third
        .reset_password(&ResetPassword::new(Some(user), None).unwrap())
        .unwrap();
}

pub fn a_bot_password_cannot_reset_passwords<D: Driver>() {
    let wiki = Wiki::get();
    let (client, _) = wiki.logged_in::<D>("sender", "reset-bot");
    let err = client
        .reset_password(&ResetPassword::new(Some(wiki.name("reset2")), None).unwrap())
        .unwrap_err();
    assert_eq!(kind(&err), ErrorKind::PermissionDenied);
}

pub fn a_wrong_bot_password_is_a_login_error_with_the_servers_reason<D: Driver>() {
    let wiki = Wiki::get();
    let (client, _) = wiki.client::<D>("wrong-password");
    let err = client
        .login(
            wiki.user("sender")["bot_name"].as_str().unwrap(),
            "wrong-password",
        )
        .unwrap_err();
    match err {
        Error::Login(e) => {
            assert_eq!(e.result, "Failed");
            assert_eq!(e.code.as_deref(), Some("wrongpassword"));
            assert!(
                e.reason.contains("Incorrect username or password"),
                "{}",
                e.reason
            );
            assert!(!format!("{e:?}").contains("wrong-password"));
        }
        other => panic!("{other:?}"),
    }
    assert!(client.account().is_none());
}

pub fn a_session_killed_on_the_server_is_recovered_with_one_login_and_one_mail<D: Driver>() {
    let wiki = Wiki::get();
    let role = D::role("sessions");
    let _only = crate::support::exclusive(&role);
    let (client, ua) = wiki.logged_in::<D>(&role, "session-killed");
    wiki.maint(&["invalidateUserSessions.php", "--user", wiki.name(&role)]);
    let before = wiki.requests(&ua).len();
    let subject = format!("mwkit after session loss {}", nonce());
    client
        .email_user(&EmailUser::new(
            wiki.name("recipient"),
            subject.as_str(),
            "once",
        ))
        .unwrap();
    assert_eq!(wiki.wait_for_mails(&subject, 1).len(), 1);
    let after = wiki.requests(&ua)[before..].to_vec();
    // refused POST, then token, login, confirming read, then the POST again.
    assert_eq!(after.len(), 5, "{after:#?}");
    assert_eq!(
        after
            .iter()
            .filter(|l| l.contains("meta=tokens&type=login"))
            .count(),
        1,
        "one login"
    );
}

pub fn a_stale_csrf_token_costs_one_badtoken_one_refetch_and_one_mail<D: Driver>() {
    let wiki = Wiki::get();
    let (client, ua) = wiki.logged_in::<D>("sender", "stale-token");
    client.__set_cached_csrf_for_tests(Some(Token::new("0123456789abcdef0123456789abcdef+\\")));
    let before = wiki.requests(&ua).len();
    let subject = format!("mwkit stale token {}", nonce());
    client
        .email_user(&EmailUser::new(
            wiki.name("recipient"),
            subject.as_str(),
            "once",
        ))
        .unwrap();
    assert_eq!(wiki.wait_for_mails(&subject, 1).len(), 1);
    let after = wiki.requests(&ua)[before..].to_vec();
    assert_eq!(
        after.len(),
        3,
        "POST (badtoken), token GET, POST: {after:#?}"
    );
    assert!(after[1].contains("meta=tokens&type=csrf"));
}

pub fn one_client_shared_by_eight_threads_sends_eighty_mails_without_duplicates<D: Driver>() {
    let wiki = Wiki::get();
    let (client, ua) = wiki.logged_in::<D>("sender", "threads");
    let client = Arc::new(client);
    // Every thread needs the token at once: one fetch serves them all.
    client.__set_cached_csrf_for_tests(None);
    let run = nonce();
    let before = wiki.requests(&ua).len();
    let threads: Vec<_> = (0..8)
        .map(|t| {
            let (client, run) = (Arc::clone(&client), run.clone());
            let target = wiki.name("recipient").to_owned();
            std::thread::spawn(move || {
                for i in 0..10 {
                    let subject = format!("mwkit threads {run} {t}-{i}");
                    client
                        .email_user(&EmailUser::new(
                            target.as_str(),
                            subject.as_str(),
                            "threads",
                        ))
                        .unwrap();
                }
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
    let prefix = format!("mwkit threads {run} ");
    let mails = wiki.wait_for_mails_where(|s| s.starts_with(&prefix), 80);
    assert_eq!(mails.len(), 80);
    let distinct: HashSet<&str> = mails
        .iter()
        .map(|m| m["subject"].as_str().unwrap())
        .collect();
    assert_eq!(distinct.len(), 80, "no duplicates");
    let token_fetches = wiki.requests(&ua)[before..]
        .iter()
        .filter(|l| l.contains("meta=tokens"))
        .count();
    assert_eq!(
        token_fetches, 1,
        "concurrent token fetches became one request"
    );
}

pub fn logout_ends_the_session_on_the_server<D: Driver>() {
    let wiki = Wiki::get();
    let (client, _) = wiki.logged_in::<D>("sender", "logout");
    client.logout().unwrap();
    assert!(client.account().is_none());
    let err = client
        .email_user(&EmailUser::new(
            wiki.name("recipient"),
            "after logout",
            "no",
        ))
        .unwrap_err();
    assert_eq!(kind(&err), ErrorKind::CantSend);
    let read = client.options().unwrap();
    assert!(read.anonymous);
}

pub fn raw_requests_reach_any_action<D: Driver>() {
    let wiki = Wiki::get();
    let (client, _) = wiki.logged_in::<D>("sender", "raw");
    let reply = client
        .raw(
            &[("action", "query"), ("meta", "userinfo")],
            mw_core::Method::Get,
            false,
        )
        .unwrap();
    assert_eq!(reply.json["query"]["userinfo"]["name"], wiki.name("sender"));
    let err = client
        .raw(
            &[("action", "emailuser"), ("target", "x")],
            mw_core::Method::Post,
            true,
        )
        .unwrap_err();
    assert_eq!(kind(&err), ErrorKind::MissingParam);
}
