//! The main job on the local test wiki, for a newcomer: log in with a bot
//! password, check who can be emailed, email one user, change preferences
//! and read them back, start a password reset while logged out, then show
//! the mails the wiki delivered. Run by `scripts/demo`, which brings the
//! wiki up and takes it down.
#![allow(clippy::print_stdout)]

use std::process::ExitCode;
use std::time::{Duration, Instant};

use mw_ureq::{Client, EmailUser, Emailability, OptionsChange, ResetPassword};
use mwkit_examples::USER_AGENT;
use serde_json::Value;

fn step(n: u32, title: &str) {
    println!("\n{n}. {title}");
}

fn user<'a>(state: &'a Value, role: &str, field: &str) -> Result<&'a str, String> {
    state["users"][role][field]
        .as_str()
        .ok_or_else(|| format!("wiki.json has no users.{role}.{field}"))
}

fn run() -> Result<(), String> {
    let path = std::env::var("MWKIT_WIKI_JSON")
        .map_err(|_| "MWKIT_WIKI_JSON is not set: run scripts/demo".to_owned())?;
    let state: Value =
        serde_json::from_str(&std::fs::read_to_string(&path).map_err(|e| e.to_string())?)
            .map_err(|e| e.to_string())?;
    let api_url = state["api_url"]
        .as_str()
        .ok_or("wiki.json has no api_url")?;
    let mail_dir = state["mail_dir"]
        .as_str()
        .ok_or("wiki.json has no mail_dir")?;
    println!("mwkit demo against the local wiki at {api_url}");

    let client = Client::new(api_url, USER_AGENT).map_err(|e| e.to_string())?;
    step(1, "Log in with a bot password");
    let info = client
        .login(
            user(&state, "sender", "bot_name")?,
            user(&state, "sender", "bot_password")?,
        )
        .map_err(|e| e.to_string())?;
    println!("   logged in as {}", info.account.name);

    step(2, "Who can be emailed?");
    let names = [
        user(&state, "recipient", "name")?,
        user(&state, "no_address", "name")?,
        user(&state, "no_mail", "name")?,
        "Nobody Here",
    ];
    let report = client.emailable(&names).map_err(|e| e.to_string())?;
    for entry in &report.entries {
        let verdict = match entry.status {
            Emailability::Emailable => "can be emailed",
            Emailability::NotEmailable => "exists, cannot be emailed",
            Emailability::Missing => "no such user",
            Emailability::Invalid => "not a valid user name",
        };
        println!("   {:<16} {verdict}", entry.requested);
    }

    step(3, "Email one of them (unicode and a | in the subject)");
    let target = user(&state, "recipient", "name")?;
    let subject = "Grüße from mwkit ✓ | the demo";
    let sent = client
        .email_user(&EmailUser::new(
            target,
            subject,
            "Hello!\nThis mail was sent by the mwkit demo.\nBye.",
        ))
        .map_err(|e| e.to_string())?;
    println!(
        "   emailuser answered {} ({} warnings)",
        sent.result.as_str(),
        sent.warnings.len()
    );

    step(
        4,
        "Change preferences, one value holding a |, then read them back",
    );
    let done = client
        .change_options(
            &OptionsChange::new()
                .set("gender", "female")
                .set("userjs-demo-signature", "custom-signa|ture")
                .set("no-such-preference", "1"),
        )
        .map_err(|e| e.to_string())?;
    for dropped in &done.rejected {
        println!(
            "   the wiki dropped {:?}: {}",
            dropped.name.as_deref().unwrap_or("?"),
            dropped.message.text
        );
    }
    let read = client.options().map_err(|e| e.to_string())?;
    for name in ["gender", "userjs-demo-signature"] {
        println!(
            "   {name} = {:?}",
            read.options.get(name).map(String::as_str).unwrap_or("")
        );
    }

    step(5, "Log out, and start a password reset while logged out");
    client.logout().map_err(|e| e.to_string())?;
    let reset_user = user(&state, "reset1", "name")?;
    client
        .reset_password(&ResetPassword::new(Some(reset_user), None).map_err(|e| e.to_string())?)
        .map_err(|e| e.to_string())?;
    println!("   reset requested for {reset_user}");

    step(6, "The mails the wiki delivered (from the local SMTP sink)");
    let mails = wait_for_mails(mail_dir, 2);
    for mail in &mails {
        let to = mail["rcpt_to"]
            .as_array()
            .and_then(|a| a.first())
            .and_then(Value::as_str)
            .unwrap_or("?");
        println!("   ── to {to}");
        println!("      subject: {}", mail["subject"].as_str().unwrap_or(""));
        for line in mail["text"].as_str().unwrap_or("").lines().take(4) {
            println!("      | {line}");
        }
    }
    if mails.len() < 2 {
        return Err(format!(
            "expected 2 mails in {mail_dir}, found {}",
            mails.len()
        ));
    }
    println!("\ndone.");
    Ok(())
}

/// The mails in the sink, waiting up to 20 s for `want` of them.
fn wait_for_mails(dir: &str, want: usize) -> Vec<Value> {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let mut mails: Vec<Value> = std::fs::read_dir(dir)
            .map(|entries| {
                entries
                    .filter_map(Result::ok)
                    .map(|e| e.path())
                    .filter(|p| p.extension().is_some_and(|x| x == "json"))
                    .filter_map(|p| std::fs::read_to_string(p).ok())
                    .filter_map(|t| serde_json::from_str(&t).ok())
                    .collect()
            })
            .unwrap_or_default();
        mails.sort_by_key(|m| m["seq"].as_u64());
        if mails.len() >= want || Instant::now() > deadline {
            return mails;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("demo: {e}");
            ExitCode::FAILURE
        }
    }
}
