//! Change preferences: the API:Options flow through mw-ureq.
//!
//! The documentation's four steps are (1) fetch a login token, (2) log in,
//! (3) fetch a csrf token, (4) POST `action=options` with
//! `change=name=value|...` and, for a value holding `|`,
//! `optionname`/`optionvalue`. The client sends any values, `|` or not, in
//! as few requests as the wiki allows, and names the options the wiki
//! dropped: it answers "success" even then.
#![allow(clippy::print_stdout)]

use std::process::ExitCode;

use mw_ureq::{Client, OptionsChange};
use mwkit_examples::{Settings, USER_AGENT};

fn run() -> Result<(), String> {
    let cfg = Settings::from_env()?;
    let client = Client::new(cfg.get("api_url")?, USER_AGENT).map_err(|e| e.to_string())?;
    client
        .login(cfg.get("bot_name")?, cfg.get("bot_password")?)
        .map_err(|e| e.to_string())?; // steps 1-3
    let change = OptionsChange::new()
        .set("gender", "female")
        .set("userjs-mwkit-example-signature", "custom-signa|ture") // a value holding |
        .set("no-such-preference", "1"); // the wiki drops it, and says so
    let done = client.change_options(&change).map_err(|e| e.to_string())?; // step 4
    for dropped in &done.rejected {
        println!(
            "dropped by the wiki: {}: {}",
            dropped.name.as_deref().unwrap_or("?"),
            dropped.message.text
        );
    }
    let read = client.options().map_err(|e| e.to_string())?;
    for name in ["gender", "userjs-mwkit-example-signature"] {
        println!(
            "{name} = {:?}",
            read.options.get(name).map(String::as_str).unwrap_or("")
        );
    }
    if read
        .options
        .get("userjs-mwkit-example-signature")
        .map(String::as_str)
        != Some("custom-signa|ture")
    {
        return Err("the value did not read back".into());
    }
    Ok(())
}

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("change_options: {e}");
            ExitCode::FAILURE
        }
    }
}
