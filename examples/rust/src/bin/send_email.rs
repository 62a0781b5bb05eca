//! Email a wiki user: the API:Emailuser flow through mw-ureq.
//!
//! The documentation's four steps are (1) fetch a login token, (2) log in,
//! (3) fetch a csrf token, (4) POST `action=emailuser`. `Client::login` does
//! steps 1-3 (its last read confirms the session and brings the csrf
//! token); `Client::email_user` does step 4 and never sends twice.
#![allow(clippy::print_stdout)]

use std::process::ExitCode;
use std::time::{SystemTime, UNIX_EPOCH};

use mw_ureq::{Client, EmailUser};
use mwkit_examples::{Settings, USER_AGENT};

fn run() -> Result<(), String> {
    let cfg = Settings::from_env()?;
    let client = Client::new(cfg.get("api_url")?, USER_AGENT).map_err(|e| e.to_string())?;
    let info = client
        .login(cfg.get("bot_name")?, cfg.get("bot_password")?)
        .map_err(|e| e.to_string())?; // steps 1-3
    let stamp = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis())
        .unwrap_or(0);
    let subject = format!("Hello from mwkit | example {stamp:x}");
    let email = EmailUser::new(
        cfg.get("target")?,
        subject.as_str(),
        "Hello!\nThis email was sent by mwkit's example.",
    );
    match client.email_user(&email) {
        // step 4
        Ok(sent) => {
            println!(
                "{} emailed {}: {}, subject {subject:?}",
                info.account.name,
                email.target,
                sent.result.as_str()
            );
            for w in &sent.warnings {
                println!("  warning {}: {}", w.code, w.text);
            }
            Ok(())
        }
        Err(e) if e.outcome_unknown() => Err(format!(
            "the email may have been sent, check before sending again: {e}"
        )),
        Err(e) => match e.api_kind() {
            Some(kind) => Err(format!("not sent ({}): {e}", kind.name())), // e.g. no_email, rate_limited
            None => Err(format!("not sent: {e}")),
        },
    }
}

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("send_email: {e}");
            ExitCode::FAILURE
        }
    }
}
