//! User names as the wiki folds them, on answers recorded from the test
//! wiki (`fixtures/live-1.43/`, and `live-1.39/`): its siteinfo (English,
//! and the 1.43 wiki switched to German for one recording), and
//! `list=users` answers to the spellings people write.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::time::SystemTime;

use mw_core::*;

mod common;

fn live(name: &str) -> Response {
    common::recorded("live-1.43", name)
}

fn api() -> Api {
    Api::new(
        "http://127.0.0.1:8080/api.php",
        "mwkit-tests/0 (tests@example.org)",
    )
    .unwrap()
}

fn names_of(siteinfo: &str) -> UserNames {
    UserNames::from_siteinfo(&live(siteinfo)).unwrap().0
}

/// The decomposed (NFD) spelling of the test wiki's `Ärger Ünïcode`.
const NFD: &str = "A\u{308}rger U\u{308}ni\u{308}code";

#[test]
fn a_german_wiki_names_its_users_benutzer_benutzerin_and_user() {
    let de = names_of("siteinfo_user_names_de");
    for spelling in [
        "Benutzer:Rcpt",
        "benutzerin : rcpt",
        "BENUTZERIN_:_Rcpt",
        "User:Rcpt",
        "user:rcpt",
    ] {
        assert_eq!(de.fold(spelling), "Rcpt", "{spelling:?}");
    }
    // Another namespace's name is no user's prefix.
    assert_eq!(
        de.fold("Benutzer Diskussion:Rcpt"),
        "Benutzer Diskussion:Rcpt"
    );
    // An English wiki knows no Benutzer.
    let en = names_of("siteinfo_user_names");
    assert_eq!(en.fold("Benutzer:Rcpt"), "Benutzer:Rcpt");
    assert_eq!(en.fold("User : rcpt"), "Rcpt");
    assert_eq!(en, UserNames::default(), "the test wiki is an English 1.43");
}

#[test]
fn each_spelling_gets_the_answer_the_wiki_gave_for_it_keyed_as_given() {
    // Recorded on both versions the project runs: the same order of answers.
    for version in ["live-1.39", "live-1.43"] {
        let en = UserNames::from_siteinfo(&common::recorded(version, "siteinfo_user_names"))
            .unwrap()
            .0;
        let answer = common::recorded(version, "users_emailable_spellings");
        spellings_answered_as_the_wiki_did(&en, &answer);
    }
}

fn spellings_answered_as_the_wiki_did(en: &UserNames, answer: &Response) {
    let given = [
        "MwkitRecipient",
        "User:MwkitRecipient",
        "user : mwkitRecipient",
        "\u{200e}Mwkit_recipient\u{202c}",
        "Talk:MwkitRecipient",
        "User:User:MwkitRecipient",
        "Ärger Ünïcode",
        "ärger   ünïcode",
        "USER:Ärger_Ünïcode",
        "Mwkit recipient",
        "NoSuchUserAtAll",
        "Name#x",
        NFD,
    ];
    let batches = api().emailable_batches(&given).unwrap();
    assert_eq!(batches.len(), 1);
    // The NFD spelling is the NFC one: sent once, as the wiki reads it.
    assert_eq!(batches[0].sent().len(), 12);
    assert_eq!(batches[0].sent()[6], "Ärger Ünïcode");
    let report = parse_emailable_with(answer, &batches[0], en).unwrap();
    let got: Vec<_> = report
        .entries
        .iter()
        .map(|e| (e.requested.as_str(), e.name.as_deref(), e.status))
        .collect();
    use Emailability::*;
    let recipient = Some("MwkitRecipient");
    let unicode = Some("Ärger Ünïcode");
    assert_eq!(
        got,
        [
            ("MwkitRecipient", recipient, Emailable),
            ("User:MwkitRecipient", recipient, Emailable),
            ("user : mwkitRecipient", recipient, Emailable),
            (
                "\u{200e}Mwkit_recipient\u{202c}",
                Some("Mwkit recipient"),
                Missing
            ),
            ("Talk:MwkitRecipient", Some("Talk:MwkitRecipient"), Invalid),
            (
                "User:User:MwkitRecipient",
                Some("User:User:MwkitRecipient"),
                Invalid
            ),
            ("Ärger Ünïcode", unicode, Emailable),
            ("ärger   ünïcode", Some("Ärger ünïcode"), Missing),
            ("USER:Ärger_Ünïcode", unicode, Emailable),
            ("Mwkit recipient", Some("Mwkit recipient"), Missing),
            ("NoSuchUserAtAll", Some("NoSuchUserAtAll"), Missing),
            ("Name#x", Some("Name#x"), Invalid),
            (NFD, unicode, Emailable),
        ]
    );
}

#[test]
fn localized_prefixes_and_gender_aliases_name_the_user() {
    let given = [
        "Benutzerin:MwkitRecipient",
        "benutzer : MwkitNoAddress",
        "User:MwkitNoMail",
        "Benutzer_Diskussion:MwkitRecipient",
    ];
    let want = [
        ("MwkitRecipient", Emailability::Emailable),
        ("MwkitNoAddress", Emailability::NotEmailable),
        ("MwkitNoMail", Emailability::NotEmailable),
        ("Benutzer_Diskussion:MwkitRecipient", Emailability::Invalid),
    ];
    let batches = api().emailable_batches(&given).unwrap();
    let answer = live("users_emailable_de_prefixes");
    // With the German names the wiki gave, and with none: an English
    // mirror cannot fold `Benutzerin:`, and the wiki's order answers.
    for names in [names_of("siteinfo_user_names_de"), UserNames::default()] {
        let report = parse_emailable_with(&answer, &batches[0], &names).unwrap();
        let got: Vec<_> = report
            .entries
            .iter()
            .map(|e| (e.name.as_deref().unwrap(), e.status))
            .collect();
        assert_eq!(got, want, "{names:?}");
    }
}

#[test]
fn an_answer_in_another_order_is_matched_by_name() {
    // A wiki that answered by name, not in the order asked: the folding
    // still finds each spelling its user.
    let batches = api()
        .emailable_batches(&["user:bob", "Alice", "Nobody"])
        .unwrap();
    let answer = Response::json(
        r#"{"query":{"users":[{"name":"Nobody","missing":true},
            {"userid":1,"name":"Alice","emailable":true},
            {"userid":2,"name":"Bob","emailable":false}]}}"#,
    );
    let report = parse_emailable(&answer, &batches[0]).unwrap();
    let got: Vec<_> = report.entries.iter().map(|e| e.status).collect();
    use Emailability::*;
    assert_eq!(got, [NotEmailable, Emailable, Missing]);
}

#[test]
fn a_session_reads_the_wikis_names_once_then_only_batches() {
    let mut session = Session::new(api(), SessionConfig::default());
    let now = SystemTime::UNIX_EPOCH;
    let given = ["Benutzerin:MwkitRecipient", "benutzer : MwkitNoAddress"];
    let mut call = session.emailable(&given).unwrap();
    let mut answers = vec![
        live("siteinfo_user_names_de"),
        Response::json(
            r#"{"query":{"users":[{"userid":5,"name":"MwkitRecipient","emailable":true},
                {"userid":6,"name":"MwkitNoAddress","emailable":false}]}}"#,
        ),
    ];
    let (sent, report) = common::drive(&mut session, &mut call, &mut answers, now);
    assert_eq!(sent.len(), 2, "{sent:#?}");
    assert!(sent[0].contains("meta=siteinfo"), "{}", sent[0].text);
    assert!(sent[1].contains("list=users"), "{}", sent[1].text);
    let report = report.unwrap();
    assert_eq!(report.entries[0].status, Emailability::Emailable);
    assert_eq!(report.entries[1].status, Emailability::NotEmailable);

    // The second call of the session sends its batch alone.
    let mut call = session.emailable(&["Benutzerin:MwkitNoAddress"]).unwrap();
    let mut answers = vec![Response::json(
        r#"{"query":{"users":[{"userid":6,"name":"MwkitNoAddress","emailable":false}]}}"#,
    )];
    let (sent, report) = common::drive(&mut session, &mut call, &mut answers, now);
    assert_eq!(sent.len(), 1, "{sent:#?}");
    assert!(sent[0].contains("list=users"));
    assert_eq!(
        report.unwrap().entries[0].status,
        Emailability::NotEmailable
    );
}

#[test]
fn a_hundred_and_twenty_spellings_of_few_users_need_few_requests() {
    // 120 spellings, 40 distinct after NFC: one request of 40.
    let mut given = Vec::new();
    for i in 0..40 {
        given.push(format!("Ärger {i}"));
        given.push(format!("A\u{308}rger {i}"));
        given.push(format!("Ärger {i}"));
    }
    let batches = api().emailable_batches(&given).unwrap();
    assert_eq!(batches.len(), 1);
    assert_eq!(batches[0].sent().len(), 40);
    assert_eq!(batches[0].names().len(), 120);
}
