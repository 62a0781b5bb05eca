//! Start a password reset: the API:Resetpassword flow through mw-ureq.
//!
//! The documentation's steps are (1) fetch a csrf token and (2) POST
//! `action=resetpassword`. Logged out the token is the anonymous `+\`,
//! which the client uses without a request; a bot password may not reset
//! passwords, so this example stays logged out. The wiki answers success
//! even when it sends no mail (an unknown user, a throttled reset).
#![allow(clippy::print_stdout)]

use std::process::ExitCode;

use mw_ureq::{Client, ResetPassword};
use mwkit_examples::{Settings, USER_AGENT};

fn run() -> Result<(), String> {
    let cfg = Settings::from_env()?;
    let user = cfg.get("reset_user").or_else(|_| cfg.get("target"))?;
    let client = Client::new(cfg.get("api_url")?, USER_AGENT).map_err(|e| e.to_string())?;
    let reset = ResetPassword::new(Some(user), None).map_err(|e| e.to_string())?;
    let warnings = client.reset_password(&reset).map_err(|e| e.to_string())?; // steps 1-2
    println!("password reset requested for {user}; a mail goes to the user's address");
    for w in warnings {
        println!("  warning {}: {}", w.code, w.text);
    }
    Ok(())
}

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("reset_password: {e}");
            ExitCode::FAILURE
        }
    }
}
