/*
 * libmw over HTTPS against the real test wiki (wiki.json's tls: apache's
 * mod_ssl with a throwaway CA the harness made):
 *  - with mw_client_builder_set_ca_file: a login, one email (one mail at the
 *    sink) and an options round trip; the certificate names localhost too;
 *  - without it: MW_ERR_TLS, mw_last_error_text names "unknown issuer", and
 *    the access log shows no request from the client;
 *  - a certificate for another name, and an expired one: MW_ERR_TLS with
 *    "name mismatch" or "expired" in the text, nothing sent, no mail;
 *  - a CA file that is missing, empty, not PEM, broken or a folder:
 *    MW_ERR_INVALID_INPUT at mw_client_builder_build, its text naming the
 *    file; a NULL path MW_ERR_NULL_PARAMETER;
 *  - SSL_CERT_FILE naming the CA, and SSL_CERT_DIR naming a hashed folder
 *    with it, trusted with no setting; an SSL_CERT_DIR with no certificate
 *    leaves the compiled-in roots, which do not have it. Each of these runs
 *    in a child (this program again, `--child`) with an environment of its
 *    own: the trust store's variables are process-wide, and the machine may
 *    export SSL_CERT_FILE and SSL_CERT_DIR naming the system's store.
 *
 * Run by tests/c/run, which exports MWKIT_MAIL_DIR, MWKIT_BOT_NAME,
 * MWKIT_BOT_PASSWORD, MWKIT_TARGET and, when the wiki has tls,
 * MWKIT_TLS_{API_URL,LOCALHOST_API_URL,MISMATCH_API_URL,EXPIRED_API_URL,
 * CA_FILE,CA_DIR} and MWKIT_ACCESS_LOG. Without tls (a wiki made before it)
 * it prints one SKIP line. Prints a line per check and
 * `c-tests: N passed, N failed`.
 */
#define _POSIX_C_SOURCE 200809L

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "check.h"
#include "mw.h"

#define TEST_NAME "test_tls"
#define TEST_UA "mwkit-c-tests-tls/0"
#include "wiki.h"

static void write_file(const char *path, const char *text) {
  FILE *f = fopen(path, "wb");
  if (f == NULL) {
    fprintf(stderr, "test_tls: cannot write %s\n", path);
    exit(2);
  }
  fputs(text, f);
  fclose(f);
}

/* A client of `url` trusting the CA file `ca_file` (NULL: the default). */
static mw_client *client_for(const char *url, const char *ca_file, const char *ua) {
  mw_client_builder *builder = NULL;
  mw_client *client = NULL;
  if (mw_client_builder_new(url, ua, &builder) != MW_OK ||
      (ca_file != NULL && mw_client_builder_set_ca_file(builder, ca_file) != MW_OK) ||
      mw_client_builder_build(builder, &client) != MW_OK) {
    fprintf(stderr, "test_tls: could not make a client of %s\n", url);
    exit(2);
  }
  mw_client_builder_free(builder);
  return client;
}

/* The user name of the bot name `bot` (before the '@') into `name`. */
static void user_of(const char *bot, char *name, size_t len) {
  size_t n = strcspn(bot, "@");
  if (n >= len) {
    n = len - 1;
  }
  memcpy(name, bot, n);
  name[n] = '\0';
}

/* Whether the last call's text holds `want` and not `secret` (NULL: none). */
static int last_text_says(const char *want, const char *secret) {
  char text[2048];
  size_t n = 0;
  return mw_last_error_text(text, sizeof text, &n) == MW_OK && strstr(text, want) != NULL &&
         (secret == NULL || strstr(text, secret) == NULL);
}

static void test_with_the_ca_file(void) {
  char ua[256];
  char name[128];
  char user[128];
  char subject[128];
  char needle[160];
  char mark[64];
  char value[128];
  size_t n = 0;
  mw_options *options = NULL;
  const char *option_names[] = {"userjs-mwkit-c-tls"};
  const char *option_values[1];
  mw_client *client;

  new_ua("ca-file", ua, sizeof ua);
  client = client_for(env("MWKIT_TLS_API_URL"), env("MWKIT_TLS_CA_FILE"), ua);
  user_of(env("MWKIT_BOT_NAME"), user, sizeof user);
  CHECK("with the CA file, a bot login over HTTPS", mw_client_login(client, env("MWKIT_BOT_NAME"), env("MWKIT_BOT_PASSWORD")) == MW_OK);
  CHECK("as that user", whoami(client, name, sizeof name) && strcmp(name, user) == 0);

  snprintf(subject, sizeof subject, "mwkit c https %ld-%d", (long)time(NULL), rand());
  snprintf(needle, sizeof needle, "\"subject\": \"%s\"", subject);
  CHECK("an email over HTTPS",
        mw_client_email_user(client, env("MWKIT_TARGET"), subject, "Sent over HTTPS.", false) == MW_OK);
  CHECK("and exactly one mail arrives", count_mails(needle, 1) == 1);

  snprintf(mark, sizeof mark, "c-tls-%ld-%d", (long)time(NULL), rand());
  option_values[0] = mark;
  CHECK("an option set over HTTPS", mw_client_set_options(client, option_names, option_values, 1) == MW_OK);
  CHECK("and read back",
        mw_client_get_options(client, &options) == MW_OK &&
            mw_options_find(options, "userjs-mwkit-c-tls", value, sizeof value, &n) == MW_OK &&
            strcmp(value, mark) == 0);
  mw_options_free(options);
  CHECK("the HTTPS host logs what was sent (the checks of nothing sent mean something)",
        access_count(ua, NULL) >= 6);
  mw_client_free(client);

  new_ua("localhost", ua, sizeof ua);
  client = client_for(env("MWKIT_TLS_LOCALHOST_API_URL"), env("MWKIT_TLS_CA_FILE"), ua);
  CHECK("the certificate names localhost too", whoami(client, name, sizeof name) && name[0] == '\0');
  mw_client_free(client);
}

static void test_without_the_ca_file(void) {
  char ua[256];
  mw_client *client;
  mw_result r;

  new_ua("no-ca", ua, sizeof ua);
  client = client_for(env("MWKIT_TLS_API_URL"), NULL, ua);
  r = mw_client_login(client, env("MWKIT_BOT_NAME"), env("MWKIT_BOT_PASSWORD"));
  CHECK("without the CA file a login is MW_ERR_TLS", r == MW_ERR_TLS);
  CHECK("named MW_ERR_TLS", strcmp(mw_result_name(r), "MW_ERR_TLS") == 0);
  CHECK("its text names the unknown issuer, not the password",
        last_text_says("unknown issuer", env("MWKIT_BOT_PASSWORD")));
  CHECK("an email is MW_ERR_TLS too", mw_client_email_user(client, env("MWKIT_TARGET"), "x", "y", false) == MW_ERR_TLS &&
                                        last_text_says("unknown issuer", NULL));
  CHECK("and the access log shows no request from the client", access_count(ua, NULL) == 0);
  mw_client_free(client);
}

static void test_another_name_and_expired(void) {
  const char *vars[] = {"MWKIT_TLS_MISMATCH_API_URL", "MWKIT_TLS_EXPIRED_API_URL"};
  const char *reasons[] = {"name mismatch", "expired"};
  int i;
  for (i = 0; i < 2; i++) {
    char ua[256];
    char check[160];
    char subject[128];
    char needle[160];
    mw_client *client;
    new_ua(reasons[i], ua, sizeof ua);
    client = client_for(env(vars[i]), env("MWKIT_TLS_CA_FILE"), ua);
    snprintf(check, sizeof check, "%s: a login is MW_ERR_TLS naming it", reasons[i]);
    CHECK(check, mw_client_login(client, env("MWKIT_BOT_NAME"), env("MWKIT_BOT_PASSWORD")) == MW_ERR_TLS &&
                     last_text_says(reasons[i], env("MWKIT_BOT_PASSWORD")));
    snprintf(subject, sizeof subject, "mwkit c %s %ld-%d", reasons[i], (long)time(NULL), rand());
    snprintf(needle, sizeof needle, "\"subject\": \"%s\"", subject);
    snprintf(check, sizeof check, "%s: an email is MW_ERR_TLS naming it", reasons[i]);
    CHECK(check, mw_client_email_user(client, env("MWKIT_TARGET"), subject, "must not arrive", false) ==
                         MW_ERR_TLS &&
                     last_text_says(reasons[i], NULL));
    snprintf(check, sizeof check, "%s: nothing sent, no mail", reasons[i]);
    CHECK(check, access_count(ua, NULL) == 0 && count_mails(needle, 0) == 0);
    mw_client_free(client);
  }
}

static void test_bad_ca_files(void) {
  char dir[] = "/tmp/mwkit-c-tls-XXXXXX";
  char paths[5][128];
  const char *what[] = {"missing", "empty", "not PEM", "a broken certificate", "a folder"};
  const char *texts[] = {NULL, "", "this is not a certificate\n",
                         "-----BEGIN CERTIFICATE-----\nnot base64 at all!\n-----END CERTIFICATE-----\n", NULL};
  mw_client_builder *builder = NULL;
  int i;

  if (mkdtemp(dir) == NULL) {
    fprintf(stderr, "test_tls: mkdtemp failed\n");
    exit(2);
  }
  snprintf(paths[0], sizeof paths[0], "%s/no-such-ca.pem", dir);
  snprintf(paths[1], sizeof paths[1], "%s/empty.pem", dir);
  snprintf(paths[2], sizeof paths[2], "%s/text.pem", dir);
  snprintf(paths[3], sizeof paths[3], "%s/broken.pem", dir);
  snprintf(paths[4], sizeof paths[4], "%s", dir);
  for (i = 1; i < 4; i++) {
    write_file(paths[i], texts[i]);
  }
  for (i = 0; i < 5; i++) {
    char check[160];
    char ua[256];
    mw_client *client = NULL;
    mw_result set;
    mw_result built;
    new_ua("bad-ca", ua, sizeof ua);
    if (mw_client_builder_new(env("MWKIT_TLS_API_URL"), ua, &builder) != MW_OK) {
      exit(2);
    }
    set = mw_client_builder_set_ca_file(builder, paths[i]);
    built = mw_client_builder_build(builder, &client);
    snprintf(check, sizeof check, "a CA file that is %s is MW_ERR_INVALID_INPUT at build, naming the file", what[i]);
    CHECK(check, set == MW_OK && built == MW_ERR_INVALID_INPUT && client == NULL && last_text_says(paths[i], NULL));
    mw_client_free(client);
    mw_client_builder_free(builder);
  }
  if (mw_client_builder_new(env("MWKIT_TLS_API_URL"), "mwkit-c-tests-tls/0", &builder) != MW_OK) {
    exit(2);
  }
  CHECK("a NULL CA file is MW_ERR_NULL_PARAMETER",
        mw_client_builder_set_ca_file(builder, NULL) == MW_ERR_NULL_PARAMETER);
  mw_client_builder_free(builder);
  for (i = 1; i < 4; i++) {
    unlink(paths[i]);
  }
  rmdir(dir);
}

/* --- the trust store's environment, in children ---------------------------- */

/* The child: a bot login with no CA setting, under the environment its
 * parent gave. Exits 0 logged in as the bot's user, 3 for MW_ERR_TLS naming
 * an unknown issuer, 1 otherwise. */
static int child_main(void) {
  mw_client *client = NULL;
  char name[128];
  char user[128];
  int status = 1;
  mw_result r;
  if (mw_client_new(env("MWKIT_TLS_API_URL"), env("MWKIT_CHILD_UA"), &client) != MW_OK) {
    return 1;
  }
  user_of(env("MWKIT_BOT_NAME"), user, sizeof user);
  r = mw_client_login(client, env("MWKIT_BOT_NAME"), env("MWKIT_BOT_PASSWORD"));
  if (r == MW_OK && whoami(client, name, sizeof name) && strcmp(name, user) == 0) {
    status = 0;
  } else if (r == MW_ERR_TLS && last_text_says("unknown issuer", NULL)) {
    status = 3;
  }
  mw_client_free(client);
  return status;
}

/* Runs this program as a child with only PATH, the sanitizers' options,
 * what the child needs and `var`=`value` in its environment; its exit
 * status (-1 when it did not exit). */
static int run_child(const char *self, const char *var, const char *value, const char *ua) {
  static char entries[10][4096];
  char *envp[11];
  const char *passed[] = {"PATH", "ASAN_OPTIONS", "UBSAN_OPTIONS", "LSAN_OPTIONS",
                          "MWKIT_TLS_API_URL", "MWKIT_BOT_NAME", "MWKIT_BOT_PASSWORD"};
  char *argv[3];
  int count = 0;
  int status = 0;
  size_t i;
  pid_t pid;
  for (i = 0; i < sizeof passed / sizeof passed[0]; i++) {
    const char *v = getenv(passed[i]);
    if (v != NULL) {
      snprintf(entries[count], sizeof entries[count], "%s=%s", passed[i], v);
      envp[count] = entries[count];
      count++;
    }
  }
  snprintf(entries[count], sizeof entries[count], "MWKIT_CHILD_UA=%s", ua);
  envp[count] = entries[count];
  count++;
  snprintf(entries[count], sizeof entries[count], "%s=%s", var, value);
  envp[count] = entries[count];
  count++;
  envp[count] = NULL;
  argv[0] = (char *)self;
  argv[1] = "--child";
  argv[2] = NULL;
  fflush(stdout);
  pid = fork();
  if (pid < 0) {
    return -1;
  }
  if (pid == 0) {
    execve(self, argv, envp);
    _exit(127);
  }
  if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status)) {
    return -1;
  }
  return WEXITSTATUS(status);
}

static void test_the_environment(const char *self) {
  char ua[256];
  char empty[] = "/tmp/mwkit-c-tls-store-XXXXXX";

  new_ua("ssl-cert-file", ua, sizeof ua);
  CHECK("with the CA in SSL_CERT_FILE and no setting, a child logs in",
        run_child(self, "SSL_CERT_FILE", env("MWKIT_TLS_CA_FILE"), ua) == 0 && access_count(ua, NULL) >= 3);

  new_ua("ssl-cert-dir", ua, sizeof ua);
  CHECK("with SSL_CERT_DIR a hashed folder holding the CA (SSL_CERT_FILE unset), a child logs in",
        run_child(self, "SSL_CERT_DIR", env("MWKIT_TLS_CA_DIR"), ua) == 0 && access_count(ua, NULL) >= 3);

  if (mkdtemp(empty) == NULL) {
    fprintf(stderr, "test_tls: mkdtemp failed\n");
    exit(2);
  }
  new_ua("compiled-in", ua, sizeof ua);
  CHECK("with an SSL_CERT_DIR of no certificate the compiled-in roots lack the CA: unknown issuer, nothing sent",
        run_child(self, "SSL_CERT_DIR", empty, ua) == 3 && access_count(ua, NULL) == 0);
  rmdir(empty);
}

int main(int argc, char **argv) {
  const char *tls = getenv("MWKIT_TLS_API_URL");
  if (argc == 2 && strcmp(argv[1], "--child") == 0) {
    return child_main();
  }
  srand((unsigned)time(NULL) ^ (unsigned)getpid());
  if (tls == NULL || tls[0] == '\0') {
    printf("SKIP test_tls: wiki.json has no tls (the HTTPS tests need a test wiki made with its throwaway CA)\n");
    return summary();
  }
  printf("libmw %s\n", mw_version());
  test_with_the_ca_file();
  test_without_the_ca_file();
  test_another_name_and_expired();
  test_bad_ca_files();
  test_the_environment(argv[0]);
  return summary();
}
