//! Which users can be emailed (`list=users&usprop=emailable`), for many
//! names at once.

use std::borrow::Cow;

use serde::Deserialize;
use unicode_normalization::UnicodeNormalization;

use crate::api::{Api, Kind, join_multi};
use crate::error::{Error, Message};
use crate::http::{Method, Request, Response};
use crate::names::UserNames;
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
    /// The names as the caller gave them.
    names: Vec<String>,
    /// The spellings sent: the names in NFC, each once (MediaWiki reads
    /// every parameter in NFC and answers a value given twice once).
    sent: Vec<String>,
    /// For each name, its spelling in `sent`.
    index: Vec<usize>,
}

impl UsersBatch {
    /// The names, as the caller gave them.
    pub fn names(&self) -> &[String] {
        &self.names
    }

    /// The spellings the request sends: the names in NFC, each once.
    pub fn sent(&self) -> &[String] {
        &self.sent
    }
}

/// The answer for one name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EmailableEntry {
    /// The name as the caller gave it.
    pub requested: String,
    /// The name as the wiki folds it (see [`UserNames`]), or for an
    /// `invalid` name the spelling sent, when the wiki answered for it.
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
    /// limit (50, or 500 with `apihighlimits`) of distinct spellings. Each
    /// name is sent as the caller wrote it, in NFC: the wiki folds it (see
    /// [`UserNames`]) and answers for it, `invalid` when it is not a user
    /// name.
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
        let limit = self.multi_value_limit();
        let mut batches = Vec::new();
        let mut batch = UsersBatch {
            names: Vec::new(),
            sent: Vec::new(),
            index: Vec::new(),
        };
        for name in names {
            let name = name.as_ref();
            let nfc: String = name.nfc().collect();
            let at = match batch.sent.iter().position(|s| *s == nfc) {
                Some(at) => at,
                None => {
                    if batch.sent.len() == limit {
                        batches.push(std::mem::replace(
                            &mut batch,
                            UsersBatch {
                                names: Vec::new(),
                                sent: Vec::new(),
                                index: Vec::new(),
                            },
                        ));
                    }
                    batch.sent.push(nfc);
                    batch.sent.len() - 1
                }
            };
            batch.names.push(name.to_owned());
            batch.index.push(at);
        }
        batches.push(batch);
        Ok(batches)
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
        let joined = join_multi(&batch.sent);
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

/// Reads the answer to [`Api::emailable_request`] for `batch`, folding names
/// by [`UserNames::default`]; see [`parse_emailable_with`].
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
    parse_emailable_with(resp, batch, &UserNames::default())
}

/// Reads the answer to [`Api::emailable_request`] for `batch`: each name
/// gets the answer the wiki gave for its spelling, keyed by the name as the
/// caller gave it.
///
/// The wiki's answer does not say which spelling each entry answers, so
/// they are matched in three steps: an `invalid` entry repeats the
/// spelling sent; any other entry is named as the wiki folds the spelling,
/// which `names` mirrors (see [`UserNames::fold`]); and what is left is
/// paired in the order the wiki answers, which is the order the spellings
/// were sent (`ApiQueryUsers`: the invalid ones first, then the others,
/// each as often as it was sent folded). The last step makes the answer
/// the wiki's even where the mirror of its rules falls short (a letter
/// whose capital a wiki overrides, say). Each entry answers one spelling;
/// when the entries run out, a spelling takes the answer of the user it
/// folds to. A spelling the wiki did not answer at all is `Missing`.
///
/// Why both the wiki and a mirror: only the wiki knows all that makes a name
/// invalid (interwiki prefixes, IP addresses, lengths, its configuration),
/// so it folds and validates every spelling itself, at no extra request;
/// but its answer names users, not spellings, so the mirror ties each
/// answer to its spelling without trusting the order alone, and the order
/// covers what the mirror cannot know (a wiki's own first-letter overrides).
///
/// # Errors
/// As [`parse_emailable`].
pub fn parse_emailable_with(
    resp: &Response,
    batch: &UsersBatch,
    names: &UserNames,
) -> Result<EmailableReport, Error> {
    let decoded: Decoded<UsersAnswer> = decode(resp)?;
    let users = decoded
        .body
        .query
        .and_then(|q| q.users)
        .ok_or_else(|| decode_error(resp, "the answer holds no query.users"))?;
    let answered = match_answers(&batch.sent, &users, names);
    let entries = batch
        .names
        .iter()
        .zip(&batch.index)
        .map(
            |(requested, &at)| match answered.get(at).copied().flatten() {
                Some(u) => EmailableEntry {
                    requested: requested.clone(),
                    name: Some(users[u].name.clone()),
                    status: users[u].status(),
                },
                None => EmailableEntry {
                    requested: requested.clone(),
                    name: None,
                    status: Emailability::Missing,
                },
            },
        )
        .collect();
    Ok(EmailableReport {
        entries,
        warnings: decoded.warnings,
    })
}

/// For each spelling sent, the entry of `users` that answers it (see
/// [`parse_emailable_with`]).
fn match_answers(sent: &[String], users: &[UserEntry], names: &UserNames) -> Vec<Option<usize>> {
    let mut used = vec![false; users.len()];
    let mut answer: Vec<Option<usize>> = vec![None; sent.len()];
    // An invalid entry repeats the spelling; any other is named as folded.
    for invalid in [true, false] {
        for (i, spelling) in sent.iter().enumerate() {
            if answer[i].is_some() {
                continue;
            }
            let want = if invalid {
                Cow::Borrowed(spelling.as_str())
            } else {
                Cow::Owned(names.fold(spelling))
            };
            let found = (0..users.len())
                .find(|&j| !used[j] && users[j].invalid == invalid && users[j].name == want);
            if let Some(j) = found {
                used[j] = true;
                answer[i] = Some(j);
            }
        }
    }
    // The rest in the order the wiki answered, the order they were sent.
    let mut left = (0..users.len()).filter(|&j| !used[j]);
    for slot in answer.iter_mut().filter(|a| a.is_none()) {
        *slot = left.next();
    }
    // An answer shorter than the request (a server that answers a name
    // once however often it was sent folded): the same user's answer.
    for (i, spelling) in sent.iter().enumerate() {
        if answer[i].is_none() {
            let folded = names.fold(spelling);
            answer[i] = users.iter().position(|u| !u.invalid && u.name == folded);
        }
    }
    answer
}

/// MediaWiki's folding of a user name on an English wiki: see
/// [`UserNames::fold`], of which this is [`UserNames::default`]'s. A wiki
/// of another language has more names for its user namespace: read them
/// with [`UserNames::from_siteinfo`].
pub fn normalize_user_name(name: &str) -> String {
    UserNames::default().fold(name)
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
