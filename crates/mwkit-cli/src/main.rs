//! `mwkit`: the account actions of a MediaWiki wiki on the command line.
//!
//! Who can be emailed, an email to one user or to a list (resumable: a
//! durable journal makes a rerun skip everyone already sent, so a run killed
//! at any moment never sends anyone the mail twice), preferences, and
//! password resets. Everything goes through `mw-ureq`, whose engine decides
//! every resend on evidence. `mwkit --help` documents the JSON fields and the
//! exit statuses.
#![forbid(unsafe_code)]
// A command line prints its results on standard output: that is its job.
#![allow(clippy::print_stdout)]

mod bulk;
mod fail;
mod journal;
mod messages;
mod out;
mod stop;
mod target;

use std::collections::BTreeSet;
use std::ffi::OsString;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{ArgGroup, Args, Parser, Subcommand};
use mw_ureq::{EmailUser, OptionsChange, ResetPassword, ResetScope};
use serde_json::{Value, json};

use crate::fail::Failure;
use crate::messages::messages_json;
use crate::out::{Out, Paint};
use crate::target::Target;

/// The JSON documents, the exit statuses and the environment, shown by
/// `mwkit --help` (and repeated in docs/reference/cli.md).
const LONG_HELP: &str = "\
ENVIRONMENT:
  MWKIT_API       the wiki's api.php URL (or --api)
  MWKIT_USER      the account: a bot password's NAME@APPID, or a main account (or --user)
  MWKIT_PASSWORD  its password; asked for (without echo) on a terminal when unset.
                  A password is never an argument: arguments show in ps and in shell
                  history, so --password is refused (exit 2).
  MWKIT_OTP       a main account's two-factor code, used only when the wiki asks for
                  one; when unset, asked for (without echo) on a terminal:
                  \"Two-factor code for NAME: \". Neither is ever printed. Bot
                  passwords are never asked for a code.
  MWKIT_OAUTH2_TOKEN
                  instead of MWKIT_USER and MWKIT_PASSWORD: act as the owner of this
                  OAuth 2 access token (an owner-only consumer's, Extension:OAuth).
                  The token is the login: every request carries it and asserts its
                  owner; no login or logout is sent.
  MWKIT_OAUTH2_CLIENT_ID, MWKIT_OAUTH2_CLIENT_SECRET
                  or instead: a confidential OAuth 2 client (client_credentials,
                  both together), whose token is fetched from the wiki's
                  rest.php/oauth2/access_token and fetched again before it expires.
                  Tokens and secrets are never arguments, and never shown: not in the
                  output, --json, errors or the bulk journal. Giving an OAuth setting
                  with MWKIT_USER, --user or MWKIT_PASSWORD, a token with a client, or
                  only one of the client's id and secret is a usage error (exit 2).
  SSL_CERT_FILE   a PEM bundle of the CAs to trust instead of the system's store, and
  SSL_CERT_DIR    a directory of them (hashed names, as OpenSSL's c_rehash makes), read
                  as OpenSSL-based tools read them; with neither, the system's store
                  (/etc/ssl/certs on Debian, where update-ca-certificates puts a private
                  CA), or where there is none the Mozilla roots compiled in. --ca-file
                  PATH replaces them all.
  NO_COLOR        no colour even on a terminal

HTTPS: the wiki's certificate is always verified; there is no switch that
turns verification off. A wiki behind a private CA: give its CA certificate
with --ca-file PATH (or in SSL_CERT_FILE). A self-signed wiki: give its own
certificate, e.g. extracted with
  openssl s_client -connect wiki.example:443 -showcerts </dev/null | openssl x509 > wiki.pem
A failed handshake sends nothing: exit 1, kind tls, saying what failed
(unknown issuer, name mismatch, expired, or protocol).

EXIT STATUS:
  0  done
  1  failed: MediaWiki refused, or the wiki could not be reached (nothing was
     carried out that the output does not name); a TLS failure (kind tls) too
  2  usage: bad arguments, no password, a journal of another mailing, two ways to
     act given at once (an OAuth token or client and an account); the wiki
     asks for a two-factor code and none was given (no MWKIT_OTP, no terminal:
     kind second_factor_required; the wiki asked and nothing more was sent)
  3  some write's outcome is unknown: it may have been carried out; check
     before repeating it (a bulk run never repeats it without --resend-unknown)
  130, 143
     email stopped by SIGINT (Ctrl-C) or SIGTERM: nothing new was started, the
     request in flight was answered and its outcome recorded (the journal); a
     rerun with the same journal resumes. A second signal, or one at a
     password or code prompt, stops at once (killed by it). email --to whose
     mail was in flight when the signal came exits as its outcome says

JSON (--json): one document per command on stdout, one line each; a bulk
email writes one line per recipient, then one summary line. Field names are
stable; new fields may be added.
  every document      command, ok (bool); when ok is false also exit (1, 2, 3,
                      130 or 143) and error: {stage, kind, code, text, hint,
                      outcome_unknown} (stage: input, api, login, connect, http,
                      decode, timeout, transport, session, outcome_unknown,
                      incomplete, journal, usage, interrupted; incomplete adds
                      applied, unknown, not_applied)
                      kind: what failed, by a name that is the same on every
                      MediaWiki version and the same as the Python binding's
                      e.kind (mw-core's one error table): e.g. no_target,
                      no_email, no_wiki_email, blocked, blocked_from_email,
                      cant_send, rate_limited, bad_token, permission_denied,
                      login_failed, second_factor_required (exit 2: no code
                      given), second_factor_failed (exit 1: the wiki refused
                      the code), login_session_lost (exit 2: the wiki lost
                      the login's session before it checked the code, which
                      MWKIT_OTP cannot renew, or before the password twice;
                      at the prompt the code is asked again once),
                      oauth_invalid (exit 1: the wiki refused the
                      OAuth token or client: garbage, expired, revoked, or its
                      consumer disabled; nothing acted), invalid_input
                      (refused before sending),
                      connect, timeout, http_status, decode, outcome_unknown,
                      other (an API code without a row of its own); or the
                      command line's own: usage (exit 2: arguments, settings,
                      a journal of another mailing), journal (the journal
                      could not be used), options_rejected (options set: the
                      wiki dropped some options), interrupted (exit 130 or
                      143: stopped by SIGINT or SIGTERM).
                      code: the wiki's own error code (null when it gave
                      none); it may differ between MediaWiki versions
                      (noemail on 1.39, noemailtext on 1.43), kind does not
  warnings            [{code, text, module}] wherever the wiki gave warnings
  emailable           users: [{requested, name, emailable (bool),
                      status: emailable|not_emailable|missing|invalid}]
  email --to          to, result (Success|Warnings)
  email --to-list     per recipient: type \"recipient\", user, status, and
                      kind, code and text when it failed. status: sent |
                      already_sent (an earlier run) | unknown (outcome unknown,
                      this run: anything but MediaWiki's own refusal after the
                      request may have left, a gateway's error included) |
                      skipped_unknown (an earlier run's outcome is unknown) |
                      not_emailable (with reason: not_emailable, missing,
                      invalid) | failed (MediaWiki refused, or the request
                      never left: a rerun sends it) | not_sent (the run
                      stopped first). Then type \"summary\": journal, recipients,
                      counts {sent, already_sent, unknown, skipped_unknown,
                      not_emailable, failed, not_sent}, exit, and error when the
                      run stopped early.
  options get         user, options {name: value, null when the wiki has none}
  options set         applied [names], rejected [{name, code, text}]
  options reset       scope (\"all\" or [kinds])
  reset-password      status (\"success\": accepted; the wiki answers the same
                      for unknown users and when throttled)
";

/// mwkit: a MediaWiki account's actions from the shell.
#[derive(Debug, Parser)]
#[command(
    name = "mwkit",
    version,
    about = "A MediaWiki account's actions from the shell: who can be emailed, email \
             (one user, or a list that a journal makes safe to resume), preferences, \
             password resets.",
    after_long_help = LONG_HELP,
    after_help = "Environment, exit statuses and JSON fields: mwkit --help"
)]
struct Cli {
    /// The wiki's api.php URL [env: MWKIT_API]
    #[arg(long, value_name = "URL", global = true)]
    api: Option<String>,
    /// The account to act as: NAME@APPID for a bot password, or a main account
    /// [env: MWKIT_USER]. Or act with an OAuth token: MWKIT_OAUTH2_TOKEN (see
    /// --help)
    #[arg(long, value_name = "NAME")]
    user: Option<String>,
    /// One JSON document per command on stdout (per recipient for a bulk email)
    #[arg(long, global = true)]
    json: bool,
    /// Verify the wiki's certificate against the CAs in this PEM file instead
    /// of the system's store (as curl --cacert); for a self-signed wiki, its
    /// own certificate
    #[arg(long, value_name = "PATH", global = true)]
    ca_file: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Which users can be emailed (logged in when an account is given)
    Emailable {
        /// User names
        #[arg(required = true, value_name = "NAME")]
        names: Vec<String>,
    },
    /// Email one user (--to), or every user of a list (--to-list, with a journal)
    Email(EmailArgs),
    /// Read, change or reset the account's preferences
    Options {
        #[command(subcommand)]
        command: OptionsCommand,
    },
    /// Start a password reset, logged out (no account needed)
    #[command(group(ArgGroup::new("who").required(true).args(["target", "email"])))]
    ResetPassword {
        /// The user whose password to reset
        #[arg(long = "user", id = "target", value_name = "NAME")]
        target: Option<String>,
        /// The address of the account whose password to reset
        #[arg(long, value_name = "ADDRESS")]
        email: Option<String>,
    },
}

#[derive(Debug, Args)]
#[command(group(ArgGroup::new("recipients").required(true).args(["to", "to_list"])))]
#[command(group(ArgGroup::new("body").required(true).args(["text", "text_file"])))]
struct EmailArgs {
    /// The user to email
    #[arg(long, value_name = "NAME")]
    to: Option<String>,
    /// A file of user names, one a line (blank lines and # comments ignored,
    /// duplicates once); needs --journal
    #[arg(long, value_name = "PATH", requires = "journal")]
    to_list: Option<PathBuf>,
    /// The subject
    #[arg(long, value_name = "TEXT")]
    subject: String,
    /// The message
    #[arg(long, value_name = "TEXT")]
    text: Option<String>,
    /// A file holding the message (- for standard input)
    #[arg(long, value_name = "PATH")]
    text_file: Option<PathBuf>,
    /// Send a copy to yourself (one recipient only)
    #[arg(long, conflicts_with = "to_list")]
    cc_me: bool,
    /// The bulk run's journal: created when missing; a rerun with the same
    /// journal skips everyone already sent
    #[arg(long, value_name = "PATH", requires = "to_list")]
    journal: Option<PathBuf>,
    /// Send again to recipients whose earlier send's outcome is unknown (they
    /// may get the mail twice)
    #[arg(long, requires = "to_list")]
    resend_unknown: bool,
}

#[derive(Debug, Subcommand)]
enum OptionsCommand {
    /// Print preferences: all, or the names given
    Get {
        /// Preference names
        #[arg(value_name = "NAME")]
        names: Vec<String>,
    },
    /// Set preferences; NAME= with nothing after it resets NAME to its default
    Set {
        /// Changes
        #[arg(required = true, value_name = "NAME=VALUE")]
        changes: Vec<String>,
    },
    /// Reset preferences to their defaults: all, or the kinds named
    #[command(group(ArgGroup::new("scope").required(true).args(["all", "kinds"])))]
    Reset {
        /// Every preference
        #[arg(long)]
        all: bool,
        /// Kinds: registered, registered-multiselect, registered-checkmatrix,
        /// userjs, special, unused
        #[arg(value_name = "KIND")]
        kinds: Vec<String>,
    },
}

impl Command {
    fn name(&self) -> &'static str {
        match self {
            Command::Emailable { .. } => "emailable",
            Command::Email(_) => "email",
            Command::Options {
                command: OptionsCommand::Get { .. },
            } => "options get",
            Command::Options {
                command: OptionsCommand::Set { .. },
            } => "options set",
            Command::Options {
                command: OptionsCommand::Reset { .. },
            } => "options reset",
            Command::ResetPassword { .. } => "reset-password",
        }
    }
}

fn main() -> ExitCode {
    let args: Vec<OsString> = std::env::args_os().collect();
    if args
        .iter()
        .skip(1)
        .filter_map(|a| a.to_str())
        .any(|a| a == "--password" || a.starts_with("--password="))
    {
        eprintln!(
            "mwkit: a password is never a command-line argument (arguments show in ps and in \
             shell history)\n  set MWKIT_PASSWORD, or run mwkit on a terminal to be asked for it"
        );
        return ExitCode::from(2);
    }
    let cli = match Cli::try_parse_from(&args) {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return ExitCode::from(if e.use_stderr() { 2 } else { 0 });
        }
    };
    let out = Out::new(cli.json);
    let command = cli.command.name();
    match run(&cli, &out) {
        Ok(code) => ExitCode::from(code),
        Err(failure) => {
            out.failure(command, &failure);
            ExitCode::from(failure.exit)
        }
    }
}

fn run(cli: &Cli, out: &Out) -> Result<u8, Failure> {
    if matches!(cli.command, Command::Email(_)) {
        // A mail in flight is waited for on SIGINT or SIGTERM, and
        // journaled (stop.rs); the other commands stop at once, as before.
        stop::install();
    }
    let target = Target::new(cli.api.clone(), cli.user.clone(), cli.ca_file.clone())?;
    match &cli.command {
        Command::Emailable { names } => emailable(&target, names, out),
        Command::Email(args) => match (&args.to, &args.to_list, &args.journal) {
            (Some(to), _, _) => email_one(&target, args, to, out),
            (None, Some(list), Some(journal)) => {
                let text = message_text(args)?;
                bulk::run(
                    &target,
                    &bulk::Mailing {
                        list,
                        journal,
                        subject: &args.subject,
                        text: &text,
                        resend_unknown: args.resend_unknown,
                    },
                    out,
                )
            }
            _ => Err(Failure::usage(
                "give --to NAME, or --to-list PATH with --journal PATH",
                "see mwkit email --help",
            )),
        },
        Command::Options { command } => match command {
            OptionsCommand::Get { names } => options_get(&target, names, out),
            OptionsCommand::Set { changes } => options_set(&target, changes, out),
            OptionsCommand::Reset { all, kinds } => {
                let scope = if *all {
                    ResetScope::All
                } else {
                    ResetScope::from_kinds(kinds.iter().cloned())
                };
                options_reset(&target, scope, out)
            }
        },
        Command::ResetPassword {
            target: user,
            email,
        } => reset_password(&target, user.as_deref(), email.as_deref(), out),
    }
}

/// The message, from --text or --text-file (`-`: standard input).
fn message_text(args: &EmailArgs) -> Result<String, Failure> {
    if let Some(text) = &args.text {
        return Ok(text.clone());
    }
    let Some(path) = &args.text_file else {
        return Err(Failure::usage(
            "no message",
            "give --text TEXT or --text-file PATH",
        ));
    };
    let read = if path == Path::new("-") {
        let mut s = String::new();
        std::io::stdin().read_to_string(&mut s).map(|_| s)
    } else {
        std::fs::read_to_string(path)
    };
    read.map_err(|e| {
        Failure::usage(
            format!("cannot read the message from {}: {e}", path.display()),
            "give a readable UTF-8 file to --text-file",
        )
    })
}

fn emailable(target: &Target, names: &[String], out: &Out) -> Result<u8, Failure> {
    let client = if target.acts() {
        target.logged_in()?
    } else {
        target.client()?
    };
    let report = client
        .emailable(names)
        .map_err(|e| Failure::from_error(&e))?;
    out.warnings(&report.warnings);
    if out.json {
        let users: Vec<Value> = report
            .entries
            .iter()
            .map(|e| {
                json!({
                    "requested": e.requested,
                    "name": e.name,
                    "emailable": e.status.is_emailable(),
                    "status": bulk::status_name(e.status),
                })
            })
            .collect();
        out.doc(&json!({
            "command": "emailable",
            "ok": true,
            "users": users,
            "warnings": messages_json(&report.warnings),
        }));
    } else {
        let rows: Vec<(String, String)> = report
            .entries
            .iter()
            .map(|e| {
                let name = e.name.clone().unwrap_or_else(|| e.requested.clone());
                let said = if e.status.is_emailable() {
                    out.paint("yes", Paint::Good)
                } else {
                    out.paint(&format!("no: {}", bulk::status_words(e.status)), Paint::Bad)
                };
                (name, said)
            })
            .collect();
        out.table(&rows);
    }
    Ok(0)
}

fn email_one(target: &Target, args: &EmailArgs, to: &str, out: &Out) -> Result<u8, Failure> {
    let text = message_text(args)?;
    let email = EmailUser::new(to, &args.subject, text).cc_me(args.cc_me);
    let client = target.logged_in()?;
    if let Some(sig) = stop::received() {
        return Err(Failure::interrupted(
            sig,
            "the mail was sent",
            "nothing was sent to the recipient; run the same command again to send it",
        ));
    }
    let sent = match stop::email(&client, &email) {
        Ok(sent) => sent.map_err(|e| Failure::from_error(&e))?,
        Err(stopped) => {
            // The interrupt stops a call only once a signal came.
            let sig = stop::received().unwrap_or(stop::SIGTERM);
            return Err(if stopped.write_in_flight {
                Failure::interrupted_on_its_way(sig)
            } else {
                Failure::interrupted(
                    sig,
                    "the mail was sent again (the wiki had asked to wait, and had not acted)",
                    "nothing was sent to the recipient; run the same command again to send it",
                )
            });
        }
    };
    out.warnings(&sent.warnings);
    if out.json {
        out.doc(&json!({
            "command": "email",
            "ok": true,
            "to": to,
            "result": sent.result.as_str(),
            "warnings": messages_json(&sent.warnings),
        }));
    } else {
        out.line(&format!("{} to {to}", out.paint("sent", Paint::Good)));
    }
    Ok(0)
}

fn options_get(target: &Target, names: &[String], out: &Out) -> Result<u8, Failure> {
    let client = target.logged_in()?;
    let options = client.options().map_err(|e| Failure::from_error(&e))?;
    out.warnings(&options.warnings);
    let picked: Vec<(String, Option<String>)> = if names.is_empty() {
        options
            .options
            .iter()
            .map(|(k, v)| (k.clone(), Some(v.clone())))
            .collect()
    } else {
        names
            .iter()
            .map(|n| (n.clone(), options.options.get(n).cloned()))
            .collect()
    };
    if out.json {
        let map: serde_json::Map<String, Value> = picked
            .iter()
            .map(|(k, v)| (k.clone(), v.clone().map_or(Value::Null, Value::String)))
            .collect();
        out.doc(&json!({
            "command": "options get",
            "ok": true,
            "user": options.user,
            "options": map,
            "warnings": messages_json(&options.warnings),
        }));
    } else {
        let rows: Vec<(String, String)> = picked
            .into_iter()
            .map(|(k, v)| (k, v.unwrap_or_else(|| out.paint("(not set)", Paint::Dim))))
            .collect();
        out.table(&rows);
    }
    Ok(0)
}

fn options_set(target: &Target, changes: &[String], out: &Out) -> Result<u8, Failure> {
    let mut change = OptionsChange::new();
    let mut asked = Vec::new();
    for item in changes {
        let Some((name, value)) = item.split_once('=') else {
            return Err(Failure::usage(
                format!("{item:?} is not NAME=VALUE"),
                "write each change as NAME=VALUE (NAME= resets NAME to its default)",
            ));
        };
        asked.push((name.to_owned(), !value.is_empty()));
        change = change.change(name, (!value.is_empty()).then(|| value.to_owned()));
    }
    let client = target.logged_in()?;
    let done = client
        .change_options(&change)
        .map_err(|e| Failure::from_error(&e))?;
    out.warnings(&done.warnings);
    let rejected: BTreeSet<&str> = done
        .rejected
        .iter()
        .filter_map(|r| r.name.as_deref())
        .collect();
    let applied: Vec<&(String, bool)> = asked
        .iter()
        .filter(|(n, _)| !rejected.contains(n.as_str()))
        .collect();
    let failure = done.rejected.first().map(|first| {
        let names: Vec<String> = done
            .rejected
            .iter()
            .map(|r| r.name.clone().unwrap_or_else(|| "?".into()))
            .collect();
        Failure::options_rejected(
            &first.message.code,
            format!(
                "the wiki did not apply {}: {} ({})",
                names.join(", "),
                first.message.text,
                first.message.code
            ),
            "check the names and values: MediaWiki drops unknown options and invalid values \
             and still answers success",
        )
    });
    if out.json {
        let mut doc = json!({
            "command": "options set",
            "ok": failure.is_none(),
            "applied": applied.iter().map(|(n, _)| n).collect::<Vec<_>>(),
            "rejected": done.rejected.iter().map(|r| json!({
                "name": r.name, "code": r.message.code, "text": r.message.text,
            })).collect::<Vec<_>>(),
            "warnings": messages_json(&done.warnings),
        });
        if let Some(f) = &failure {
            f.add_to(&mut doc);
        }
        out.doc(&doc);
    } else {
        let rows: Vec<(String, String)> = applied
            .iter()
            .map(|(n, set)| {
                let what = if *set { "set" } else { "reset to default" };
                (n.clone(), out.paint(what, Paint::Good))
            })
            .collect();
        out.table(&rows);
        if let Some(f) = &failure {
            out.human_failure(f);
        }
    }
    Ok(failure.map_or(0, |f| f.exit))
}

fn options_reset(target: &Target, scope: ResetScope, out: &Out) -> Result<u8, Failure> {
    let client = target.logged_in()?;
    let done = client
        .reset_options(scope.clone())
        .map_err(|e| Failure::from_error(&e))?;
    out.warnings(&done.warnings);
    let (scope_json, words) = match &scope {
        ResetScope::All => (json!("all"), "every preference".to_owned()),
        ResetScope::Kinds(kinds) => (json!(kinds), format!("kinds {}", kinds.join(", "))),
    };
    if out.json {
        out.doc(&json!({
            "command": "options reset",
            "ok": true,
            "scope": scope_json,
            "warnings": messages_json(&done.warnings),
        }));
    } else {
        out.line(&format!("{} {words}", out.paint("reset", Paint::Good)));
    }
    Ok(0)
}

fn reset_password(
    target: &Target,
    user: Option<&str>,
    email: Option<&str>,
    out: &Out,
) -> Result<u8, Failure> {
    let reset = ResetPassword::new(user, email).map_err(|e| Failure::from_error(&e))?;
    // Logged out: the anonymous token. (Through a bot password MediaWiki
    // refuses resets.)
    let client = target.client()?;
    let warnings = client
        .reset_password(&reset)
        .map_err(|e| Failure::from_error(&e))?;
    out.warnings(&warnings);
    if out.json {
        out.doc(&json!({
            "command": "reset-password",
            "ok": true,
            "status": "success",
            "warnings": messages_json(&warnings),
        }));
    } else {
        let who = user.map_or_else(
            || format!("the account of {}", email.unwrap_or_default()),
            str::to_owned,
        );
        out.line(&format!(
            "{} the reset for {who}\n  (MediaWiki answers the same for unknown users and when it \
             throttles resets: this does not prove a mail went out)",
            out.paint("accepted", Paint::Good)
        ));
    }
    Ok(0)
}
