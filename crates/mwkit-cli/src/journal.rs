//! The bulk mail's journal: an append-only file of JSON lines, written and
//! synced to disk before and after each send.
//!
//! The first line names the mailing (the API URL, the subject and a hash of
//! subject and text); a journal of another mailing is refused. Then one line
//! per event: `sending` (synced before the request leaves), and after the
//! answer `sent`, `unknown` (the outcome is unknown: anything but proof
//! that nothing was sent), `failed` (MediaWiki's own refusal, input refused
//! before sending, or no connection) or `not_emailable` (the pre-check). A
//! recipient with a `sent` line is never sent again; one whose last line is
//! `sending` (the process died with the request in flight) or `unknown` is
//! skipped unless the caller asks to send again. Why a kill at any moment
//! sends nobody twice: a request leaves only after its `sending` line is on
//! disk, so every mail that may have gone out has a line saying so.
//!
//! A line torn by a crash can only be the last one, written before its
//! request left: it is dropped when the journal is opened. The file is
//! locked while a run uses it, so two runs never share one journal.

use std::collections::HashMap;
use std::fs::{File, OpenOptions, TryLockError};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

use serde_json::{Value, json};

use crate::fail::Failure;

/// The format's version, in the first line.
const VERSION: u64 = 1;

/// What an earlier run did for a recipient.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Past {
    /// The mail was sent.
    Sent,
    /// It may have been sent: in flight at a crash, or an unknown outcome.
    Unknown,
    /// Not sent (refused, or skipped by the pre-check): may be tried again.
    NotSent,
}

/// An open, locked journal.
#[derive(Debug)]
pub(crate) struct Journal {
    file: File,
    path: PathBuf,
    past: HashMap<String, Past>,
}

/// FNV-1a, 64 bits: enough to tell one message from another (not a
/// security measure).
fn fnv1a64(parts: &[&str]) -> String {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for (i, part) in parts.iter().enumerate() {
        // A NUL between the parts, so ("ab", "c") and ("a", "bc") differ.
        let sep: &[u8] = if i > 0 { b"\0" } else { b"" };
        for &b in sep.iter().chain(part.as_bytes()) {
            hash ^= u64::from(b);
            hash = hash.wrapping_mul(0x0100_0000_01b3);
        }
    }
    format!("{hash:016x}")
}

fn io_failure(path: &Path, what: &str, e: &std::io::Error) -> Failure {
    Failure::journal(
        format!("cannot {what} the journal {}: {e}", path.display()),
        "nothing more was sent; fix the problem (space, permissions) and run the same \
         command again",
    )
}

impl Journal {
    /// Opens (or creates) the journal of the mailing of `subject` and `text`
    /// on the wiki at `api`, locks it, and reads what earlier runs did.
    pub(crate) fn open(
        path: &Path,
        api: &str,
        subject: &str,
        text: &str,
    ) -> Result<Journal, Failure> {
        let existed = path.exists();
        let mut file = OpenOptions::new()
            .read(true)
            .append(true)
            .create(true)
            .open(path)
            .map_err(|e| io_failure(path, "open", &e))?;
        match file.try_lock() {
            Ok(()) => {}
            Err(TryLockError::WouldBlock) => {
                return Err(Failure::journal(
                    format!(
                        "the journal {} is in use by another mwkit run",
                        path.display()
                    ),
                    "wait for that run to end; two runs must never share a journal",
                ));
            }
            Err(TryLockError::Error(e)) => return Err(io_failure(path, "lock", &e)),
        }
        if !existed {
            // The new file's name must survive a crash too.
            let dir = path
                .parent()
                .filter(|p| !p.as_os_str().is_empty())
                .unwrap_or(Path::new("."));
            File::open(dir)
                .and_then(|d| d.sync_all())
                .map_err(|e| io_failure(path, "create", &e))?;
        }
        let mut raw = Vec::new();
        file.read_to_end(&mut raw)
            .map_err(|e| io_failure(path, "read", &e))?;
        // A torn last line was written before its request left: drop it.
        let whole = raw.iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1);
        if whole < raw.len() {
            file.set_len(whole as u64)
                .and_then(|()| file.sync_all())
                .map_err(|e| io_failure(path, "repair", &e))?;
            raw.truncate(whole);
        }
        let text_of = String::from_utf8(raw).map_err(|_| {
            Failure::journal(
                format!("{} is not an mwkit journal (not UTF-8)", path.display()),
                "give --journal a new path, or the journal of this mailing",
            )
        })?;
        let header = json!({
            "mwkit_journal": VERSION,
            "api": api,
            "subject": subject,
            "message_fnv1a64": fnv1a64(&[subject, text]),
        });
        let mut journal = Journal {
            file,
            path: path.to_owned(),
            past: HashMap::new(),
        };
        let mut lines = text_of.lines().enumerate();
        match lines.next() {
            None => journal.append(&header)?,
            Some((_, first)) => journal.check_header(first, &header)?,
        }
        for (n, line) in lines {
            let record: Value = serde_json::from_str(line).map_err(|_| {
                Failure::journal(
                    format!(
                        "line {} of the journal {} is damaged",
                        n + 1,
                        path.display()
                    ),
                    "it was not written by mwkit or was edited: nothing was sent; keep the file \
                     for the record and check its recipients by hand",
                )
            })?;
            let (Some(user), Some(event)) = (record["user"].as_str(), record["event"].as_str())
            else {
                continue;
            };
            let now = match event {
                "sent" => Past::Sent,
                "sending" | "unknown" => Past::Unknown,
                _ => Past::NotSent,
            };
            let entry = journal.past.entry(user.to_owned()).or_insert(now);
            // Once sent, always sent (a later resend's lines do not undo it).
            if *entry != Past::Sent {
                *entry = now;
            }
        }
        Ok(journal)
    }

    fn check_header(&self, line: &str, want: &Value) -> Result<(), Failure> {
        let have: Value = serde_json::from_str(line).unwrap_or(Value::Null);
        if have["mwkit_journal"] != want["mwkit_journal"] {
            return Err(Failure::usage(
                format!(
                    "{} is not an mwkit journal (version 1)",
                    self.path.display()
                ),
                "give --journal a new path, or the journal of this mailing",
            ));
        }
        for (field, words) in [
            ("api", "another wiki (api URL)"),
            ("subject", "another subject"),
            ("message_fnv1a64", "another message text"),
        ] {
            if have[field] != want[field] {
                return Err(Failure::usage(
                    format!(
                        "the journal {} is of another mailing: {words} ({})",
                        self.path.display(),
                        have[field]
                    ),
                    "resume with exactly the same --api, --subject and text, or give a new \
                     journal path to start another mailing",
                ));
            }
        }
        Ok(())
    }

    /// What earlier runs did for `user` (the name as the wiki folds it).
    pub(crate) fn past(&self, user: &str) -> Option<Past> {
        self.past.get(user).copied()
    }

    /// Appends one event for `user` and syncs it to disk before returning.
    pub(crate) fn record(&mut self, user: &str, event: &str, extra: Value) -> Result<(), Failure> {
        let at = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        let mut line = json!({ "user": user, "event": event, "at": at });
        if let (Some(map), Value::Object(more)) = (line.as_object_mut(), extra) {
            map.extend(more);
        }
        self.append(&line)
    }

    fn append(&mut self, value: &Value) -> Result<(), Failure> {
        // The caller's secrets never reach the disk.
        let mut line = crate::out::scrub(&value.to_string());
        line.push('\n');
        // One write of the whole line, then fsync (data and length).
        self.file
            .write_all(line.as_bytes())
            .and_then(|()| self.file.sync_data())
            .map_err(|e| io_failure(&self.path, "write", &e))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn temp(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("mwkit-journal-{}-{name}", std::process::id()));
        let _ = std::fs::remove_file(&dir);
        dir
    }

    #[test]
    fn a_send_in_flight_at_a_crash_reads_back_as_unknown() {
        let path = temp("inflight");
        {
            let mut j = Journal::open(&path, "http://w/api.php", "S", "T").expect("open");
            j.record("A", "sending", json!({})).expect("write");
            j.record("A", "sent", json!({})).expect("write");
            j.record("B", "sending", json!({})).expect("write");
            j.record("C", "failed", json!({"code": "ratelimited"}))
                .expect("write");
        }
        let j = Journal::open(&path, "http://w/api.php", "S", "T").expect("reopen");
        assert_eq!(j.past("A"), Some(Past::Sent));
        assert_eq!(j.past("B"), Some(Past::Unknown));
        assert_eq!(j.past("C"), Some(Past::NotSent));
        assert_eq!(j.past("D"), None);
        let _ = std::fs::remove_file(&path);
    }

    #[test]
    fn a_torn_last_line_is_dropped_and_the_journal_goes_on() {
        let path = temp("torn");
        {
            let mut j = Journal::open(&path, "http://w/api.php", "S", "T").expect("open");
            j.record("A", "sending", json!({})).expect("write");
            j.record("A", "sent", json!({})).expect("write");
        }
        let mut f = OpenOptions::new().append(true).open(&path).expect("append");
        f.write_all(b"{\"user\":\"B\",\"ev").expect("torn write");
        drop(f);
        {
            let mut j = Journal::open(&path, "http://w/api.php", "S", "T").expect("reopen");
            assert_eq!(j.past("B"), None);
            j.record("B", "sending", json!({})).expect("write");
        }
        let j = Journal::open(&path, "http://w/api.php", "S", "T").expect("reopen");
        assert_eq!(j.past("A"), Some(Past::Sent));
        assert_eq!(j.past("B"), Some(Past::Unknown));
        let _ = std::fs::remove_file(&path);
    }

    #[test]
    fn a_journal_of_another_message_is_refused() {
        let path = temp("other");
        drop(Journal::open(&path, "http://w/api.php", "S", "T").expect("open"));
        let err = Journal::open(&path, "http://w/api.php", "S", "other text").expect_err("refused");
        assert_eq!(err.exit, 2);
        assert!(err.text.contains("another message text"), "{}", err.text);
        let _ = std::fs::remove_file(&path);
    }

    #[test]
    fn a_journal_in_use_is_refused() {
        let path = temp("locked");
        let first = Journal::open(&path, "http://w/api.php", "S", "T").expect("open");
        let err = Journal::open(&path, "http://w/api.php", "S", "T").expect_err("locked");
        assert!(err.text.contains("in use"), "{}", err.text);
        drop(first);
        let _ = std::fs::remove_file(&path);
    }
}
