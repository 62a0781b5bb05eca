//! Property tests: any option change set serializes to requests that
//! MediaWiki's own splitting rules read back as the same set.
#![allow(clippy::unwrap_used, missing_docs)]

use std::collections::BTreeMap;

use mw_core::{Api, Error, OptionsChange, Token};
use proptest::prelude::*;

/// What MediaWiki's ApiOptions does with one request body: the multi-value
/// `change` split on `|`, or on U+001F when it starts with U+001F; each item
/// split at its first `=` (no `=`: reset to the default); then `optionname`
/// with `optionvalue` (absent: reset).
fn mediawiki_reads(body: &[u8], state: &mut BTreeMap<String, Option<String>>, limit: usize) {
    let pairs: Vec<(String, String)> = form_urlencoded::parse(body).into_owned().collect();
    let get = |k: &str| {
        pairs
            .iter()
            .find(|(key, _)| key == k)
            .map(|(_, v)| v.clone())
    };
    if let Some(change) = get("change") {
        let items: Vec<&str> = match change.strip_prefix('\u{1f}') {
            Some(rest) => rest.split('\u{1f}').collect(),
            None if change.is_empty() => Vec::new(),
            None => change.split('|').collect(),
        };
        assert!(
            items.len() <= limit,
            "{} values in change, limit {limit}",
            items.len()
        );
        for item in items {
            match item.split_once('=') {
                Some((name, value)) => state.insert(name.to_owned(), Some(value.to_owned())),
                None => state.insert(item.to_owned(), None),
            };
        }
    }
    if let Some(name) = get("optionname") {
        state.insert(name, get("optionvalue"));
    }
    assert!(pairs.iter().filter(|(k, _)| k == "optionname").count() <= 1);
    assert_eq!(
        pairs.last().map(|(k, _)| k.as_str()),
        Some("token"),
        "the token goes last"
    );
}

/// Names: control characters (a line break, U+001F) are refused before
/// sending, and tested as such in fixtures.rs.
fn name() -> impl Strategy<Value = String> {
    "[a-zA-Z0-9_|=é -]{1,10}"
}

fn value() -> impl Strategy<Value = Option<String>> {
    proptest::option::of("[a-zA-Z0-9|=é\n &+%\\\\-]{0,12}")
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn any_valid_change_set_reads_back_as_the_same_set(
        changes in proptest::collection::vec((name(), value()), 1..40),
        limit in 1usize..8,
    ) {
        let mut set = OptionsChange::new();
        let mut expected = BTreeMap::new();
        for (n, v) in &changes {
            set = set.change(n.clone(), v.clone());
            expected.insert(n.clone(), v.clone());
        }
        let api = Api::new("http://127.0.0.1/api.php", "proptest/0").unwrap();
        match set.batches(limit) {
            Ok(batches) => {
                let mut state = BTreeMap::new();
                for batch in &batches {
                    let req = api.options_request(batch, &Token::new("t+\\"));
                    mediawiki_reads(&req.body, &mut state, limit);
                }
                prop_assert_eq!(state, expected);
            }
            Err(Error::InvalidInput(e)) => {
                // Only userjs- names with other characters may be refused here.
                prop_assert!(changes.iter().any(|(n, _)| n.starts_with("userjs-")), "{e}");
            }
            Err(other) => prop_assert!(false, "unexpected {other:?}"),
        }
    }

    #[test]
    fn a_unit_separator_in_any_value_or_name_is_refused(
        before in "[a-z|=]{0,5}", after in "[a-z|=]{0,5}", in_name in any::<bool>(),
    ) {
        let poisoned = format!("{before}\u{1f}{after}");
        let set = if in_name {
            OptionsChange::new().set("ok", "v").set(poisoned, "v")
        } else {
            OptionsChange::new().set("ok", "v").set("name", poisoned)
        };
        prop_assert!(matches!(set.batches(50), Err(Error::InvalidInput(_))));
    }
}
