//! The live scenarios on the real test wiki (through a fault proxy or a
//! stand-in server where needed), each run against both Rust clients:
//! `blocking::...` with mw-ureq, `asynchronous::...` with mw-reqwest. A
//! scenario is written once, generic over [`driver::Driver`].
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    missing_docs,
    unreachable_pub
)]

#[path = "../../../../crates/mw-ureq/tests/support/canary.rs"]
mod canary;
/// The async client's own scenarios (tasks, cancellation).
mod concurrent;
mod driver;
mod echo;
#[path = "../../../../crates/mw-ureq/tests/support/echo.rs"]
mod echo_server;
mod faults;
mod https;
mod live;
mod logs;
mod names;
mod oauth;
mod proxy;
mod sessions;
mod standin;
#[path = "../../../../crates/mw-ureq/tests/support/standin.rs"]
mod standin_server;
mod support;
mod two_factor;
mod warnings;

/// Instantiates every scenario for both drivers.
macro_rules! scenarios {
    ($($module:ident: [$($name:ident),* $(,)?]),* $(,)?) => {
        mod blocking {
            $(mod $module {
                $(#[test]
                fn $name() {
                    crate::$module::$name::<crate::driver::Blocking>()
                })*
            })*
        }
        mod asynchronous {
            $(mod $module {
                $(#[test]
                fn $name() {
                    crate::$module::$name::<crate::driver::Async>()
                })*
            })*
        }
    };
}

scenarios! {
    live: [
        email_user_delivers_exactly_one_mail_with_subject_and_body_intact,
        cc_me_sends_a_copy_to_the_sender,
        email_to_a_user_that_does_not_exist_is_no_target,
        email_to_a_user_without_an_address_is_no_email,
        email_to_a_user_who_refuses_mail_is_no_wiki_email,
        email_from_a_sitewide_blocked_sender_is_blocked,
        email_from_a_sender_blocked_from_email_only_is_blocked_from_email,
        email_from_a_sender_partially_blocked_elsewhere_is_sent,
        email_logged_out_is_cant_send,
        the_rate_limited_user_is_told_so_and_nothing_more_is_delivered,
        emailable_answers_for_emailable_unemailable_and_missing_names,
        one_hundred_twenty_names_take_three_requests,
        five_hundred_long_cyrillic_names_are_all_answered,
        sixty_option_changes_read_back_right_in_two_posts,
        an_unknown_option_name_comes_back_as_a_warning_not_silence,
        options_can_be_reset_to_their_defaults,
        a_password_reset_mail_logs_in_and_the_new_password_works,
        a_bot_password_cannot_reset_passwords,
        a_wrong_bot_password_is_a_login_error_with_the_servers_reason,
        a_session_killed_on_the_server_is_recovered_with_one_login_and_one_mail,
        a_stale_csrf_token_costs_one_badtoken_one_refetch_and_one_mail,
        one_client_shared_by_eight_threads_sends_eighty_mails_without_duplicates,
        logout_ends_the_session_on_the_server,
        raw_requests_reach_any_action,
    ],
    names: [
        every_spelling_gets_the_answer_the_wiki_gives_it_alone,
    ],
    faults: [
        a_refused_connection_sends_nothing_and_the_callers_retry_sends_one_mail,
        a_reset_before_the_request_is_read_sends_no_mail_and_the_retry_sends_one,
        forwarded_then_dropped_is_outcome_unknown_with_one_request_and_at_most_one_mail,
        a_truncated_or_garbage_answer_is_a_decode_error_with_a_snippet_and_no_retry,
        a_delayed_answer_times_out_within_the_timeout_plus_a_fifth,
        a_gateway_error_after_the_wiki_acted_gives_one_mail_and_outcome_unknown,
        a_gateways_json_error_after_forwarding_is_outcome_unknown_not_the_wikis_refusal,
        a_503_before_forwarding_is_still_outcome_unknown_and_sends_nothing,
        a_recorded_maxlag_answer_is_waited_for_and_gives_exactly_one_mail,
        an_oversized_answer_is_an_error_and_is_not_read_whole,
        a_dropped_options_write_is_outcome_unknown_not_resent_and_did_land,
        hostile_set_cookie_headers_are_survived,
        a_change_of_120_options_failing_in_its_second_request_names_what_was_applied,
        a_first_login_step_whose_cookie_was_lost_is_sent_once_more_with_a_new_token,
    ],
    sessions: [
        reads_after_the_session_was_ended_log_in_again_and_return_the_users_values,
        a_revoked_bot_password_fails_the_relogin_and_nothing_is_sent_anonymously,
        eight_emails_in_flight_when_the_session_ends_all_succeed_each_delivered_once,
        a_relogin_and_a_second_login_leave_the_old_bot_session_cookie_behind,
        a_session_the_wiki_hands_to_another_account_is_never_read_or_written_as_it,
    ],
    standin: [
        maxlag_is_waited_for_and_sent_again,
        readonly_is_waited_for_within_the_budget,
        a_503_to_a_write_is_outcome_unknown_with_its_retry_after_and_never_resent,
        a_read_is_waited_for_and_sent_again_after_429_and_503,
        a_wait_longer_than_allowed_is_returned_not_shortened,
        a_gateway_error_on_a_write_is_outcome_unknown_and_not_resent,
        a_connection_dropped_after_the_request_is_outcome_unknown_and_not_resent,
        a_write_that_times_out_is_outcome_unknown_within_the_timeout,
        a_read_that_times_out_is_a_timeout,
        an_oversized_answer_stops_at_the_limit,
        a_redirect_is_reported_not_followed,
        refused_connections_say_nothing_was_sent,
        a_token_with_plus_and_backslash_arrives_encoded_and_last,
        a_ratelimited_answer_is_not_retried,
        bad_input_is_refused_before_anything_is_sent_not_even_a_token_fetch,
        a_get_with_a_token_is_refused_before_sending,
    ],
    two_factor: [
        the_right_code_asked_once_logs_in_then_one_mail_and_the_users_own_options,
        no_code_is_second_factor_required_after_one_clientlogin_post_and_no_continuation,
        a_wrong_code_is_second_factor_failed_then_the_right_one_on_the_same_client_logs_in,
        the_second_factor_is_never_asked_for_an_account_without_it_nor_a_bot_password,
        a_session_lost_before_the_code_is_checked_asks_again_once_and_logs_in_once,
        a_session_lost_with_a_fixed_code_or_twice_is_login_session_lost,
        a_code_holding_the_canary_shows_in_no_error_or_log_line,
    ],
    https: [
        with_the_ca_file_a_login_an_email_and_an_options_round_trip_go_over_https,
        without_the_ca_file_it_is_tls_unknown_issuer_and_nothing_is_sent,
        a_certificate_for_another_name_is_tls_name_mismatch_and_nothing_is_sent,
        an_expired_certificate_is_tls_expired_and_nothing_is_sent,
        a_ca_file_missing_or_not_pem_is_invalid_input_when_the_client_is_built,
    ],
    oauth: [
        an_oauth2_token_acts_as_its_owner_one_mail_and_an_option_that_reads_back,
        oauth1_keys_act_as_their_owner_one_mail_and_an_option_that_reads_back,
        client_credentials_act_as_the_owner_one_mail_and_an_option_that_reads_back,
        garbage_tokens_keys_and_secrets_are_oauth_invalid_after_one_request,
        a_disabled_consumers_token_is_oauth_invalid_and_the_email_is_sent_once,
        a_revoked_token_is_oauth_invalid_and_the_email_is_sent_once,
        a_client_credentials_session_outlives_its_tokens_lifetime,
        sessions_of_one_confidential_client_share_its_token,
        no_token_or_secret_shows_in_debug_display_errors_or_trace_logs,
    ],
    echo: [
        no_secret_an_echoing_server_repeats_shows_in_errors_debug_or_logs,
    ],
    warnings: [
        a_warning_on_the_csrf_token_fetch_reaches_the_result_and_a_failing_calls_error,
        a_warning_on_the_refused_badtoken_answer_reaches_the_result_and_a_failing_calls_error,
        a_warning_on_the_relogin_reaches_the_result_and_a_failing_calls_error,
    ],
}
