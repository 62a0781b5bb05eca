//! Lost sessions on the real test wiki: a read after the session was ended
//! logs in again and returns the user's own values; a relogin that fails
//! (the bot password revoked) is an error, and nothing, an edit included,
//! is then sent as anyone else.

use crate::driver::Driver;
use crate::support::{Wiki, exclusive, nonce};
use mw_core::{EmailUser, Emailability, Error, Method, OptionsChange};

/// How many logins (login-token fetches) the client with `ua` made.
fn logins(wiki: &Wiki, ua: &str) -> usize {
    wiki.requests(ua)
        .iter()
        .filter(|l| l.contains("meta=tokens&type=login"))
        .count()
}

fn page_exists<D: Driver>(wiki: &Wiki, title: &str) -> bool {
    let (anon, _) = wiki.client::<D>("page-check");
    let reply = anon
        .raw(
            &[("action", "query"), ("titles", title)],
            Method::Get,
            false,
        )
        .unwrap();
    reply.json["query"]["pages"][0]["missing"].as_bool() != Some(true)
}

/// Gives `role`'s bot password back the secret in wiki.json, which
/// [`a_revoked_bot_password_fails_the_relogin_and_nothing_is_sent_anonymously`]
/// revokes: without this, that scenario could run once per wiki (the next
/// run's first login would fail with botpasswords-needs-reset).
fn restore_bot_password(wiki: &Wiki, role: &str) {
    let user = wiki.user(role);
    let (name, secret) = (
        user["name"].as_str().unwrap(),
        user["bot_password"].as_str().unwrap(),
    );
    let app = wiki.state["bot_app"].as_str().unwrap();
    // One line: eval.php reads its input a line at a time.
    let php = format!(
        "$bp = BotPassword::newFromUser(User::newFromName('{name}'), '{app}'); \
         $pf = MediaWiki\\MediaWikiServices::getInstance()->getPasswordFactory(); \
         echo ($bp && $bp->save('update', $pf->newFromPlaintext('{secret}'))->isGood()) \
         ? \"RESTORED\\n\" : \"NOT RESTORED\\n\";\n"
    );
    let out = wiki.maint_with_input(&["eval.php"], &php);
    assert!(
        out.contains("RESTORED") && !out.contains("NOT RESTORED"),
        "{out}"
    );
}

pub fn reads_after_the_session_was_ended_log_in_again_and_return_the_users_values<D: Driver>() {
    let wiki = Wiki::get();
    let role = D::role("sessions2");
    let _only = exclusive(&role);
    let (client, ua) = wiki.logged_in::<D>(&role, "killed-read");
    let name = wiki.name(&role);
    let value = format!("kept-{}", nonce());
    client
        .change_options(&OptionsChange::new().set("userjs-mwkit-killed", value.as_str()))
        .unwrap();

    wiki.maint(&["invalidateUserSessions.php", "--user", name]);
    let read = client.options().unwrap();
    assert!(
        !read.anonymous,
        "never the wiki's defaults for a logged-out session"
    );
    assert_eq!(read.user, name);
    assert_eq!(
        read.options.get("userjs-mwkit-killed"),
        Some(&value),
        "the user's own value"
    );
    assert_eq!(logins(&wiki, &ua), 2, "the first login and one relogin");

    wiki.maint(&["invalidateUserSessions.php", "--user", name]);
    let report = client.emailable(&[wiki.name("recipient")]).unwrap();
    assert_eq!(report.entries[0].status, Emailability::Emailable);
    assert_eq!(logins(&wiki, &ua), 3);
    // Every read after the login asserted the user (GETs show it in the log).
    let gets: Vec<String> = wiki
        .requests(&ua)
        .into_iter()
        .filter(|l| l.contains("GET") && !l.contains("type=login") && !l.contains("uiprop=rights"))
        .collect();
    assert!(!gets.is_empty());
    assert!(
        gets.iter().all(|l| l.contains("assert=user&assertuser=")),
        "{gets:#?}"
    );
}

pub fn a_revoked_bot_password_fails_the_relogin_and_nothing_is_sent_anonymously<D: Driver>() {
    let wiki = Wiki::get();
    let role = D::role("revoked");
    let name = wiki.name(&role);
    restore_bot_password(&wiki, &role);
    let (client, ua) = wiki.logged_in::<D>(&role, "revoked");

    // The wiki takes anonymous edits: an unasserted edit would be saved.
    let control = format!("Mwkit anonymous control {}", nonce());
    let (anon, _) = wiki.client::<D>("anonymous-edit");
    anon.raw(
        &[
            ("action", "edit"),
            ("title", &control),
            ("text", "anonymous"),
        ],
        Method::Post,
        true,
    )
    .unwrap();
    assert!(
        page_exists::<D>(&wiki, &control),
        "the control edit was saved"
    );

    wiki.maint_with_input(
        &["eval.php"],
        &format!("BotPassword::invalidateAllPasswordsForUser('{name}');\n"),
    );
    wiki.maint(&["invalidateUserSessions.php", "--user", name]);

    let subject = format!("mwkit revoked {}", nonce());
    let err = client
        .email_user(&EmailUser::new(
            wiki.name("recipient"),
            subject.as_str(),
            "never",
        ))
        .unwrap_err();
    let Error::Login(login) = &err else {
        panic!("the relogin's own error, not {err:?}")
    };
    assert_eq!(login.result, "Failed", "{login:?}");
    assert_eq!(
        client.account().map(|a| a.name),
        Some(name.to_owned()),
        "the client keeps its account and keeps asserting it"
    );

    let title = format!("Mwkit revoked edit {}", nonce());
    let err = client
        .raw(
            &[
                ("action", "edit"),
                ("title", &title),
                ("text", "must never be saved"),
            ],
            Method::Post,
            true,
        )
        .unwrap_err();
    assert!(matches!(err, Error::Login(_)), "{err:?}");
    let err = client.options().unwrap_err();
    assert!(matches!(err, Error::Login(_)), "{err:?}");

    assert!(
        !page_exists::<D>(&wiki, &title),
        "no anonymous edit was saved"
    );
    assert!(wiki.wait_for_mails(&subject, 0).is_empty(), "no mail");
    assert_eq!(
        logins(&wiki, &ua),
        4,
        "the first login, then one relogin per call: bounded"
    );
    // Nothing after the first login went out without the assertion, but the
    // login steps themselves (the GETs are visible in the access log).
    let unasserted: Vec<String> = wiki
        .requests(&ua)
        .into_iter()
        .filter(|l| l.contains("GET"))
        .filter(|l| {
            !l.contains("assert=user") && !l.contains("type=login") && !l.contains("uiprop=rights")
        })
        .collect();
    assert!(unasserted.is_empty(), "{unasserted:#?}");
}
