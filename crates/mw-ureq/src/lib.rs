//! Blocking MediaWiki client for account actions: runs [`mw_core`]'s requests
//! over HTTP and keeps the session.
//!
//! The client arrives with the `[mw-ureq]` work item; this first version only
//! fixes the crate's place in the workspace and re-exports the core.
#![forbid(unsafe_code)]

pub use mw_core;
