//! Settings shared by the examples: a real wiki through environment
//! variables, or the local test wiki (`tests/wiki/testwiki`) through
//! `MWKIT_WIKI_JSON`.
//!
//! | variable | meaning |
//! | --- | --- |
//! | `MWKIT_API_URL` | the wiki's `api.php` |
//! | `MWKIT_BOT_NAME` | a bot password's login name (`User@appid`) |
//! | `MWKIT_BOT_PASSWORD` | the bot password |
//! | `MWKIT_TARGET` | the user to email (`send_email`) |
//! | `MWKIT_RESET_USER` | the user whose password to reset (`reset_password`) |
#![forbid(unsafe_code)]

use std::collections::HashMap;

/// The User-Agent the examples send: MediaWiki's policy asks for the tool's
/// name and a contact.
pub const USER_AGENT: &str =
    "mwkit-examples/1.0 (https://example.invalid/mwkit; examples@example.invalid)";

/// Where an example points.
#[derive(Debug)]
pub struct Settings {
    values: HashMap<&'static str, String>,
}

impl Settings {
    /// Reads `MWKIT_WIKI_JSON` (if set), then the `MWKIT_*` variables,
    /// which win.
    pub fn from_env() -> Result<Settings, String> {
        let mut values = HashMap::new();
        if let Ok(path) = std::env::var("MWKIT_WIKI_JSON") {
            let text = std::fs::read_to_string(&path).map_err(|e| format!("{path}: {e}"))?;
            let state: serde_json::Value =
                serde_json::from_str(&text).map_err(|e| format!("{path}: {e}"))?;
            let users = &state["users"];
            for (key, value) in [
                ("api_url", &state["api_url"]),
                ("bot_name", &users["sender"]["bot_name"]),
                ("bot_password", &users["sender"]["bot_password"]),
                ("target", &users["recipient"]["name"]),
                ("reset_user", &users["reset3"]["name"]),
            ] {
                if let Some(v) = value.as_str() {
                    values.insert(key, v.to_owned());
                }
            }
        }
        for key in [
            "api_url",
            "bot_name",
            "bot_password",
            "target",
            "reset_user",
        ] {
            if let Ok(v) = std::env::var(format!("MWKIT_{}", key.to_uppercase())) {
                values.insert(key, v);
            }
        }
        Ok(Settings { values })
    }

    /// A setting, or an error naming the variable to set.
    pub fn get(&self, key: &str) -> Result<&str, String> {
        self.values
            .get(key)
            .map(String::as_str)
            .ok_or_else(|| format!("set MWKIT_WIKI_JSON or MWKIT_{}", key.to_uppercase()))
    }
}
