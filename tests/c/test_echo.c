/*
 * libmw through an echoing stand-in (tests/echo_wiki.py, served by
 * tests/c/standin.py under /echo-FORM-N-RUN/): a server that repeats the
 * request it got, as a firewall's block page, a gateway or an API error
 * holding it whole, from its N-th request on. At every step of a bot
 * password login, a main-account login with a two-factor code, OAuth 2 (a
 * token and a confidential client) and OAuth 1.0a, each followed by an
 * email: the last error code and text and every warning part hold no
 * password, code, token, secret or cookie (each holds "S3CRET", the code
 * aside). Needs only the stand-in: MWKIT_STANDIN_URL.
 */
#define _POSIX_C_SOURCE 200809L

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "mw.h"

static const char *const BOT_PASSWORD = "bot S3CRET \"pw\" &<\xc3\xa4>%+/\\ 0rd!";
static const char *const MAIN_PASSWORD = "Main S3CRET Passw0rd! \xc3\x84\xc3\x96\xe2\x82\xac &amp; %21";
static const char *const CODE = "676055";

enum flow { BOT, MAIN, OAUTH2, OAUTH2_CLIENT, OAUTH1, FLOWS };
static const char *const FLOW_NAMES[FLOWS] = {"bot password", "main account with a code",
                                              "OAuth 2 token", "OAuth 2 client", "OAuth 1.0a"};
static const char *const FORMS[] = {"html", "json", "api_error", "cut"};

static mw_result run_flow(const mw_client *c, enum flow flow) {
  mw_result r;
  switch (flow) {
  case BOT:
    r = mw_client_login(c, "Sender@app", BOT_PASSWORD);
    break;
  case MAIN:
    r = mw_client_clientlogin_otp(c, "Sender", MAIN_PASSWORD, NULL, CODE);
    break;
  case OAUTH2:
    r = mw_client_login_oauth2(c, "OAUTH2-S3CRET-TOKEN/+=");
    break;
  case OAUTH2_CLIENT:
    r = mw_client_login_oauth2_client(c, "client-id", "CLIENT S3CRET+secret/=");
    break;
  default:
    r = mw_client_login_oauth1(c, "consumer-key", "CONSUMER-S3CRET", "ACCESSKEY-S3CRET",
                               "ACCESS-SECRET-S3CRET");
    break;
  }
  return r == MW_OK ? mw_client_email_user(c, "Rcpt", "subject", "text", false) : r;
}

/* Whether `text` shows a secret: the marker, the code, a password. */
static int leaks(const char *text) {
  return strstr(text, "S3CRET") != NULL || strstr(text, CODE) != NULL ||
         strstr(text, BOT_PASSWORD) != NULL || strstr(text, MAIN_PASSWORD) != NULL;
}

/* Every text of the last call: its code, its text, each warning's parts. */
static int last_call_leaks(void) {
  static char buf[1 << 16];
  size_t n = 0;
  int leak = 0;
  if (mw_last_error_code(buf, sizeof buf, &n) == MW_OK && leaks(buf)) {
    leak = 1;
  }
  if (mw_last_error_text(buf, sizeof buf, &n) == MW_OK && leaks(buf)) {
    printf("  last error text: %s\n", buf);
    leak = 1;
  }
  for (size_t i = 0; i < mw_last_warning_count(); i++) {
    for (uint32_t part = MW_WARNING_CODE; part <= MW_WARNING_OPTION; part++) {
      if (mw_last_warning(i, part, buf, sizeof buf, &n) == MW_OK && leaks(buf)) {
        leak = 1;
      }
    }
  }
  return leak;
}

int main(void) {
  const char *base = getenv("MWKIT_STANDIN_URL");
  if (base == NULL || base[0] == '\0') {
    fprintf(stderr, "test_echo: MWKIT_STANDIN_URL is not set (run tests/c/run)\n");
    return 2;
  }
  /* Each run of this program (plain, under the sanitizers) its own paths. */
  char run[32];
  snprintf(run, sizeof run, "%ld", (long)getpid());
  int echoes = 0;
  for (int flow = 0; flow < FLOWS; flow++) {
    for (size_t form = 0; form < sizeof FORMS / sizeof FORMS[0]; form++) {
      int clean = 1, finished = 0;
      for (int echo_at = 1; echo_at <= 8 && !finished; echo_at++) {
        char url[512];
        snprintf(url, sizeof url, "%s/echo-%s-%d-%s%d%zu/w/api.php", base, FORMS[form], echo_at,
                 run, flow, form);
        mw_client *c = NULL;
        if (mw_client_new(url, "mwkit-c-tests/echo", &c) != MW_OK) {
          fprintf(stderr, "test_echo: mw_client_new failed\n");
          return 2;
        }
        mw_result r = run_flow(c, (enum flow)flow);
        if (r == MW_OK) {
          finished = 1;
        } else {
          echoes++;
          if (last_call_leaks()) {
            printf("  %s, echo %s of request %d: a secret shows\n", FLOW_NAMES[flow],
                   FORMS[form], echo_at);
            clean = 0;
          }
        }
        mw_client_free(c);
      }
      char name[160];
      snprintf(name, sizeof name, "%s, echoed as %s at every step: no secret in the last call",
               FLOW_NAMES[flow], FORMS[form]);
      CHECK(name, clean && finished);
    }
  }
  CHECK("the stand-in echoed at least once a step", echoes >= 15);
  return summary();
}
