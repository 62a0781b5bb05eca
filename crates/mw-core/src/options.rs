//! `action=options` (change preferences) and `meta=userinfo&uiprop=options`
//! (read them).
//!
//! A change set travels in as few requests as MediaWiki allows: every change
//! whose name holds no `=` goes in `change` (joined with `|`, or in the
//! U+001F form when a name or value holds `|`), at most 50 to a request (500
//! with `apihighlimits`); a name holding `=` cannot go in `change` (the
//! server splits at the first `=`) and goes alone in
//! `optionname`/`optionvalue`, one to a request.

use std::borrow::Cow;
use std::collections::{BTreeMap, HashMap};
use std::fmt;

use serde::Deserialize;
use serde::de::{self, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::Value;

use crate::api::{Api, Kind, join_multi};
use crate::error::{Error, Message};
use crate::http::{Method, Request, Response};
use crate::response::{Decoded, decode, decode_error};
use crate::secret::Token;

/// Longest option name MediaWiki stores, in bytes.
pub const MAX_NAME_BYTES: usize = 255;
/// Longest option value MediaWiki stores, in bytes.
pub const MAX_VALUE_BYTES: usize = 65535;

/// What to reset before the changes are applied.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ResetScope {
    /// Every preference (`reset=1`).
    All,
    /// The preferences of these kinds (`reset=1&resetkinds=...`):
    /// `registered`, `registered-multiselect`, `registered-checkmatrix`,
    /// `userjs`, `special`, `unused`, `all`.
    ///
    /// On MediaWiki 1.39 resetting the `userjs` kind leaves `userjs-`
    /// options in place, though the answer is `success` (seen on the test
    /// wiki): reset those by name, or with [`ResetScope::All`].
    Kinds(Vec<String>),
}

impl ResetScope {
    /// The scope for a list of kinds as users give it: every preference
    /// when the list names `all`, else those kinds (an empty list is refused
    /// when the change is validated).
    ///
    /// ```
    /// use mw_core::ResetScope;
    /// assert_eq!(ResetScope::from_kinds(["userjs", "all"]), ResetScope::All);
    /// assert_eq!(ResetScope::from_kinds(["userjs"]), ResetScope::Kinds(vec!["userjs".into()]));
    /// ```
    pub fn from_kinds<I, S>(kinds: I) -> ResetScope
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        let kinds: Vec<String> = kinds.into_iter().map(Into::into).collect();
        if kinds.iter().any(|k| k == "all") {
            ResetScope::All
        } else {
            ResetScope::Kinds(kinds)
        }
    }
}

/// A set of preference changes: values to set, options to reset to their
/// default, and optionally a reset of all or some kinds first.
///
/// Setting one name twice keeps the last value.
///
/// ```
/// use mw_core::{Api, OptionsChange, Token};
/// let api = Api::new("https://wiki.example/w/api.php", "MyTool/1.0 (me@example.org)")?;
/// let change = OptionsChange::new()
///     .set("gender", "female")
///     .set("userjs-sig", "a|b")   // a value holding | : sent in the U+001F form
///     .reset("skin");             // back to the default
/// let batches = api.options_batches(&change)?;
/// assert_eq!(batches.len(), 1);
/// let req = api.options_request(&batches[0], &Token::new("t+\\"));
/// let body = String::from_utf8(req.body).unwrap();
/// assert!(body.starts_with("action=options&change=%1Fgender%3Dfemale%1Fuserjs-sig%3Da%7Cb%1Fskin&"));
/// # Ok::<(), mw_core::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct OptionsChange {
    reset: Option<ResetScope>,
    changes: Vec<(String, Option<String>)>,
}

impl OptionsChange {
    /// An empty change set.
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets option `name` to `value`.
    #[must_use]
    pub fn set(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.changes.push((name.into(), Some(value.into())));
        self
    }

    /// Resets option `name` to its default.
    #[must_use]
    pub fn reset(mut self, name: impl Into<String>) -> Self {
        self.changes.push((name.into(), None));
        self
    }

    /// Sets `name` to `value`, or resets it when `value` is `None`.
    #[must_use]
    pub fn change(mut self, name: impl Into<String>, value: Option<String>) -> Self {
        self.changes.push((name.into(), value));
        self
    }

    /// Resets every preference before the changes are applied.
    #[must_use]
    pub fn reset_all(mut self) -> Self {
        self.reset = Some(ResetScope::All);
        self
    }

    /// Resets the preferences of `kinds` before the changes are applied.
    #[must_use]
    pub fn reset_kinds<I, S>(mut self, kinds: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.reset = Some(ResetScope::Kinds(
            kinds.into_iter().map(Into::into).collect(),
        ));
        self
    }

    /// The changes in order, as given (`None`: reset to the default).
    pub fn changes(&self) -> &[(String, Option<String>)] {
        &self.changes
    }

    /// The reset asked for, if any.
    pub fn reset_scope(&self) -> Option<&ResetScope> {
        self.reset.as_ref()
    }

    /// Checks every name and value against MediaWiki's limits.
    ///
    /// # Errors
    /// [`Error::InvalidInput`] for an empty change set, an empty name, a
    /// name over 255 bytes, a value over 65535 bytes, a control character in
    /// a name (U+001F, a line break, ...), U+001F in a value, a `userjs-` name with characters other than `[A-Za-z0-9_-]`,
    /// or an empty or malformed reset kind.
    pub fn validate(&self) -> Result<(), Error> {
        if self.changes.is_empty() && self.reset.is_none() {
            return Err(Error::invalid("options", "nothing to change"));
        }
        if let Some(ResetScope::Kinds(kinds)) = &self.reset {
            if kinds.is_empty() {
                return Err(Error::invalid("reset kinds", "give at least one kind"));
            }
            for kind in kinds {
                if kind.is_empty() || kind.contains(['|', '\u{1f}', '=']) {
                    return Err(Error::invalid(
                        "reset kind",
                        format!("{kind:?} is not a kind"),
                    ));
                }
            }
        }
        for (name, value) in &self.changes {
            validate_name(name)?;
            if let Some(value) = value {
                if value.len() > MAX_VALUE_BYTES {
                    return Err(Error::invalid(
                        "option value",
                        format!(
                            "the value of {name:?} is {} bytes; at most {MAX_VALUE_BYTES}",
                            value.len()
                        ),
                    ));
                }
                if value.contains('\u{1f}') {
                    return Err(Error::invalid(
                        "option value",
                        format!("the value of {name:?} holds U+001F"),
                    ));
                }
            }
        }
        Ok(())
    }

    /// Splits the change set into requests of at most `limit` `change`
    /// values each, names holding `=` one to a request, the reset in the
    /// first. The last value given for a name wins.
    ///
    /// # Errors
    /// As [`OptionsChange::validate`], or [`Error::InvalidInput`] for a
    /// `limit` of zero.
    pub fn batches(&self, limit: usize) -> Result<Vec<OptionsBatch>, Error> {
        self.validate()?;
        if limit == 0 {
            return Err(Error::invalid("limit", "must be at least 1"));
        }
        let mut last: HashMap<&str, usize> = HashMap::with_capacity(self.changes.len());
        for (i, (name, _)) in self.changes.iter().enumerate() {
            last.insert(name.as_str(), i);
        }
        let (mut plain, mut single) = (Vec::new(), Vec::new());
        for (i, entry) in self.changes.iter().enumerate() {
            if last.get(entry.0.as_str()) != Some(&i) {
                continue;
            }
            if entry.0.contains('=') {
                single.push(entry.clone())
            } else {
                plain.push(entry.clone())
            }
        }
        let count = plain.len().div_ceil(limit).max(single.len()).max(1);
        let mut chunks = plain.chunks(limit);
        let mut single = single.into_iter();
        let batches = (0..count)
            .map(|i| OptionsBatch {
                reset: if i == 0 { self.reset.clone() } else { None },
                change: chunks.next().map(<[_]>::to_vec).unwrap_or_default(),
                single: single.next(),
            })
            .collect();
        Ok(batches)
    }
}

fn validate_name(name: &str) -> Result<(), Error> {
    if name.is_empty() {
        return Err(Error::invalid("option name", "must not be empty"));
    }
    if name.len() > MAX_NAME_BYTES {
        return Err(Error::invalid(
            "option name",
            format!("{} bytes; at most {MAX_NAME_BYTES}", name.len()),
        ));
    }
    // No preference name holds a control character; U+001F would split the
    // request, and a line break would make lists of names ambiguous (the C
    // library reports names one to a line).
    if name.chars().any(char::is_control) {
        return Err(Error::invalid(
            "option name",
            format!("{name:?} holds a control character"),
        ));
    }
    if name.starts_with("userjs-")
        && !name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
    {
        return Err(Error::invalid(
            "option name",
            format!("{name:?}: userjs- names hold only A-Z, a-z, 0-9, _ and -"),
        ));
    }
    Ok(())
}

/// The changes one `action=options` request carries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OptionsBatch {
    reset: Option<ResetScope>,
    change: Vec<(String, Option<String>)>,
    single: Option<(String, Option<String>)>,
}

impl OptionsBatch {
    /// The option names this request changes, in order.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.change
            .iter()
            .chain(self.single.iter())
            .map(|(n, _)| n.as_str())
    }

    /// How many values the `change` parameter holds.
    pub fn change_len(&self) -> usize {
        self.change.len()
    }
}

impl Api {
    /// Splits `change` into requests for this session's multi-value limit
    /// ([`Api::multi_value_limit`]); see [`OptionsChange::batches`].
    ///
    /// # Errors
    /// As [`OptionsChange::validate`].
    pub fn options_batches(&self, change: &OptionsChange) -> Result<Vec<OptionsBatch>, Error> {
        change.batches(self.multi_value_limit())
    }

    /// The `action=options` request for one batch.
    pub fn options_request(&self, batch: &OptionsBatch, token: &Token) -> Request {
        let mut params: Vec<(&str, Cow<'_, str>)> = vec![("action", Cow::Borrowed("options"))];
        match &batch.reset {
            Some(ResetScope::All) => params.push(("reset", Cow::Borrowed("1"))),
            Some(ResetScope::Kinds(kinds)) => {
                params.push(("reset", Cow::Borrowed("1")));
                params.push(("resetkinds", Cow::Owned(join_multi(kinds))));
            }
            None => {}
        }
        if !batch.change.is_empty() {
            let items: Vec<Cow<'_, str>> = batch
                .change
                .iter()
                .map(|(n, v)| match v {
                    Some(v) => Cow::Owned(format!("{n}={v}")),
                    None => Cow::Borrowed(n.as_str()),
                })
                .collect();
            params.push(("change", Cow::Owned(join_multi(&items))));
        }
        if let Some((name, value)) = &batch.single {
            params.push(("optionname", Cow::Borrowed(name.as_str())));
            if let Some(value) = value {
                params.push(("optionvalue", Cow::Borrowed(value.as_str())));
            }
        }
        self.build(Method::Post, &params, Some(token), Kind::Write)
    }

    /// The request that reads the logged-in user's preferences; give the
    /// answer to [`parse_read_options`].
    ///
    /// Logged in, it asserts `assert=user` but not the name: the answer
    /// names the account it was read as ([`UserOptions::user`]), and a
    /// caller driving it by hand compares that with the account, as the
    /// session engine does (a mismatch is MediaWiki's
    /// `assertnameduserfailed`: log in again).
    ///
    /// ```
    /// use mw_core::{Api, Response, parse_read_options};
    /// let api = Api::new("https://wiki.example/w/api.php", "MyTool/1.0 (me@example.org)")?;
    /// assert!(api.read_options_request().url.contains("meta=userinfo&uiprop=options"));
    /// let answer = r#"{"query":{"userinfo":{"id":3,"name":"Alice",
    ///     "options":{"gender":"female","rclimit":50,"search-match-redirect":true}}}}"#;
    /// let read = parse_read_options(&Response::json(answer))?;
    /// assert_eq!(read.options["rclimit"], "50");
    /// assert_eq!(read.options["search-match-redirect"], "1");
    /// # Ok::<(), mw_core::Error>(())
    /// ```
    pub fn read_options_request(&self) -> Request {
        self.get_named(&[
            ("action", "query"),
            ("meta", "userinfo"),
            ("uiprop", "options"),
        ])
    }
}

/// An option the server did not apply, though it answered `success`.
#[derive(Debug, Clone, PartialEq)]
pub struct RejectedOption {
    /// The option's name, when the warning names one of the batch's options.
    pub name: Option<String>,
    /// The server's warning.
    pub message: Message,
}

/// Where a change of options stands when its caller gives it up before it
/// finished (an interrupt): see [`Call::options_progress`](crate::Call::options_progress).
/// The same names as an [`Incomplete`](crate::Incomplete) error's.
#[derive(Debug, Clone, PartialEq, Default)]
#[non_exhaustive]
pub struct OptionsProgress {
    /// Names whose request the wiki answered with success (those it
    /// dropped are in `rejected` too).
    pub applied: Vec<String>,
    /// Options the wiki answered success for but dropped.
    pub rejected: Vec<RejectedOption>,
    /// Names whose request was on its way: the wiki may or may not carry
    /// it out.
    pub unknown: Vec<String>,
    /// Names whose request was never sent.
    pub not_applied: Vec<String>,
}

/// What an `action=options` request did.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct OptionsChanged {
    /// Every warning the server gave.
    pub warnings: Vec<Message>,
    /// The options the server dropped (`validationfailed`): unknown names,
    /// invalid values.
    pub rejected: Vec<RejectedOption>,
}

impl OptionsChanged {
    /// Adds another batch's outcome to this one.
    pub fn merge(&mut self, other: OptionsChanged) {
        self.warnings.extend(other.warnings);
        self.rejected.extend(other.rejected);
    }
}

/// Reads the answer to [`Api::options_request`] for `batch`, naming the
/// options each `validationfailed` warning is about.
///
/// # Errors
/// An API error (`notloggedin`, `nochanges`, `badtoken`, ...).
pub fn parse_options(resp: &Response, batch: &OptionsBatch) -> Result<OptionsChanged, Error> {
    let decoded: Decoded<OptionsAnswer> = decode(resp)?;
    match decoded.body.options {
        Some(Value::String(s)) if s == "success" => {}
        Some(other) => {
            return Err(decode_error(
                resp,
                &format!("unexpected options result {other}"),
            ));
        }
        None => return Err(decode_error(resp, "the answer holds no options")),
    }
    let rejected = decoded
        .warnings
        .iter()
        .filter(|w| {
            w.code == "validationfailed"
                || (w.code.is_empty() && w.module.as_deref() == Some("options"))
        })
        .map(|w| RejectedOption {
            name: named_option(&w.text, batch),
            message: w.clone(),
        })
        .collect();
    Ok(OptionsChanged {
        warnings: decoded.warnings,
        rejected,
    })
}

/// The batch's option a warning text names: the longest name that stands in
/// double quotes in the text, else the longest that stands in it at all
/// (other languages quote differently).
fn named_option(text: &str, batch: &OptionsBatch) -> Option<String> {
    let longest = |pred: &dyn Fn(&str) -> bool| {
        batch
            .names()
            .filter(|n| pred(n))
            .max_by_key(|n| n.len())
            .map(str::to_owned)
    };
    longest(&|n| text.contains(&format!("\"{n}\""))).or_else(|| longest(&|n| text.contains(n)))
}

/// A user's preferences, as read.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct UserOptions {
    /// The user the preferences belong to (for a logged-out session, the
    /// IP address, with the wiki's defaults).
    pub user: String,
    /// Whether the session was logged out.
    pub anonymous: bool,
    /// Every preference, as text: numbers in decimal, `true` as `"1"` and
    /// `false` or `null` as `""` (PHP's reading, which MediaWiki stores).
    pub options: BTreeMap<String, String>,
    /// Warnings the server gave.
    pub warnings: Vec<Message>,
}

/// Reads the answer to [`Api::read_options_request`].
///
/// # Errors
/// An API error, or [`Error::Decode`] when the answer holds no options.
pub fn parse_read_options(resp: &Response) -> Result<UserOptions, Error> {
    let decoded: Decoded<UserInfoAnswer> = decode(resp)?;
    let info = decoded
        .body
        .query
        .and_then(|q| q.userinfo)
        .ok_or_else(|| decode_error(resp, "the answer holds no userinfo"))?;
    let options = info
        .options
        .ok_or_else(|| decode_error(resp, "the answer holds no userinfo.options"))?;
    Ok(UserOptions {
        user: info.name,
        anonymous: info.anon || info.id == 0,
        options: options.into_iter().map(|(k, v)| (k, v.0)).collect(),
        warnings: decoded.warnings,
    })
}

/// The answer to `action=options`.
#[derive(Deserialize, Default)]
#[serde(default)]
struct OptionsAnswer {
    options: Option<Value>,
}

/// The answer to `meta=userinfo&uiprop=options`.
#[derive(Deserialize, Default)]
#[serde(default)]
struct UserInfoAnswer {
    query: Option<UserInfoQuery>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct UserInfoQuery {
    userinfo: Option<UserInfo>,
}

/// `query.userinfo` of an answer.
#[derive(Deserialize, Default)]
#[serde(default)]
pub(crate) struct UserInfo {
    pub(crate) id: u64,
    pub(crate) name: String,
    pub(crate) anon: bool,
    pub(crate) rights: Vec<String>,
    pub(crate) options: Option<BTreeMap<String, OptionText>>,
}

/// An option value read as text, whatever its JSON type.
pub(crate) struct OptionText(String);

impl<'de> Deserialize<'de> for OptionText {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = OptionText;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an option value")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<OptionText, E> {
                Ok(OptionText(v.to_owned()))
            }
            fn visit_string<E: de::Error>(self, v: String) -> Result<OptionText, E> {
                Ok(OptionText(v))
            }
            fn visit_bool<E: de::Error>(self, v: bool) -> Result<OptionText, E> {
                Ok(OptionText(if v { "1" } else { "" }.to_owned()))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<OptionText, E> {
                Ok(OptionText(v.to_string()))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<OptionText, E> {
                Ok(OptionText(v.to_string()))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<OptionText, E> {
                Ok(OptionText(v.to_string()))
            }
            fn visit_unit<E: de::Error>(self) -> Result<OptionText, E> {
                Ok(OptionText(String::new()))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<OptionText, A::Error> {
                let v = Value::deserialize(de::value::SeqAccessDeserializer::new(seq))?;
                Ok(OptionText(v.to_string()))
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<OptionText, A::Error> {
                let v = Value::deserialize(de::value::MapAccessDeserializer::new(map))?;
                Ok(OptionText(v.to_string()))
            }
        }
        d.deserialize_any(V)
    }
}
