/*
 * A C program as a user of the installed libmw builds it: against
 * PREFIX/include/mw.h and PREFIX/lib (pkg-config's mw.pc, or CMake's
 * find_package(mw) and mw::mw), never against the source tree.
 *
 *   app VERSION SUBJECT
 *
 * Checks that the library it loaded is version VERSION, logs in as the test
 * wiki's sender bot, finds the recipient emailable and the user without an
 * address not, reads the bot's preferences, and emails the recipient with
 * SUBJECT (tests/dist/run then finds that mail in the wiki's sink). The
 * wiki's details come from the environment, as for tests/c: MWKIT_API_URL,
 * MWKIT_BOT_NAME, MWKIT_BOT_PASSWORD, MWKIT_TARGET, MWKIT_NO_ADDRESS.
 * Prints one line per check; exits 1 if any failed.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mw.h>

static int failures;

static void check(int ok, const char *what) {
  printf("%s - %s\n", ok ? "ok" : "not ok", what);
  if (!ok) failures++;
}

static const char *need(const char *name) {
  const char *value = getenv(name);
  if (value == NULL || *value == '\0') {
    fprintf(stderr, "app: %s is not set\n", name);
    exit(2);
  }
  return value;
}

static void report(mw_result r, const char *call) {
  char text[512] = "";
  size_t n = 0;
  if (r == MW_OK) return;
  mw_last_error_text(text, sizeof text, &n);
  fprintf(stderr, "app: %s: %s: %s\n", call, mw_result_name(r), text);
}

int main(int argc, char **argv) {
  if (argc != 3) {
    fprintf(stderr, "usage: app VERSION SUBJECT\n");
    return 2;
  }
  check(strcmp(mw_version(), argv[1]) == 0, "mw_version() is the version installed");

  mw_client *client = NULL;
  mw_result r = mw_client_new(need("MWKIT_API_URL"), "mwkit-dist-test/1.0 (tests@mwkit.test)", &client);
  report(r, "mw_client_new");
  check(r == MW_OK && client != NULL, "a client is made");
  if (client == NULL) return 1;

  r = mw_client_login(client, need("MWKIT_BOT_NAME"), need("MWKIT_BOT_PASSWORD"));
  report(r, "mw_client_login");
  check(r == MW_OK, "the sender's bot logs in");

  const char *names[2] = {need("MWKIT_TARGET"), need("MWKIT_NO_ADDRESS")};
  mw_emailability can[2] = {MW_MISSING, MW_MISSING};
  r = mw_client_emailable(client, names, 2, can);
  report(r, "mw_client_emailable");
  check(r == MW_OK && can[0] == MW_EMAILABLE && can[1] == MW_NOT_EMAILABLE,
        "the recipient can be emailed, the user without an address cannot");

  mw_options *options = NULL;
  r = mw_client_get_options(client, &options);
  report(r, "mw_client_get_options");
  char language[64] = "";
  size_t n = 0;
  check(r == MW_OK && mw_options_len(options) > 0 &&
            mw_options_find(options, "language", language, sizeof language, &n) == MW_OK && n > 0,
        "the preferences are read, the interface language among them");
  mw_options_free(options);

  r = mw_client_email_user(client, names[0], argv[2], "Sent by tests/dist/app.c through the installed libmw.", false);
  report(r, "mw_client_email_user");
  check(r == MW_OK, "the email is sent");

  mw_client_free(client);
  return failures == 0 ? 0 : 1;
}
