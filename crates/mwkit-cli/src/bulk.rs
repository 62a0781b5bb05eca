//! `email --to-list`: one mail per recipient, resumable through the journal.
//!
//! Order of a run: read the list; open and lock the journal (refused when it
//! is of another mailing); log in; one `emailable` pre-check of every line,
//! which names the user each line means as the wiki folds it (`User:Rcpt`,
//! `rcpt` and a decomposed `Rcpt` are one person, mailed once, and the
//! journal knows them by that name); skip whom the journal says were sent
//! (and, unless `--resend-unknown`, those whose outcome is unknown); report
//! and skip who cannot be emailed; then for each recipient: `sending`
//! synced to the journal, the request, the outcome synced. The run stops at the first outcome unknown
//! (the wiki or what is in front of it is failing: better not to add more
//! doubt) and at any refusal that is not about one recipient (`ratelimited`,
//! a block, a lost login), saying how many were sent. SIGINT or SIGTERM
//! stops it cleanly before the next recipient (stop.rs): the mail in flight
//! is answered and journaled, and the exit is 130 or 143.

use std::collections::HashMap;
use std::io::Write;
use std::path::Path;

use mw_ureq::mw_core::{Api, Token};
use mw_ureq::{EmailUser, Emailability, Error, ErrorKind};
use serde_json::{Value, json};

use crate::fail::Failure;
use crate::journal::{Journal, Past};
use crate::out::{Out, Paint};
use crate::target::Target;

/// One bulk mailing, as asked on the command line.
pub(crate) struct Mailing<'a> {
    pub(crate) list: &'a Path,
    pub(crate) journal: &'a Path,
    pub(crate) subject: &'a str,
    pub(crate) text: &'a str,
    pub(crate) resend_unknown: bool,
}

/// The JSON name of an emailable status.
pub(crate) fn status_name(s: Emailability) -> &'static str {
    match s {
        Emailability::Emailable => "emailable",
        Emailability::NotEmailable => "not_emailable",
        Emailability::Missing => "missing",
        Emailability::Invalid => "invalid",
    }
}

/// An emailable status in words.
pub(crate) fn status_words(s: Emailability) -> &'static str {
    match s {
        Emailability::Emailable => "can be emailed",
        Emailability::NotEmailable => "no address, or does not accept email",
        Emailability::Missing => "no such user",
        Emailability::Invalid => "not a valid user name",
    }
}

/// Reads the list: one name a line as written, blank lines and `#` comments
/// ignored, in order. Which lines name the same person is the wiki's to say
/// (see [`recipients`]).
fn read_list(path: &Path) -> Result<Vec<String>, Failure> {
    let text = std::fs::read_to_string(path).map_err(|e| {
        Failure::usage(
            format!("cannot read the list {}: {e}", path.display()),
            "give --to-list a UTF-8 file of user names, one a line",
        )
    })?;
    let names: Vec<String> = text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(str::to_owned)
        .collect();
    if names.is_empty() {
        return Err(Failure::usage(
            format!("the list {} names nobody", path.display()),
            "write one user name a line",
        ));
    }
    Ok(names)
}

/// One person of the list: the user the wiki says its lines name.
struct Recipient {
    /// The user's name as the wiki folds it: whom the mail goes to, and the
    /// journal's key. For a line the wiki calls invalid, the line itself.
    user: String,
    status: Emailability,
    /// The list's lines that name this user, as written.
    lines: Vec<String>,
}

/// The people `lines` name, each once, in the order first named: each line
/// is the user the wiki's `emailable` answer names for it (mw-core sends
/// each spelling and keys the answer by it).
fn recipients(lines: &[String], checked: Vec<mw_ureq::EmailableEntry>) -> Vec<Recipient> {
    let mut people: Vec<Recipient> = Vec::new();
    let mut at: HashMap<String, usize> = HashMap::new();
    for (line, entry) in lines.iter().zip(checked) {
        let user = match (&entry.name, entry.status) {
            (Some(name), status) if status != Emailability::Invalid => name.clone(),
            _ => line.clone(),
        };
        match at.get(&user) {
            Some(&i) => people[i].lines.push(line.clone()),
            None => {
                at.insert(user.clone(), people.len());
                people.push(Recipient {
                    user,
                    status: entry.status,
                    lines: vec![line.clone()],
                });
            }
        }
    }
    people
}

/// The per-recipient statuses, in the order of the summary's counts.
const STATUSES: [&str; 7] = [
    "sent",
    "already_sent",
    "unknown",
    "skipped_unknown",
    "not_emailable",
    "failed",
    "not_sent",
];

/// Reports recipients as they are settled, and counts them.
struct Report<'a> {
    out: &'a Out,
    counts: HashMap<&'static str, usize>,
    /// For each recipient, the list's lines that named them when one is
    /// written otherwise (`User:Rcpt` for `Rcpt`): reported with them.
    listed_as: HashMap<String, Vec<String>>,
    /// Recipients to send to this run, and how many are done (the bar).
    to_send: usize,
    done: usize,
    bar_shown: bool,
}

impl Report<'_> {
    fn recipient(&mut self, user: &str, status: &'static str, extra: Value) {
        *self.counts.entry(status).or_default() += 1;
        self.clear_bar();
        let listed_as = self.listed_as.get(user);
        if self.out.json {
            let mut doc =
                json!({ "type": "recipient", "command": "email", "user": user, "status": status });
            if let (Some(lines), Some(map)) = (listed_as, doc.as_object_mut()) {
                map.insert("listed_as".into(), json!(lines));
            }
            if let (Some(map), Value::Object(more)) = (doc.as_object_mut(), extra) {
                // `detail` is the words for people; the JSON has the fields.
                map.extend(more.into_iter().filter(|(k, _)| k != "detail"));
            }
            self.out.doc(&doc);
        } else if !(self.out.err_terminal && matches!(status, "sent" | "already_sent")) {
            // On a terminal the bar shows the sends; plain lines otherwise.
            let (word, paint) = match status {
                "sent" => ("sent", Paint::Good),
                "already_sent" => ("already sent", Paint::Dim),
                "unknown" => ("unknown", Paint::Doubt),
                "skipped_unknown" => ("skipped", Paint::Doubt),
                "not_emailable" => ("not emailable", Paint::Bad),
                "failed" => ("failed", Paint::Bad),
                _ => ("not sent", Paint::Dim),
            };
            let mut detail = extra["detail"].as_str().unwrap_or_default().to_owned();
            if let Some(lines) = listed_as {
                let listed = format!("listed as {}", lines.join(", "));
                detail = if detail.is_empty() {
                    listed
                } else {
                    format!("{detail}; {listed}")
                };
            }
            let cell = format!("{word:<13}");
            let line = format!("{} {user}", self.out.paint(&cell, paint));
            if detail.is_empty() {
                self.out.line(&line);
            } else {
                self.out.line(&format!("{line}  ({detail})"));
            }
        }
    }

    fn sent_one(&mut self, user: &str) {
        self.done += 1;
        self.recipient(user, "sent", json!({}));
        self.draw_bar(user);
    }

    fn draw_bar(&mut self, user: &str) {
        if !self.out.err_terminal || self.out.json || self.to_send == 0 {
            return;
        }
        const WIDTH: usize = 30;
        let filled = WIDTH * self.done / self.to_send;
        eprint!(
            "\r\x1b[2K{:>4}/{} [{}{}] {user}",
            self.done,
            self.to_send,
            "#".repeat(filled),
            " ".repeat(WIDTH - filled)
        );
        let _ = std::io::stderr().flush();
        self.bar_shown = true;
    }

    fn clear_bar(&mut self) {
        if self.bar_shown {
            eprint!("\r\x1b[2K");
            let _ = std::io::stderr().flush();
            self.bar_shown = false;
        }
    }

    fn count(&self, status: &str) -> usize {
        self.counts.get(status).copied().unwrap_or(0)
    }
}

/// Whether a failed email proves the mail was not sent, so that a later run
/// may send it (journaled `failed`): MediaWiki's own refusal (an
/// [`Error::Api`], which mw-core gives only for an answer carrying the
/// `MediaWiki-API-Error` header; and only in an HTTP 200 and not an
/// exception on the server, as for mw-core's own resends), input refused
/// before sending, or no connection made. Anything else after the request
/// may have left is `unknown`, whatever its kind: a new kind of error is
/// never taken for a refusal.
fn nothing_was_sent(e: &Error) -> bool {
    match e {
        Error::Api(api) => api.http_status == 200 && !matches!(api.kind(), ErrorKind::Internal(_)),
        Error::InvalidInput(_) | Error::Connect { .. } => true,
        _ => false,
    }
}

/// A mail that may have gone out: journaled and reported `unknown` (if the
/// journal's line is lost, its `sending` line says the same).
fn outcome_unknown(journal: &mut Journal, report: &mut Report<'_>, name: &str, f: &Failure) {
    let _ = journal.record(name, "unknown", json!({"kind": f.kind, "text": f.text}));
    report.recipient(
        name,
        "unknown",
        json!({"kind": f.kind, "text": f.text, "detail": f.text}),
    );
}

/// The stop a signal asked for (SIGINT, SIGTERM), checked before anything
/// new starts: the request in flight was answered and its outcome journaled.
fn interrupted() -> Option<Failure> {
    crate::stop::received().map(|sig| {
        Failure::interrupted(
            sig,
            "the next mail (the one in flight, if any, was answered and its outcome journaled)",
            "the journal holds every outcome",
        )
    })
}

/// Runs the mailing; returns the exit status.
pub(crate) fn run(target: &Target, m: &Mailing<'_>, out: &Out) -> Result<u8, Failure> {
    let names = read_list(m.list)?;
    // The message is checked as the core would check it, before the journal
    // or the wiki is touched (the token is a stand-in; nothing is sent).
    let api =
        Api::new(&target.api, &crate::target::user_agent()).map_err(|e| Failure::from_error(&e))?;
    api.email_user_request(
        &EmailUser::new(&names[0], m.subject, m.text),
        &Token::anonymous(),
    )
    .map_err(|e| Failure::from_error(&e))?;
    target.require_acting()?;
    let mut journal = Journal::open(m.journal, &target.api, m.subject, m.text)?;
    let client = target.logged_in()?;

    // A signal during the login: nothing new starts, not even the pre-check;
    // each line is then its own recipient, reported not sent (its status
    // unused: with `stop` set nothing is checked or sent).
    let mut stop: Option<Failure> = interrupted();
    let people = if stop.is_some() {
        names
            .iter()
            .map(|line| Recipient {
                user: line.clone(),
                status: Emailability::Missing,
                lines: vec![line.clone()],
            })
            .collect()
    } else {
        let checked = client
            .emailable(&names)
            .map_err(|e| Failure::from_error(&e))?;
        out.warnings(&checked.warnings);
        recipients(&names, checked.entries)
    };
    let mut report = Report {
        out,
        counts: HashMap::new(),
        listed_as: people
            .iter()
            .filter(|p| p.lines.iter().any(|l| *l != p.user))
            .map(|p| (p.user.clone(), p.lines.clone()))
            .collect(),
        to_send: 0,
        done: 0,
        bar_shown: false,
    };
    let mut todo = Vec::new();
    for person in &people {
        let name = &person.user;
        match journal.past(name) {
            Some(Past::Sent) => report.recipient(name, "already_sent", json!({})),
            Some(Past::Unknown) if !m.resend_unknown => report.recipient(
                name,
                "skipped_unknown",
                json!({"detail": "an earlier run's outcome is unknown; --resend-unknown sends again"}),
            ),
            _ => todo.push(person),
        }
    }

    let mut sendable = Vec::new();
    for person in todo {
        if stop.is_some() || person.status.is_emailable() {
            sendable.push(person.user.clone());
        } else {
            journal.record(
                &person.user,
                "not_emailable",
                json!({"reason": status_name(person.status)}),
            )?;
            report.recipient(
                &person.user,
                "not_emailable",
                json!({"reason": status_name(person.status), "detail": status_words(person.status)}),
            );
        }
    }

    report.to_send = sendable.len();
    for name in &sendable {
        if stop.is_none() {
            stop = interrupted();
        }
        if stop.is_some() {
            report.recipient(name, "not_sent", json!({"detail": "the run stopped first"}));
            continue;
        }
        // On disk before the request leaves: a crash from here on leaves
        // this recipient marked as maybe sent, never as not sent.
        if let Err(f) = journal.record(name, "sending", json!({})) {
            report.recipient(
                name,
                "not_sent",
                json!({"detail": "the journal could not be written"}),
            );
            stop = Some(f);
            continue;
        }
        let email = EmailUser::new(name.as_str(), m.subject, m.text);
        let sent = match crate::stop::email(&client, &email) {
            Ok(sent) => sent,
            Err(stopped) if stopped.write_in_flight => {
                // The signal came as the mail left: it may have gone out.
                // The interrupt stops a call only once a signal came.
                let sig = crate::stop::received().unwrap_or(crate::stop::SIGTERM);
                let f = Failure::interrupted_on_its_way(sig);
                outcome_unknown(&mut journal, &mut report, name, &f);
                stop = Some(f);
                continue;
            }
            Err(_) => {
                // Stopped while it waited as the wiki asked (its answer
                // proved that it did not act), nothing on its way: not
                // sent, and a later run may send it.
                let detail = "the run stopped while it waited as the wiki asked; not sent";
                let recorded = journal.record(name, "not_sent", json!({"text": detail}));
                report.recipient(name, "not_sent", json!({"detail": detail}));
                stop = interrupted();
                if let Err(f) = recorded {
                    stop = Some(f);
                }
                continue;
            }
        };
        match sent {
            Ok(sent) => {
                let written = journal.record(name, "sent", json!({}));
                report.sent_one(name);
                out.warnings(&sent.warnings);
                if let Err(f) = written {
                    // Sent, but the journal still says "sending": a rerun
                    // skips this recipient as unknown, never sends twice.
                    stop = Some(f);
                }
            }
            Err(e) => {
                let mut f = Failure::from_error(&e);
                if !nothing_was_sent(&e) {
                    // Whatever came instead of MediaWiki's refusal (a
                    // gateway's 503 with a JSON error of its own, a timeout,
                    // a dropped answer, anything else), the mail may have
                    // gone out: journaled unknown, so the advised rerun
                    // skips it and never mails this recipient twice. If this
                    // line is lost, "sending" says the same.
                    f.exit = 3;
                    outcome_unknown(&mut journal, &mut report, name, &f);
                    stop = Some(f);
                    continue;
                }
                // MediaWiki refused, or the request never left: a later run
                // may send it.
                let recorded =
                    journal.record(name, "failed", json!({"code": f.code, "text": f.text}));
                report.recipient(
                    name,
                    "failed",
                    json!({"kind": f.kind, "code": f.code, "text": f.text, "detail": f.text}),
                );
                let about_this_recipient = matches!(
                    e.api_kind(),
                    Some(ErrorKind::NoTarget | ErrorKind::NoEmail | ErrorKind::NoWikiEmail)
                );
                if let Err(jf) = recorded {
                    stop = Some(jf);
                } else if !about_this_recipient {
                    stop = Some(f);
                }
            }
        }
    }
    report.clear_bar();
    drop(journal);

    let unknown = report.count("unknown") + report.count("skipped_unknown");
    let signal_exit = stop
        .as_ref()
        .filter(|f| f.stage == "interrupted")
        .map(|f| f.exit);
    let exit = if let Some(code) = signal_exit {
        // The run did not finish: 130 or 143 say so, whatever else it met
        // (the summary and the journal tell the rest; a rerun resumes).
        code
    } else if unknown > 0 {
        3
    } else if stop.is_some() || report.count("failed") > 0 {
        1
    } else {
        0
    };
    let stop = stop.map(|mut f| {
        let sent = report.count("sent");
        let left = report.count("not_sent");
        f.text = format!(
            "{}; the run stopped after sending {sent} mail{} ({left} not sent yet)",
            f.text,
            if sent == 1 { "" } else { "s" }
        );
        f.hint = format!(
            "{}; run the same command again, with the same journal, to go on: nobody already \
             sent is sent again",
            f.hint
        );
        f
    });
    summarize(&report, &people, m.journal, exit, stop.as_ref());
    Ok(exit)
}

fn summarize(
    report: &Report<'_>,
    people: &[Recipient],
    journal: &Path,
    exit: u8,
    stop: Option<&Failure>,
) {
    let out = report.out;
    if out.json {
        let counts: serde_json::Map<String, Value> = STATUSES
            .iter()
            .map(|s| ((*s).to_owned(), json!(report.count(s))))
            .collect();
        let mut doc = json!({
            "type": "summary",
            "command": "email",
            "ok": exit == 0,
            "exit": exit,
            "journal": journal.display().to_string(),
            "recipients": people.len(),
            "counts": counts,
        });
        if let (Some(f), Some(map)) = (stop, doc.as_object_mut()) {
            map.insert("error".into(), f.to_json());
        }
        out.doc(&doc);
    } else {
        let words = [
            ("sent", "sent now"),
            ("already_sent", "already sent"),
            ("unknown", "outcome unknown"),
            ("skipped_unknown", "skipped (unknown)"),
            ("not_emailable", "not emailable"),
            ("failed", "failed"),
            ("not_sent", "not sent yet"),
        ];
        let mut rows = vec![("recipients".to_owned(), people.len().to_string())];
        rows.extend(
            words
                .iter()
                .filter(|(s, _)| report.count(s) > 0)
                .map(|(s, w)| ((*w).to_owned(), report.count(s).to_string())),
        );
        out.table(&rows);
        if exit == 3 {
            eprintln!(
                "mwkit: {} the journal {} marks them; they are skipped on later runs unless \
                 --resend-unknown (which may send them a second mail)",
                out.paint_err("outcome unknown for some recipients:", Paint::Doubt),
                journal.display()
            );
        }
    }
    if let Some(f) = stop {
        out.human_failure(f);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use mw_ureq::mw_core::{ApiError, InvalidInput, OutcomeUnknown};

    fn api(code: &str, status: u16) -> Error {
        Error::from(ApiError::new(code, "refused", status))
    }

    #[test]
    fn only_proof_that_nothing_was_sent_makes_a_recipient_failed() {
        let gateway = Error::Http {
            status: 503,
            retry_after: None,
            snippet: r#"{"errors":[{"code":"gateway_timeout"}]}"#.into(),
        };
        let sent: [(&str, Error); 4] = [
            ("api", api("noemailtext", 200)),
            ("api", api("ratelimited", 200)),
            ("input", InvalidInput::new("target", "empty").into()),
            (
                "connect",
                Error::Connect {
                    detail: "refused".into(),
                },
            ),
        ];
        for (what, e) in &sent {
            assert!(nothing_was_sent(e), "{what}: {e}");
        }
        let unknown: [Error; 9] = [
            Error::OutcomeUnknown(Box::new(OutcomeUnknown {
                cause: gateway.clone(),
                retry_after: None,
                warnings: Vec::new(),
            })),
            // Not wrapped as the engine would: still never a refusal.
            gateway,
            api("noemailtext", 503),
            api("internal_api_error_DBQueryError", 200),
            Error::Decode {
                status: 200,
                reason: "no header".into(),
                snippet: String::new(),
            },
            Error::Timeout {
                detail: "read".into(),
            },
            Error::Transport {
                detail: "reset".into(),
            },
            Error::BodyTooLarge { limit: 1 },
            Error::SessionChanged {
                detail: "logged out".into(),
            },
        ];
        for e in &unknown {
            assert!(!nothing_was_sent(e), "{e}");
        }
    }
}
