//! The wiki over HTTPS (wiki.json's `tls`: apache2's mod_ssl with a
//! throwaway CA of the harness, a certificate for another name and an
//! expired one). The CA is given as a CA file; without it the defaults (the
//! system's store) do not know it. On a wiki without `tls` each scenario
//! prints one SKIP line and passes.
//!
//! `SSL_CERT_FILE` and `SSL_CERT_DIR` are process-wide: the command line's
//! tests set them for a child process instead (crates/mwkit-cli/tests).

use crate::driver::Driver;
use crate::support::{Wiki, nonce};
use mw_core::{EmailResult, EmailUser, Error, OptionsChange, TlsFailure};

fn text<'a>(tls: &'a serde_json::Value, key: &str) -> &'a str {
    tls[key]
        .as_str()
        .unwrap_or_else(|| panic!("tls.{key} in wiki.json"))
}

/// Checks that `err` is a TLS failure for `reason`, a failure to connect
/// (never outcome unknown) whose words name the reason.
fn assert_tls(err: &Error, reason: TlsFailure) {
    match err {
        Error::Tls { failure, .. } => assert_eq!(*failure, reason, "{err:?}"),
        other => panic!("a TLS failure ({reason}), not {other:?}"),
    }
    assert_eq!(err.code().name, "tls", "{err:?}");
    assert_eq!(err.code().stage, "connect", "{err:?}");
    assert!(!err.outcome_unknown(), "nothing was sent: {err:?}");
    assert!(err.to_string().contains(&reason.to_string()), "{err}");
}

pub fn with_the_ca_file_a_login_an_email_and_an_options_round_trip_go_over_https<D: Driver>() {
    let test = &D::test_name(
        "https",
        "with_the_ca_file_a_login_an_email_and_an_options_round_trip_go_over_https",
    );
    let wiki = Wiki::get();
    let Some(tls) = wiki.tls(test) else {
        return;
    };
    let (url, ca_file) = (text(tls, "api_url"), text(tls, "ca_file"));
    assert!(url.starts_with("https://"), "{url}");
    let (client, ua) = wiki.client_of::<D>(url, Some(ca_file), "https").unwrap();
    let sender = wiki.user("sender");
    let info = client
        .login(
            sender["bot_name"].as_str().unwrap(),
            sender["bot_password"].as_str().unwrap(),
        )
        .unwrap_or_else(|e| panic!("{e:?}"));
    assert_eq!(info.account.name, wiki.name("sender"));

    let subject = format!("mwkit https {}", nonce());
    let sent = client
        .email_user(&EmailUser::new(
            wiki.name("recipient"),
            subject.as_str(),
            "Sent over HTTPS.",
        ))
        .unwrap();
    assert_eq!(sent.result, EmailResult::Success);
    let mails = wiki.wait_for_mails(&subject, 1);
    assert_eq!(mails.len(), 1, "exactly one mail");
    assert_eq!(
        mails[0]["rcpt_to"],
        serde_json::json!([wiki.email("recipient")])
    );

    let value = format!("{}|ü&+%", nonce());
    let done = client
        .change_options(&OptionsChange::new().set("userjs-mwkit-https", value.as_str()))
        .unwrap();
    assert!(done.rejected.is_empty(), "{:?}", done.rejected);
    let read = client.options().unwrap();
    assert_eq!(read.user, wiki.name("sender"));
    assert_eq!(
        read.options.get("userjs-mwkit-https"),
        Some(&value),
        "read back"
    );
    // login (3), the email, the change, the read: all reached the wiki.
    let lines = wiki.requests(&ua);
    assert_eq!(lines.len(), 6, "{lines:#?}");

    // The certificate is for localhost too.
    let (client, _) = wiki
        .client_of::<D>(
            text(tls, "localhost_api_url"),
            Some(ca_file),
            "https-localhost",
        )
        .unwrap();
    assert!(client.options().unwrap().anonymous);
}

pub fn without_the_ca_file_it_is_tls_unknown_issuer_and_nothing_is_sent<D: Driver>() {
    let test = &D::test_name(
        "https",
        "without_the_ca_file_it_is_tls_unknown_issuer_and_nothing_is_sent",
    );
    let wiki = Wiki::get();
    let Some(tls) = wiki.tls(test) else {
        return;
    };
    // The defaults: the system's store, which lacks the harness's CA.
    let (client, ua) = wiki
        .client_of::<D>(text(tls, "api_url"), None, "https-no-ca")
        .unwrap();
    let sender = wiki.user("sender");
    let err = client
        .login(
            sender["bot_name"].as_str().unwrap(),
            sender["bot_password"].as_str().unwrap(),
        )
        .unwrap_err();
    assert_tls(&err, TlsFailure::UnknownIssuer);
    assert!(client.account().is_none());
    // A write too: its token fetch never got through the handshake.
    let err = client
        .email_user(&EmailUser::new(wiki.name("recipient"), "never", "never"))
        .unwrap_err();
    assert_tls(&err, TlsFailure::UnknownIssuer);
    let err = client.options().unwrap_err();
    assert_tls(&err, TlsFailure::UnknownIssuer);
    let lines = wiki.requests(&ua);
    assert!(lines.is_empty(), "nothing reached the wiki: {lines:#?}");
}

/// A read and a login at `key`'s URL, with the CA given: both fail with
/// `reason`, and nothing reaches the wiki.
fn refused_certificate<D: Driver>(scenario: &str, key: &str, reason: TlsFailure) {
    let wiki = Wiki::get();
    let Some(tls) = wiki.tls(&D::test_name("https", scenario)) else {
        return;
    };
    let (client, ua) = wiki
        .client_of::<D>(text(tls, key), Some(text(tls, "ca_file")), key)
        .unwrap();
    assert_tls(&client.options().unwrap_err(), reason);
    let sender = wiki.user("sender");
    let err = client
        .login(
            sender["bot_name"].as_str().unwrap(),
            sender["bot_password"].as_str().unwrap(),
        )
        .unwrap_err();
    assert_tls(&err, reason);
    let lines = wiki.requests(&ua);
    assert!(lines.is_empty(), "nothing reached the wiki: {lines:#?}");
}

pub fn a_certificate_for_another_name_is_tls_name_mismatch_and_nothing_is_sent<D: Driver>() {
    refused_certificate::<D>(
        "a_certificate_for_another_name_is_tls_name_mismatch_and_nothing_is_sent",
        "mismatch_api_url",
        TlsFailure::NameMismatch,
    );
}

pub fn an_expired_certificate_is_tls_expired_and_nothing_is_sent<D: Driver>() {
    refused_certificate::<D>(
        "an_expired_certificate_is_tls_expired_and_nothing_is_sent",
        "expired_api_url",
        TlsFailure::Expired,
    );
}

pub fn a_ca_file_missing_or_not_pem_is_invalid_input_when_the_client_is_built<D: Driver>() {
    // No connection is made: this runs on every wiki, HTTPS or not.
    let wiki = Wiki::get();
    let url = wiki.state["tls"]["api_url"]
        .as_str()
        .unwrap_or(wiki.api_url())
        .to_owned();
    let dir = std::env::temp_dir().join(format!("mwkit-suite-ca-{}", nonce()));
    std::fs::create_dir_all(&dir).unwrap();
    let missing = dir.join("missing.pem");
    let text_file = dir.join("not-pem.pem");
    std::fs::write(&text_file, "this is not a certificate\n").unwrap();
    let broken = dir.join("broken.pem");
    std::fs::write(
        &broken,
        "-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydGlmaWNhdGU=\n-----END CERTIFICATE-----\n",
    )
    .unwrap();
    for path in [&missing, &text_file, &broken] {
        let result = wiki.client_of::<D>(&url, Some(path.to_str().unwrap()), "https-bad-ca");
        match result {
            Err(Error::InvalidInput(i)) => {
                assert_eq!(i.field, "ca file", "{i}");
                assert!(i.reason.contains(&path.display().to_string()), "{i}");
            }
            Err(other) => panic!("{path:?}: {other:?}"),
            Ok(_) => panic!("{path:?}: built a client"),
        }
    }
    std::fs::remove_dir_all(&dir).unwrap();
}
