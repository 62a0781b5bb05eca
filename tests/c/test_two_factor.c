/*
 * mw_client_clientlogin_otp against a real MediaWiki 1.43 with OATHAuth, for
 * a main account with a TOTP key (wiki.json's two_factor_c):
 *  - the right code logs in; then one email (one mail at the sink) and the
 *    user's own preferences read back;
 *  - no code (NULL otp): MW_ERR_SECOND_FACTOR_REQUIRED, the wiki's own code
 *    and text readable, not logged in, and the access log shows the wiki's
 *    question was the last request (no continuation);
 *  - a wrong code: MW_ERR_SECOND_FACTOR_FAILED, not logged in, and then the
 *    right code on the same client logs in;
 *  - the code is in no last-call detail; a code holding wiki.json's canary
 *    (MWKIT_CANARY) is refused, and the last error's code, text and kind,
 *    printed for tests/c/run's canary check, do not hold it;
 *  - the session deleted on the server before the code is checked
 *    (`testwiki lose-session`): MW_ERR_LOGIN_FAILED with the kind
 *    login_session_lost (mw_last_error_kind), nothing more sent; then a new
 *    code logs in;
 *  - the account's bot password logs in without a code, and a main account
 *    without two-factor logs in with an otp given (never sent).
 * Codes come from `testwiki totp two_factor_c` (each 30-second window is
 * accepted once), run with MWKIT_WIKI_DIR from wiki.json.
 *
 * Run by tests/c/run, which exports MWKIT_API_URL, MWKIT_MAIL_DIR,
 * MWKIT_TARGET, MWKIT_TESTWIKI and, when the wiki has the account,
 * MWKIT_2FA_{NAME,PASSWORD,BOT_NAME,BOT_PASSWORD,ROLE}, MWKIT_WIKI_DIR,
 * MWKIT_ACCESS_LOG, MWKIT_SENDER_{NAME,PASSWORD}. Without the account
 * (MediaWiki 1.39 has no OATHAuth; a wiki made before it) it prints one SKIP
 * line. Prints a line per check and `c-tests: N passed, N failed`.
 */
#define _POSIX_C_SOURCE 200809L

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "check.h"
#include "mw.h"

#define TEST_NAME "test_two_factor"
#define TEST_UA "mwkit-c-tests-2fa/0"
#include "wiki.h"

/* A two-factor code from `testwiki totp ROLE` (--wrong: one not valid now)
 * into `code` (7 bytes). Exits when there is none. */
static void totp(const char *flag, char code[7]) {
  char cmd[4096];
  char line[64] = {0};
  FILE *p;
  snprintf(cmd, sizeof cmd, "'%s' totp '%s' %s", env("MWKIT_TESTWIKI"), env("MWKIT_2FA_ROLE"), flag);
  p = popen(cmd, "r");
  if (p == NULL || fgets(line, sizeof line, p) == NULL || pclose(p) != 0 || strlen(line) < 6) {
    fprintf(stderr, "test_two_factor: `testwiki totp` gave no code\n");
    exit(2);
  }
  memcpy(code, line, 6);
  code[6] = '\0';
}

/* Whether the last call's code and text are the wiki's own (both
 * non-empty, the code `want_code`) and neither holds `secret`. */
static int last_is_wikis(const char *want_code, const char *secret) {
  char code[128];
  char text[2048];
  size_t n = 0;
  return mw_last_error_code(code, sizeof code, &n) == MW_OK && strcmp(code, want_code) == 0 &&
         mw_last_error_text(text, sizeof text, &n) == MW_OK && n > 0 && strstr(text, secret) == NULL &&
         strstr(code, secret) == NULL;
}

static void test_right_code_then_email_and_options(void) {
  char ua[256];
  char code[7];
  char name[128];
  char subject[128];
  char needle[160];
  char value[128];
  char text[512];
  size_t n = 99;
  mw_options *options = NULL;
  mw_client *client = new_client("right", ua, sizeof ua);
  const char *option_names[] = {"userjs-mwkit-c-2fa"};
  const char *option_values[1];
  char mark[64];

  totp("", code);
  CHECK("the right code logs the two-factor account in",
        mw_client_clientlogin_otp(client, env("MWKIT_2FA_NAME"), env("MWKIT_2FA_PASSWORD"), NULL, code) == MW_OK);
  CHECK("after the login the last error text is empty (no code in it)",
        mw_last_error_text(text, sizeof text, &n) == MW_OK && n == 0);
  CHECK("the login went token, clientlogin, its continuation: two POSTs",
        access_count(ua, "\"POST ") == 2);
  CHECK("the client is that user", whoami(client, name, sizeof name) && strcmp(name, env("MWKIT_2FA_NAME")) == 0);

  snprintf(subject, sizeof subject, "mwkit c two-factor %ld-%d", (long)time(NULL), rand());
  snprintf(needle, sizeof needle, "\"subject\": \"%s\"", subject);
  CHECK("then an email is sent",
        mw_client_email_user(client, env("MWKIT_TARGET"), subject, "Sent after a two-factor login.", false) == MW_OK);
  CHECK("and exactly one mail arrives", count_mails(needle, 1) == 1);

  snprintf(mark, sizeof mark, "c-2fa-%ld-%d", (long)time(NULL), rand());
  option_values[0] = mark;
  CHECK("a preference of the user is set", mw_client_set_options(client, option_names, option_values, 1) == MW_OK);
  CHECK("mw_client_get_options reads the user's own values",
        mw_client_get_options(client, &options) == MW_OK &&
            mw_options_find(options, "userjs-mwkit-c-2fa", value, sizeof value, &n) == MW_OK &&
            strcmp(value, mark) == 0 && mw_options_find(options, "language", value, sizeof value, &n) == MW_OK);
  mw_options_free(options);
  mw_client_free(client);
}

static void test_no_code_is_required(void) {
  char ua[256];
  char name[128] = "x";
  mw_client *client = new_client("none", ua, sizeof ua);
  mw_result r = mw_client_clientlogin_otp(client, env("MWKIT_2FA_NAME"), env("MWKIT_2FA_PASSWORD"), NULL, NULL);

  CHECK("no code for a two-factor account gives MW_ERR_SECOND_FACTOR_REQUIRED",
        r == MW_ERR_SECOND_FACTOR_REQUIRED);
  CHECK("its name is MW_ERR_SECOND_FACTOR_REQUIRED",
        strcmp(mw_result_name(r), "MW_ERR_SECOND_FACTOR_REQUIRED") == 0);
  CHECK("the last error code and text are the wiki's question (oathauth-auth-ui)",
        last_is_wikis("oathauth-auth-ui", env("MWKIT_2FA_PASSWORD")));
  CHECK("nothing after the wiki's question: one login token GET, one POST",
        access_count(ua, "\"POST ") == 1 && access_count(ua, "type=login") == 1);
  CHECK("the client is not logged in", whoami(client, name, sizeof name) && name[0] == '\0');
  CHECK("mw_client_clientlogin without a code gives the same",
        mw_client_clientlogin(client, env("MWKIT_2FA_NAME"), env("MWKIT_2FA_PASSWORD"), NULL) ==
            MW_ERR_SECOND_FACTOR_REQUIRED);
  CHECK("a blank code is no code",
        mw_client_clientlogin_otp(client, env("MWKIT_2FA_NAME"), env("MWKIT_2FA_PASSWORD"), NULL, "  ") ==
            MW_ERR_SECOND_FACTOR_REQUIRED);
  mw_client_free(client);
}

static void test_wrong_code_then_right_code(void) {
  char ua[256];
  char wrong[7];
  char code[7];
  char name[128] = "x";
  char text[2048];
  size_t n = 0;
  mw_client *client = new_client("wrong", ua, sizeof ua);
  mw_result r;

  totp("--wrong", wrong);
  r = mw_client_clientlogin_otp(client, env("MWKIT_2FA_NAME"), env("MWKIT_2FA_PASSWORD"), NULL, wrong);
  CHECK("a wrong code gives MW_ERR_SECOND_FACTOR_FAILED", r == MW_ERR_SECOND_FACTOR_FAILED);
  CHECK("the last error code and text are the wiki's refusal, without the code",
        last_is_wikis("oathauth-login-failed", wrong) && last_is_wikis("oathauth-login-failed", env("MWKIT_2FA_PASSWORD")));
  CHECK("the client is not logged in", whoami(client, name, sizeof name) && name[0] == '\0');

  totp("", code);
  CHECK("then the right code on the same client logs in",
        mw_client_clientlogin_otp(client, env("MWKIT_2FA_NAME"), env("MWKIT_2FA_PASSWORD"), NULL, code) == MW_OK);
  CHECK("and the client is that user",
        whoami(client, name, sizeof name) && strcmp(name, env("MWKIT_2FA_NAME")) == 0);

  /* Refusals of the arguments name the argument, never its value. */
  CHECK("a NULL password gives MW_ERR_NULL_PARAMETER",
        mw_client_clientlogin_otp(client, env("MWKIT_2FA_NAME"), NULL, NULL, code) == MW_ERR_NULL_PARAMETER &&
            mw_last_error_text(text, sizeof text, &n) == MW_OK && strcmp(text, "password is NULL") == 0);
  CHECK("an invalid UTF-8 code gives MW_ERR_INVALID_UTF8, naming otp only",
        mw_client_clientlogin_otp(client, env("MWKIT_2FA_NAME"), env("MWKIT_2FA_PASSWORD"), NULL,
                                  (const char[]){'9', '8', (char)0xff, '7', '\0'}) == MW_ERR_INVALID_UTF8 &&
            mw_last_error_text(text, sizeof text, &n) == MW_OK && strcmp(text, "otp is not valid UTF-8") == 0);
  mw_client_free(client);
}

/* A code that holds the canary: the wiki refuses it, and no last-call
 * detail shows it. The details are printed: tests/c/run searches all the
 * output for the canary. */
static void test_a_code_holding_the_canary(void) {
  char ua[256];
  char planted[128];
  char code[128];
  char text[2048];
  char kind[64];
  size_t n = 0;
  const char *canary = getenv("MWKIT_CANARY");
  mw_client *client;
  if (canary == NULL || canary[0] == '\0') {
    printf("SKIP test_a_code_holding_the_canary: no MWKIT_CANARY\n");
    return;
  }
  client = new_client("canary", ua, sizeof ua);
  snprintf(planted, sizeof planted, "%s %d", canary, rand());
  CHECK("a code holding the canary gives MW_ERR_SECOND_FACTOR_FAILED",
        mw_client_clientlogin_otp(client, env("MWKIT_2FA_NAME"), env("MWKIT_2FA_PASSWORD"), NULL, planted) ==
            MW_ERR_SECOND_FACTOR_FAILED);
  CHECK("the last error code, text and kind are readable",
        mw_last_error_code(code, sizeof code, &n) == MW_OK && mw_last_error_text(text, sizeof text, &n) == MW_OK &&
            mw_last_error_kind(kind, sizeof kind, &n) == MW_OK);
  printf("after a code holding the canary: code %s, kind %s, text %s\n", code, kind, text);
  CHECK("none of them holds the canary",
        strstr(code, canary) == NULL && strstr(text, canary) == NULL && strstr(kind, canary) == NULL);
  mw_client_free(client);
}

/* The next clientlogin continuation from `ua` finds its session deleted on
 * the server (`testwiki lose-session`). */
static void lose_session(const char *ua) {
  char cmd[4096];
  snprintf(cmd, sizeof cmd, "'%s' lose-session '%s' 1", env("MWKIT_TESTWIKI"), ua);
  if (system(cmd) != 0) {
    fprintf(stderr, "test_two_factor: `testwiki lose-session` failed\n");
    exit(2);
  }
}

static void test_session_lost_before_the_code_is_checked(void) {
  char ua[256];
  char code[7];
  char kind[64];
  char name[128] = "x";
  size_t n = 0;
  mw_client *client;
  mw_result r;
  const char *hook = getenv("MWKIT_LOSE_SESSION");

  if (hook == NULL || strcmp(hook, "1") != 0) {
    printf("SKIP test_session_lost_before_the_code_is_checked: the wiki was made without the lose-session hook\n");
    return;
  }
  client = new_client("lost", ua, sizeof ua);
  lose_session(ua);
  totp("", code);
  r = mw_client_clientlogin_otp(client, env("MWKIT_2FA_NAME"), env("MWKIT_2FA_PASSWORD"), NULL, code);
  CHECK("a session lost before the code is checked gives MW_ERR_LOGIN_FAILED", r == MW_ERR_LOGIN_FAILED);
  CHECK("its kind is login_session_lost",
        mw_last_error_kind(kind, sizeof kind, &n) == MW_OK && strcmp(kind, "login_session_lost") == 0 &&
            n == strlen("login_session_lost"));
  CHECK("the last error code is the wiki's (badtoken), the text holds neither code nor password",
        last_is_wikis("badtoken", code) && last_is_wikis("badtoken", env("MWKIT_2FA_PASSWORD")));
  CHECK("nothing after the lost continuation: two POSTs", access_count(ua, "\"POST ") == 2);
  CHECK("the client is not logged in", whoami(client, name, sizeof name) && name[0] == '\0');
  CHECK("after a success the kind is empty",
        mw_last_error_kind(kind, sizeof kind, &n) == MW_OK && n == 0 && kind[0] == '\0');

  totp("", code);
  CHECK("then a new code on the same client logs in",
        mw_client_clientlogin_otp(client, env("MWKIT_2FA_NAME"), env("MWKIT_2FA_PASSWORD"), NULL, code) == MW_OK);
  CHECK("as that user", whoami(client, name, sizeof name) && strcmp(name, env("MWKIT_2FA_NAME")) == 0);
  mw_client_free(client);
}

static void test_never_asked(void) {
  char ua[256];
  char name[128];
  mw_client *client = new_client("bot", ua, sizeof ua);

  CHECK("the two-factor account's bot password logs in without a code",
        mw_client_login(client, env("MWKIT_2FA_BOT_NAME"), env("MWKIT_2FA_BOT_PASSWORD")) == MW_OK);
  CHECK("as that user", whoami(client, name, sizeof name) && strcmp(name, env("MWKIT_2FA_NAME")) == 0);
  mw_client_free(client);

  client = new_client("plain", ua, sizeof ua);
  CHECK("a main account without two-factor logs in with a code given",
        mw_client_clientlogin_otp(client, env("MWKIT_SENDER_NAME"), env("MWKIT_SENDER_PASSWORD"), NULL, "123456") ==
            MW_OK);
  CHECK("in one clientlogin POST: the code was never sent", access_count(ua, "\"POST ") == 1);
  CHECK("as that user", whoami(client, name, sizeof name) && strcmp(name, env("MWKIT_SENDER_NAME")) == 0);
  mw_client_free(client);
}

int main(void) {
  const char *account = getenv("MWKIT_2FA_NAME");
  srand((unsigned)time(NULL) ^ (unsigned)getpid());
  if (account == NULL || account[0] == '\0') {
    printf("SKIP test_two_factor: wiki.json has no two_factor_c account (two-factor tests need a MediaWiki 1.43 wiki made with OATHAuth)\n");
    return summary();
  }
  printf("libmw %s\n", mw_version());
  test_no_code_is_required();
  test_wrong_code_then_right_code();
  test_a_code_holding_the_canary();
  test_session_lost_before_the_code_is_checked();
  test_right_code_then_email_and_options();
  test_never_asked();
  return summary();
}
