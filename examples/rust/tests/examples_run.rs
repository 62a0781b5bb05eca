//! The Rust examples run against the test wiki and do what they say.
#![allow(clippy::unwrap_used, missing_docs)]

use std::process::Command;

fn run(exe: &str) -> String {
    assert!(
        std::env::var("MWKIT_WIKI_JSON").is_ok(),
        "MWKIT_WIKI_JSON is not set: run scripts/test"
    );
    let out = Command::new(exe).output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "{exe}: {stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    stdout
}

fn state() -> serde_json::Value {
    serde_json::from_str(
        &std::fs::read_to_string(std::env::var("MWKIT_WIKI_JSON").unwrap()).unwrap(),
    )
    .unwrap()
}

/// How many stored mails match `pred`, waiting up to 20 s for `want`.
fn mails(pred: impl Fn(&serde_json::Value) -> bool, want: usize) -> usize {
    let dir = state()["mail_dir"].as_str().unwrap().to_owned();
    let mut n = 0;
    for _ in 0..200 {
        n = std::fs::read_dir(&dir)
            .unwrap()
            .filter_map(Result::ok)
            .filter(|e| e.path().extension().is_some_and(|x| x == "json"))
            .filter_map(|e| std::fs::read_to_string(e.path()).ok())
            .filter_map(|t| serde_json::from_str::<serde_json::Value>(&t).ok())
            .filter(|m| pred(m))
            .count();
        if n >= want {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    n
}

fn mails_with_subject(subject: &str) -> usize {
    mails(|m| m["subject"] == subject, 1)
}

#[test]
fn send_email_delivers_its_mail() {
    let out = run(env!("CARGO_BIN_EXE_send_email"));
    let subject = out
        .split("subject \"")
        .nth(1)
        .and_then(|s| s.split('"').next())
        .unwrap();
    assert_eq!(mails_with_subject(subject), 1, "{out}");
}

#[test]
fn async_emails_delivers_each_of_its_five_mails_once() {
    let out = run(env!("CARGO_BIN_EXE_async_emails"));
    let subjects: Vec<&str> = out
        .lines()
        .filter_map(|l| l.strip_prefix("sent \""))
        .filter_map(|l| l.split('"').next())
        .collect();
    assert_eq!(subjects.len(), 5, "{out}");
    for subject in subjects {
        assert_eq!(mails_with_subject(subject), 1, "{subject}");
    }
}

#[test]
fn change_options_reads_its_values_back() {
    let out = run(env!("CARGO_BIN_EXE_change_options"));
    assert!(
        out.contains("dropped by the wiki: no-such-preference"),
        "{out}"
    );
    assert!(
        out.contains("userjs-mwkit-example-signature = \"custom-signa|ture\""),
        "{out}"
    );
}

#[test]
fn reset_password_sends_the_reset_mail() {
    let address = state()["users"]["reset3"]["email"]
        .as_str()
        .unwrap()
        .to_owned();
    let to_user = |m: &serde_json::Value| {
        m["rcpt_to"]
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r == address.as_str())
    };
    let before = mails(to_user, 0);
    let out = run(env!("CARGO_BIN_EXE_reset_password"));
    assert!(out.contains("password reset requested for"), "{out}");
    assert_eq!(
        mails(to_user, before + 1),
        before + 1,
        "one reset mail more"
    );
}
