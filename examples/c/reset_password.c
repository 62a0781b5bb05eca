/*
 * Start a password reset with libmw: the API:Resetpassword flow.
 *
 * The documentation's steps are (1) fetch a csrf token and (2) POST
 * action=resetpassword. Logged out the token is the anonymous "+\", which
 * libmw uses without a request. The wiki answers success even when it sends
 * no mail (an unknown user, a throttled reset).
 *
 * Environment: MWKIT_API_URL, MWKIT_RESET_USER.
 */
#include <stdio.h>
#include <stdlib.h>

#include "mw.h"

int main(void) {
  const char *url = getenv("MWKIT_API_URL");
  const char *user = getenv("MWKIT_RESET_USER");
  mw_client_builder *builder = NULL;
  mw_client *client = NULL;
  char text[512];
  size_t n = 0;
  mw_result r;
  if (url == NULL || user == NULL) {
    fprintf(stderr, "set MWKIT_API_URL and MWKIT_RESET_USER\n");
    return 2;
  }
  /* A client with settings of its own: a 20 s read timeout, at most two
   * waits when the wiki asks (maxlag, readonly); the rest are the defaults. */
  r = mw_client_builder_new(url, "mwkit-examples/1.0 (examples@example.invalid)", &builder);
  if (r == MW_OK) {
    r = mw_client_builder_set_read_timeout_ms(builder, 20000);
  }
  if (r == MW_OK) {
    r = mw_client_builder_set_retries(builder, 2);
  }
  if (r == MW_OK) {
    r = mw_client_builder_build(builder, &client); /* a bad URL is refused here */
  }
  mw_client_builder_free(builder);
  if (r == MW_OK) {
    r = mw_client_reset_password(client, user, NULL); /* steps 1-2; NULL: no email given */
  }
  if (r != MW_OK) {
    if (mw_last_error_text(text, sizeof text, &n) != MW_OK) {
      text[0] = '\0';
    }
    fprintf(stderr, "reset refused: %s: %s\n", mw_result_name(r), text);
  } else {
    printf("password reset requested for %s\n", user);
  }
  mw_client_free(client);
  return r == MW_OK ? 0 : 1;
}
