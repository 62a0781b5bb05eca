//! Which users can be emailed (`list=users&usprop=emailable`), for many
//! names at once.

use std::borrow::Cow;

use serde::Deserialize;

use crate::api::{Api, Kind, join_multi};
use crate::error::{Error, Message};
use crate::http::{Method, Request, Response};
use crate::response::{Decoded, decode, decode_error};

/// Whether a user can be emailed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Emailability {
    /// The user exists and accepts email from users.
    Emailable,
    /// The user exists but cannot be emailed (no address, or refuses email).
    NotEmailable,
    /// No user has this name.
    Missing,
    /// The name is not a valid user name.
    Invalid,
}

impl Emailability {
    /// The state's name, the same in every language: `"emailable"`,
    /// `"not_emailable"`, `"missing"` or `"invalid"`.
    pub fn name(self) -> &'static str {
        match self {
            Emailability::Emailable => "emailable",
            Emailability::NotEmailable => "not_emailable",
            Emailability::Missing => "missing",
            Emailability::Invalid => "invalid",
        }
    }

    /// `true` only for [`Emailability::Emailable`].
    pub fn is_emailable(self) -> bool {
        self == Emailability::Emailable
    }
}

/// The names one `list=users` request asks about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UsersBatch {
    names: Vec<String>,
}

impl UsersBatch {
    /// The names, as the caller gave them.
    pub fn names(&self) -> &[String] {
        &self.names
    }
}

/// The answer for one name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EmailableEntry {
    /// The name as the caller gave it.
    pub requested: String,
    /// The name as the server spells it (first letter upper case, `_` as
    /// space), when it answered for this name.
    pub name: Option<String>,
    /// Whether the user can be emailed.
    pub status: Emailability,
}

/// The answers for one batch, in the order the names were given.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct EmailableReport {
    /// One entry per name given.
    pub entries: Vec<EmailableEntry>,
    /// Warnings the server gave.
    pub warnings: Vec<Message>,
}

impl EmailableReport {
    /// Adds another batch's answers to this one.
    pub fn merge(&mut self, other: EmailableReport) {
        self.entries.extend(other.entries);
        self.warnings.extend(other.warnings);
    }
}

impl Api {
    /// Splits `names` into requests of at most this session's multi-value
    /// limit (50, or 500 with `apihighlimits`).
    ///
    /// ```
    /// let api = mw_core::Api::new("https://wiki.example/w/api.php", "MyTool/1.0 (me@example.org)")?;
    /// let names: Vec<String> = (0..120).map(|i| format!("User {i}")).collect();
    /// assert_eq!(api.emailable_batches(&names)?.len(), 3);
    /// # Ok::<(), mw_core::Error>(())
    /// ```
    ///
    /// # Errors
    /// [`Error::InvalidInput`] for no names, an empty name, or one holding
    /// U+001F.
    pub fn emailable_batches<S: AsRef<str>>(&self, names: &[S]) -> Result<Vec<UsersBatch>, Error> {
        if names.is_empty() {
            return Err(Error::invalid("names", "give at least one name"));
        }
        for name in names {
            let name = name.as_ref();
            if name.trim().is_empty() {
                return Err(Error::invalid("user name", "must not be empty"));
            }
            if name.contains('\u{1f}') {
                return Err(Error::invalid(
                    "user name",
                    format!("{name:?} holds U+001F"),
                ));
            }
        }
        Ok(names
            .chunks(self.multi_value_limit())
            .map(|chunk| UsersBatch {
                names: chunk.iter().map(|n| n.as_ref().to_owned()).collect(),
            })
            .collect())
    }

    /// The `list=users&usprop=emailable` request for one batch. It is a
    /// POST (a read, never a write): 500 names in a query string overflow
    /// the request-line limit of common servers (Apache's is 8190 bytes,
    /// HTTP 414), while a body has room.
    ///
    /// Logged in, it asserts `assert=user` but not the name, and asks
    /// `meta=userinfo` (who the wiki answered as, at no cost worth
    /// measuring): the session engine compares that name with the account,
    /// as for [`Api::read_options_request`].
    pub fn emailable_request(&self, batch: &UsersBatch) -> Request {
        let joined = join_multi(&batch.names);
        let params = [
            ("action", Cow::Borrowed("query")),
            ("meta", Cow::Borrowed("userinfo")),
            ("list", Cow::Borrowed("users")),
            ("usprop", Cow::Borrowed("emailable")),
            ("ususers", Cow::Owned(joined)),
        ];
        self.build(Method::Post, &params, None, Kind::NamedRead)
    }
}

/// Reads the answer to [`Api::emailable_request`] for `batch`, matching the
/// server's entries to the names given: exactly, else after MediaWiki's
/// user-name normalisation (`_` as space, runs of spaces as one, first
/// letter upper case). A name the server did not mention is `Missing`.
///
/// ```
/// use mw_core::{Api, Emailability, Response, parse_emailable};
/// let api = Api::new("https://wiki.example/w/api.php", "MyTool/1.0 (me@example.org)")?;
/// let batches = api.emailable_batches(&["alice", "Nobody"])?;
/// let answer = r#"{"query":{"users":[{"userid":1,"name":"Alice","emailable":true},
///     {"name":"Nobody","missing":true}]}}"#;
/// let report = parse_emailable(&Response::json(answer), &batches[0])?;
/// assert_eq!(report.entries[0].status, Emailability::Emailable); // "alice" is "Alice"
/// assert_eq!(report.entries[1].status, Emailability::Missing);
/// # Ok::<(), mw_core::Error>(())
/// ```
///
/// # Errors
/// An API error, or [`Error::Decode`] when the answer holds no users.
pub fn parse_emailable(resp: &Response, batch: &UsersBatch) -> Result<EmailableReport, Error> {
    let decoded: Decoded<UsersAnswer> = decode(resp)?;
    let users = decoded
        .body
        .query
        .and_then(|q| q.users)
        .ok_or_else(|| decode_error(resp, "the answer holds no query.users"))?;
    let entries = batch
        .names
        .iter()
        .map(|requested| {
            let found = users.iter().find(|u| &u.name == requested).or_else(|| {
                let normal = normalize_user_name(requested);
                users.iter().find(|u| u.name == normal)
            });
            match found {
                Some(u) => EmailableEntry {
                    requested: requested.clone(),
                    name: Some(u.name.clone()),
                    status: u.status(),
                },
                None => EmailableEntry {
                    requested: requested.clone(),
                    name: None,
                    status: Emailability::Missing,
                },
            }
        })
        .collect();
    Ok(EmailableReport {
        entries,
        warnings: decoded.warnings,
    })
}

/// MediaWiki's normalisation of a user name, as far as a client can know it
/// without asking: `_` as space, trimmed, runs of spaces as one, the first
/// letter upper case.
pub fn normalize_user_name(name: &str) -> String {
    let spaced = name.replace('_', " ");
    let collapsed = spaced.split_whitespace().collect::<Vec<_>>().join(" ");
    let mut chars = collapsed.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// One entry of `query.users`.
#[derive(Deserialize, Default)]
#[serde(default)]
pub(crate) struct UserEntry {
    name: String,
    missing: bool,
    invalid: bool,
    emailable: bool,
}

impl UserEntry {
    fn status(&self) -> Emailability {
        if self.invalid {
            Emailability::Invalid
        } else if self.missing {
            Emailability::Missing
        } else if self.emailable {
            Emailability::Emailable
        } else {
            Emailability::NotEmailable
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalizes_user_names_as_mediawiki_does() {
        assert_eq!(normalize_user_name("mwkit_recipient"), "Mwkit recipient");
        assert_eq!(normalize_user_name("  élan   vital "), "Élan vital");
        assert_eq!(normalize_user_name("Bob"), "Bob");
    }
}

/// The answer to `list=users&usprop=emailable`.
#[derive(Deserialize, Default)]
#[serde(default)]
struct UsersAnswer {
    query: Option<UsersQuery>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct UsersQuery {
    users: Option<Vec<UserEntry>>,
}
