/*
 * libmw against the real test wiki: an email delivered (found in the sink),
 * options set and read back, an API error's code and text, NULL arguments,
 * invalid UTF-8 and a too-small buffer giving their codes, and no crash; a
 * refusal after a failed call replacing its details (no stale text).
 * Against a loopback stand-in (tests/c/standin.py), what the wiki cannot be
 * made to answer: a 503 with Retry-After to an email (outcome unknown, the
 * server's Retry-After readable, never sent again) and an options change of
 * 120 options failing on its second request (the names applied, in doubt
 * and not applied readable).
 *
 * Every email refusal (no such target, no address, no email from users, a
 * sitewide block, an email-only block, logged out) gives its one result on
 * MediaWiki 1.39 and 1.43 alike, the wiki's own code readable, and sends
 * nothing; a partial block that spares email sends the mail.
 *
 * Run by tests/c/run, which exports the wiki's details from wiki.json:
 * MWKIT_API_URL, MWKIT_BOT_NAME, MWKIT_BOT_PASSWORD, MWKIT_TARGET,
 * MWKIT_NO_ADDRESS, MWKIT_NO_MAIL, MWKIT_RESET_USER, MWKIT_RESET_EMAIL,
 * MWKIT_MAIL_DIR, MWKIT_{BLOCKED,EMAIL_BLOCKED,PARTIAL_BLOCKED}_BOT_NAME and
 * _BOT_PASSWORD, and the stand-in's: MWKIT_STANDIN_URL, MWKIT_STANDIN_LOG.
 * Prints a line per check and `c-tests: N passed, N failed`.
 */
#define _POSIX_C_SOURCE 200809L

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "check.h"
#include "mw.h"

#define TEST_NAME "test_live"
#define TEST_UA "mwkit-c-tests-live/0"
#include "wiki.h"

static void test_null_and_bad_arguments(void) {
  mw_client *client = NULL;
  char buf[64];
  size_t n = 0;
  const char bad_utf8[] = {'a', (char)0xff, 'b', '\0'};
  const char *names[] = {"x"};
  mw_emailability answers[1];

  CHECK("mw_client_new with a NULL url gives MW_ERR_NULL_PARAMETER",
        mw_client_new(NULL, "ua", &client) == MW_ERR_NULL_PARAMETER && client == NULL);
  CHECK("mw_client_new with a NULL out gives MW_ERR_NULL_PARAMETER",
        mw_client_new(env("MWKIT_API_URL"), "ua", NULL) == MW_ERR_NULL_PARAMETER);
  CHECK("mw_client_new with invalid UTF-8 gives MW_ERR_INVALID_UTF8",
        mw_client_new(env("MWKIT_API_URL"), bad_utf8, &client) == MW_ERR_INVALID_UTF8 && client == NULL);
  CHECK("an empty user agent is invalid input",
        mw_client_new(env("MWKIT_API_URL"), "", &client) == MW_ERR_INVALID_INPUT && client == NULL);
  CHECK("a NULL client gives MW_ERR_NULL_PARAMETER",
        mw_client_login(NULL, "a", "b") == MW_ERR_NULL_PARAMETER &&
            mw_client_email_user(NULL, "a", "b", "c", false) == MW_ERR_NULL_PARAMETER &&
            mw_client_logout(NULL) == MW_ERR_NULL_PARAMETER &&
            mw_last_error_text(buf, sizeof buf, &n) == MW_OK && strcmp(buf, "client is NULL") == 0 &&
            mw_last_warning_count() == 0);
  CHECK("a NULL out_n gives MW_ERR_NULL_PARAMETER",
        mw_last_error_text(buf, sizeof buf, NULL) == MW_ERR_NULL_PARAMETER);
  mw_client_free(NULL);
  mw_options_free(NULL);
  mw_string_free(NULL);
  CHECK("the free functions accept NULL", 1);

  client = new_client("bad-arguments", NULL, 0);
  CHECK("a NULL text gives MW_ERR_NULL_PARAMETER",
        mw_client_email_user(client, "a", "b", NULL, false) == MW_ERR_NULL_PARAMETER);
  CHECK("an invalid UTF-8 subject gives MW_ERR_INVALID_UTF8",
        mw_client_email_user(client, "a", bad_utf8, "c", false) == MW_ERR_INVALID_UTF8);
  CHECK("a NULL names array with a count gives MW_ERR_NULL_PARAMETER",
        mw_client_emailable(client, NULL, 1, answers) == MW_ERR_NULL_PARAMETER);
  CHECK("a NULL answers array gives MW_ERR_NULL_PARAMETER",
        mw_client_emailable(client, names, 1, NULL) == MW_ERR_NULL_PARAMETER);
  CHECK("a reset with neither user nor email is invalid input",
        mw_client_reset_password(client, NULL, NULL) == MW_ERR_INVALID_INPUT);
  CHECK("an empty target is invalid input", mw_client_email_user(client, "", "s", "t", false) == MW_ERR_INVALID_INPUT);
  CHECK("mw_result_name names codes",
        strcmp(mw_result_name(MW_ERR_API_NO_EMAIL), "MW_ERR_API_NO_EMAIL") == 0 &&
            strcmp(mw_result_name(12345), "MW_ERR_UNKNOWN") == 0);
  mw_client_free(client);
}

static void test_email_and_errors(void) {
  mw_client *client = new_client("email", NULL, 0);
  char subject[128];
  char needle[160];
  char code[64];
  char text[512];
  char tiny[4];
  size_t n = 0;
  mw_result r;

  snprintf(subject, sizeof subject, "mwkit c test %ld-%d", (long)time(NULL), rand());
  CHECK("a bot password logs in", mw_client_login(client, env("MWKIT_BOT_NAME"), env("MWKIT_BOT_PASSWORD")) == MW_OK);
  r = mw_client_email_user(client, env("MWKIT_TARGET"), subject, "Hello from C.\nLine two | = & + %", false);
  CHECK("mw_client_email_user succeeds", r == MW_OK);
  snprintf(needle, sizeof needle, "\"subject\": \"%s\"", subject);
  CHECK("exactly one mail arrives in the sink", count_mails(needle, 1) == 1);

  r = mw_client_email_user(client, env("MWKIT_NO_ADDRESS"), subject, "no address", false);
  CHECK("a target without an address gives MW_ERR_API_NO_EMAIL", r == MW_ERR_API_NO_EMAIL);
  /* The wiki's own code: noemail on 1.39, noemailtext on 1.43. */
  CHECK("the last error code is readable",
        mw_last_error_code(code, sizeof code, &n) == MW_OK && strncmp(code, "noemail", 7) == 0 &&
            n == strlen(code));
  CHECK("the last error text is MediaWiki's own",
        mw_last_error_text(text, sizeof text, &n) == MW_OK && strstr(text, "email address") != NULL);
  n = 0;
  CHECK("a too-small buffer gives MW_ERR_BUFFER_TOO_SMALL and the size needed",
        mw_last_error_code(tiny, sizeof tiny, &n) == MW_ERR_BUFFER_TOO_SMALL && n == strlen(code) + 1);
  CHECK("reading the details does not erase them",
        mw_last_error_text(text, sizeof text, &n) == MW_OK && strstr(text, "email address") != NULL);

  /* A refusal after the failed API call replaces its details: no stale text. */
  CHECK("a NULL text after the API error gives MW_ERR_NULL_PARAMETER",
        mw_client_email_user(client, env("MWKIT_NO_ADDRESS"), subject, NULL, false) == MW_ERR_NULL_PARAMETER);
  CHECK("then the last error text names the NULL argument, not the API error",
        mw_last_error_text(text, sizeof text, &n) == MW_OK && strcmp(text, "text is NULL") == 0);
  CHECK("and the last error code is empty",
        mw_last_error_code(code, sizeof code, &n) == MW_OK && n == 0 && code[0] == '\0');
  CHECK("an invalid UTF-8 subject replaces it in turn",
        mw_client_email_user(client, "a", (const char[]){'a', (char)0xff, '\0'}, "t", false) == MW_ERR_INVALID_UTF8 &&
            mw_last_error_text(text, sizeof text, &n) == MW_OK && strcmp(text, "subject is not valid UTF-8") == 0);
  CHECK("a success empties the details",
        mw_client_emailable(client, (const char *[]){env("MWKIT_TARGET")}, 1, (mw_emailability[1]){0}) == MW_OK &&
            mw_last_error_text(text, sizeof text, &n) == MW_OK && n == 0);
  CHECK("the refused email did not arrive", count_mails(needle, 2) == 1);
  mw_client_free(client);
}

/* Logs `client` in as the bot password in the environment variables
 * `name_var` and `password_var`; NULL names leave it logged out. */
static int login_as(mw_client *client, const char *name_var, const char *password_var) {
  return name_var == NULL || mw_client_login(client, env(name_var), env(password_var)) == MW_OK;
}

/* Every way an email is refused has one result on 1.39 and 1.43, though the
 * two spell most of the wiki's codes differently; the wiki's own code is
 * the last error code. Nothing arrives. A partial block that does not cover
 * email sends the mail. */
static void test_email_refusals(void) {
  static const struct {
    const char *what;
    const char *sender_name; /* env vars of the sender's bot password; NULL: logged out */
    const char *sender_password;
    const char *target; /* env var of the target's name; NULL: no such user */
    mw_result want;
  } cases[] = {
      {"a target that does not exist", "MWKIT_BOT_NAME", "MWKIT_BOT_PASSWORD", NULL, MW_ERR_API_NO_TARGET},
      {"a target without an address", "MWKIT_BOT_NAME", "MWKIT_BOT_PASSWORD", "MWKIT_NO_ADDRESS",
       MW_ERR_API_NO_EMAIL},
      {"a target refusing email from users", "MWKIT_BOT_NAME", "MWKIT_BOT_PASSWORD", "MWKIT_NO_MAIL",
       MW_ERR_API_NO_WIKI_EMAIL},
      {"a sender blocked sitewide", "MWKIT_BLOCKED_BOT_NAME", "MWKIT_BLOCKED_BOT_PASSWORD", "MWKIT_TARGET",
       MW_ERR_API_BLOCKED},
      /* 1.39 says blockedemailuser and 1.43 blocked, as for the sitewide
       * block: the library tells them apart by the block's details. */
      {"a sender blocked from email only", "MWKIT_EMAIL_BLOCKED_BOT_NAME", "MWKIT_EMAIL_BLOCKED_BOT_PASSWORD",
       "MWKIT_TARGET", MW_ERR_API_BLOCKED_FROM_EMAIL},
      {"a logged-out client", NULL, NULL, "MWKIT_TARGET", MW_ERR_API_CANT_SEND},
  };
  char subject[160];
  char needle[200];
  char target[128];
  char code[64];
  char text[2048];
  char name[256];
  size_t n = 0;
  size_t i;
  mw_result r;
  mw_client *client;

  for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    client = new_client("refused", NULL, 0);
    snprintf(subject, sizeof subject, "mwkit c refused %zu %ld-%d", i, (long)time(NULL), rand());
    snprintf(needle, sizeof needle, "\"subject\": \"%s\"", subject);
    if (cases[i].target != NULL) {
      snprintf(target, sizeof target, "%s", env(cases[i].target));
    } else {
      snprintf(target, sizeof target, "Mwkit C no such user %ld-%d", (long)time(NULL), rand());
    }
    snprintf(name, sizeof name, "%s: the sender logs in", cases[i].what);
    CHECK(name, login_as(client, cases[i].sender_name, cases[i].sender_password));
    r = mw_client_email_user(client, target, subject, "must not arrive", false);
    snprintf(name, sizeof name, "%s gives %s (got %s)", cases[i].what, mw_result_name(cases[i].want),
             mw_result_name(r));
    CHECK(name, r == cases[i].want);
    code[0] = '\0';
    n = 0;
    snprintf(name, sizeof name, "%s: the last error code is the wiki's own, non-empty", cases[i].what);
    CHECK(name, mw_last_error_code(code, sizeof code, &n) == MW_OK && n > 0 && n == strlen(code));
    printf("     wiki code: %s\n", code);
    snprintf(name, sizeof name, "%s: the last error text is the wiki's, non-empty", cases[i].what);
    CHECK(name, mw_last_error_text(text, sizeof text, &n) == MW_OK && n > 0);
    snprintf(name, sizeof name, "%s: no mail arrives", cases[i].what);
    CHECK(name, count_mails(needle, 0) == 0);
    mw_client_free(client);
  }

  /* Blocked from the Talk namespace only: email is not part of the block. */
  client = new_client("partial-block", NULL, 0);
  snprintf(subject, sizeof subject, "mwkit c partial block %ld-%d", (long)time(NULL), rand());
  snprintf(needle, sizeof needle, "\"subject\": \"%s\"", subject);
  CHECK("a sender blocked from Talk only logs in",
        login_as(client, "MWKIT_PARTIAL_BLOCKED_BOT_NAME", "MWKIT_PARTIAL_BLOCKED_BOT_PASSWORD"));
  CHECK("a partial block that spares email sends the mail",
        mw_client_email_user(client, env("MWKIT_TARGET"), subject, "a partial block spares email", false) == MW_OK);
  CHECK("and exactly one mail arrives", count_mails(needle, 1) == 1);
  mw_client_free(client);
}

static void test_options(void) {
  mw_client *client = new_client("options", NULL, 0);
  mw_options *options = NULL;
  char value[256];
  char name[256];
  char warning_option[128];
  size_t n = 0;
  size_t m = 0;
  size_t i;
  size_t count;
  int saw_rejected = 0;
  const char *names[] = {"userjs-mwkit-c", "gender", "mwkit-c-no-such-option"};
  const char *values[] = {"c|value=1 & more", "female", "1"};
  const char *reset_names[] = {"gender"};
  const char *reset_values[] = {NULL};

  mw_client_login(client, env("MWKIT_BOT_NAME"), env("MWKIT_BOT_PASSWORD"));
  CHECK("mw_client_set_options succeeds", mw_client_set_options(client, names, values, 3) == MW_OK);
  count = mw_last_warning_count();
  for (i = 0; i < count; i++) {
    if (mw_last_warning(i, MW_WARNING_OPTION, name, sizeof name, &n) == MW_OK &&
        strcmp(name, "mwkit-c-no-such-option") == 0 &&
        mw_last_warning(i, MW_WARNING_CODE, warning_option, sizeof warning_option, &m) == MW_OK &&
        strcmp(warning_option, "validationfailed") == 0) {
      saw_rejected = 1;
    }
  }
  CHECK("the dropped option comes back as a warning naming it", saw_rejected);
  CHECK("an unknown warning part is invalid input",
        count == 0 || mw_last_warning(0, 99, name, sizeof name, &n) == MW_ERR_INVALID_INPUT);
  CHECK("a warning index out of range is MW_ERR_NOT_FOUND",
        mw_last_warning(count, MW_WARNING_TEXT, name, sizeof name, &n) == MW_ERR_NOT_FOUND);

  CHECK("mw_client_get_options succeeds", mw_client_get_options(client, &options) == MW_OK && options != NULL);
  CHECK("the value holding | = & reads back",
        mw_options_find(options, "userjs-mwkit-c", value, sizeof value, &n) == MW_OK &&
            strcmp(value, "c|value=1 & more") == 0);
  CHECK("gender reads back", mw_options_find(options, "gender", value, sizeof value, &n) == MW_OK &&
                                 strcmp(value, "female") == 0);
  CHECK("an option the user lacks is MW_ERR_NOT_FOUND",
        mw_options_find(options, "mwkit-c-no-such-option", value, sizeof value, &n) == MW_ERR_NOT_FOUND);
  count = mw_options_len(options);
  CHECK("options can be iterated", count > 10 && mw_options_get(options, 0, name, sizeof name, &n, value,
                                                                sizeof value, &m) == MW_OK);
  CHECK("iterating past the end is MW_ERR_NOT_FOUND",
        mw_options_get(options, count, name, sizeof name, &n, value, sizeof value, &m) == MW_ERR_NOT_FOUND);
  mw_options_free(options);

  CHECK("a NULL value resets an option", mw_client_set_options(client, reset_names, reset_values, 1) == MW_OK);
  options = NULL;
  mw_client_get_options(client, &options);
  CHECK("the reset option is back at its default",
        mw_options_find(options, "gender", value, sizeof value, &n) == MW_OK && strcmp(value, "unknown") == 0);
  mw_options_free(options);

  values[1] = "male";
  mw_client_set_options(client, names, values, 2);
  CHECK("mw_client_reset_options resets a kind",
        mw_client_reset_options(client, (const char *[]){"registered"}, 1) == MW_OK);
  options = NULL;
  mw_client_get_options(client, &options);
  CHECK("the registered option is back at its default, the userjs one is kept",
        mw_options_find(options, "gender", value, sizeof value, &n) == MW_OK && strcmp(value, "unknown") == 0 &&
            mw_options_find(options, "userjs-mwkit-c", value, sizeof value, &n) == MW_OK);
  mw_options_free(options);
  mw_client_free(client);
}

static void test_emailable_reset_and_request(void) {
  mw_client *client = new_client("emailable", NULL, 0);
  const char *names[] = {env("MWKIT_TARGET"), env("MWKIT_NO_ADDRESS"), "Mwkit C no such user"};
  mw_emailability answers[3] = {99, 99, 99};
  const char *keys[] = {"action", "meta"};
  const char *values[] = {"query", "siteinfo"};
  char *json = NULL;
  char needle[256];
  size_t n = 0;
  int before;

  CHECK("mw_client_emailable answers every name",
        mw_client_emailable(client, names, 3, answers) == MW_OK && answers[0] == MW_EMAILABLE &&
            answers[1] == MW_NOT_EMAILABLE && answers[2] == MW_MISSING);
  {
    /* Names as people write them: a prefix, a direction mark (U+200E), the
       decomposed (NFD) spelling of the test wiki's "Ärger Ünïcode", and
       another namespace's prefix (invalid). */
    char prefixed[256], marked[256], talk[256];
    snprintf(prefixed, sizeof prefixed, "user : %s", env("MWKIT_TARGET"));
    snprintf(marked, sizeof marked, "\xE2\x80\x8E%s", env("MWKIT_TARGET"));
    snprintf(talk, sizeof talk, "Talk:%s", env("MWKIT_TARGET"));
    const char *spellings[] = {prefixed, marked, "A\xCC\x88" "rger U\xCC\x88" "ni\xCC\x88" "code", talk};
    mw_emailability states[4] = {99, 99, 99, 99};
    CHECK("mw_client_emailable answers each spelling as the wiki does",
          mw_client_emailable(client, spellings, 4, states) == MW_OK && states[0] == MW_EMAILABLE &&
              states[1] == MW_EMAILABLE && states[2] == MW_EMAILABLE && states[3] == MW_INVALID);
  }
  snprintf(needle, sizeof needle, "\"%s\"", env("MWKIT_RESET_EMAIL"));
  before = count_mails(needle, 0);
  CHECK("a logged-out password reset succeeds", mw_client_reset_password(client, env("MWKIT_RESET_USER"), NULL) == MW_OK);
  CHECK("the reset mail arrives", count_mails(needle, before + 1) == before + 1);
  CHECK("mw_client_request returns the JSON answer",
        mw_client_request(client, keys, values, 2, false, false, &json) == MW_OK && json != NULL &&
            strstr(json, "\"sitename\"") != NULL);
  mw_string_free(json);
  json = NULL;
  CHECK("mw_client_request refuses a reserved parameter",
        mw_client_request(client, (const char *[]){"action", "format"}, (const char *[]){"query", "xml"}, 2, false,
                          false, &json) == MW_ERR_INVALID_INPUT &&
            json == NULL);
  CHECK("a wrong bot password gives MW_ERR_LOGIN_FAILED",
        mw_client_login(client, env("MWKIT_BOT_NAME"), "wrong-S3CRET-password") == MW_ERR_LOGIN_FAILED);
  CHECK("the login error's code and text are the server's, without the password",
        mw_last_error_code(needle, sizeof needle, &n) == MW_OK && strcmp(needle, "wrongpassword") == 0 &&
            mw_last_error_text(needle, sizeof needle, &n) == MW_OK &&
            strstr(needle, "Incorrect") != NULL && strstr(needle, "S3CRET") == NULL);
  mw_client_free(client);
}

/* A client of the stand-in's scenario `scenario`, for this process only:
 * `path` receives its path (the first column of the stand-in's log). */
static mw_client *standin_client(const char *scenario, char *path, size_t path_len) {
  char url[512];
  mw_client *client = NULL;
  snprintf(path, path_len, "/%s-%ld/api.php", scenario, (long)getpid());
  snprintf(url, sizeof url, "%s%s", env("MWKIT_STANDIN_URL"), path);
  if (mw_client_new(url, "mwkit-c-tests/0 (tests@mwkit.test)", &client) != MW_OK) {
    fprintf(stderr, "test_live: mw_client_new for the stand-in failed\n");
    exit(2);
  }
  return client;
}

/* How many requests to `path` the stand-in logged that begin with `what`
 * ("POST emailuser", "POST options 50", "" for all). */
static int standin_count(const char *path, const char *what) {
  FILE *f = fopen(env("MWKIT_STANDIN_LOG"), "r");
  char line[1024];
  size_t path_len = strlen(path);
  int count = 0;
  if (f == NULL) {
    return -1;
  }
  while (fgets(line, sizeof line, f) != NULL) {
    if (strncmp(line, path, path_len) == 0 && line[path_len] == ' ' &&
        strncmp(line + path_len + 1, what, strlen(what)) == 0) {
      count++;
    }
  }
  fclose(f);
  return count;
}

/* A last-call name list read the documented way: ask for the size with an
 * empty buffer, then read it. NULL when that fails. Free with free(). */
static char *read_names(mw_result (*get)(char *, size_t, size_t *)) {
  size_t needed = 0;
  size_t n = 0;
  char *buf;
  if (get(NULL, 0, &needed) != MW_ERR_BUFFER_TOO_SMALL || needed == 0) {
    return NULL;
  }
  buf = malloc(needed);
  if (buf == NULL) {
    return NULL;
  }
  if (get(buf, needed, &n) != MW_OK || n + 1 != needed || strlen(buf) != n) {
    free(buf);
    return NULL;
  }
  return buf;
}

/* Names `prefix`NNN for NNN in [from, to), joined by '\n', into `buf`. */
static void joined_names(char *buf, size_t len, const char *prefix, int from, int to) {
  size_t used = 0;
  int i;
  buf[0] = '\0';
  for (i = from; i < to && used < len; i++) {
    used += (size_t)snprintf(buf + used, len - used, "%s%s%03d", i == from ? "" : "\n", prefix, i);
  }
}

static void test_standin_email_503(void) {
  char path[128];
  char text[512];
  char buf[8];
  size_t n = 0;
  uint64_t seconds = 0;
  mw_client *client = standin_client("email", path, sizeof path);
  mw_result r = mw_client_email_user(client, "Bob", "subject", "text", false);

  CHECK("a 503 with Retry-After to an email gives MW_ERR_OUTCOME_UNKNOWN", r == MW_ERR_OUTCOME_UNKNOWN);
  CHECK("mw_last_retry_after gives the server's 7 seconds",
        mw_last_retry_after(&seconds) == MW_OK && seconds == 7);
  CHECK("the email was POSTed exactly once: a 503 is never sent again",
        standin_count(path, "POST emailuser ") == 1 && standin_count(path, "") == 2);
  CHECK("the last error text says the outcome is unknown and why",
        mw_last_error_text(text, sizeof text, &n) == MW_OK && strstr(text, "outcome unknown") != NULL &&
            strstr(text, "503") != NULL);
  CHECK("mw_last_retry_after checks its pointers",
        mw_last_retry_after(NULL) == MW_ERR_NULL_PARAMETER);
  n = 99;
  CHECK("the partial-change names are empty after an email",
        mw_last_options_applied(buf, sizeof buf, &n) == MW_OK && n == 0 && buf[0] == '\0');

  /* The next call, refused before sending, carries no Retry-After. */
  seconds = 12345;
  CHECK("an empty target is invalid input", mw_client_email_user(client, "", "s", "t", false) == MW_ERR_INVALID_INPUT);
  CHECK("then mw_last_retry_after is MW_ERR_NOT_FOUND and writes nothing",
        mw_last_retry_after(&seconds) == MW_ERR_NOT_FOUND && seconds == 12345);
  CHECK("and nothing more reached the stand-in", standin_count(path, "") == 2);
  mw_client_free(client);
}

static void test_standin_options_partway(void) {
  enum { COUNT = 120 };
  static char storage[COUNT][32];
  const char *names[COUNT];
  const char *values[COUNT];
  static char want[COUNT * 32];
  char path[128];
  char tiny[4] = {'x', 'x', 'x', 'x'};
  size_t n = 0;
  uint64_t seconds = 0;
  char *got;
  int i;
  mw_result r;
  mw_client *client = standin_client("options", path, sizeof path);

  for (i = 0; i < COUNT; i++) {
    snprintf(storage[i], sizeof storage[i], "userjs-mwkit-c-%03d", i);
    names[i] = storage[i];
    values[i] = "1";
  }
  r = mw_client_set_options(client, names, values, COUNT);
  CHECK("an options change failing with 502 on its second request gives MW_ERR_OUTCOME_UNKNOWN",
        r == MW_ERR_OUTCOME_UNKNOWN);
  CHECK("it went in two POSTs of 50; the last 20 were never sent",
        standin_count(path, "POST options 50") == 2 && standin_count(path, "POST options") == 2);

  joined_names(want, sizeof want, "userjs-mwkit-c-", 0, 50);
  got = read_names(mw_last_options_applied);
  CHECK("mw_last_options_applied names the first 50", got != NULL && strcmp(got, want) == 0);
  free(got);
  joined_names(want, sizeof want, "userjs-mwkit-c-", 50, 100);
  got = read_names(mw_last_options_unknown);
  CHECK("mw_last_options_unknown names the 50 in doubt", got != NULL && strcmp(got, want) == 0);
  free(got);
  joined_names(want, sizeof want, "userjs-mwkit-c-", 100, 120);
  got = read_names(mw_last_options_not_applied);
  CHECK("mw_last_options_not_applied names the last 20", got != NULL && strcmp(got, want) == 0);
  free(got);

  CHECK("a too-small buffer gives MW_ERR_BUFFER_TOO_SMALL, the size needed, and is untouched",
        mw_last_options_not_applied(tiny, sizeof tiny, &n) == MW_ERR_BUFFER_TOO_SMALL &&
            n == strlen(want) + 1 && tiny[0] == 'x' && tiny[3] == 'x');
  CHECK("the name getters check their pointers",
        mw_last_options_unknown(tiny, sizeof tiny, NULL) == MW_ERR_NULL_PARAMETER &&
            mw_last_options_not_applied(NULL, 8, &n) == MW_ERR_NULL_PARAMETER);
  CHECK("a 502 without Retry-After leaves mw_last_retry_after MW_ERR_NOT_FOUND",
        mw_last_retry_after(&seconds) == MW_ERR_NOT_FOUND);
  mw_client_free(client);
}

/* mw-core refuses a token asked for a GET (MediaWiki reads none from a query
 * string; it would be dropped, or leak into a URL) before anything is sent:
 * the stand-in, which logs every request, sees none. */
static void test_token_on_a_get(void) {
  char path[128];
  char text[512];
  size_t n = 0;
  const char *keys[] = {"action", "meta"};
  const char *values[] = {"query", "userinfo"};
  char *json = NULL;
  mw_client *client = standin_client("token", path, sizeof path);

  CHECK("mw_client_request with a token on a GET gives MW_ERR_INVALID_INPUT",
        mw_client_request(client, keys, values, 2, false, true, &json) == MW_ERR_INVALID_INPUT && json == NULL);
  CHECK("its text names the token and says it goes with a POST",
        mw_last_error_text(text, sizeof text, &n) == MW_OK && strstr(text, "token") != NULL &&
            strstr(text, "POST") != NULL);
  CHECK("nothing reached the stand-in", standin_count(path, "") == 0);
  /* Without the token, the same GET is sent (the stand-in has no answer
   * for it: a 500). */
  CHECK("the same GET without a token is sent, once",
        mw_client_request(client, keys, values, 2, false, false, &json) == MW_ERR_HTTP_STATUS && json == NULL &&
            standin_count(path, "GET query") == 1 && standin_count(path, "") == 1);
  mw_client_free(client);
}

int main(void) {
  srand((unsigned)time(NULL));
  printf("libmw %s\n", mw_version());
  test_null_and_bad_arguments();
  test_email_and_errors();
  test_email_refusals();
  test_options();
  test_emailable_reset_and_request();
  test_standin_email_503();
  test_standin_options_partway();
  test_token_on_a_get();
  return summary();
}
