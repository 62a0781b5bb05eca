//! How a wiki folds a user name: MediaWiki's own rules, with the wiki's own
//! names for the user namespace, read once from its siteinfo.
//!
//! MediaWiki takes many spellings for one user (`UserNameUtils::getCanonical`,
//! which parses the name as a title in the user namespace with
//! `TitleParser::splitTitleString`): the request is NFC (`WebRequest`
//! normalises every parameter); direction marks (U+200E, U+200F,
//! U+202A..U+202E) are dropped; underscores and runs of Unicode spaces are
//! one space, trimmed; one prefix naming the user namespace is dropped, in
//! any case and with spaces around the colon, in any of the wiki's names for
//! it (its localized name, the canonical `User`, and its aliases, gender
//! forms such as `Benutzerin` among them); and the first letter is upper
//! case, as the wiki's content language writes it. The user namespace is
//! capitalized on every wiki, whatever its `case` setting (`$wgCapitalLinks`
//! only governs the other namespaces).
//!
//! [`UserNames::fold`] mirrors these rules for a name the wiki takes as
//! valid. Whether a name is valid at all (IP addresses, `/`, `#`, other
//! namespaces, interwiki prefixes, length) is left to the wiki, which
//! answers `invalid` for it.

use std::borrow::Cow;

use serde::Deserialize;
use serde_json::Value;
use unicode_normalization::UnicodeNormalization;

use crate::api::{Api, Kind};
use crate::error::{Error, Message};
use crate::http::{Method, Request, Response};
use crate::response::{Decoded, decode};

/// The user namespace's number.
const NS_USER: i64 = 2;

/// A wiki's rules for folding user names: its names for the user namespace,
/// its content language and how its version writes a first letter. Read
/// from the wiki with [`Api::user_names_request`] and
/// [`UserNames::from_siteinfo`]; [`UserNames::default`] is an English wiki
/// of a version before 1.45.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserNames {
    /// The names of the user namespace, lower case, spaces as one space.
    prefixes: Vec<String>,
    /// The content language's code (`en`, `de`, `tr`, ...).
    lang: String,
    /// MediaWiki 1.45 and later write a first letter in title case
    /// (`Language::ucfirst` with `MB_CASE_TITLE`); earlier versions in
    /// upper case (`mb_strtoupper`). They differ for a few letters
    /// (`ǆ`, `ß`, ligatures, Georgian).
    title_case: bool,
}

impl Default for UserNames {
    fn default() -> Self {
        Self {
            prefixes: vec!["user".to_owned()],
            lang: "en".to_owned(),
            title_case: false,
        }
    }
}

impl Api {
    /// The siteinfo read that [`UserNames::from_siteinfo`] reads: the
    /// general facts (version, language), the namespaces and their aliases.
    pub fn user_names_request(&self) -> Request {
        let params = [
            ("action", Cow::Borrowed("query")),
            ("meta", Cow::Borrowed("siteinfo")),
            (
                "siprop",
                Cow::Borrowed("general|namespaces|namespacealiases"),
            ),
        ];
        self.build(Method::Get, &params, None, Kind::Read)
    }
}

impl UserNames {
    /// Reads the answer to [`Api::user_names_request`], with its warnings.
    /// Whatever the answer lacks keeps the default (`User`, English).
    ///
    /// ```
    /// use mw_core::{Response, UserNames};
    /// let answer = r#"{"query":{"general":{"generator":"MediaWiki 1.43.1","lang":"de"},
    ///     "namespaces":{"2":{"id":2,"name":"Benutzer","canonical":"User"}},
    ///     "namespacealiases":[{"id":2,"alias":"Benutzerin"}]}}"#;
    /// let (names, _warnings) = UserNames::from_siteinfo(&Response::json(answer))?;
    /// assert_eq!(names.fold("benutzerin : rcpt"), "Rcpt");
    /// # Ok::<(), mw_core::Error>(())
    /// ```
    ///
    /// # Errors
    /// An API error, or [`Error::Decode`] for an answer that is not JSON.
    pub fn from_siteinfo(resp: &Response) -> Result<(UserNames, Vec<Message>), Error> {
        let decoded: Decoded<SiteinfoAnswer> = decode(resp)?;
        let query = decoded.body.query.unwrap_or_default();
        let mut names = UserNames::default();
        if let Some(general) = query.general {
            if let Some(lang) = general.lang.filter(|l| !l.is_empty()) {
                names.lang = lang;
            }
            names.title_case = general
                .generator
                .as_deref()
                .and_then(version)
                .is_some_and(|v| v >= (1, 45));
        }
        let mut add = |name: &str| {
            let key = prefix_key(name);
            if !key.is_empty() && !names.prefixes.contains(&key) {
                names.prefixes.push(key);
            }
        };
        // formatversion=2 keys the namespaces by number; the name is `name`
        // there and `*` in formatversion=1.
        let namespaces = match &query.namespaces {
            Value::Object(map) => map.values().cloned().collect(),
            Value::Array(list) => list.clone(),
            _ => Vec::new(),
        };
        for ns in namespaces.iter().filter(|ns| ns["id"] == NS_USER) {
            for field in ["name", "*", "canonical"] {
                if let Some(name) = ns[field].as_str() {
                    add(name);
                }
            }
        }
        for alias in query.namespacealiases.iter().filter(|a| a["id"] == NS_USER) {
            for field in ["alias", "*"] {
                if let Some(name) = alias[field].as_str() {
                    add(name);
                }
            }
        }
        Ok((names, decoded.warnings))
    }

    /// `name` as the wiki folds it, for a name it takes as valid: NFC,
    /// direction marks dropped, underscores and runs of Unicode spaces as
    /// one space, trimmed, one user-namespace prefix dropped, the first
    /// letter upper case as the wiki writes it.
    ///
    /// ```
    /// let names = mw_core::UserNames::default();
    /// assert_eq!(names.fold("user :  mwkit_recipient\u{200e}"), "Mwkit recipient");
    /// assert_eq!(names.fold("A\u{308}rger U\u{308}ni\u{308}code"), "Ärger Ünïcode");
    /// ```
    pub fn fold(&self, name: &str) -> String {
        let nfc: String = name.nfc().collect();
        let spaced = collapse_spaces(&nfc);
        let text = match spaced.split_once(':') {
            Some((prefix, rest)) if self.prefixes.contains(&prefix_key(prefix)) => rest.trim(),
            _ => spaced.as_str(),
        };
        self.upper_first(text)
    }

    /// The first letter as the wiki's `Language::ucfirst` writes it.
    fn upper_first(&self, text: &str) -> String {
        let mut chars = text.chars();
        let Some(first) = chars.next() else {
            return String::new();
        };
        let rest = chars.as_str();
        let upper: Cow<'_, str> = match (self.lang.as_str(), first) {
            // LanguageTr, LanguageAz: the dotted capital.
            ("tr" | "az", 'i') => Cow::Borrowed("İ"),
            ("kaa", 'ı') => Cow::Borrowed("Í"),
            (_, c) if c.is_ascii() => Cow::Owned(c.to_ascii_uppercase().to_string()),
            (_, c) if self.title_case => title_case(c),
            (_, c) => Cow::Owned(c.to_uppercase().collect()),
        };
        format!("{upper}{rest}")
    }
}

/// `MediaWiki 1.43.1` → (1, 43).
fn version(generator: &str) -> Option<(u32, u32)> {
    let v = generator.strip_prefix("MediaWiki ")?;
    let mut parts = v.split(|c: char| !c.is_ascii_digit());
    let major = parts.next()?.parse().ok()?;
    let minor = parts.next()?.parse().ok()?;
    Some((major, minor))
}

/// A namespace name or a prefix as compared: spaces folded, lower case.
fn prefix_key(name: &str) -> String {
    collapse_spaces(&name.nfc().collect::<String>()).to_lowercase()
}

/// Direction marks dropped, then underscores and runs of the spaces
/// MediaWiki's title parser knows as one space, trimmed.
fn collapse_spaces(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut pending = false;
    for c in text.chars() {
        if is_direction_mark(c) {
            continue;
        }
        if is_title_space(c) {
            pending = true;
            continue;
        }
        if pending && !out.is_empty() {
            out.push(' ');
        }
        pending = false;
        out.push(c);
    }
    out
}

fn is_direction_mark(c: char) -> bool {
    matches!(c, '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}')
}

/// The spaces of `TitleParser::splitTitleString` (a tab or a line break is
/// not among them: the wiki calls a name holding one invalid).
fn is_title_space(c: char) -> bool {
    matches!(
        c,
        ' ' | '_' | '\u{A0}' | '\u{1680}' | '\u{180E}' | '\u{2000}'
            ..='\u{200A}' | '\u{2028}' | '\u{2029}' | '\u{202F}' | '\u{205F}' | '\u{3000}'
    )
}

/// The title case of a first letter where it differs from its upper case
/// (Unicode's titlecase mappings, SpecialCasing's included), else its upper
/// case. Rare Greek letters with a iota subscript are left to the upper
/// case; the wiki's own answer is what counts (see `parse_emailable`).
fn title_case(c: char) -> Cow<'static, str> {
    let s = match c {
        'Ǆ' | 'ǅ' | 'ǆ' => "ǅ",
        'Ǉ' | 'ǈ' | 'ǉ' => "ǈ",
        'Ǌ' | 'ǋ' | 'ǌ' => "ǋ",
        'Ǳ' | 'ǲ' | 'ǳ' => "ǲ",
        'ß' => "Ss",
        'ﬀ' => "Ff",
        'ﬁ' => "Fi",
        'ﬂ' => "Fl",
        'ﬃ' => "Ffi",
        'ﬄ' => "Ffl",
        'ﬅ' | 'ﬆ' => "St",
        'և' => "Եւ",
        'ﬓ' => "Մն",
        'ﬔ' => "Մե",
        'ﬕ' => "Մի",
        'ﬖ' => "Վն",
        'ﬗ' => "Մխ",
        // Georgian Mkhedruli has no title case of its own: it stays.
        '\u{10D0}'..='\u{10FA}' | '\u{10FD}'..='\u{10FF}' => {
            return Cow::Owned(c.to_string());
        }
        _ => return Cow::Owned(c.to_uppercase().collect()),
    };
    Cow::Borrowed(s)
}

/// The answer to [`Api::user_names_request`].
#[derive(Deserialize, Default)]
#[serde(default)]
struct SiteinfoAnswer {
    query: Option<SiteinfoQuery>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct SiteinfoQuery {
    general: Option<General>,
    namespaces: Value,
    namespacealiases: Vec<Value>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct General {
    generator: Option<String>,
    lang: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folds_spaces_underscores_and_direction_marks() {
        let n = UserNames::default();
        assert_eq!(n.fold("mwkit_recipient"), "Mwkit recipient");
        assert_eq!(n.fold("  élan \u{3000}\u{a0} vital_"), "Élan vital");
        assert_eq!(n.fold("\u{200f}Rcpt\u{202c}"), "Rcpt");
        assert_eq!(n.fold("R\u{200e}cpt"), "Rcpt");
        assert_eq!(n.fold("Bob"), "Bob");
    }

    #[test]
    fn drops_one_user_prefix_in_any_case_with_spaces_around_the_colon() {
        let n = UserNames::default();
        for spelling in [
            "User:Rcpt",
            "user:rcpt",
            "USER : rcpt",
            "User_:_Rcpt",
            "user\u{200e}:Rcpt",
        ] {
            assert_eq!(n.fold(spelling), "Rcpt", "{spelling:?}");
        }
        // Only one prefix, and only the user namespace's.
        assert_eq!(n.fold("User:User:Rcpt"), "User:Rcpt");
        assert_eq!(n.fold("Talk:Rcpt"), "Talk:Rcpt");
    }

    #[test]
    fn first_letters_follow_the_language_and_the_version() {
        let mut n = UserNames::default();
        assert_eq!(n.fold("ärger"), "Ärger");
        assert_eq!(n.fold("ǆemal"), "Ǆemal");
        assert_eq!(n.fold("ßx"), "SSx");
        n.title_case = true;
        assert_eq!(n.fold("ǆemal"), "ǅemal");
        assert_eq!(n.fold("ßx"), "Ssx");
        assert_eq!(n.fold("ავთო"), "ავთო");
        n.lang = "tr".to_owned();
        assert_eq!(n.fold("istanbul"), "İstanbul");
    }

    #[test]
    fn reads_versions() {
        assert_eq!(version("MediaWiki 1.45.0-wmf.3"), Some((1, 45)));
        assert_eq!(version("MediaWiki 1.39.10"), Some((1, 39)));
        assert_eq!(version("Other 1.0"), None);
    }
}
