//! Where the wiki is and who acts (the flags and the environment), made
//! into a client: logged in with a password (asked for on the terminal when
//! not in the environment), a bot password, a two-factor code, or an OAuth 2
//! token or confidential client.

use std::io::IsTerminal;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use mw_ureq::{Client, Error, LoginFailure, Password, SecondFactor, Token};

use crate::fail::Failure;
use crate::{out, stop};

/// The User-Agent: MediaWiki's policy asks tools to name themselves.
pub(crate) fn user_agent() -> String {
    format!(
        "mwkit-cli/{} (+{})",
        env!("CARGO_PKG_VERSION"),
        env!("CARGO_PKG_REPOSITORY")
    )
}

/// Who acts, from the flags or the environment.
enum Acting {
    /// Nobody: logged out.
    Nobody,
    /// An account (--user, MWKIT_USER) and its password (MWKIT_PASSWORD, or
    /// asked for).
    Account(String),
    /// The owner of an OAuth 2 access token (MWKIT_OAUTH2_TOKEN).
    OAuth2Token(Token),
    /// A confidential OAuth 2 client (MWKIT_OAUTH2_CLIENT_ID and
    /// MWKIT_OAUTH2_CLIENT_SECRET).
    OAuth2Client { id: String, secret: Password },
}

impl Acting {
    /// From --user and the environment: one way to act at most.
    fn from(user: Option<String>) -> Result<Acting, Failure> {
        let token = env_nonempty("MWKIT_OAUTH2_TOKEN");
        let id = env_nonempty("MWKIT_OAUTH2_CLIENT_ID");
        let secret = env_nonempty("MWKIT_OAUTH2_CLIENT_SECRET");
        for s in token.iter().chain(secret.iter()) {
            out::keep_secret(s);
        }
        let password = env_nonempty("MWKIT_PASSWORD").is_some();
        let client = match (id, secret) {
            (Some(id), Some(secret)) => Some((id, secret)),
            (None, None) => None,
            (Some(_), None) | (None, Some(_)) => {
                return Err(Failure::usage(
                    "a confidential OAuth 2 client needs both MWKIT_OAUTH2_CLIENT_ID and \
                     MWKIT_OAUTH2_CLIENT_SECRET, and only one is set",
                    "set both (the client's id and secret, from \
                     Special:OAuthConsumerRegistration), or neither",
                ));
            }
        };
        if token.is_some() && client.is_some() {
            return Err(Failure::usage(
                "two OAuth settings: MWKIT_OAUTH2_TOKEN and MWKIT_OAUTH2_CLIENT_ID with \
                 MWKIT_OAUTH2_CLIENT_SECRET",
                "give one: an owner-only consumer's access token, or a confidential client's \
                 id and secret",
            ));
        }
        if (token.is_some() || client.is_some()) && (user.is_some() || password) {
            let given = match (user.is_some(), password) {
                (true, true) => "an account and a password (--user or MWKIT_USER, MWKIT_PASSWORD)",
                (true, false) => "an account (--user or MWKIT_USER)",
                _ => "a password (MWKIT_PASSWORD)",
            };
            return Err(Failure::usage(
                format!("two ways to act: an OAuth setting (MWKIT_OAUTH2_*) and {given}"),
                "give one: the OAuth token or client alone (it names the account), or \
                 MWKIT_USER with MWKIT_PASSWORD",
            ));
        }
        Ok(match (token, client, user) {
            (Some(token), _, _) => Acting::OAuth2Token(Token::new(token)),
            (None, Some((id, secret)), _) => Acting::OAuth2Client {
                id,
                secret: Password::new(secret),
            },
            (None, None, Some(user)) => Acting::Account(user),
            (None, None, None) => Acting::Nobody,
        })
    }
}

/// Where the wiki is and who acts, from the flags or the environment.
pub(crate) struct Target {
    pub(crate) api: String,
    acting: Acting,
    /// --ca-file: the only CAs trusted (else the system's store, with
    /// SSL_CERT_FILE and SSL_CERT_DIR honoured: mw-tls reads them when the
    /// client is built).
    ca_file: Option<PathBuf>,
}

impl Target {
    /// From the flags (--api, --user, --ca-file) and the environment.
    pub(crate) fn new(
        api: Option<String>,
        user: Option<String>,
        ca_file: Option<PathBuf>,
    ) -> Result<Target, Failure> {
        let api = api.or_else(|| env_nonempty("MWKIT_API")).ok_or_else(|| {
            Failure::usage(
                "no wiki given",
                "give --api URL or set MWKIT_API (the wiki's api.php, e.g. \
                     https://wiki.example/w/api.php)",
            )
        })?;
        let user = user.or_else(|| env_nonempty("MWKIT_USER"));
        Ok(Target {
            api,
            acting: Acting::from(user)?,
            ca_file,
        })
    }

    /// Whether someone acts (an account or an OAuth token).
    pub(crate) fn acts(&self) -> bool {
        !matches!(self.acting, Acting::Nobody)
    }

    /// Fails when nobody acts: a usage error.
    pub(crate) fn require_acting(&self) -> Result<(), Failure> {
        if self.acts() {
            return Ok(());
        }
        Err(no_account())
    }

    pub(crate) fn client(&self) -> Result<Client, Failure> {
        let mut builder = Client::builder(&self.api, &user_agent());
        if let Some(path) = &self.ca_file {
            builder = builder.ca_file(path);
        }
        builder.build().map_err(|e| Failure::from_error(&e))
    }

    /// A client logged in as the account, or acting with the OAuth token.
    pub(crate) fn logged_in(&self) -> Result<Client, Failure> {
        let user = match &self.acting {
            Acting::Account(user) => user.as_str(),
            Acting::OAuth2Token(token) => {
                let client = self.client()?;
                client
                    .login_oauth2(token.clone())
                    .map_err(|e| Failure::from_error(&e))?;
                return Ok(client);
            }
            Acting::OAuth2Client { id, secret } => {
                let client = self.client()?;
                client
                    .login_oauth2_client(id, secret.clone())
                    .map_err(|e| Failure::from_error(&e))?;
                return Ok(client);
            }
            Acting::Nobody => return Err(no_account()),
        };
        let password = password(user, &self.api)?;
        let client = self.client()?;
        // MediaWiki refuses `@` in user names: a name holding one is a bot
        // password's NAME@APPID (action=login, never asked for a second
        // factor); any other is a main account (action=clientlogin), whose
        // two-factor code is asked for only when the wiki asks.
        if user.contains('@') {
            client
                .login(user, password)
                .map_err(|e| Failure::from_error(&e))?;
            return Ok(client);
        }
        let otp = Otp::new(user);
        // MWKIT_OTP is one code: a login the wiki lost between its steps
        // cannot start over with it. The prompt can ask again.
        let factor = match env_nonempty("MWKIT_OTP") {
            Some(code) => {
                out::keep_secret(code.trim());
                SecondFactor::code(Password::new(code.trim()))
            }
            None => {
                let otp = otp.clone();
                SecondFactor::ask(move || otp.code())
            }
        };
        client
            .client_login_with_second_factor(user, password, None, factor)
            .map_err(|e| otp.failure(&e))?;
        Ok(client)
    }
}

/// The two-factor code of a main account, asked for only when the wiki asks:
/// MWKIT_OTP (one code), else a prompt without echo on the terminal (asked
/// again by a relogin in a long bulk run, and once more when the wiki lost
/// the login's session between its steps). Remembers why none came, for the
/// message.
/// The code itself is never kept, shown or logged.
#[derive(Clone)]
struct Otp {
    user: String,
    no_code: Arc<Mutex<Option<String>>>,
}

impl Otp {
    fn new(user: &str) -> Otp {
        Otp {
            user: user.to_owned(),
            no_code: Arc::default(),
        }
    }

    /// The code typed at the prompt, or None (the login then fails as
    /// second_factor_required, and nothing more is sent).
    fn code(&self) -> Option<Password> {
        let why = if !std::io::stdin().is_terminal() {
            "MWKIT_OTP is not set and there is no terminal to ask on".to_owned()
        } else {
            let asked = stop::prompting(|| {
                rpassword::prompt_password(format!("Two-factor code for {}: ", self.user))
            });
            match asked {
                Ok(Ok(code)) if !code.trim().is_empty() => {
                    out::keep_secret(code.trim());
                    return Some(Password::new(code.trim()));
                }
                Ok(Ok(_)) => "no code was typed".to_owned(),
                Ok(Err(e)) => format!("could not ask for it: {e}"),
                Err(sig) => format!("stopped by {}", sig.name),
            }
        };
        if let Ok(mut no_code) = self.no_code.lock() {
            *no_code = Some(why);
        }
        None
    }

    /// A failed login's failure. The wiki asking for a code that did not
    /// come is a missing setting (exit 2, kind second_factor_required: the
    /// wiki asked, and nothing more was sent); a refused code is exit 1,
    /// kind second_factor_failed.
    fn failure(&self, e: &Error) -> Failure {
        let mut f = Failure::from_error(e);
        let Error::Login(login) = e else { return f };
        match login.kind {
            LoginFailure::SecondFactorRequired => {
                if let Some(sig) = stop::received() {
                    return Failure::interrupted(
                        sig,
                        "the two-factor code was asked for",
                        "nothing more was sent; run the same command again",
                    );
                }
                let why = self.no_code.lock().ok().and_then(|w| w.clone());
                f.exit = 2;
                f.text = format!(
                    "the wiki asks for a two-factor code for {}, and none was given ({}); \
                     nothing more was sent",
                    self.user,
                    why.as_deref().unwrap_or("none came")
                );
                f.hint = "set MWKIT_OTP to the current code of the account's authenticator app, \
                          or run mwkit on a terminal to be asked for it"
                    .to_owned();
            }
            LoginFailure::SessionLost => {
                // Before the code, or before the password (a stale login
                // token, lost again after the login started over once): the
                // reason says which.
                f.text = format!(
                    "the wiki lost the login session of {}: nothing was checked or changed ({})",
                    self.user,
                    login.reason.trim()
                );
                f.hint = "run again, with a new code (MWKIT_OTP is one code: a terminal prompt \
                          asks again once when this happens); if it keeps happening, check \
                          that cookies reach the wiki (a proxy or load balancer)"
                    .to_owned();
            }
            LoginFailure::SecondFactorFailed => {
                f.text = format!(
                    "the wiki refused the two-factor code for {}: {}",
                    self.user,
                    login.reason.trim()
                );
                f.hint = "a code is accepted once and only while it is current: run again with \
                          the next code of the authenticator app (MWKIT_OTP, or typed when asked)"
                    .to_owned();
            }
            _ => {}
        }
        f
    }
}

/// No account and no OAuth token given, for a command that needs one.
pub(crate) fn no_account() -> Failure {
    Failure::usage(
        "no account given",
        "give --user NAME or set MWKIT_USER (a bot password logs in as NAME@APPID), or set \
         MWKIT_OAUTH2_TOKEN (or MWKIT_OAUTH2_CLIENT_ID with MWKIT_OAUTH2_CLIENT_SECRET)",
    )
}

fn env_nonempty(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.is_empty())
}

/// MWKIT_PASSWORD, else asked for on the terminal without echo.
fn password(user: &str, api: &str) -> Result<Password, Failure> {
    if let Some(p) = env_nonempty("MWKIT_PASSWORD") {
        out::keep_secret(&p);
        return Ok(Password::new(p));
    }
    if !std::io::stdin().is_terminal() {
        return Err(Failure::usage(
            "no password: MWKIT_PASSWORD is not set and there is no terminal to ask on",
            "set MWKIT_PASSWORD in the environment, or run mwkit on a terminal",
        ));
    }
    let asked =
        stop::prompting(|| rpassword::prompt_password(format!("password for {user} at {api}: ")))
            .map_err(|sig| {
            Failure::interrupted(sig, "the password was asked for", "nothing was sent")
        })?;
    match asked {
        Ok(p) if !p.is_empty() => {
            out::keep_secret(&p);
            Ok(Password::new(p))
        }
        Ok(_) => Err(Failure::usage(
            "no password given",
            "type the password when asked, or set MWKIT_PASSWORD",
        )),
        Err(e) => Err(Failure::usage(
            format!("could not ask for the password: {e}"),
            "set MWKIT_PASSWORD in the environment",
        )),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;
    use mw_ureq::mw_core::ERROR_CODES;

    fn example(kind: &str) -> Error {
        let row = ERROR_CODES.iter().find(|r| r.name == kind).unwrap();
        row.example().unwrap()
    }

    #[test]
    fn no_two_factor_code_is_exit_2_naming_mwkit_otp_and_a_refused_one_exit_1() {
        let otp = Otp::new("Admin");
        *otp.no_code.lock().unwrap() = Some("no code was typed".into());
        let f = otp.failure(&example("second_factor_required"));
        assert_eq!(
            (f.exit, f.stage, f.kind),
            (2, "login", "second_factor_required")
        );
        assert!(f.text.contains("Admin") && f.text.contains("no code was typed"));
        assert!(f.hint.contains("MWKIT_OTP"), "{}", f.hint);
        let f = otp.failure(&example("second_factor_failed"));
        assert_eq!(
            (f.exit, f.stage, f.kind),
            (1, "login", "second_factor_failed")
        );
        let f = otp.failure(&example("login_failed"));
        assert_eq!((f.exit, f.kind), (1, "login_failed"));
        let f = otp.failure(&example("login_session_lost"));
        assert_eq!(
            (f.exit, f.stage, f.kind),
            (2, "login", "login_session_lost")
        );
        assert!(f.text.contains("lost the login session"), "{}", f.text);
    }
}
