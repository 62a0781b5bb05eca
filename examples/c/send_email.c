/*
 * Email a wiki user with libmw: the API:Emailuser flow.
 *
 * The documentation's four steps are (1) fetch a login token, (2) log in,
 * (3) fetch a csrf token, (4) POST action=emailuser. mw_client_login does
 * steps 1-3 (its last read confirms the session and brings the csrf token);
 * mw_client_email_user does step 4, and never sends the email twice.
 *
 * Environment: MWKIT_API_URL, MWKIT_BOT_NAME, MWKIT_BOT_PASSWORD,
 * MWKIT_TARGET. Build: cc send_email.c $(pkg-config --cflags --libs mw)
 */
#include <stdio.h>
#include <stdlib.h>

#include "mw.h"

static const char *need(const char *name) {
  const char *v = getenv(name);
  if (v == NULL) {
    fprintf(stderr, "set %s\n", name);
    exit(2);
  }
  return v;
}

/* The failure and its text: MediaWiki's own, or why the call was refused. */
static void report(mw_result r) {
  char text[1024];
  size_t n = 0;
  if (mw_last_error_text(text, sizeof text, &n) != MW_OK) {
    text[0] = '\0';
  }
  fprintf(stderr, "%s: %s\n", mw_result_name(r), text);
}

int main(void) {
  mw_client *client = NULL;
  mw_result r = mw_client_new(need("MWKIT_API_URL"), "mwkit-examples/1.0 (examples@example.invalid)", &client);
  if (r != MW_OK) {
    report(r); /* e.g. MW_ERR_INVALID_INPUT: the API URL is not http(s) */
    return 1;
  }
  r = mw_client_login(client, need("MWKIT_BOT_NAME"), need("MWKIT_BOT_PASSWORD")); /* steps 1-3 */
  if (r == MW_OK) {
    r = mw_client_email_user(client, need("MWKIT_TARGET"), "Hello from C | libmw", /* step 4 */
                             "Hello!\nThis email was sent by libmw's example.", false);
  }
  if (r == MW_ERR_OUTCOME_UNKNOWN) {
    /* A 5xx (503 with Retry-After included), a timeout, a dropped answer:
     * the mail may have gone out. The server's Retry-After, when it sent
     * one, says when to look, not that sending again is safe. */
    uint64_t seconds = 0;
    fprintf(stderr, "the email may have been sent: check before sending again\n");
    if (mw_last_retry_after(&seconds) == MW_OK) {
      fprintf(stderr, "the server asked to wait %llu s\n", (unsigned long long)seconds);
    }
  }
  if (r != MW_OK) {
    report(r);
  } else {
    printf("emailed %s\n", need("MWKIT_TARGET"));
  }
  mw_client_free(client);
  return r == MW_OK ? 0 : 1;
}
