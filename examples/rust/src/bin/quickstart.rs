//! Quickstart: log in with a bot password, email a user, set a preference.
//!
//! `MWKIT_API_URL`, `MWKIT_BOT_NAME` (`NAME@APPID`), `MWKIT_BOT_PASSWORD`,
//! `MWKIT_TARGET` (the user to email). Run by `scripts/docs --check`.
#![allow(clippy::print_stdout)]

use mw_ureq::{Client, EmailUser, OptionsChange};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let var = |name: &str| std::env::var(name).map_err(|_| format!("set {name}"));
    let client = Client::new(&var("MWKIT_API_URL")?, "MyTool/1.0 (me@example.org)")?;
    client.login(&var("MWKIT_BOT_NAME")?, &var("MWKIT_BOT_PASSWORD")?)?;
    let target = var("MWKIT_TARGET")?;
    let sent = client.email_user(&EmailUser::new(&target, "Hello", "How are you?"))?;
    println!("{}", sent.result.as_str()); // "Success"
    let done = client.change_options(&OptionsChange::new().set("gender", "female"))?;
    println!("dropped by the wiki: {}", done.rejected.len());
    client.logout()?;
    Ok(())
}
