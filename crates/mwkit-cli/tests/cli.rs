//! The `mwkit` binary against the real test wiki: each command's effect
//! checked where it lands (the mail sink, the options read back), the exit
//! statuses, the JSON documents, a bulk mail killed with SIGKILL and
//! resumed, and one stopped cleanly by SIGTERM or SIGINT.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

mod support;

use std::io::{BufRead, BufReader};
use std::process::Stdio;
use std::time::{Duration, Instant};

use mw_ureq::Client;
use serde_json::Value;
use support::{
    GATEWAY_503, GATEWAY_504, Rule, StandIn, Watched, Wiki, bulk_statuses, docs,
    journal_last_events, mwkit, mwkit_bin, nonce, run, sender_options_turn, temp_dir,
    two_factor_turn, without_settings, write,
};

#[test]
fn version_prints_the_name_and_the_packages_version() {
    let (code, stdout, stderr) = run(mwkit().arg("--version"));
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(stdout, format!("mwkit {}\n", env!("CARGO_PKG_VERSION")));
}

#[test]
fn a_password_flag_is_a_usage_error_and_is_never_echoed() {
    for args in [
        vec!["--password", "hunter2-secret", "emailable", "A"],
        vec!["emailable", "--password=hunter2-secret", "A"],
    ] {
        let (code, stdout, stderr) = run(mwkit().args(&args));
        assert_eq!(code, 2, "{stderr}");
        assert!(stderr.contains("MWKIT_PASSWORD"), "{stderr}");
        assert!(!stdout.contains("hunter2") && !stderr.contains("hunter2"));
    }
}

#[test]
fn bad_arguments_exit_2() {
    let cases: [&[&str]; 5] = [
        &["email", "--to", "A", "--subject", "s"], // no text
        &["email", "--to-list", "l", "--subject", "s", "--text", "t"], // no journal
        &["options", "reset"],                     // neither --all nor kinds
        &["reset-password"],                       // neither --user nor --email
        &["no-such-command"],
    ];
    for args in cases {
        let (code, _, stderr) = run(mwkit()
            .env("MWKIT_API", "http://127.0.0.1:9/api.php")
            .args(args));
        assert_eq!(code, 2, "{args:?}: {stderr}");
    }
    // No wiki given at all.
    let (code, _, stderr) = run(mwkit().args(["emailable", "A"]));
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("MWKIT_API"), "{stderr}");
}

#[test]
fn no_password_and_no_terminal_is_a_clear_usage_error() {
    let (code, _, stderr) = run(mwkit()
        .env("MWKIT_API", "http://127.0.0.1:9/api.php")
        .env("MWKIT_USER", "Someone@app")
        .args(["options", "get"]));
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("MWKIT_PASSWORD"), "{stderr}");
}

#[test]
fn help_documents_the_json_fields_and_exit_statuses() {
    let (code, stdout, _) = run(mwkit().arg("--help"));
    assert_eq!(code, 0);
    // As read, whatever the line breaks.
    let flat = stdout.split_whitespace().collect::<Vec<_>>().join(" ");
    for needle in [
        "EXIT STATUS",
        "outcome_unknown",
        "already_sent",
        "skipped_unknown",
        "not_emailable",
        "counts",
        "MWKIT_PASSWORD",
        "MWKIT_OTP",
        "Two-factor code for NAME: ",
        "second_factor_required",
        "second_factor_failed",
        "login_session_lost",
        // The error's stable kind, and the command line's own kinds.
        "kind",
        "no_wiki_email",
        "blocked_from_email",
        "usage",
        "journal",
        "options_rejected",
        // HTTPS: the CA file, the environment, the failure, no way around.
        "--ca-file <PATH>",
        "SSL_CERT_FILE",
        "SSL_CERT_DIR",
        "kind tls",
        "openssl s_client -connect",
        "no switch that turns verification off",
        // OAuth: the settings, and the refusal's kind.
        "MWKIT_OAUTH2_TOKEN",
        "MWKIT_OAUTH2_CLIENT_ID",
        "MWKIT_OAUTH2_CLIENT_SECRET",
        "client_credentials",
        "oauth_invalid",
    ] {
        assert!(
            stdout.contains(needle) || flat.contains(needle),
            "--help lacks {needle}"
        );
    }
}

#[test]
fn a_wrong_password_exits_1_without_printing_it() {
    let wiki = Wiki::get();
    let wrong = format!("Wrong-{}", nonce());
    let (code, stdout, stderr) = run(wiki.mwkit("sender").env("MWKIT_PASSWORD", &wrong).args([
        "--json",
        "email",
        "--to",
        wiki.name("recipient"),
        "--subject",
        "x",
        "--text",
        "x",
    ]));
    assert_eq!(code, 1, "{stderr}");
    assert!(!stdout.contains(&wrong) && !stderr.contains(&wrong));
    assert!(stderr.contains("login refused"), "{stderr}");
    let doc = &docs(&stdout)[0];
    assert_eq!(doc["ok"], false);
    assert_eq!(doc["error"]["stage"], "login");
    assert_eq!(doc["error"]["kind"], "login_failed");
}

#[test]
fn emailable_reports_each_user_in_json() {
    let wiki = Wiki::get();
    let missing = format!("Nobody {}", nonce());
    let (code, stdout, stderr) = run(wiki.mwkit("sender").args([
        "--json",
        "emailable",
        wiki.name("recipient"),
        wiki.name("no_address"),
        &missing,
    ]));
    assert_eq!(code, 0, "{stderr}");
    let doc = &docs(&stdout)[0];
    assert_eq!(doc["command"], "emailable");
    assert_eq!(doc["ok"], true);
    let users = doc["users"].as_array().unwrap();
    let status: Vec<&str> = users
        .iter()
        .map(|u| u["status"].as_str().unwrap())
        .collect();
    assert_eq!(status, ["emailable", "not_emailable", "missing"]);
    assert_eq!(users[0]["emailable"], true);
    assert_eq!(users[1]["emailable"], false);
}

#[test]
fn an_email_to_one_user_arrives_at_the_sink() {
    let wiki = Wiki::get();
    let subject = format!("mwkit cli one {}", nonce());
    let dir = temp_dir("one");
    let file = dir.join("text");
    write(&file, "Hello from the command line.\nSecond line.");
    let (code, stdout, stderr) = run(wiki.mwkit("sender").args([
        "email",
        "--to",
        wiki.name("recipient"),
        "--subject",
        &subject,
        "--text-file",
        file.to_str().unwrap(),
    ]));
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.starts_with("sent to MwkitRecipient"), "{stdout}");
    let mails = wiki.wait_for_mails(&subject, 1);
    assert_eq!(mails.len(), 1);
    assert_eq!(mails[0]["rcpt_to"][0], wiki.email("recipient"));
    assert_eq!(
        mails[0]["text"],
        "Hello from the command line.\nSecond line."
    );
}

#[test]
fn a_refusal_exits_1_in_mediawikis_words() {
    let wiki = Wiki::get();
    let subject = format!("mwkit cli refused {}", nonce());
    let (code, stdout, stderr) = run(wiki.mwkit("sender").args([
        "--json",
        "email",
        "--to",
        wiki.name("no_address"),
        "--subject",
        &subject,
        "--text",
        "never",
    ]));
    assert_eq!(code, 1, "{stderr}");
    let doc = &docs(&stdout)[0];
    // The wiki's own code and words differ by version; the kind does not.
    let (code, words) = if wiki.since_1_43() {
        ("noemailtext", "not specified a valid email address")
    } else {
        ("noemail", "no email address")
    };
    assert_eq!(doc["error"]["code"], code);
    assert_eq!(doc["error"]["kind"], "no_email");
    assert_eq!(doc["exit"], 1);
    // MediaWiki's own text, then what to do.
    assert!(stderr.contains(words), "{stderr}");
    assert!(stderr.contains(&format!("({code})")), "{stderr}");
    assert!(wiki.wait_for_mails(&subject, 0).is_empty());
}

/// `mwkit --json email --to TO` sent by `cmd`, which must fail with exit 1
/// and the error `kind`, with no mail at the sink; returns the error.
fn email_refused(wiki: &Wiki, cmd: &mut std::process::Command, to: &str, kind: &str) -> Value {
    let subject = format!("mwkit cli {kind} {}", nonce());
    let (code, stdout, stderr) = run(cmd.args([
        "--json",
        "email",
        "--to",
        to,
        "--subject",
        &subject,
        "--text",
        "never",
    ]));
    let on = wiki.series();
    assert_eq!(code, 1, "MediaWiki {on}: {stdout}{stderr}");
    let doc = &docs(&stdout)[0];
    assert_eq!(doc["ok"], false, "MediaWiki {on}: {doc}");
    assert_eq!(doc["exit"], 1, "MediaWiki {on}: {doc}");
    let error = &doc["error"];
    assert_eq!(error["kind"], kind, "MediaWiki {on}: {error}");
    assert_eq!(error["stage"], "api", "MediaWiki {on}: {error}");
    assert_eq!(error["outcome_unknown"], false, "MediaWiki {on}: {error}");
    // The wiki's own code is there too, in its version's spelling.
    assert!(error["code"].is_string(), "MediaWiki {on}: {error}");
    assert!(
        wiki.wait_for_mails(&subject, 0).is_empty(),
        "MediaWiki {on}: a mail arrived"
    );
    error.clone()
}

#[test]
fn email_to_a_user_that_does_not_exist_is_no_target() {
    let wiki = Wiki::get();
    let nobody = format!("Nobody {}", nonce());
    // 1.39 says notarget, 1.43 emailnotarget.
    email_refused(&wiki, &mut wiki.mwkit("sender"), &nobody, "no_target");
}

#[test]
fn email_to_a_user_without_an_address_is_no_email() {
    let wiki = Wiki::get();
    // 1.39 says noemail, 1.43 noemailtext.
    let to = wiki.name("no_address");
    email_refused(&wiki, &mut wiki.mwkit("sender"), to, "no_email");
}

#[test]
fn email_to_a_user_who_refuses_mail_is_no_wiki_email() {
    let wiki = Wiki::get();
    // 1.39 says nowikiemail, 1.43 nowikiemailtext.
    let to = wiki.name("no_mail");
    email_refused(&wiki, &mut wiki.mwkit("sender"), to, "no_wiki_email");
}

#[test]
fn email_from_a_sitewide_blocked_sender_is_blocked() {
    let wiki = Wiki::get();
    // 1.39 says blockedemailuser for every block that stops email, 1.43
    // blocked: the kind comes from the block itself, sitewide here.
    let to = wiki.name("recipient");
    email_refused(&wiki, &mut wiki.mwkit("blocked"), to, "blocked");
}

#[test]
fn email_from_a_sender_blocked_from_email_only_is_blocked_from_email() {
    let wiki = Wiki::get();
    // A partial block with no page restrictions that stops email: 1.43 says
    // blocked here too, and the kind still tells it from a sitewide block.
    let to = wiki.name("recipient");
    let error = email_refused(
        &wiki,
        &mut wiki.mwkit("email_blocked"),
        to,
        "blocked_from_email",
    );
    assert!(error["hint"].as_str().unwrap().contains("email"), "{error}");
}

#[test]
fn email_from_a_sender_partially_blocked_elsewhere_is_sent() {
    let wiki = Wiki::get();
    // Blocked from the Talk namespace only: email is not covered.
    let subject = format!("mwkit cli partial block {}", nonce());
    let (code, stdout, stderr) = run(wiki.mwkit("partial_blocked").args([
        "--json",
        "email",
        "--to",
        wiki.name("recipient"),
        "--subject",
        &subject,
        "--text",
        "A partial block elsewhere does not stop email.",
    ]));
    let on = wiki.series();
    assert_eq!(code, 0, "MediaWiki {on}: {stdout}{stderr}");
    let doc = &docs(&stdout)[0];
    assert_eq!(doc["ok"], true, "{doc}");
    let mails = wiki.wait_for_mails(&subject, 1);
    assert_eq!(mails.len(), 1, "MediaWiki {on}");
    assert_eq!(mails[0]["rcpt_to"][0], wiki.email("recipient"));
}

#[test]
fn email_logged_out_is_refused_before_the_wiki_is_asked() {
    let wiki = Wiki::get();
    // Logged out, MediaWiki would answer cantsend (no sender address): the
    // command line does not ask it. `email` needs an account (MWKIT_USER),
    // and without one it stops as a usage error before any request, so the
    // kind is usage, not cant_send.
    let standin = StandIn::start(wiki.api_url(), Rule::Forward);
    let subject = format!("mwkit cli logged out {}", nonce());
    let (code, stdout, stderr) = run(mwkit().env("MWKIT_API", &standin.url).args([
        "--json",
        "email",
        "--to",
        wiki.name("recipient"),
        "--subject",
        &subject,
        "--text",
        "never",
    ]));
    assert_eq!(code, 2, "{stdout}{stderr}");
    let doc = &docs(&stdout)[0];
    assert_eq!(doc["ok"], false);
    assert_eq!(doc["exit"], 2);
    assert_eq!(doc["error"]["kind"], "usage", "{doc}");
    assert_eq!(doc["error"]["stage"], "usage", "{doc}");
    assert!(doc["error"]["code"].is_null(), "{doc}");
    assert!(stderr.contains("MWKIT_USER"), "{stderr}");
    assert_eq!(standin.emails_seen(), 0, "the wiki was asked to send");
    assert!(wiki.wait_for_mails(&subject, 0).is_empty());
}

#[test]
fn a_503_in_front_of_the_email_exits_3_outcome_unknown() {
    let wiki = Wiki::get();
    let standin = StandIn::start(wiki.api_url(), Rule::Refuse503);
    let subject = format!("mwkit cli 503 {}", nonce());
    let (code, stdout, stderr) = run(wiki.mwkit("sender").env("MWKIT_API", &standin.url).args([
        "--json",
        "email",
        "--to",
        wiki.name("recipient"),
        "--subject",
        &subject,
        "--text",
        "maybe",
    ]));
    assert_eq!(code, 3, "{stderr}");
    let doc = &docs(&stdout)[0];
    assert_eq!(doc["error"]["outcome_unknown"], true);
    assert_eq!(doc["error"]["stage"], "outcome_unknown");
    assert_eq!(doc["error"]["kind"], "outcome_unknown");
    assert!(stderr.contains("outcome unknown"), "{stderr}");
    // The stand-in never forwarded it (and the client did not send it again).
    assert!(wiki.wait_for_mails(&subject, 0).is_empty());
}

#[test]
fn options_set_get_and_reset_land_on_the_wiki() {
    let _turn = sender_options_turn();
    let wiki = Wiki::get();
    let key = format!("userjs-mwkitcli-{}", nonce());
    let sender = wiki.user("sender");
    let reader = Client::new(wiki.api_url(), "mwkit-cli-tests/0").unwrap();
    reader
        .login(
            sender["bot_name"].as_str().unwrap(),
            sender["bot_password"].as_str().unwrap(),
        )
        .unwrap();

    let set = format!("{key}=a|b=c");
    let (code, stdout, stderr) = run(wiki
        .mwkit("sender")
        .args(["--json", "options", "set", &set]));
    assert_eq!(code, 0, "{stderr}");
    let doc = &docs(&stdout)[0];
    assert_eq!(doc["applied"][0], key.as_str());
    assert_eq!(
        reader
            .options()
            .unwrap()
            .options
            .get(&key)
            .map(String::as_str),
        Some("a|b=c")
    );

    let (code, stdout, _) = run(wiki
        .mwkit("sender")
        .args(["--json", "options", "get", &key, "nosuch-x"]));
    assert_eq!(code, 0);
    let doc = &docs(&stdout)[0];
    assert_eq!(doc["options"][&key], "a|b=c");
    assert!(doc["options"]["nosuch-x"].is_null());

    // Human output: aligned name and value.
    let (code, stdout, _) = run(wiki.mwkit("sender").args(["options", "get", &key]));
    assert_eq!(code, 0);
    assert_eq!(stdout.trim_end(), format!("{key}  a|b=c"));

    // NAME= resets it.
    let reset = format!("{key}=");
    let (code, _, stderr) = run(wiki.mwkit("sender").args(["options", "set", &reset]));
    assert_eq!(code, 0, "{stderr}");
    assert!(!reader.options().unwrap().options.contains_key(&key));

    // An option the wiki drops is reported, and the command fails.
    let (code, stdout, stderr) = run(wiki.mwkit("sender").args([
        "--json",
        "options",
        "set",
        "gender=female",
        "mwkit-no-such-option=1",
    ]));
    assert_eq!(code, 1, "{stderr}");
    let doc = &docs(&stdout)[0];
    assert_eq!(doc["rejected"][0]["name"], "mwkit-no-such-option");
    assert_eq!(doc["rejected"][0]["code"], "validationfailed");
    assert_eq!(doc["error"]["kind"], "options_rejected");
    assert_eq!(doc["error"]["code"], "validationfailed");
    assert_eq!(doc["applied"][0], "gender");
    assert_eq!(reader.options().unwrap().options["gender"], "female");

    // Reset all: gender is back to its default.
    let (code, stdout, stderr) = run(wiki
        .mwkit("sender")
        .args(["--json", "options", "reset", "--all"]));
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(docs(&stdout)[0]["scope"], "all");
    assert_eq!(reader.options().unwrap().options["gender"], "unknown");
}

#[test]
fn a_password_reset_mail_arrives_logged_out() {
    let wiki = Wiki::get();
    let target = wiki.user("reset5");
    let address = target["email"].as_str().unwrap();
    let before = wiki_max_seq(&wiki);
    // No account: a reset is done logged out.
    let (code, stdout, stderr) = run(mwkit().env("MWKIT_API", wiki.api_url()).args([
        "--json",
        "reset-password",
        "--user",
        target["name"].as_str().unwrap(),
    ]));
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(docs(&stdout)[0]["status"], "success");
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let dir = wiki.state["mail_dir"].as_str().unwrap();
        let found = std::fs::read_dir(dir).unwrap().any(|e| {
            let path = e.unwrap().path();
            path.extension().is_some_and(|x| x == "json") && {
                let mail: serde_json::Value =
                    serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
                mail["seq"].as_u64().unwrap_or(0) > before
                    && mail["rcpt_to"][0] == address
                    && mail["text"]
                        .as_str()
                        .unwrap_or("")
                        .contains("Temporary password")
            }
        });
        if found {
            break;
        }
        assert!(Instant::now() < deadline, "no reset mail to {address}");
        std::thread::sleep(Duration::from_millis(100));
    }
}

fn wiki_max_seq(wiki: &Wiki) -> u64 {
    let dir = wiki.state["mail_dir"].as_str().unwrap();
    std::fs::read_dir(dir)
        .unwrap()
        .filter_map(|e| {
            let path = e.unwrap().path();
            (path.extension().is_some_and(|x| x == "json")).then(|| {
                let mail: serde_json::Value =
                    serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
                mail["seq"].as_u64().unwrap_or(0)
            })
        })
        .max()
        .unwrap_or(0)
}

/// The bulk list file: every bulk recipient, with a comment, a blank line,
/// a duplicate, and one user who cannot be emailed.
fn bulk_list(wiki: &Wiki, dir: &std::path::Path) -> std::path::PathBuf {
    let mut text = String::from("# mwkit bulk test\n\n");
    for (name, _) in wiki.bulk() {
        text.push_str(&name);
        text.push('\n');
    }
    text.push_str("mwkitBulk01\n"); // a duplicate, spelt as MediaWiki would fold it
    text.push_str(wiki.name("no_address"));
    text.push('\n');
    let path = dir.join("recipients.txt");
    write(&path, &text);
    path
}

#[test]
fn a_bulk_run_killed_midway_and_resumed_mails_everyone_once() {
    let wiki = Wiki::get();
    let bulk = wiki.bulk();
    assert_eq!(bulk.len(), 30);
    let dir = temp_dir("kill");
    let list = bulk_list(&wiki, &dir);
    let journal = dir.join("journal");
    let subject = format!("mwkit cli bulk {}", nonce());
    let args = |extra: &[&str]| {
        let mut a: Vec<String> = ["--json", "email", "--to-list"]
            .iter()
            .map(ToString::to_string)
            .collect();
        a.push(list.to_str().unwrap().into());
        a.extend(["--journal".into(), journal.to_str().unwrap().into()]);
        a.extend([
            "--subject".into(),
            subject.clone(),
            "--text".into(),
            "Bulk.".into(),
        ]);
        a.extend(extra.iter().map(ToString::to_string));
        a
    };

    // 1. Killed with SIGKILL after the 10th mail is reported sent.
    let mut child = wiki
        .mwkit("sender")
        .args(args(&[]))
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut sent_first = 0;
    for line in BufReader::new(child.stdout.take().unwrap()).lines() {
        let doc: serde_json::Value = serde_json::from_str(&line.unwrap()).unwrap();
        if doc["status"] == "sent" {
            sent_first += 1;
            if sent_first == 10 {
                child.kill().unwrap(); // SIGKILL
                break;
            }
        }
    }
    let status = child.wait().unwrap();
    assert_eq!(
        sent_first, 10,
        "the first run ended before 10 sends: {status:?}"
    );
    assert!(status.code().is_none(), "killed by a signal: {status:?}");

    // 2. Resumed: nobody already sent is sent again; at most one (the send in
    //    flight at the kill) is skipped as outcome unknown.
    let (code, stdout, stderr) = run(wiki.mwkit("sender").args(args(&[])));
    let (statuses, summary) = bulk_statuses(&stdout);
    let count = |s: &str| statuses.values().filter(|v| *v == s).count();
    assert_eq!(statuses.len(), 31, "{stdout}");
    assert_eq!(statuses["MwkitNoAddress"], "not_emailable");
    let unknown = count("skipped_unknown");
    assert!(unknown <= 1, "{stdout}");
    assert!((10..=11).contains(&count("already_sent")), "{stdout}");
    assert_eq!(
        count("already_sent") + count("sent") + unknown,
        30,
        "{stdout}"
    );
    assert_eq!(code, if unknown == 1 { 3 } else { 0 }, "{stderr}");
    assert_eq!(summary["exit"], code);
    assert_eq!(summary["counts"]["sent"], count("sent"));
    assert_eq!(summary["recipients"], 31);

    // At the sink: every recipient exactly once, but the unknown one at most once.
    let per = wiki.mails_per_address(&subject, 30 - unknown);
    for (name, address) in &bulk {
        let got = per.get(address).copied().unwrap_or(0);
        if statuses[name] == "skipped_unknown" {
            assert!(got <= 1, "{name} got {got} mails");
        } else {
            assert_eq!(got, 1, "{name} got {got} mails");
        }
    }
    let total: usize = per.values().sum();

    // 3. A third run sends nothing more.
    let (code3, stdout, stderr) = run(wiki.mwkit("sender").args(args(&[])));
    assert_eq!(code3, code, "{stderr}");
    let (statuses, summary) = bulk_statuses(&stdout);
    assert_eq!(summary["counts"]["sent"], 0, "{stdout}");
    assert_eq!(
        statuses.values().filter(|v| *v == "already_sent").count(),
        30 - unknown
    );
    std::thread::sleep(Duration::from_millis(500));
    assert_eq!(wiki.mails(&subject).len(), total);
}

#[test]
fn a_send_in_flight_at_a_kill_is_reported_unknown_and_resent_only_when_asked() {
    let wiki = Wiki::get();
    let bulk: Vec<(String, String)> = wiki.bulk().into_iter().take(4).collect();
    let dir = temp_dir("inflight");
    let list = dir.join("list");
    write(
        &list,
        &bulk
            .iter()
            .map(|(n, _)| n.as_str())
            .collect::<Vec<_>>()
            .join("\n"),
    );
    let journal = dir.join("journal");
    let subject = format!("mwkit cli inflight {}", nonce());
    // The second email is forwarded to the wiki and then held unanswered.
    let standin = StandIn::start(wiki.api_url(), Rule::HangOn(2));
    let cmd = |extra: &[&str]| {
        let mut c = wiki.mwkit("sender");
        c.env("MWKIT_API", &standin.url).args([
            "--json",
            "email",
            "--to-list",
            list.to_str().unwrap(),
            "--journal",
            journal.to_str().unwrap(),
            "--subject",
            &subject,
            "--text",
            "In flight.",
        ]);
        c.args(extra);
        c
    };
    let mut child = cmd(&[])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(30);
    while !standin.hanging() {
        assert!(
            Instant::now() < deadline,
            "the second email never reached the stand-in"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    // The wiki acted: the mail is at the sink, the client has no answer.
    assert_eq!(wiki.wait_for_mails(&subject, 2).len(), 2);
    child.kill().unwrap();
    child.wait().unwrap();
    standin.set(Rule::Forward);

    let (code, stdout, stderr) = run(&mut cmd(&[]));
    assert_eq!(code, 3, "{stderr}");
    let (statuses, summary) = bulk_statuses(&stdout);
    assert_eq!(statuses[&bulk[0].0], "already_sent");
    assert_eq!(statuses[&bulk[1].0], "skipped_unknown");
    assert_eq!(statuses[&bulk[2].0], "sent");
    assert_eq!(statuses[&bulk[3].0], "sent");
    assert_eq!(summary["counts"]["skipped_unknown"], 1);
    let per = wiki.mails_per_address(&subject, 4);
    assert!(bulk.iter().all(|(_, a)| per[a] == 1), "{per:?}");

    // Only --resend-unknown sends it again (a second mail, as the flag says).
    let (code, stdout, stderr) = run(&mut cmd(&["--resend-unknown"]));
    assert_eq!(code, 0, "{stderr}");
    let (statuses, _) = bulk_statuses(&stdout);
    assert_eq!(statuses[&bulk[1].0], "sent");
    let per = wiki.mails_per_address(&subject, 5);
    assert_eq!(per[&bulk[1].1], 2);

    // And then nothing more.
    let (code, stdout, _) = run(&mut cmd(&["--resend-unknown"]));
    assert_eq!(code, 0);
    let (statuses, _) = bulk_statuses(&stdout);
    assert!(
        statuses.values().all(|s| s == "already_sent"),
        "{statuses:?}"
    );
}

/// `mwkit --json email --to-list` as the sender, through the stand-in.
fn bulk_through(
    wiki: &Wiki,
    standin: &StandIn,
    list: &std::path::Path,
    journal: &std::path::Path,
    subject: &str,
) -> std::process::Command {
    let mut c = wiki.mwkit("sender");
    c.env("MWKIT_API", &standin.url)
        .args(["--json", "email", "--to-list"]);
    c.arg(list).arg("--journal").arg(journal);
    c.args(["--subject", subject, "--text", "Stopped cleanly."]);
    c
}

/// A bulk mail to the 30 bulk recipients (and one not emailable), through a
/// stand-in that holds the wiki's answer to the 10th email: `signal` comes
/// while it is in flight (acknowledged on stderr), then the answer. The mail
/// in flight is journaled sent, nothing more is sent, the exit is `code`;
/// the rerun sends the other 20, and everyone gets exactly one mail.
fn a_bulk_run_stopped_by(signal: &str, code: i32) {
    let wiki = Wiki::get();
    let bulk = wiki.bulk();
    assert_eq!(bulk.len(), 30);
    let dir = temp_dir(&format!("sig{signal}"));
    let list = bulk_list(&wiki, &dir);
    let journal = dir.join("journal");
    let subject = format!("mwkit cli {signal} {}", nonce());
    let standin = StandIn::start(wiki.api_url(), Rule::Hold(10));
    let cmd = || bulk_through(&wiki, &standin, &list, &journal, &subject);
    let mut running = Watched::spawn(&mut cmd());
    standin.wait_hanging();
    // The wiki has sent the 10th mail; the client waits for the answer.
    assert_eq!(wiki.wait_for_mails(&subject, 10).len(), 10);
    running.signal(signal);
    running.wait_stderr(&format!("mwkit: SIG{signal}: stopping"));
    standin.release();
    let (status, stdout, stderr) = running.finish();
    assert_eq!(status.code(), Some(code), "{status:?} {stderr}");

    let (statuses, summary) = bulk_statuses(&stdout);
    let count = |s: &str| statuses.values().filter(|v| *v == s).count();
    assert_eq!(statuses.len(), 31, "{stdout}");
    assert_eq!(count("sent"), 10, "{stdout}");
    assert_eq!(count("not_sent"), 20, "{stdout}");
    assert_eq!(statuses[&bulk[9].0], "sent", "the mail in flight");
    assert_eq!(summary["exit"], code);
    assert_eq!(summary["error"]["kind"], "interrupted", "{summary}");
    assert!(
        stderr.contains("with the same journal, to go on"),
        "no line saying a rerun resumes: {stderr}"
    );
    assert_eq!(
        standin.emails_seen(),
        10,
        "an email started after the signal"
    );
    // The journal holds every outcome: nobody is left `sending`.
    let last = journal_last_events(&journal);
    assert!(last.values().all(|e| e != "sending"), "{last:?}");
    assert_eq!(last.values().filter(|e| *e == "sent").count(), 10);

    // The rerun (the stand-in forwarding all) sends the other 20.
    standin.set(Rule::Forward);
    let (rerun, stdout, stderr) = run(&mut cmd());
    assert_eq!(rerun, 0, "{stderr}");
    let (statuses, _) = bulk_statuses(&stdout);
    let count = |s: &str| statuses.values().filter(|v| *v == s).count();
    assert_eq!((count("already_sent"), count("sent")), (10, 20), "{stdout}");
    let per = wiki.mails_per_address(&subject, 30);
    for (name, address) in &bulk {
        assert_eq!(per.get(address), Some(&1), "{name}: {per:?}");
    }
    assert_eq!(per.values().sum::<usize>(), 30);
}

#[test]
fn sigterm_mid_bulk_finishes_the_mail_in_flight_exits_143_and_the_rerun_sends_the_rest() {
    a_bulk_run_stopped_by("TERM", 143);
}

#[test]
fn sigint_mid_bulk_finishes_the_mail_in_flight_exits_130_and_the_rerun_sends_the_rest() {
    a_bulk_run_stopped_by("INT", 130);
}

#[test]
fn a_second_signal_stops_a_bulk_run_at_once() {
    use std::os::unix::process::ExitStatusExt;
    let wiki = Wiki::get();
    let bulk: Vec<(String, String)> = wiki.bulk().into_iter().take(3).collect();
    let dir = temp_dir("sig2");
    let list = dir.join("list");
    let names: Vec<&str> = bulk.iter().map(|(n, _)| n.as_str()).collect();
    write(&list, &names.join("\n"));
    let journal = dir.join("journal");
    let subject = format!("mwkit cli second signal {}", nonce());
    let standin = StandIn::start(wiki.api_url(), Rule::Hold(2));
    let mut running = Watched::spawn(&mut bulk_through(
        &wiki, &standin, &list, &journal, &subject,
    ));
    standin.wait_hanging();
    running.signal("TERM");
    running.wait_stderr("mwkit: SIGTERM: stopping");
    // The answer is still held: only the second signal can end the run.
    running.signal("INT");
    let (status, _, stderr) = running.finish();
    standin.release();
    assert_eq!(status.signal(), Some(2), "{status:?} {stderr}");
    // As a kill: the mail in flight stays `sending` (a rerun calls it unknown).
    let last = journal_last_events(&journal);
    assert_eq!(last[&bulk[0].0], "sent");
    assert_eq!(last[&bulk[1].0], "sending", "{last:?}");
    assert!(!last.contains_key(&bulk[2].0), "{last:?}");
}

#[test]
fn sigterm_while_a_mail_waits_as_the_wiki_asked_gives_it_up_unsent_and_the_rerun_sends_it() {
    // The wiki answered the second mail `maxlag` (proof that it did not
    // act) and asked for 20 s: the signal ends the wait at once, the mail
    // is not sent again, and the journal says `not_sent`, which the rerun
    // sends.
    let wiki = Wiki::get();
    let bulk: Vec<(String, String)> = wiki.bulk().into_iter().take(2).collect();
    let dir = temp_dir("sigmaxlag");
    let list = dir.join("list");
    let names: Vec<&str> = bulk.iter().map(|(n, _)| n.as_str()).collect();
    write(&list, &names.join("\n"));
    let journal = dir.join("journal");
    let subject = format!("mwkit cli maxlag sigterm {}", nonce());
    let standin = StandIn::start(wiki.api_url(), Rule::Maxlag(2));
    let running = Watched::spawn(&mut bulk_through(
        &wiki, &standin, &list, &journal, &subject,
    ));
    standin.wait_hanging();
    running.signal("TERM");
    let (status, stdout, stderr) = running.finish();
    assert_eq!(status.code(), Some(143), "{status:?} {stdout} {stderr}");
    assert_eq!(
        standin.emails_seen(),
        2,
        "sent again after the wait: {stderr}"
    );
    let last = journal_last_events(&journal);
    assert_eq!(last[&bulk[0].0], "sent", "{last:?}");
    assert_eq!(last[&bulk[1].0], "not_sent", "{last:?}");
    let report = docs(&stdout);
    let line = report
        .iter()
        .find(|d| d["user"] == bulk[1].0.as_str())
        .unwrap_or_else(|| panic!("no line for {}: {stdout}", bulk[1].0));
    assert_eq!(line["status"], "not_sent", "{line}");

    standin.set(Rule::Forward);
    let (code, stdout, stderr) = run(&mut bulk_through(
        &wiki, &standin, &list, &journal, &subject,
    ));
    assert_eq!(code, 0, "{stdout} {stderr}");
    let per = wiki.mails_per_address(&subject, 2);
    for (name, address) in &bulk {
        assert_eq!(per.get(address), Some(&1), "{name}: {per:?}");
    }
}

#[test]
fn a_single_email_under_sigterm_waits_for_its_answer_and_says_it_was_sent() {
    let wiki = Wiki::get();
    let subject = format!("mwkit cli single sigterm {}", nonce());
    let standin = StandIn::start(wiki.api_url(), Rule::Hold(1));
    let mut cmd = wiki.mwkit("sender");
    cmd.env("MWKIT_API", &standin.url).args([
        "--json",
        "email",
        "--to",
        wiki.name("recipient"),
        "--subject",
        &subject,
        "--text",
        "One, under SIGTERM.",
    ]);
    let mut running = Watched::spawn(&mut cmd);
    standin.wait_hanging();
    running.signal("TERM");
    running.wait_stderr("mwkit: SIGTERM: stopping");
    standin.release();
    let (status, stdout, stderr) = running.finish();
    // Nothing was left undone: the exit says what happened to the mail.
    assert_eq!(status.code(), Some(0), "{status:?} {stderr}");
    let doc = &docs(&stdout)[0];
    assert_eq!(doc["ok"], true, "{doc}");
    assert_eq!(doc["result"], "Success", "{doc}");
    assert_eq!(wiki.wait_for_mails(&subject, 1).len(), 1);
}

#[test]
fn ctrl_c_at_the_password_prompt_of_an_email_stops_it_at_once() {
    // Nothing is in flight while a person types: the first Ctrl-C (^C on
    // the terminal, SIGINT) ends mwkit by the signal, as before signals were
    // caught, instead of being held until an answer that never comes.
    const DRIVER: &str = r#"
import os, pty, select, sys, termios, time
pid, fd = pty.fork()
if pid == 0:
    os.execv(sys.argv[1], sys.argv[1:])
out, deadline = b"", time.time() + 60
while time.time() < deadline and b"password for " not in out:
    if select.select([fd], [], [], 0.2)[0]:
        out += os.read(fd, 4096)
while termios.tcgetattr(fd)[3] & termios.ECHO and time.time() < deadline:
    time.sleep(0.01)
os.write(fd, b"\x03")
while time.time() < deadline:
    if select.select([fd], [], [], 0.2)[0]:
        try:
            if not os.read(fd, 4096):
                break
        except OSError:
            break
if time.time() >= deadline:
    os.kill(pid, 9)
print(os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1]))
"#;
    let wiki = Wiki::get();
    let mut python = std::process::Command::new("python3");
    without_settings(&mut python);
    python
        .args(["-c", DRIVER])
        .arg(mwkit_bin())
        .args(["email", "--to"])
        .args([wiki.name("recipient"), "--subject", "never", "--text", "x"])
        .env("MWKIT_API", wiki.api_url())
        .env("MWKIT_USER", wiki.name("sender"))
        .stdin(Stdio::null());
    let (code, stdout, stderr) = run(&mut python);
    assert_eq!(code, 0, "the pty driver failed: {stderr}");
    assert_eq!(
        stdout.trim(),
        "-2",
        "not ended by SIGINT (-9: held past 60 s)"
    );
}

#[test]
fn a_rate_limited_bulk_run_stops_saying_how_many_were_sent() {
    let wiki = Wiki::get();
    // MwkitLimited may send one mail a day; other suites may have used it.
    let bulk: Vec<(String, String)> = wiki.bulk().into_iter().skip(26).collect();
    let dir = temp_dir("limited");
    let list = dir.join("list");
    write(
        &list,
        &bulk
            .iter()
            .map(|(n, _)| n.as_str())
            .collect::<Vec<_>>()
            .join("\n"),
    );
    let subject = format!("mwkit cli limited {}", nonce());
    let journal = dir.join("journal");
    let args = [
        "email",
        "--to-list",
        list.to_str().unwrap(),
        "--journal",
        journal.to_str().unwrap(),
        "--subject",
        &subject,
        "--text",
        "Limited.",
    ];
    let (code, stdout, stderr) = run(wiki.mwkit("limited").arg("--json").args(args));
    if wiki.since_1_43() {
        // MediaWiki 1.43's API never applies the emailuser rate limit:
        // ApiEmailUser calls EmailUser::canSend, not authorizeSend (which is
        // where the limit is pinged), so every mail is sent and the run
        // completes. The wiki, not the command line, decides this.
        assert_eq!(code, 0, "{stdout}{stderr}");
        let (statuses, summary) = bulk_statuses(&stdout);
        assert!(statuses.values().all(|s| s == "sent"), "{stdout}");
        assert_eq!(summary["counts"]["sent"], bulk.len(), "{stdout}");
        assert!(summary["error"].is_null(), "{stdout}");
        assert_eq!(wiki.wait_for_mails(&subject, bulk.len()).len(), bulk.len());
        // A later run sends nobody twice.
        let (code, stdout, stderr) = run(wiki.mwkit("limited").arg("--json").args(args));
        assert_eq!(code, 0, "{stderr}");
        let (statuses, _) = bulk_statuses(&stdout);
        assert!(statuses.values().all(|s| s == "already_sent"), "{stdout}");
        assert_eq!(wiki.wait_for_mails(&subject, bulk.len()).len(), bulk.len());
        return;
    }
    assert_eq!(code, 1, "{stderr}");
    let (statuses, summary) = bulk_statuses(&stdout);
    let sent = summary["counts"]["sent"].as_u64().unwrap();
    assert!(sent <= 1, "{stdout}");
    assert_eq!(summary["error"]["code"], "ratelimited");
    assert_eq!(summary["error"]["kind"], "rate_limited");
    assert_eq!(statuses.values().filter(|s| *s == "failed").count(), 1);
    assert_eq!(
        summary["counts"]["not_sent"].as_u64().unwrap(),
        bulk.len() as u64 - sent - 1
    );
    let words = format!("stopped after sending {sent} mail");
    assert!(stderr.contains(&words), "{stderr}");
    assert!(stderr.contains("same journal"), "{stderr}");
    assert_eq!(
        wiki.wait_for_mails(&subject, sent as usize).len() as u64,
        sent
    );

    // A later run goes on from the journal: still limited, nobody twice.
    let (code, _, stderr) = run(wiki.mwkit("limited").args(args));
    assert_eq!(code, 1, "{stderr}");
    assert!(stderr.contains("stopped after sending 0 mails"), "{stderr}");
    assert_eq!(
        wiki.wait_for_mails(&subject, sent as usize).len() as u64,
        sent
    );
}

/// A bulk run through a gateway that forwards the email to the second of
/// three recipients, so the wiki sends it, and then answers `status` with
/// `body`, a JSON error of its own without MediaWiki's `MediaWiki-API-Error`
/// header; then the rerun the command line advises. That recipient gets
/// exactly one mail and is journaled unknown, never failed (a failed
/// recipient is sent again by the rerun).
fn a_gateway_error_after_the_send(tag: &str, status: u16, body: &str) {
    let wiki = Wiki::get();
    let on = wiki.series();
    let bulk: Vec<(String, String)> = wiki.bulk().into_iter().skip(5).take(3).collect();
    let chosen = &bulk[1].0;
    let dir = temp_dir(tag);
    let list = dir.join("list");
    write(
        &list,
        &bulk
            .iter()
            .map(|(n, _)| n.as_str())
            .collect::<Vec<_>>()
            .join("\n"),
    );
    let journal = dir.join("journal");
    let subject = format!("mwkit cli {tag} {}", nonce());
    let standin = StandIn::start(
        wiki.api_url(),
        Rule::GatewayErrorAfterSend {
            target: chosen.clone(),
            status,
            body: body.to_owned(),
        },
    );
    let cmd = || {
        let mut c = wiki.mwkit("sender");
        c.env("MWKIT_API", &standin.url).args([
            "--json",
            "email",
            "--to-list",
            list.to_str().unwrap(),
            "--journal",
            journal.to_str().unwrap(),
            "--subject",
            &subject,
            "--text",
            "Behind a gateway.",
        ]);
        c
    };

    // 1. The run: the chosen recipient's outcome is unknown, and the run
    //    stops there (exit 3).
    let (code, stdout, stderr) = run(&mut cmd());
    assert_eq!(code, 3, "MediaWiki {on}: {stdout}{stderr}");
    let (statuses, summary) = bulk_statuses(&stdout);
    assert_eq!(statuses[&bulk[0].0], "sent", "{stdout}");
    assert_eq!(statuses[chosen], "unknown", "MediaWiki {on}: {stdout}");
    assert_eq!(statuses[&bulk[2].0], "not_sent", "{stdout}");
    assert_eq!(summary["exit"], 3, "{summary}");
    assert_eq!(summary["ok"], false, "{summary}");
    assert_eq!(summary["counts"]["unknown"], 1, "{summary}");
    assert_eq!(summary["counts"]["failed"], 0, "{summary}");
    let error = &summary["error"];
    assert_eq!(error["outcome_unknown"], true, "{error}");
    assert_eq!(error["kind"], "outcome_unknown", "{error}");
    // The gateway's body is not taken for MediaWiki's word.
    assert!(error["code"].is_null(), "{error}");
    assert!(
        error["hint"].as_str().unwrap().contains("same journal"),
        "{error}"
    );
    assert_eq!(standin.emails_to(chosen), 1);

    // The journal says unknown for the chosen recipient, never failed.
    let text = std::fs::read_to_string(&journal).unwrap();
    let events: Vec<String> = text
        .lines()
        .skip(1)
        .map(|l| serde_json::from_str::<Value>(l).unwrap())
        .filter(|l| l["user"] == chosen.as_str())
        .map(|l| l["event"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(events, ["sending", "unknown"], "{text}");

    // 2. The rerun the command line advises (the gateway is well again):
    //    the chosen recipient is skipped, the rest is sent.
    standin.set(Rule::Forward);
    let (code, stdout, stderr) = run(&mut cmd());
    assert_eq!(code, 3, "MediaWiki {on}: {stdout}{stderr}");
    let (statuses, summary) = bulk_statuses(&stdout);
    assert_eq!(statuses[&bulk[0].0], "already_sent", "{stdout}");
    assert_eq!(statuses[chosen], "skipped_unknown", "{stdout}");
    assert_eq!(statuses[&bulk[2].0], "sent", "{stdout}");
    assert_eq!(summary["exit"], 3, "{summary}");
    assert_eq!(summary["counts"]["skipped_unknown"], 1, "{summary}");
    assert!(summary["error"].is_null(), "{summary}");
    assert_eq!(standin.emails_to(chosen), 1, "the rerun sent it again");

    // At the sink: everyone exactly once, the chosen recipient included.
    let per = wiki.mails_per_address(&subject, 3);
    for (name, address) in &bulk {
        let got = per.get(address).copied().unwrap_or(0);
        assert_eq!(got, 1, "MediaWiki {on}: {name} got {got} mails");
    }
}

#[test]
fn a_gateways_json_503_after_the_send_is_unknown_and_the_rerun_mails_nobody_twice() {
    a_gateway_error_after_the_send("gateway503", 503, GATEWAY_503);
}

#[test]
fn a_gateways_json_504_after_the_send_is_unknown_and_the_rerun_mails_nobody_twice() {
    a_gateway_error_after_the_send("gateway504", 504, GATEWAY_504);
}

// ---- two-factor logins (OATHAuth, MediaWiki 1.43) ---------------------------------
//
// The wiki's two_factor_cli account: a main account with a TOTP key, whose
// codes come from `testwiki totp` (each 30-second window is accepted once).
// On a wiki without it (1.39 has no OATHAuth; a 1.43 wiki made before it)
// each test prints one SKIP line and passes.

const TWO_FACTOR: &str = "two_factor_cli";

/// `mwkit --json email --to` the recipient with `cmd`: its exit status,
/// stdout, stderr, and the subject.
fn email_with(wiki: &Wiki, cmd: &mut std::process::Command) -> (i32, String, String, String) {
    let subject = format!("mwkit cli two-factor {}", nonce());
    let (code, stdout, stderr) = run(cmd.args([
        "--json",
        "email",
        "--to",
        wiki.name("recipient"),
        "--subject",
        &subject,
        "--text",
        "Sent after a two-factor login.",
    ]));
    (code, stdout, stderr, subject)
}

#[test]
fn a_two_factor_account_logs_in_with_mwkit_otp_and_emails() {
    let _turn = two_factor_turn();
    let wiki = Wiki::get();
    let test = "a_two_factor_account_logs_in_with_mwkit_otp_and_emails";
    let Some(account) = wiki.two_factor(TWO_FACTOR, test) else {
        return;
    };
    let standin = StandIn::start(wiki.api_url(), Rule::Forward);
    let otp = wiki.totp(TWO_FACTOR, false);
    let mut cmd = wiki.mwkit_main(TWO_FACTOR);
    cmd.env("MWKIT_API", &standin.url).env("MWKIT_OTP", &otp);
    let (code, stdout, stderr, subject) = email_with(&wiki, &mut cmd);
    assert_eq!(code, 0, "{stdout}{stderr}");
    assert_eq!(docs(&stdout)[0]["ok"], true, "{stdout}");
    assert!(
        !stdout.contains(&otp) && !stderr.contains(&otp),
        "{stdout}{stderr}"
    );
    let password = account["password"].as_str().unwrap();
    assert!(!stdout.contains(password) && !stderr.contains(password));
    let mails = wiki.wait_for_mails(&subject, 1);
    assert_eq!(mails.len(), 1);
    assert_eq!(mails[0]["rcpt_to"][0], wiki.email("recipient"));
    // The code went once, in the continuation the wiki asked for: the
    // access log shows clientlogin, its continuation and the email.
    let continued: Vec<String> = standin
        .requests()
        .into_iter()
        .filter(|r| r.contains("logincontinue=1"))
        .collect();
    assert_eq!(continued.len(), 1, "{continued:?}");
    assert!(continued[0].contains(&format!("OATHToken={otp}")));
    let posts = wiki.requests_tagged(&standin.tag);
    let posts: Vec<&String> = posts.iter().filter(|l| l.contains("\"POST ")).collect();
    assert_eq!(posts.len(), 3, "{posts:#?}");
}

#[test]
fn a_two_factor_account_without_mwkit_otp_or_a_terminal_exits_2_and_sends_nothing_more() {
    let _turn = two_factor_turn();
    let wiki = Wiki::get();
    let test =
        "a_two_factor_account_without_mwkit_otp_or_a_terminal_exits_2_and_sends_nothing_more";
    if wiki.two_factor(TWO_FACTOR, test).is_none() {
        return;
    }
    let standin = StandIn::start(wiki.api_url(), Rule::Forward);
    let mut cmd = wiki.mwkit_main(TWO_FACTOR);
    cmd.env("MWKIT_API", &standin.url);
    let (code, stdout, stderr, subject) = email_with(&wiki, &mut cmd);
    assert_eq!(code, 2, "{stdout}{stderr}");
    assert!(stderr.contains("MWKIT_OTP"), "{stderr}");
    assert!(stderr.contains("two-factor code"), "{stderr}");
    let doc = &docs(&stdout)[0];
    assert_eq!(doc["ok"], false);
    assert_eq!(doc["exit"], 2);
    assert_eq!(doc["error"]["kind"], "second_factor_required", "{doc}");
    assert_eq!(doc["error"]["stage"], "login", "{doc}");
    assert_eq!(doc["error"]["code"], "oathauth-auth-ui", "{doc}");
    assert!(doc["error"]["hint"].as_str().unwrap().contains("MWKIT_OTP"));
    // The wiki asked, and nothing more was sent: the access log shows the
    // login token and the one clientlogin POST for this run's User-Agent,
    // and the stand-in, which sees the bodies, no continuation.
    let lines = wiki.requests_tagged(&standin.tag);
    assert_eq!(lines.len(), 2, "{lines:#?}");
    assert!(lines[0].contains("type=login"), "{lines:#?}");
    assert!(lines[1].contains("\"POST "), "{lines:#?}");
    let requests = standin.requests();
    assert!(
        requests.iter().all(|r| !r.contains("logincontinue")),
        "{requests:#?}"
    );
    assert!(requests[1].contains("action=clientlogin"), "{requests:#?}");
    assert!(wiki.wait_for_mails(&subject, 0).is_empty());
}

#[test]
fn a_wrong_two_factor_code_exits_1_and_is_in_no_output_or_journal() {
    let _turn = two_factor_turn();
    let wiki = Wiki::get();
    let test = "a_wrong_two_factor_code_exits_1_and_is_in_no_output_or_journal";
    if wiki.two_factor(TWO_FACTOR, test).is_none() {
        return;
    }
    // A code not valid now, and one holding wiki.json's canary (which
    // run() also searches every output and journal for).
    let canary = wiki.state["canary"].as_str().unwrap();
    for wrong in [wiki.totp(TWO_FACTOR, true), format!("{canary} {}", nonce())] {
        refused_code_shows_nowhere(&wiki, &wrong);
    }
}

/// `wrong` as MWKIT_OTP: exit 1, `second_factor_failed`, and the code in no
/// output or journal, for one email and for a bulk run.
fn refused_code_shows_nowhere(wiki: &Wiki, wrong: &str) {
    let (code, stdout, stderr, subject) =
        email_with(wiki, wiki.mwkit_main(TWO_FACTOR).env("MWKIT_OTP", wrong));
    assert_eq!(code, 1, "{stdout}{stderr}");
    let doc = &docs(&stdout)[0];
    assert_eq!(doc["exit"], 1);
    assert_eq!(doc["error"]["kind"], "second_factor_failed", "{doc}");
    assert_eq!(doc["error"]["stage"], "login", "{doc}");
    assert_eq!(doc["error"]["code"], "oathauth-login-failed", "{doc}");
    assert!(stderr.contains("refused the two-factor code"), "{stderr}");
    assert!(!stdout.contains(wrong) && !stderr.contains(wrong));
    assert!(wiki.wait_for_mails(&subject, 0).is_empty());

    // A bulk run opens its journal before logging in: the code is not in it.
    let dir = temp_dir("two-factor");
    let (list, journal) = (dir.join("list"), dir.join("journal"));
    write(&list, wiki.name("recipient"));
    let (code, stdout, stderr) = run(wiki
        .mwkit_main(TWO_FACTOR)
        .env("MWKIT_OTP", wrong)
        .args(["--json", "email", "--subject", &subject, "--text", "never"])
        .arg("--to-list")
        .arg(&list)
        .arg("--journal")
        .arg(&journal));
    assert_eq!(code, 1, "{stdout}{stderr}");
    assert!(stdout.contains("second_factor_failed"), "{stdout}");
    assert!(!stdout.contains(wrong) && !stderr.contains(wrong));
    for entry in std::fs::read_dir(&dir).unwrap() {
        let bytes = std::fs::read(entry.unwrap().path()).unwrap();
        assert!(!String::from_utf8_lossy(&bytes).contains(wrong));
    }
    assert!(wiki.wait_for_mails(&subject, 0).is_empty());
}

#[test]
fn a_bot_password_and_an_account_without_two_factor_are_never_asked_for_a_code() {
    let _turn = two_factor_turn();
    let wiki = Wiki::get();
    let test = "a_bot_password_and_an_account_without_two_factor_are_never_asked_for_a_code";
    if wiki.two_factor(TWO_FACTOR, test).is_none() {
        return;
    }
    // No MWKIT_OTP and no terminal: asked for a code, these would exit 2.
    for (what, mut cmd) in [
        (
            "the two-factor account's bot password",
            wiki.mwkit(TWO_FACTOR),
        ),
        (
            "a main account without two-factor",
            wiki.mwkit_main("sender"),
        ),
    ] {
        let (code, stdout, stderr) = run(cmd.args(["--json", "options", "get", "language"]));
        assert_eq!(code, 0, "{what}: {stdout}{stderr}");
        assert!(!stderr.contains("Two-factor"), "{what}: {stderr}");
    }
}

/// Runs `mwkit` (with `env`) on a new pseudo-terminal through python3's pty
/// module, typing `answer` and a newline at the two-factor prompt once the
/// terminal's echo is off (several answers, comma-separated: one at each
/// prompt, in turn). Returns the exit status, everything written to
/// the terminal, and whether echo was off when the prompt was answered.
fn on_a_terminal(env: &[(&str, &str)], args: &[&str], answer: &str) -> (i32, String, bool) {
    const DRIVER: &str = r#"
import json, os, pty, select, sys, termios, time
answers = os.environ.pop("MWKIT_TEST_ANSWER").split(",")
pid, fd = pty.fork()
if pid == 0:
    os.execv(sys.argv[1], sys.argv[1:])
out, typed, echo_off = b"", 0, None
deadline = time.time() + 120
while time.time() < deadline:
    if typed < len(answers) and out.count(b"Two-factor code for ") > typed:
        # Answer once the prompt has turned echo off (2 s at most).
        for _ in range(200):
            echo_off = not termios.tcgetattr(fd)[3] & termios.ECHO
            if echo_off:
                break
            time.sleep(0.01)
        os.write(fd, answers[typed].encode() + b"\n")
        typed += 1
    ready, _, _ = select.select([fd], [], [], 0.2)
    if ready:
        try:
            chunk = os.read(fd, 4096)
        except OSError:
            break
        if not chunk:
            break
        out += chunk
_, status = os.waitpid(pid, 0)
print(json.dumps({"status": os.waitstatus_to_exitcode(status),
                  "out": out.decode("utf-8", "replace"), "echo_off": bool(echo_off)}))
"#;
    let mut python = std::process::Command::new("python3");
    without_settings(&mut python);
    python
        .arg("-c")
        .arg(DRIVER)
        .arg(mwkit_bin())
        .args(args)
        .envs(env.iter().copied())
        .env("MWKIT_TEST_ANSWER", answer)
        .stdin(Stdio::null());
    let (code, stdout, stderr) = run(&mut python);
    assert_eq!(code, 0, "the pty driver failed: {stderr}");
    let doc: Value = serde_json::from_str(stdout.trim()).unwrap();
    (
        i32::try_from(doc["status"].as_i64().unwrap()).unwrap(),
        doc["out"].as_str().unwrap().to_owned(),
        doc["echo_off"].as_bool().unwrap(),
    )
}

#[test]
fn on_a_terminal_the_two_factor_code_is_asked_for_without_echo_and_never_shown() {
    let _turn = two_factor_turn();
    let wiki = Wiki::get();
    let test = "on_a_terminal_the_two_factor_code_is_asked_for_without_echo_and_never_shown";
    let Some(account) = wiki.two_factor(TWO_FACTOR, test) else {
        return;
    };
    let name = account["name"].as_str().unwrap();
    let env = [
        ("MWKIT_API", wiki.api_url()),
        ("MWKIT_USER", name),
        ("MWKIT_PASSWORD", account["password"].as_str().unwrap()),
    ];
    let args = ["--json", "options", "get", "language"];

    // Nothing typed: no code, as without a terminal (exit 2).
    let (code, out, echo_off) = on_a_terminal(&env, &args, "");
    assert_eq!(code, 2, "{out}");
    assert!(echo_off, "{out}");
    assert!(out.contains("second_factor_required"), "{out}");
    assert!(out.contains("no code was typed"), "{out}");

    // The right code, typed at the prompt.
    let otp = wiki.totp(TWO_FACTOR, false);
    let (code, out, echo_off) = on_a_terminal(&env, &args, &otp);
    assert_eq!(code, 0, "{out}");
    assert!(echo_off, "the prompt left echo on: {out}");
    assert!(
        out.contains(&format!("Two-factor code for {name}: ")),
        "{out}"
    );
    // The password came from MWKIT_PASSWORD: not asked for.
    assert!(!out.contains("password for"), "{out}");
    assert!(!out.contains(&otp), "the code shows on the terminal: {out}");
    let line = out.lines().find(|l| l.starts_with('{')).unwrap();
    let doc: Value = serde_json::from_str(line.trim()).unwrap();
    assert_eq!(doc["ok"], true, "{doc}");
    assert_eq!(doc["user"], name, "{doc}");
}

#[test]
fn a_session_lost_before_the_code_is_checked_asks_again_at_the_prompt_and_logs_in_once() {
    let _turn = two_factor_turn();
    let wiki = Wiki::get();
    let test =
        "a_session_lost_before_the_code_is_checked_asks_again_at_the_prompt_and_logs_in_once";
    let Some(account) = wiki.two_factor(TWO_FACTOR, test) else {
        return;
    };
    let standin = StandIn::start(wiki.api_url(), Rule::Forward);
    if !wiki.lose_login_sessions(&standin.tag, 1, test) {
        return;
    }
    let name = account["name"].as_str().unwrap();
    let env = [
        ("MWKIT_API", standin.url.as_str()),
        ("MWKIT_USER", name),
        ("MWKIT_PASSWORD", account["password"].as_str().unwrap()),
    ];
    // Two codes of later windows: the first is never checked (the wiki
    // lost the session first), the second logs in.
    let codes = [wiki.totp(TWO_FACTOR, false), wiki.totp(TWO_FACTOR, false)];
    let (code, out, echo_off) = on_a_terminal(
        &env,
        &["--json", "options", "get", "language"],
        &codes.join(","),
    );
    assert_eq!(code, 0, "{out}");
    assert!(echo_off, "{out}");
    let prompt = format!("Two-factor code for {name}: ");
    assert_eq!(out.matches(&prompt).count(), 2, "asked twice: {out}");
    assert!(codes.iter().all(|c| !out.contains(c.as_str())), "{out}");
    let line = out.lines().find(|l| l.starts_with('{')).unwrap();
    let doc: Value = serde_json::from_str(line.trim()).unwrap();
    assert_eq!(doc["ok"], true, "{doc}");
    assert_eq!(doc["user"], name, "{doc}");
    // Twice clientlogin and its continuation, one confirming read: one login.
    let lines = wiki.requests_tagged(&standin.tag);
    let posts = lines.iter().filter(|l| l.contains("\"POST ")).count();
    assert_eq!(posts, 4, "{lines:#?}");
    let confirms = lines.iter().filter(|l| l.contains("uiprop=rights")).count();
    assert_eq!(confirms, 1, "{lines:#?}");
}

#[test]
fn a_session_lost_with_mwkit_otp_exits_2_login_session_lost_and_sends_nothing_more() {
    let _turn = two_factor_turn();
    let wiki = Wiki::get();
    let test = "a_session_lost_with_mwkit_otp_exits_2_login_session_lost_and_sends_nothing_more";
    if wiki.two_factor(TWO_FACTOR, test).is_none() {
        return;
    }
    let standin = StandIn::start(wiki.api_url(), Rule::Forward);
    if !wiki.lose_login_sessions(&standin.tag, 1, test) {
        return;
    }
    let otp = wiki.totp(TWO_FACTOR, false);
    let mut cmd = wiki.mwkit_main(TWO_FACTOR);
    cmd.env("MWKIT_API", &standin.url).env("MWKIT_OTP", &otp);
    let (code, stdout, stderr, subject) = email_with(&wiki, &mut cmd);
    assert_eq!(code, 2, "{stdout}{stderr}");
    let doc = &docs(&stdout)[0];
    assert_eq!(doc["ok"], false, "{doc}");
    assert_eq!(doc["exit"], 2, "{doc}");
    assert_eq!(doc["error"]["kind"], "login_session_lost", "{doc}");
    assert_eq!(doc["error"]["stage"], "login", "{doc}");
    assert_eq!(doc["error"]["code"], "badtoken", "{doc}");
    assert!(stderr.contains("lost the login session"), "{stderr}");
    assert!(!stdout.contains(&otp) && !stderr.contains(&otp));
    // The login token, clientlogin, the lost continuation: nothing more.
    let lines = wiki.requests_tagged(&standin.tag);
    assert_eq!(lines.len(), 3, "{lines:#?}");
    assert!(wiki.wait_for_mails(&subject, 0).is_empty());
}

// ---- HTTPS (wiki.json's tls: apache2's mod_ssl, a throwaway CA) -----------------
//
// The trust is read from SSL_CERT_FILE and SSL_CERT_DIR when a client is
// built; each run here sets or removes both for the child process only
// (this machine may export them naming the system's bundle). On a wiki
// without `tls` each test prints one SKIP line and passes.

/// How a run of `mwkit` over HTTPS is given the CA.
enum Trust<'a> {
    /// Neither --ca-file nor SSL_CERT_FILE nor SSL_CERT_DIR: the system's
    /// store.
    Nothing,
    /// SSL_CERT_FILE only.
    CertFile(&'a str),
    /// SSL_CERT_DIR only.
    CertDir(&'a str),
    /// --ca-file, with neither variable.
    CaFile(&'a str),
}

/// `mwkit` at `url`, as the sender's bot password, trusting as `trust`
/// says and nothing else.
fn over_https(wiki: &Wiki, url: &str, trust: &Trust<'_>) -> std::process::Command {
    let mut cmd = wiki.mwkit("sender");
    cmd.env("MWKIT_API", url)
        .env_remove("SSL_CERT_FILE")
        .env_remove("SSL_CERT_DIR");
    match trust {
        Trust::Nothing => {}
        Trust::CertFile(path) => {
            cmd.env("SSL_CERT_FILE", path);
        }
        Trust::CertDir(path) => {
            cmd.env("SSL_CERT_DIR", path);
        }
        Trust::CaFile(path) => {
            cmd.arg("--ca-file").arg(path);
        }
    }
    cmd
}

/// A `mwkit --json` run that must fail with exit 1, kind tls and `reason`
/// in its words, with the hint on how to trust the certificate.
fn tls_refused(cmd: &mut std::process::Command, reason: &str, what: &str) {
    let (code, stdout, stderr) = run(cmd.args(["--json", "options", "get", "language"]));
    assert_eq!(code, 1, "{what}: {stdout}{stderr}");
    let doc = &docs(&stdout)[0];
    assert_eq!(doc["ok"], false, "{what}: {doc}");
    assert_eq!(doc["exit"], 1, "{what}: {doc}");
    assert_eq!(doc["error"]["kind"], "tls", "{what}: {doc}");
    assert_eq!(doc["error"]["stage"], "connect", "{what}: {doc}");
    assert_eq!(doc["error"]["outcome_unknown"], false, "{what}: {doc}");
    let text = doc["error"]["text"].as_str().unwrap();
    assert!(text.contains(reason), "{what}: {text}");
    assert!(text.contains("nothing was sent"), "{what}: {text}");
    assert!(
        doc["error"]["hint"]
            .as_str()
            .unwrap()
            .contains("no way to turn verification off"),
        "{what}: {doc}"
    );
    assert!(stderr.contains(reason), "{what}: {stderr}");
}

#[test]
fn over_https_with_ca_file_a_login_an_email_and_an_options_round_trip_land() {
    let _turn = sender_options_turn();
    let wiki = Wiki::get();
    let test = "over_https_with_ca_file_a_login_an_email_and_an_options_round_trip_land";
    let Some(tls) = wiki.tls(test) else {
        return;
    };
    let (url, ca) = (
        tls["api_url"].as_str().unwrap(),
        tls["ca_file"].as_str().unwrap(),
    );
    let subject = format!("mwkit cli https {}", nonce());
    let (code, stdout, stderr) = run(over_https(&wiki, url, &Trust::CaFile(ca)).args([
        "--json",
        "email",
        "--to",
        wiki.name("recipient"),
        "--subject",
        &subject,
        "--text",
        "Sent over HTTPS.",
    ]));
    assert_eq!(code, 0, "{stdout}{stderr}");
    assert_eq!(docs(&stdout)[0]["ok"], true, "{stdout}");
    let mails = wiki.wait_for_mails(&subject, 1);
    assert_eq!(mails.len(), 1, "exactly one mail");
    assert_eq!(mails[0]["rcpt_to"][0], wiki.email("recipient"));

    let value = format!("https-{}", nonce());
    let (code, stdout, stderr) = run(over_https(&wiki, url, &Trust::CaFile(ca)).args([
        "--json",
        "options",
        "set",
        &format!("userjs-mwkit-cli-https={value}"),
    ]));
    assert_eq!(code, 0, "{stdout}{stderr}");
    // --ca-file is global: after the command too.
    let (code, stdout, stderr) = run(over_https(&wiki, url, &Trust::Nothing).args([
        "--json",
        "options",
        "get",
        "userjs-mwkit-cli-https",
        "--ca-file",
        ca,
    ]));
    assert_eq!(code, 0, "{stdout}{stderr}");
    let doc = &docs(&stdout)[0];
    assert_eq!(
        doc["options"]["userjs-mwkit-cli-https"],
        value.as_str(),
        "{doc}"
    );
    assert_eq!(doc["user"], wiki.name("sender"), "{doc}");
}

#[test]
fn over_https_the_ca_in_ssl_cert_file_or_a_private_ssl_cert_dir_is_trusted_without_a_setting() {
    let wiki = Wiki::get();
    let test =
        "over_https_the_ca_in_ssl_cert_file_or_a_private_ssl_cert_dir_is_trusted_without_a_setting";
    let Some(tls) = wiki.tls(test) else {
        return;
    };
    let url = tls["api_url"].as_str().unwrap();
    for (what, trust) in [
        (
            "SSL_CERT_FILE naming the CA",
            Trust::CertFile(tls["ca_file"].as_str().unwrap()),
        ),
        // The default path (the system's store as OpenSSL reads it) with
        // the CA in a private copy of a trust directory.
        (
            "SSL_CERT_DIR holding the CA",
            Trust::CertDir(tls["ca_dir"].as_str().unwrap()),
        ),
    ] {
        let (code, stdout, stderr) =
            run(over_https(&wiki, url, &trust).args(["--json", "options", "get", "language"]));
        assert_eq!(code, 0, "{what}: {stdout}{stderr}");
        let doc = &docs(&stdout)[0];
        assert_eq!(doc["ok"], true, "{what}: {doc}");
        assert_eq!(doc["user"], wiki.name("sender"), "{what}: {doc}");
    }
    // The control: a trust directory with nothing in it is no store, so the
    // Mozilla roots compiled in are used, and they lack the CA.
    let empty = temp_dir("empty-trust-dir");
    tls_refused(
        &mut over_https(&wiki, url, &Trust::CertDir(empty.to_str().unwrap())),
        "unknown issuer",
        "an empty SSL_CERT_DIR (the compiled-in roots)",
    );
}

#[test]
fn over_https_without_the_ca_exits_1_kind_tls_unknown_issuer_with_the_hint() {
    let wiki = Wiki::get();
    let test = "over_https_without_the_ca_exits_1_kind_tls_unknown_issuer_with_the_hint";
    let Some(tls) = wiki.tls(test) else {
        return;
    };
    let url = tls["api_url"].as_str().unwrap();
    tls_refused(
        &mut over_https(&wiki, url, &Trust::Nothing),
        "unknown issuer",
        "the system's store",
    );
    let (_, _, stderr) = run(over_https(&wiki, url, &Trust::Nothing).args(["options", "get"]));
    assert!(stderr.contains("--ca-file"), "{stderr}");
    assert!(stderr.contains("openssl s_client"), "{stderr}");
}

#[test]
fn over_https_another_name_or_an_expired_certificate_exits_1_kind_tls_with_the_reason() {
    let wiki = Wiki::get();
    let test = "over_https_another_name_or_an_expired_certificate_exits_1_kind_tls_with_the_reason";
    let Some(tls) = wiki.tls(test) else {
        return;
    };
    let ca = tls["ca_file"].as_str().unwrap();
    for (key, reason) in [
        ("mismatch_api_url", "name mismatch"),
        ("expired_api_url", "expired"),
    ] {
        tls_refused(
            &mut over_https(&wiki, tls[key].as_str().unwrap(), &Trust::CaFile(ca)),
            reason,
            key,
        );
    }
}

#[test]
fn a_ca_file_missing_or_not_pem_exits_2_invalid_input_before_anything_is_sent() {
    // No wiki needed: the client is refused before it is built.
    let dir = temp_dir("bad-ca");
    let missing = dir.join("missing.pem");
    let not_pem = dir.join("not-pem.pem");
    write(&not_pem, "this is not a certificate\n");
    for path in [&missing, &not_pem] {
        let (code, stdout, stderr) = run(mwkit()
            .env("MWKIT_API", "https://127.0.0.1:9/api.php")
            .arg("--ca-file")
            .arg(path)
            .args(["--json", "emailable", "Someone"]));
        assert_eq!(code, 2, "{path:?}: {stdout}{stderr}");
        let doc = &docs(&stdout)[0];
        assert_eq!(doc["error"]["kind"], "invalid_input", "{doc}");
        assert_eq!(doc["error"]["stage"], "input", "{doc}");
        let text = doc["error"]["text"].as_str().unwrap();
        assert!(text.contains("ca file"), "{text}");
        assert!(text.contains(&path.display().to_string()), "{text}");
        assert!(
            doc["error"]["hint"].as_str().unwrap().contains("PEM"),
            "{doc}"
        );
    }
}

/// Checks that none of `secrets` shows in `stdout`, `stderr`, or any file of
/// `dir` (a bulk run's journal).
fn shown_nowhere(secrets: &[&str], stdout: &str, stderr: &str, dir: Option<&std::path::Path>) {
    let mut texts = vec![stdout.to_owned(), stderr.to_owned()];
    if let Some(dir) = dir {
        for entry in std::fs::read_dir(dir).unwrap() {
            texts.push(
                String::from_utf8_lossy(&std::fs::read(entry.unwrap().path()).unwrap())
                    .into_owned(),
            );
        }
    }
    for secret in secrets {
        for text in &texts {
            assert!(
                !text.contains(secret),
                "a token or secret ({}...) shows in the output or the journal",
                &secret[..8]
            );
        }
    }
}

#[test]
fn an_oauth2_token_or_client_emails_once_and_options_round_trip_showing_no_secret() {
    let wiki = Wiki::get();
    let Some(oauth) = wiki
        .oauth("an_oauth2_token_or_client_emails_once_and_options_round_trip_showing_no_secret")
    else {
        return;
    };
    let owner = oauth["owner"].as_str().unwrap();
    let token = oauth["oauth2_token"].as_str().unwrap();
    // A confidential client of this test's own (see Wiki::oauth_new).
    let fresh = wiki.oauth_new();
    let (id, secret) = (
        fresh["client_credentials"]["client_id"].as_str().unwrap(),
        fresh["client_credentials"]["client_secret"]
            .as_str()
            .unwrap(),
    );
    type Make<'a> = Box<dyn Fn() -> std::process::Command + 'a>;
    let ways: [(&str, Make<'_>, Vec<&str>); 2] = [
        ("token", Box::new(|| wiki.mwkit_oauth2(token)), vec![token]),
        (
            "client",
            Box::new(|| wiki.mwkit_oauth2_client(id, secret)),
            vec![secret],
        ),
    ];
    for (what, mwkit, secrets) in ways {
        // One email, one mail, from the owner.
        let subject = format!("mwkit cli oauth {what} {}", nonce());
        let (code, stdout, stderr) = run(mwkit().args([
            "--json",
            "email",
            "--to",
            wiki.name("recipient"),
            "--subject",
            &subject,
            "--text",
            "Sent with an OAuth token.",
        ]));
        assert_eq!(code, 0, "{what}: {stdout}{stderr}");
        assert_eq!(docs(&stdout)[0]["result"], "Success", "{stdout}");
        shown_nowhere(&secrets, &stdout, &stderr, None);
        let mails = wiki.wait_for_mails(&subject, 1);
        assert_eq!(mails.len(), 1, "{what}: one mail");
        assert!(
            mails[0]["reply_to"]
                .as_str()
                .unwrap()
                .starts_with(&format!("{owner} <")),
            "{what}: sent by the owner: {}",
            mails[0]["reply_to"]
        );

        // An option of its own set, then read back.
        let key = format!("userjs-mwkit-oauth-cli-{what}");
        let value = format!("v-{}", nonce());
        let set = format!("{key}={value}");
        let (code, stdout, stderr) = run(mwkit().args(["--json", "options", "set", &set]));
        assert_eq!(code, 0, "{what}: {stdout}{stderr}");
        assert_eq!(docs(&stdout)[0]["applied"][0], key.as_str(), "{stdout}");
        shown_nowhere(&secrets, &stdout, &stderr, None);
        let (code, stdout, stderr) = run(mwkit().args(["--json", "options", "get", &key]));
        assert_eq!(code, 0, "{what}: {stdout}{stderr}");
        let doc = &docs(&stdout)[0];
        assert_eq!(doc["user"], owner, "{doc}");
        assert_eq!(doc["options"][&key], value.as_str(), "{doc}");
        shown_nowhere(&secrets, &stdout, &stderr, None);

        // A bulk run: one mail, and no secret in its journal either.
        let dir = temp_dir(&format!("oauth-{what}"));
        let (list, journal) = (dir.join("list"), dir.join("journal"));
        write(&list, wiki.name("recipient"));
        let subject = format!("mwkit cli oauth bulk {what} {}", nonce());
        let (code, stdout, stderr) = run(mwkit()
            .args(["--json", "email", "--subject", &subject, "--text", "bulk"])
            .arg("--to-list")
            .arg(&list)
            .arg("--journal")
            .arg(&journal));
        assert_eq!(code, 0, "{what}: {stdout}{stderr}");
        let (statuses, _) = bulk_statuses(&stdout);
        assert_eq!(statuses[wiki.name("recipient")], "sent", "{stdout}");
        assert_eq!(
            wiki.wait_for_mails(&subject, 1).len(),
            1,
            "{what}: one mail"
        );
        shown_nowhere(&secrets, &stdout, &stderr, Some(&dir));
    }
}

#[test]
fn an_oauth_setting_with_an_account_or_half_a_client_is_a_usage_error_exit_2() {
    // No wiki needed: refused before anything is sent (a send to this
    // address would be exit 1, connect).
    let token = format!("TOKEN-{}", nonce());
    let secret = format!("SECRET-{}", nonce());
    /// What is given, the environment, the arguments.
    type Case<'a> = (&'a str, Vec<(&'a str, &'a str)>, Vec<&'a str>);
    let cases: Vec<Case<'_>> = vec![
        (
            "a token and MWKIT_USER",
            vec![
                ("MWKIT_OAUTH2_TOKEN", &token),
                ("MWKIT_USER", "Someone@app"),
            ],
            vec![],
        ),
        (
            "a token and MWKIT_PASSWORD",
            vec![("MWKIT_OAUTH2_TOKEN", &token), ("MWKIT_PASSWORD", &secret)],
            vec![],
        ),
        (
            "a token and --user",
            vec![("MWKIT_OAUTH2_TOKEN", &token)],
            vec!["--user", "Someone@app"],
        ),
        (
            "a client and an account",
            vec![
                ("MWKIT_OAUTH2_CLIENT_ID", "abc"),
                ("MWKIT_OAUTH2_CLIENT_SECRET", &secret),
                ("MWKIT_USER", "Someone@app"),
                ("MWKIT_PASSWORD", &secret),
            ],
            vec![],
        ),
        (
            "a token and a client",
            vec![
                ("MWKIT_OAUTH2_TOKEN", &token),
                ("MWKIT_OAUTH2_CLIENT_ID", "abc"),
                ("MWKIT_OAUTH2_CLIENT_SECRET", &secret),
            ],
            vec![],
        ),
        (
            "a client id alone",
            vec![("MWKIT_OAUTH2_CLIENT_ID", "abc")],
            vec![],
        ),
        (
            "a client secret alone",
            vec![("MWKIT_OAUTH2_CLIENT_SECRET", &secret)],
            vec![],
        ),
    ];
    for (what, env, args) in cases {
        let mut cmd = mwkit();
        cmd.env("MWKIT_API", "http://127.0.0.1:9/api.php");
        for (k, v) in &env {
            cmd.env(k, v);
        }
        let (code, stdout, stderr) = run(cmd.args(&args).args(["--json", "options", "get"]));
        assert_eq!(code, 2, "{what}: {stdout}{stderr}");
        let doc = &docs(&stdout)[0];
        assert_eq!(doc["error"]["kind"], "usage", "{what}: {doc}");
        let text = format!("{}", doc["error"]);
        assert!(text.contains("MWKIT_OAUTH2_"), "{what}: {doc}");
        shown_nowhere(&[&token, &secret], &stdout, &stderr, None);
    }
}

#[test]
fn a_garbage_oauth_token_or_client_secret_exits_1_oauth_invalid_showing_it_nowhere() {
    let wiki = Wiki::get();
    let Some(oauth) = wiki
        .oauth("a_garbage_oauth_token_or_client_secret_exits_1_oauth_invalid_showing_it_nowhere")
    else {
        return;
    };
    let garbage = format!("garbage-token-{}", nonce());
    let subject = format!("mwkit cli oauth garbage {}", nonce());
    let (code, stdout, stderr) = run(wiki.mwkit_oauth2(&garbage).args([
        "--json",
        "email",
        "--to",
        wiki.name("recipient"),
        "--subject",
        &subject,
        "--text",
        "never",
    ]));
    assert_eq!(code, 1, "{stdout}{stderr}");
    let doc = &docs(&stdout)[0];
    assert_eq!(doc["error"]["kind"], "oauth_invalid", "{doc}");
    assert_eq!(doc["error"]["stage"], "login", "{doc}");
    assert!(
        doc["error"]["code"]
            .as_str()
            .unwrap()
            .starts_with("mwoauth-invalid-authorization"),
        "{doc}"
    );
    assert!(
        doc["error"]["hint"]
            .as_str()
            .unwrap()
            .contains("MWKIT_OAUTH2_TOKEN"),
        "{doc}"
    );
    shown_nowhere(&[&garbage], &stdout, &stderr, None);
    // In words, on stderr, without --json.
    let (code, stdout, stderr) = run(wiki.mwkit_oauth2(&garbage).args(["options", "get"]));
    assert_eq!(code, 1, "{stdout}{stderr}");
    assert!(stderr.contains("refused the OAuth token"), "{stderr}");
    shown_nowhere(&[&garbage], &stdout, &stderr, None);

    // A bulk run opens its journal first: the token is not in it.
    let dir = temp_dir("oauth-garbage");
    let (list, journal) = (dir.join("list"), dir.join("journal"));
    write(&list, wiki.name("recipient"));
    let (code, stdout, stderr) = run(wiki
        .mwkit_oauth2(&garbage)
        .args(["--json", "email", "--subject", &subject, "--text", "never"])
        .arg("--to-list")
        .arg(&list)
        .arg("--journal")
        .arg(&journal));
    assert_eq!(code, 1, "{stdout}{stderr}");
    assert!(stdout.contains("oauth_invalid"), "{stdout}");
    shown_nowhere(&[&garbage], &stdout, &stderr, Some(&dir));

    // A confidential client with a wrong secret.
    let wrong = format!("wrong-secret-{}", nonce());
    let (code, stdout, stderr) = run(wiki
        .mwkit_oauth2_client(
            oauth["client_credentials"]["client_id"].as_str().unwrap(),
            &wrong,
        )
        .args(["--json", "options", "get"]));
    assert_eq!(code, 1, "{stdout}{stderr}");
    assert_eq!(
        docs(&stdout)[0]["error"]["kind"],
        "oauth_invalid",
        "{stdout}"
    );
    shown_nowhere(&[&wrong], &stdout, &stderr, None);
    assert!(wiki.wait_for_mails(&subject, 0).is_empty(), "no mail");
}
