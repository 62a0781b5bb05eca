/*
 * Change preferences with libmw: the API:Options flow.
 *
 * The documentation's four steps are (1) fetch a login token, (2) log in,
 * (3) fetch a csrf token, (4) POST action=options with change=name=value|...
 * libmw sends any values, "|" or not, in as few requests as the wiki allows,
 * and names the options the wiki dropped: it answers "success" even then.
 * A change too large for one request that fails partway names what was
 * applied, what was not, and what is in doubt (MW_ERR_OUTCOME_UNKNOWN).
 *
 * Environment: MWKIT_API_URL, MWKIT_BOT_NAME, MWKIT_BOT_PASSWORD.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mw.h"

/* Prints one of the last call's name lists (one name a line), if any. */
static void print_names(const char *what, mw_result (*get)(char *, size_t, size_t *)) {
  size_t needed = 0;
  size_t n = 0;
  char *buf;
  if (get(NULL, 0, &needed) != MW_ERR_BUFFER_TOO_SMALL || needed <= 1) {
    return; /* none */
  }
  buf = malloc(needed);
  if (buf != NULL && get(buf, needed, &n) == MW_OK) {
    fprintf(stderr, "%s:\n%s\n", what, buf);
  }
  free(buf);
}

int main(void) {
  const char *names[] = {"gender", "userjs-mwkit-example-signature", "no-such-preference"};
  const char *values[] = {"female", "custom-signa|ture", "1"};
  mw_client *client = NULL;
  mw_options *options = NULL;
  char value[256];
  char name[256];
  size_t n = 0;
  size_t i;
  int ok = 0;
  mw_result r = mw_client_new(getenv("MWKIT_API_URL") ? getenv("MWKIT_API_URL") : "",
                              "mwkit-examples/1.0 (examples@example.invalid)", &client);
  if (r == MW_OK) {
    r = mw_client_login(client, getenv("MWKIT_BOT_NAME"), getenv("MWKIT_BOT_PASSWORD")); /* steps 1-3 */
  }
  if (r == MW_OK) {
    r = mw_client_set_options(client, names, values, 3); /* step 4 */
  }
  if (r == MW_OK) {
    for (i = 0; i < mw_last_warning_count(); i++) {
      if (mw_last_warning(i, MW_WARNING_OPTION, name, sizeof name, &n) == MW_OK && n > 0) {
        printf("dropped by the wiki: %s\n", name);
      }
    }
    r = mw_client_get_options(client, &options);
  }
  if (r == MW_OK && mw_options_find(options, "userjs-mwkit-example-signature", value, sizeof value, &n) == MW_OK) {
    printf("userjs-mwkit-example-signature = '%s'\n", value);
    ok = strcmp(value, "custom-signa|ture") == 0;
  }
  if (r != MW_OK) {
    fprintf(stderr, "failed: %s\n", mw_result_name(r));
    print_names("applied", mw_last_options_applied);
    print_names("not applied", mw_last_options_not_applied);
    print_names("in doubt: read them back before changing them again", mw_last_options_unknown);
  }
  mw_options_free(options);
  mw_client_free(client);
  return ok ? 0 : 1;
}
