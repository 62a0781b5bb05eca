//! The `mwkit` binary against an echoing stand-in (a server that repeats
//! the request it got, as a firewall's block page or a debugging proxy
//! does: `crates/mw-ureq/tests/support/echo.rs`), at each step of each way
//! of acting (a bot password, a main account with a two-factor code, an
//! OAuth 2 token, a confidential OAuth 2 client) and of an email, single
//! and bulk: no password, code, token, secret or cookie value shows on
//! stdout, stderr or in the journal. No test wiki needed.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

#[path = "../../mw-ureq/tests/support/echo.rs"]
mod echo_server;
mod support;

use std::sync::atomic::Ordering;

use echo_server::{
    BOT_PASSWORD, CLIENT_SECRET, CODE, FORMS, MAIN_PASSWORD, MARK, OAUTH2_TOKEN, echo_wiki, leak,
};
use support::{mwkit, run, temp_dir, write};

#[test]
fn no_secret_an_echoing_server_repeats_shows_in_output_or_journal() {
    let ways: [(&str, &[(&str, &str)]); 4] = [
        (
            "bot password",
            &[
                ("MWKIT_USER", "Sender@app"),
                ("MWKIT_PASSWORD", BOT_PASSWORD),
            ],
        ),
        (
            "main account with a two-factor code",
            &[
                ("MWKIT_USER", "Sender"),
                ("MWKIT_PASSWORD", MAIN_PASSWORD),
                ("MWKIT_OTP", CODE),
            ],
        ),
        ("OAuth 2 token", &[("MWKIT_OAUTH2_TOKEN", OAUTH2_TOKEN)]),
        (
            "OAuth 2 client",
            &[
                ("MWKIT_OAUTH2_CLIENT_ID", "client-id"),
                ("MWKIT_OAUTH2_CLIENT_SECRET", CLIENT_SECRET),
            ],
        ),
    ];
    let dir = temp_dir("echo");
    let list = dir.join("list");
    write(&list, "Rcpt\n");
    let mut echoes = 0;
    for (name, env) in ways {
        for bulk in [false, true] {
            for form in FORMS {
                for echo_at in 1.. {
                    let server = echo_wiki(echo_at, form);
                    let journal = dir.join(format!("journal-{echoes}-{echo_at}"));
                    let mut cmd = mwkit();
                    cmd.env("MWKIT_API", &server.url);
                    for (k, v) in env {
                        cmd.env(k, v);
                    }
                    cmd.args(["--json", "email", "--subject", "s", "--text", "t"]);
                    if bulk {
                        cmd.args(["--to-list", list.to_str().unwrap()]);
                        cmd.args(["--journal", journal.to_str().unwrap()]);
                    } else {
                        cmd.args(["--to", "Rcpt"]);
                    }
                    let (code, stdout, stderr) = run(&mut cmd);
                    let journaled = std::fs::read_to_string(&journal).unwrap_or_default();
                    let echoed = server.echoed.load(Ordering::SeqCst);
                    echoes += echoed;
                    for (what, text) in [
                        ("stdout", &stdout),
                        ("stderr", &stderr),
                        ("journal", &journaled),
                    ] {
                        if let Some(secret) = leak(text) {
                            panic!(
                                "{name} (bulk {bulk}), echo {form:?} of request {echo_at}: \
                                 {secret:?} shows on {what}: {text}"
                            );
                        }
                    }
                    if echoed == 0 {
                        assert_eq!(code, 0, "{name} (bulk {bulk}) without an echo: {stderr}");
                        let seen = server.seen.lock().unwrap().join("\n");
                        assert!(seen.contains(MARK) || seen.contains(CODE), "{seen}");
                        break;
                    }
                    assert_ne!(code, 0, "{name}: an echo is never a success: {stdout}");
                }
            }
        }
    }
    assert!(echoes >= 40, "{echoes} echoes");
    let _ = std::fs::remove_dir_all(&dir);
}
