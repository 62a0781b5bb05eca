//! Sans-IO core of mwkit, a MediaWiki Action API client for account actions:
//! emailing a user (`action=emailuser`), starting a password reset
//! (`action=resetpassword`) and reading and changing preferences
//! (`action=options`).
//!
//! This crate holds all protocol knowledge and performs no IO: it builds
//! request values and parses response values, and never opens a socket, reads
//! a clock or sleeps. Transports such as `mw-ureq` run its requests.
//!
//! The request and response types arrive with the `[mw-core]` work item; this
//! first version only fixes the crate's place in the workspace.
#![forbid(unsafe_code)]

/// The version of this crate, as a string (`CARGO_PKG_VERSION`).
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
