//! HTTPS with a private CA: trust the CA's certificate (PEM) for this client.
//!
//! Without `ca_file`, the client trusts the system's store (`SSL_CERT_FILE`
//! and `SSL_CERT_DIR` honoured). There is no way to turn verification off.
//! `MWKIT_HTTPS_API_URL`, `MWKIT_CA_FILE`, `MWKIT_BOT_NAME`,
//! `MWKIT_BOT_PASSWORD`, `MWKIT_TARGET`. Run by `scripts/docs --check`.
#![allow(clippy::print_stdout)]

use mw_ureq::{Client, Error};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let var = |name: &str| std::env::var(name).map_err(|_| format!("set {name}"));
    let (api_url, ua) = (var("MWKIT_HTTPS_API_URL")?, "MyTool/1.0 (me@example.org)");

    // Not trusted by the system: nothing is sent, and the error says why.
    match Client::new(&api_url, ua)?.emailable(&["Alice"]) {
        // UnknownIssuer, NameMismatch, Expired or Protocol
        Err(Error::Tls { failure, .. }) => println!("refused: {failure}"),
        other => return Err(format!("expected a TLS failure, got {other:?}").into()),
    }

    // mw_reqwest::Client has the same builder. A missing or non-PEM file is
    // Error::InvalidInput from build().
    let client = Client::builder(&api_url, ua)
        .ca_file(var("MWKIT_CA_FILE")?)
        .build()?;
    client.login(&var("MWKIT_BOT_NAME")?, &var("MWKIT_BOT_PASSWORD")?)?;
    let target = var("MWKIT_TARGET")?;
    for entry in client.emailable(&[target.as_str()])?.entries {
        println!("{}: {:?}", entry.requested, entry.status); // Emailable
    }
    client.logout()?;
    Ok(())
}
