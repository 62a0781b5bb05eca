//! The bulk mail over a list of names as people write them, against the
//! real test wiki: lines that the wiki folds to one user mail that user
//! once, and every line is reported with the user it named.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

mod support;

use serde_json::Value;
use support::{Wiki, docs, nonce, run, temp_dir, write};

/// The test wiki's `Ärger Ünïcode`, decomposed (NFD).
const UNICODE_NFD: &str = "A\u{308}rger U\u{308}ni\u{308}code";

#[test]
fn a_list_of_spellings_mails_each_person_once_and_reports_every_line() {
    let wiki = Wiki::get();
    let rcpt = wiki.name("recipient");
    let unicode = wiki.name("unicode");
    assert_eq!(unicode, "Ärger Ünïcode");
    let lines = [
        rcpt.to_owned(),
        format!("User:{rcpt}"),
        format!("user : {}", rcpt.to_lowercase()),
        format!("\u{200e}{rcpt}"),
        UNICODE_NFD.to_owned(),
        unicode.to_owned(),
        format!("Talk:{rcpt}"),
        "Benutzer:Nobody".to_owned(),
        wiki.name("no_address").to_owned(),
    ];
    // `user : mwkitrecipient` is another name (only the first letter folds).
    let dir = temp_dir("spellings");
    let list = dir.join("list");
    write(&list, &(lines.join("\n") + "\n"));
    let journal = dir.join("journal");
    let subject = format!("mwkit cli spellings {}", nonce());
    let args = |c: &mut std::process::Command| {
        c.arg("--json")
            .args(["email", "--to-list"])
            .arg(&list)
            .arg("--journal")
            .arg(&journal)
            .args(["--subject", &subject, "--text", "One each."]);
    };

    let mut cmd = wiki.mwkit("sender");
    args(&mut cmd);
    let (code, stdout, stderr) = run(&mut cmd);
    let docs = docs(&stdout);
    let reported: Vec<&Value> = docs.iter().filter(|d| d["type"] == "recipient").collect();
    let of = |user: &str| {
        let found: Vec<&&Value> = reported.iter().filter(|d| d["user"] == user).collect();
        assert_eq!(found.len(), 1, "{user} reported once: {stdout}");
        (*found[0]).clone()
    };
    let listed = |doc: &Value| -> Vec<String> {
        doc["listed_as"]
            .as_array()
            .map(|a| a.iter().map(|v| v.as_str().unwrap().to_owned()).collect())
            .unwrap_or_default()
    };
    // Each person once, under the wiki's name, with the lines that named them.
    let r = of(rcpt);
    assert_eq!(r["status"], "sent", "{stdout}");
    assert_eq!(listed(&r), [lines[0].as_str(), &lines[1], &lines[3]]);
    let u = of(unicode);
    assert_eq!(u["status"], "sent", "{stdout}");
    assert_eq!(listed(&u), [UNICODE_NFD, unicode]);
    // The others, each as the wiki answers it.
    let other = of("Mwkitrecipient");
    assert_eq!(
        (&other["status"], &other["reason"]),
        (&"not_emailable".into(), &"missing".into())
    );
    assert_eq!(listed(&other), [lines[2].clone()]);
    let talk = of(&format!("Talk:{rcpt}"));
    assert_eq!(talk["reason"], "invalid", "{stdout}");
    assert_eq!(of("Benutzer:Nobody")["reason"], "missing");
    assert_eq!(of(wiki.name("no_address"))["reason"], "not_emailable");
    // Every line is in exactly one report.
    let mut all: Vec<String> = reported
        .iter()
        .flat_map(|d| {
            let l = listed(d);
            if l.is_empty() {
                vec![d["user"].as_str().unwrap().to_owned()]
            } else {
                l
            }
        })
        .collect();
    all.sort();
    let mut want = lines.to_vec();
    want.sort();
    assert_eq!(all, want);
    let summary = docs.last().unwrap();
    assert_eq!(summary["recipients"], 6, "{stdout}");
    assert_eq!(summary["counts"]["sent"], 2);
    assert_eq!(code, 0, "{stderr}");

    // At the sink: one mail each.
    let per = wiki.mails_per_address(&subject, 2);
    assert_eq!(per.get(wiki.email("recipient")), Some(&1), "{per:?}");
    assert_eq!(per.get(wiki.email("unicode")), Some(&1), "{per:?}");
    assert_eq!(per.values().sum::<usize>(), 2, "{per:?}");

    // The journal knows each by the wiki's name: a rerun sends nothing, and
    // the decomposed line is the one already sent.
    let text = std::fs::read_to_string(&journal).unwrap();
    let sent: Vec<String> = text
        .lines()
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .filter(|d| d["event"] == "sent")
        .map(|d| d["user"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(sent, [rcpt, unicode]);
    let mut cmd = wiki.mwkit("sender");
    args(&mut cmd);
    let (code, stdout, stderr) = run(&mut cmd);
    assert_eq!(code, 0, "{stderr}");
    let docs = support::docs(&stdout);
    let again = |user: &str| {
        docs.iter()
            .find(|d| d["type"] == "recipient" && d["user"] == user)
            .map(|d| d["status"].clone())
    };
    assert_eq!(again(rcpt), Some("already_sent".into()), "{stdout}");
    assert_eq!(again(unicode), Some("already_sent".into()), "{stdout}");
    assert_eq!(docs.last().unwrap()["counts"]["sent"], 0);
    std::thread::sleep(std::time::Duration::from_millis(500));
    assert_eq!(wiki.mails(&subject).len(), 2);
}
