//! Names as people write them, with the wiki as the oracle: each spelling
//! sent alone to `list=users` by a bare HTTP request, and the answer
//! compared with the client's batched `emailable`.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::sync::OnceLock;
use std::time::Duration;

use mw_core::Emailability;
use serde_json::Value;

use crate::driver::Driver;
use crate::support::{Wiki, nonce};

/// The test wiki's `Ärger Ünïcode`, decomposed (NFD): as macOS and some
/// input methods write it.
const UNICODE_NFD: &str = "A\u{308}rger U\u{308}ni\u{308}code";

/// The spellings: of existing users (with and without an address), of
/// nobody, and names the wiki calls invalid.
fn spellings(wiki: &Wiki) -> Vec<String> {
    let mut out = Vec::new();
    let users = [
        wiki.name("recipient").to_owned(),
        wiki.name("no_address").to_owned(),
        wiki.name("no_mail").to_owned(),
        wiki.name("unicode").to_owned(),
        "MwkitBulk01".to_owned(),
        format!("Nobody Here {}", nonce()),
    ];
    for name in &users {
        let lower = lower_first(name);
        let underscored = name.replace(' ', "_");
        out.extend([
            name.clone(),
            lower.clone(),
            format!("_{underscored}_"),
            format!("  {name}  "),
            format!("User:{name}"),
            format!("user:{lower}"),
            format!("USER : {name}"),
            format!("User_:_{underscored}"),
            format!("uSeR:\u{a0}{lower}"),
            format!("\u{200e}{name}"),
            format!("{name}\u{200f}"),
            format!("\u{202a}{name}\u{202c}"),
            format!("\u{202b}User:{name}\u{202c}"),
            insert_after_first(name, '\u{200e}'),
            format!("\u{3000}{name}\u{2003}"),
            format!("User\u{200f}:{lower}"),
            name.replace(' ', "\u{2002}"),
            name.replace(' ', "   "),
            name.to_lowercase(),
            // Invalid: another namespace, two prefixes, a fragment, a
            // subpage, a leading colon, an empty name after the prefix.
            format!("Talk:{name}"),
            format!("User talk:{name}"),
            format!("User:User:{name}"),
            format!("{name}#top"),
            format!("{name}/sub"),
            format!(":{name}"),
        ]);
    }
    let nfd_lower = "a\u{308}rger U\u{308}ni\u{308}code";
    out.extend([
        UNICODE_NFD.to_owned(),
        nfd_lower.to_owned(),
        format!("User:{UNICODE_NFD}"),
        format!("user : {nfd_lower}"),
        format!("\u{200e}{}\u{200f}", UNICODE_NFD.replace(' ', "_")),
        "User:".to_owned(),
        "Special:Preferences".to_owned(),
        "127.0.0.1".to_owned(),
        "Bad<name>".to_owned(),
        "Mwkit\tRecipient".to_owned(),
        "\u{200e}".to_owned(),
    ]);
    out
}

fn lower_first(name: &str) -> String {
    let mut chars = name.chars();
    chars
        .next()
        .map_or_else(String::new, |c| c.to_lowercase().chain(chars).collect())
}

fn insert_after_first(name: &str, mark: char) -> String {
    let mut chars = name.chars();
    chars
        .next()
        .map_or_else(String::new, |c| format!("{c}{mark}{}", chars.as_str()))
}

fn form_encode(value: &str) -> String {
    value
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// The wiki's answer for `name` alone: one bare HTTP/1.0 POST, no client.
fn ask_alone(api_url: &str, name: &str) -> Value {
    let rest = api_url
        .strip_prefix("http://")
        .expect("the test wiki's plain http:// address");
    let (host, path) = rest.split_once('/').unwrap();
    let body = format!(
        "action=query&list=users&usprop=emailable&format=json&formatversion=2&ususers={}",
        form_encode(name)
    );
    let mut stream = TcpStream::connect(host).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(60)))
        .unwrap();
    write!(
        stream,
        "POST /{path} HTTP/1.0\r\nHost: {host}\r\nUser-Agent: mwkit-tests/names-oracle \
         (tests@mwkit.test)\r\nContent-Type: application/x-www-form-urlencoded\r\n\
         Content-Length: {}\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).unwrap();
    let text = String::from_utf8(raw).unwrap();
    let (_, json) = text.split_once("\r\n\r\n").unwrap();
    let answer: Value = serde_json::from_str(json).unwrap();
    let users = answer["query"]["users"].as_array().unwrap();
    assert_eq!(users.len(), 1, "{name:?}: {answer}");
    users[0].clone()
}

/// The state an entry of `list=users` says.
fn state_of(entry: &Value) -> Emailability {
    if entry["invalid"] == true {
        Emailability::Invalid
    } else if entry["missing"] == true {
        Emailability::Missing
    } else if entry["emailable"] == true {
        Emailability::Emailable
    } else {
        Emailability::NotEmailable
    }
}

/// Each spelling with the wiki's answer to it alone, asked once for both
/// clients' runs.
fn oracle(wiki: &Wiki) -> &'static [(String, Value)] {
    static ANSWERS: OnceLock<Vec<(String, Value)>> = OnceLock::new();
    ANSWERS.get_or_init(|| {
        spellings(wiki)
            .into_iter()
            .map(|s| {
                let answer = ask_alone(wiki.api_url(), &s);
                (s, answer)
            })
            .collect()
    })
}

pub fn every_spelling_gets_the_answer_the_wiki_gives_it_alone<D: Driver>() {
    let wiki = Wiki::get();
    let answers = oracle(&wiki);
    assert!(answers.len() >= 150, "{} spellings", answers.len());
    // The oracle itself: the tricky spellings of existing users are theirs.
    let of = |s: &str| {
        answers
            .iter()
            .find(|(spelling, _)| spelling == s)
            .map(|(_, a)| state_of(a))
    };
    assert_eq!(of(UNICODE_NFD), Some(Emailability::Emailable));
    let recipient = wiki.name("recipient");
    assert_eq!(
        of(&format!("USER : {recipient}")),
        Some(Emailability::Emailable)
    );
    assert_eq!(
        of(&format!("Talk:{recipient}")),
        Some(Emailability::Invalid)
    );

    // The client, all at once (50 names a request, as a bot password).
    let (client, _) = wiki.logged_in::<D>("sender", "names-oracle");
    let names: Vec<&str> = answers.iter().map(|(s, _)| s.as_str()).collect();
    let report = client.emailable(&names).unwrap();
    assert_eq!(report.entries.len(), names.len());
    let mut wrong = Vec::new();
    for ((spelling, alone), entry) in answers.iter().zip(&report.entries) {
        assert_eq!(&entry.requested, spelling, "keyed by the caller's spelling");
        let want = (state_of(alone), alone["name"].as_str());
        let got = (entry.status, entry.name.as_deref());
        if want != got {
            wrong.push(format!("{spelling:?}: the wiki {want:?}, mwkit {got:?}"));
        }
    }
    assert!(
        wrong.is_empty(),
        "{} of {} spellings disagree with the wiki:\n{}",
        wrong.len(),
        names.len(),
        wrong.join("\n")
    );
    let count = |state| report.entries.iter().filter(|e| e.status == state).count();
    eprintln!(
        "{} spellings agree with the wiki: {} emailable, {} not emailable, {} missing, {} invalid",
        names.len(),
        count(Emailability::Emailable),
        count(Emailability::NotEmailable),
        count(Emailability::Missing),
        count(Emailability::Invalid)
    );
}
