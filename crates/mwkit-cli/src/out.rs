//! Output: JSON documents, or short aligned lines for people, coloured only
//! on a terminal (and never with `NO_COLOR` set).

use std::io::{IsTerminal, Write};
use std::sync::{Mutex, PoisonError};

use mw_ureq::Message;
use mw_ureq::mw_core::Secrets;
use serde_json::{Value, json};

use crate::fail::Failure;

/// The caller's secrets (the password, the two-factor codes, the OAuth
/// token or client secret), as the command line read them: every line it
/// writes (stdout, stderr, the journal) is scrubbed of them, in any form a
/// server may echo them, as the client scrubs its errors of the secrets its
/// session sent. Text from the client comes scrubbed already; this covers
/// the command line's own.
static SECRETS: Mutex<Option<Secrets>> = Mutex::new(None);

/// Keeps a secret the command line read, to cut out of what it writes.
pub(crate) fn keep_secret(secret: &str) {
    SECRETS
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .get_or_insert_with(Secrets::new)
        .hold(secret);
}

/// `text` with the caller's secrets cut out (see [`SECRETS`]).
pub(crate) fn scrub(text: &str) -> String {
    match &*SECRETS.lock().unwrap_or_else(PoisonError::into_inner) {
        Some(secrets) => secrets.scrub_values(text),
        None => text.to_owned(),
    }
}

/// Colours, by meaning.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Paint {
    Good,
    Bad,
    Doubt,
    Dim,
}

/// Where and how results are written.
#[derive(Debug)]
pub(crate) struct Out {
    /// `--json`: one document per command on stdout.
    pub(crate) json: bool,
    colour_out: bool,
    colour_err: bool,
    /// Standard error is a terminal: a progress bar may be drawn there.
    pub(crate) err_terminal: bool,
}

impl Out {
    pub(crate) fn new(json: bool) -> Out {
        let colour = std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
            && std::env::var("TERM").map_or(true, |t| t != "dumb");
        let err_terminal = std::io::stderr().is_terminal();
        Out {
            json,
            colour_out: colour && std::io::stdout().is_terminal(),
            colour_err: colour && err_terminal,
            err_terminal,
        }
    }

    fn code(paint: Paint) -> &'static str {
        match paint {
            Paint::Good => "\x1b[32m",
            Paint::Bad => "\x1b[31m",
            Paint::Doubt => "\x1b[33m",
            Paint::Dim => "\x1b[2m",
        }
    }

    /// `text` coloured for stdout.
    pub(crate) fn paint(&self, text: &str, paint: Paint) -> String {
        if self.colour_out {
            format!("{}{text}\x1b[0m", Out::code(paint))
        } else {
            text.to_owned()
        }
    }

    /// `text` coloured for stderr.
    pub(crate) fn paint_err(&self, text: &str, paint: Paint) -> String {
        if self.colour_err {
            format!("{}{text}\x1b[0m", Out::code(paint))
        } else {
            text.to_owned()
        }
    }

    /// One JSON document, on one line, flushed at once (a reader may act on
    /// each line as it comes).
    pub(crate) fn doc(&self, doc: &Value) {
        let doc = scrub(&doc.to_string());
        let mut stdout = std::io::stdout().lock();
        let _ = writeln!(stdout, "{doc}");
        let _ = stdout.flush();
    }

    /// One line for people, flushed at once.
    pub(crate) fn line(&self, text: &str) {
        let text = scrub(text);
        let mut stdout = std::io::stdout().lock();
        let _ = writeln!(stdout, "{text}");
        let _ = stdout.flush();
    }

    /// Rows of two columns, the first padded to the widest.
    pub(crate) fn table(&self, rows: &[(String, String)]) {
        let width = rows
            .iter()
            .map(|(k, _)| k.chars().count())
            .max()
            .unwrap_or(0);
        for (k, v) in rows {
            let pad = width - k.chars().count();
            self.line(&format!("{k}{}  {v}", " ".repeat(pad)));
        }
    }

    /// The wiki's warnings, for people (in JSON they are in the document).
    pub(crate) fn warnings(&self, warnings: &[Message]) {
        if self.json {
            return;
        }
        for w in warnings {
            eprintln!(
                "{} {} ({})",
                self.paint_err("warning:", Paint::Doubt),
                scrub(w.text.trim()),
                scrub(&w.code)
            );
        }
    }

    /// A failure, for people: on stderr, what happened and what to do.
    pub(crate) fn human_failure(&self, f: &Failure) {
        let label = if f.outcome_unknown() {
            self.paint_err("outcome unknown:", Paint::Doubt)
        } else {
            self.paint_err("error:", Paint::Bad)
        };
        eprintln!("mwkit: {label} {}\n  {}", scrub(&f.text), scrub(&f.hint));
    }

    /// A command's failure: its JSON document on stdout (with `--json`),
    /// and always the words on stderr.
    pub(crate) fn failure(&self, command: &str, f: &Failure) {
        if self.json {
            let mut doc = json!({ "command": command });
            f.add_to(&mut doc);
            self.doc(&doc);
        }
        self.human_failure(f);
    }
}
