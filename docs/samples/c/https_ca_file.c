/*
 * HTTPS with a private CA: trust the CA's certificate (PEM) for this client.
 *
 * Without a CA file, libmw trusts the system's store (SSL_CERT_FILE and
 * SSL_CERT_DIR honoured). There is no way to turn verification off.
 * MWKIT_HTTPS_API_URL, MWKIT_CA_FILE, MWKIT_BOT_NAME, MWKIT_BOT_PASSWORD.
 */
#include <stdio.h>
#include <stdlib.h>

#include "mw.h"

int main(void) {
  const char *api_url = getenv("MWKIT_HTTPS_API_URL"), *ua = "MyTool/1.0 (me@example.org)";
  char text[512] = "";
  size_t n = 0;

  /* Not trusted by the system: nothing is sent, and the last error text says why. */
  mw_client *plain = NULL;
  mw_result r = mw_client_new(api_url, ua, &plain);
  if (r == MW_OK) r = mw_client_login(plain, getenv("MWKIT_BOT_NAME"), getenv("MWKIT_BOT_PASSWORD"));
  mw_last_error_text(text, sizeof text, &n);
  printf("%s: %s\n", mw_result_name(r), text); /* MW_ERR_TLS: unknown issuer ... */
  mw_client_free(plain);
  if (r != MW_ERR_TLS) return 1;

  /* A missing or non-PEM file is MW_ERR_INVALID_INPUT from mw_client_builder_build. */
  mw_client_builder *builder = NULL;
  mw_client *client = NULL;
  r = mw_client_builder_new(api_url, ua, &builder);
  if (r == MW_OK) r = mw_client_builder_set_ca_file(builder, getenv("MWKIT_CA_FILE"));
  if (r == MW_OK) r = mw_client_builder_build(builder, &client);
  mw_client_builder_free(builder);
  if (r == MW_OK) r = mw_client_login(client, getenv("MWKIT_BOT_NAME"), getenv("MWKIT_BOT_PASSWORD"));
  if (r == MW_OK) r = mw_client_logout(client);
  if (r != MW_OK) {
    mw_last_error_text(text, sizeof text, &n);
    fprintf(stderr, "%s: %s\n", mw_result_name(r), text);
  }
  mw_client_free(client);
  return r == MW_OK ? 0 : 1;
}
