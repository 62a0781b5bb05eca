//! Act with an OAuth token instead of a password, then email a user.
//!
//! An owner-only consumer's access token (Special:OAuthConsumerRegistration)
//! is the login: one `meta=userinfo` read learns whose it is, every request
//! carries it, and no login or logout is ever sent. `MWKIT_API_URL`,
//! `MWKIT_OAUTH2_TOKEN`, `MWKIT_TARGET`. Run by `scripts/docs --check`.
#![allow(clippy::print_stdout)]

use mw_ureq::{Client, EmailUser, Error, LoginFailure};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let var = |name: &str| std::env::var(name).map_err(|_| format!("set {name}"));
    let client = Client::new(&var("MWKIT_API_URL")?, "MyTool/1.0 (me@example.org)")?;

    // A token the wiki refuses (garbage, expired, revoked, its consumer
    // disabled): nothing acted, and a write refused so is never sent again.
    match client.login_oauth2("a mistyped token") {
        Err(Error::Login(e)) if e.kind == LoginFailure::OAuthInvalid => {
            println!("refused: oauth_invalid")
        }
        other => return Err(format!("expected oauth_invalid, got {other:?}").into()),
    }

    // From the environment, never in code.
    let me = client.login_oauth2(var("MWKIT_OAUTH2_TOKEN")?)?;
    println!("acting as {}", me.account.name);
    let target = var("MWKIT_TARGET")?;
    let sent = client.email_user(&EmailUser::new(&target, "Hello", "Sent with OAuth"))?;
    println!("{}", sent.result.as_str());
    client.logout()?; // forgets the token; sends nothing
    // Or OAuth 1.0a, each request signed: client.login_oauth1(OAuth1Keys::new(...)?)
    // Or a confidential client, its token renewed before it expires:
    //   client.login_oauth2_client(&client_id, client_secret)
    Ok(())
}
