/*
 * Quickstart: log in with a bot password, email a user, set a preference.
 *
 * MWKIT_API_URL, MWKIT_BOT_NAME (NAME@APPID), MWKIT_BOT_PASSWORD,
 * MWKIT_TARGET (the user to email).
 * Build: cc quickstart.c $(pkg-config --cflags --libs mw)
 */
#include <stdio.h>
#include <stdlib.h>

#include "mw.h"

int main(void) {
  mw_client *client = NULL;
  mw_result r = mw_client_new(getenv("MWKIT_API_URL"), "MyTool/1.0 (me@example.org)", &client);
  if (r == MW_OK) r = mw_client_login(client, getenv("MWKIT_BOT_NAME"), getenv("MWKIT_BOT_PASSWORD"));
  if (r == MW_OK) r = mw_client_email_user(client, getenv("MWKIT_TARGET"), "Hello", "How are you?", false);
  const char *names[] = {"gender"}, *values[] = {"female"};
  if (r == MW_OK) r = mw_client_set_options(client, names, values, 1);
  if (r != MW_OK) {
    char text[512] = "";
    size_t n = 0;
    mw_last_error_text(text, sizeof text, &n); /* MediaWiki's own words, or why it was refused */
    fprintf(stderr, "%s: %s\n", mw_result_name(r), text); /* e.g. MW_ERR_API_NO_EMAIL */
  }
  mw_client_free(client);
  return r == MW_OK ? 0 : 1;
}
