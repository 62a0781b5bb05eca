//! Any bytes, as any status, given to every parser and login flow: Ok or Err,
//! never a panic. The first byte picks the status, the rest is the body.
#![no_main]

use libfuzzer_sys::fuzz_target;
use mw_core::*;

const STATUSES: [u16; 6] = [200, 200, 400, 429, 500, 503];

fuzz_target!(|data: &[u8]| {
    let (status, body) = match data.split_first() {
        Some((s, rest)) => (STATUSES[*s as usize % STATUSES.len()], rest),
        None => (200, data),
    };
    let headers = vec![("Retry-After".to_owned(), "5".to_owned())];
    let resp = Response::new(status, headers, body.to_vec());
    let api = Api::new("https://wiki.example/w/api.php", "fuzz/0").expect("valid");

    let batch = api.options_batches(&OptionsChange::new().set("a", "1").set("b=c", "2")).expect("valid");
    let users = api.emailable_batches(&["A", "b_c"]).expect("valid");
    let results: Vec<Result<(), Error>> = vec![
        parse_tokens(&resp).map(drop),
        parse_email_user(&resp).map(drop),
        parse_reset_password(&resp).map(drop),
        parse_options(&resp, &batch[0]).map(drop),
        parse_read_options(&resp).map(drop),
        parse_emailable(&resp, &users[0]).map(drop),
        parse_raw(&resp).map(drop),
        parse_logout(&resp).map(drop),
    ];
    for r in results {
        if let Err(e) = r {
            let _ = (e.to_string(), format!("{e:?}"), e.retry_advice(true), e.retry_advice(false), e.api_kind());
        }
    }

    // The same answer at every step of both login flows.
    for step in 0..4 {
        let mut login = BotLogin::new("A@b", Password::new("p")).expect("valid");
        let mut client = ClientLogin::new("A", Password::new("p"))
            .and_then(|c| c.with_new_password(Password::new("n")))
            .expect("valid");
        for _ in 0..=step {
            if login.next_request(&api).is_some() {
                let _ = login.handle_response(&resp);
            }
            if client.next_request(&api).is_some() {
                let _ = client.handle_response(&resp);
            }
        }
    }
});
