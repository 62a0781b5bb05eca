//! Any change set, any limit: refused as invalid input, or serialized into
//! requests that MediaWiki's splitting rules read back as the same set.
#![no_main]

use std::collections::BTreeMap;

use libfuzzer_sys::fuzz_target;
use mw_core::{Api, Error, OptionsChange, Token};

fuzz_target!(|input: (Vec<(String, Option<String>)>, u8)| {
    let (changes, limit) = input;
    let limit = usize::from(limit % 60) + 1;
    let mut set = OptionsChange::new();
    let mut expected = BTreeMap::new();
    for (name, value) in &changes {
        set = set.change(name.clone(), value.clone());
        expected.insert(name.clone(), value.clone());
    }
    let api = Api::new("https://wiki.example/w/api.php", "fuzz/0").expect("valid");
    let batches = match set.batches(limit) {
        Ok(b) => b,
        Err(Error::InvalidInput(_)) => return,
        Err(other) => panic!("unexpected error {other:?}"),
    };
    let mut state: BTreeMap<String, Option<String>> = BTreeMap::new();
    for batch in &batches {
        let req = api.options_request(batch, &Token::new("t+\\"));
        let pairs: Vec<(String, String)> = form_urlencoded::parse(&req.body).into_owned().collect();
        let get = |k: &str| pairs.iter().find(|(key, _)| key == k).map(|(_, v)| v.clone());
        if let Some(change) = get("change") {
            let items: Vec<&str> = match change.strip_prefix('\u{1f}') {
                Some(rest) => rest.split('\u{1f}').collect(),
                None => change.split('|').collect(),
            };
            assert!(items.len() <= limit);
            for item in items {
                match item.split_once('=') {
                    Some((n, v)) => state.insert(n.to_owned(), Some(v.to_owned())),
                    None => state.insert(item.to_owned(), None),
                };
            }
        }
        if let Some(name) = get("optionname") {
            state.insert(name, get("optionvalue"));
        }
    }
    assert_eq!(state, expected);
});
