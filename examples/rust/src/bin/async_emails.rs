//! Email several users at once from async code: mw-reqwest on tokio.
//!
//! One `Client`, cloned into a task per mail: the clones share the login,
//! the cookies and the csrf token, so the five mails cost one login and one
//! POST each. Like the blocking client, it never sends a mail twice: a mail
//! whose outcome is unknown is reported, not repeated.
#![allow(clippy::print_stdout)]

use std::process::ExitCode;
use std::time::{SystemTime, UNIX_EPOCH};

use mw_reqwest::{Client, EmailUser};
use mwkit_examples::{Settings, USER_AGENT};

async fn run() -> Result<(), String> {
    let cfg = Settings::from_env()?;
    let client = Client::new(cfg.get("api_url")?, USER_AGENT).map_err(|e| e.to_string())?;
    client
        .login(cfg.get("bot_name")?, cfg.get("bot_password")?)
        .await
        .map_err(|e| e.to_string())?;
    let stamp = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis())
        .unwrap_or(0);
    let target = cfg.get("target")?.to_owned();
    let tasks: Vec<_> = (1..=5)
        .map(|i| {
            let (client, target) = (client.clone(), target.clone());
            let subject = format!("Hello from mwkit async {i} of 5 | {stamp:x}");
            tokio::spawn(async move {
                let email = EmailUser::new(target, subject.as_str(), "Sent from a tokio task.");
                (subject, client.email_user(&email).await)
            })
        })
        .collect();
    let mut failed = 0;
    for task in tasks {
        let (subject, result) = task.await.map_err(|e| e.to_string())?;
        match result {
            Ok(sent) => println!("sent {subject:?}: {}", sent.result.as_str()),
            Err(e) if e.outcome_unknown() => {
                failed += 1;
                println!("{subject:?} may have been sent; check before sending again: {e}");
            }
            Err(e) => {
                failed += 1;
                println!("{subject:?} not sent: {e}");
            }
        }
    }
    if failed == 0 {
        Ok(())
    } else {
        Err(format!("{failed} of 5 mails failed"))
    }
}

#[tokio::main]
async fn main() -> ExitCode {
    match run().await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("async_emails: {e}");
            ExitCode::FAILURE
        }
    }
}
