/*
 * Act with an OAuth token instead of a password, then email a user.
 *
 * A wiki with Extension:OAuth lets an account's owner make an owner-only
 * consumer for their own tool (Special:OAuthConsumerRegistration, "This
 * consumer is for use only by" the owner, with the grants the tool needs):
 * it is approved at once, and the page shows its access token. That token
 * is the login: every request carries it, no password is ever sent, and
 * mw_client_logout forgets it. mw_client_login_oauth1 takes OAuth 1.0a
 * keys instead, and mw_client_login_oauth2_client a confidential client's
 * id and secret (its tokens fetched, and fetched again before they expire).
 *
 * Environment: MWKIT_API_URL, MWKIT_OAUTH2_TOKEN, MWKIT_TARGET.
 * Build: cc oauth_email.c $(pkg-config --cflags --libs mw)
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

int main(void) {
  mw_client *client = NULL;
  char text[1024];
  size_t n = 0;
  mw_result r = mw_client_new(need("MWKIT_API_URL"), "mwkit-examples/1.0 (examples@example.invalid)", &client);
  if (r == MW_OK) {
    r = mw_client_login_oauth2(client, need("MWKIT_OAUTH2_TOKEN")); /* one read: whose token is it? */
  }
  if (r == MW_OK) {
    r = mw_client_email_user(client, need("MWKIT_TARGET"), "Hello from C | libmw and OAuth",
                             "Hello!\nSent with an OAuth token.", false);
  }
  if (r != MW_OK) {
    /* MW_ERR_OAUTH_INVALID: garbage, expired, revoked, a disabled consumer.
     * The text is the wiki's own, never the token. */
    if (mw_last_error_text(text, sizeof text, &n) != MW_OK) {
      text[0] = '\0';
    }
    fprintf(stderr, "%s: %s\n", mw_result_name(r), text);
  } else {
    printf("emailed %s with an OAuth token\n", getenv("MWKIT_TARGET"));
  }
  mw_client_logout(client); /* forgets the token; sends nothing */
  mw_client_free(client);
  return r == MW_OK ? 0 : 1;
}
