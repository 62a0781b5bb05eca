/*
 * libmw's client builder and its thread-local last-call details, without a
 * wiki: a client with a 1 s read timeout against a silent loopback server
 * (a socket that listens and never answers) fails within 1.5 s, with
 * MW_ERR_TIMEOUT for a read and MW_ERR_OUTCOME_UNKNOWN for a write; every
 * setter is used; bad settings (a zero timeout, a bad URL) give a readable
 * construction error; 20,000 threads each making one refused call on a
 * shared client grow the process's resident memory by under 1 MiB (not
 * asserted under AddressSanitizer, whose allocator holds freed memory back)
 * and each reads its own refusal's text.
 *
 * Run by tests/c/run (plainly and under ASan/UBSan). Prints a line per
 * check and `c-tests: N passed, N failed`.
 */
#define _POSIX_C_SOURCE 200809L

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "check.h"
#include "mw.h"

#if defined(__SANITIZE_ADDRESS__)
#define UNDER_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define UNDER_ASAN 1
#endif
#endif

static const char *UA = "mwkit-c-tests/0 (tests@mwkit.test)";

/* A loopback socket that listens and never accepts: the kernel completes
 * the connection, nobody ever answers. Its API URL goes into `url`. */
static int silent_server(char *url, size_t len) {
  struct sockaddr_in addr;
  socklen_t addr_len = sizeof addr;
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  memset(&addr, 0, sizeof addr);
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (fd < 0 || bind(fd, (struct sockaddr *)&addr, sizeof addr) != 0 || listen(fd, 64) != 0 ||
      getsockname(fd, (struct sockaddr *)&addr, &addr_len) != 0) {
    perror("test_builder: silent server");
    exit(2);
  }
  snprintf(url, len, "http://127.0.0.1:%d/w/api.php", ntohs(addr.sin_port));
  return fd;
}

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int last_text_holds(const char *needle) {
  char text[512];
  size_t n = 0;
  return mw_last_error_text(text, sizeof text, &n) == MW_OK && strstr(text, needle) != NULL;
}

/* A client of `url` with every setter used: 1 s to read. */
static mw_client *configured_client(const char *url) {
  mw_client_builder *builder = NULL;
  mw_client *client = NULL;
  int ok = mw_client_builder_new(url, UA, &builder) == MW_OK &&
           mw_client_builder_set_connect_timeout_ms(builder, 2000) == MW_OK &&
           mw_client_builder_set_read_timeout_ms(builder, 1000) == MW_OK &&
           mw_client_builder_set_timeout_ms(builder, 10000) == MW_OK &&
           mw_client_builder_set_maxlag(builder, true, 3) == MW_OK &&
           mw_client_builder_set_maxlag(builder, false, 0) == MW_OK &&
           mw_client_builder_set_retries(builder, 0) == MW_OK &&
           mw_client_builder_set_max_wait_ms(builder, 2000) == MW_OK &&
           mw_client_builder_set_max_response_bytes(builder, 1 << 20) == MW_OK &&
           mw_client_builder_set_allow_insecure_credentials(builder, true) == MW_OK &&
           mw_client_builder_build(builder, &client) == MW_OK;
  CHECK("a builder with every setter used builds a client", ok && client != NULL);
  /* The builder is left as it was: it builds again, and is freed apart. */
  mw_client *second = NULL;
  CHECK("a builder builds again", mw_client_builder_build(builder, &second) == MW_OK && second != NULL);
  mw_client_free(second);
  mw_client_builder_free(builder);
  return client;
}

static void test_read_timeout(void) {
  char url[128];
  int fd = silent_server(url, sizeof url);
  mw_client *client = configured_client(url);
  const char *names[] = {"Alice"};
  mw_emailability answers[1] = {MW_EMAILABLE};
  const char *keys[] = {"action", "title"};
  const char *values[] = {"purge", "Main Page"};
  char *json = NULL;
  double start = now();
  mw_result r = mw_client_emailable(client, names, 1, answers);
  double took = now() - start;

  printf("     a read against the silent server: %s after %.2f s\n", mw_result_name(r), took);
  CHECK("a read against a silent server gives MW_ERR_TIMEOUT", r == MW_ERR_TIMEOUT);
  CHECK("within 1.5 s of a 1 s read timeout", took >= 0.9 && took < 1.5);
  CHECK("the last error text says it timed out", last_text_holds("time"));
  CHECK("the out-parameter was not written", answers[0] == MW_EMAILABLE);

  start = now();
  r = mw_client_request(client, keys, values, 2, true, false, &json);
  took = now() - start;
  printf("     a write against the silent server: %s after %.2f s\n", mw_result_name(r), took);
  CHECK("a write against a silent server gives MW_ERR_OUTCOME_UNKNOWN", r == MW_ERR_OUTCOME_UNKNOWN);
  CHECK("also within 1.5 s", took >= 0.9 && took < 1.5 && json == NULL);
  mw_client_free(client);
  close(fd);
}

static void test_bad_settings(void) {
  mw_client_builder *builder = NULL;
  mw_client *client = NULL;
  char text[256];
  size_t n = 0;

  CHECK("a builder starts", mw_client_builder_new("http://127.0.0.1:9/w/api.php", UA, &builder) == MW_OK);
  mw_client_builder_set_connect_timeout_ms(builder, 0);
  CHECK("a zero connect timeout is refused by the build",
        mw_client_builder_build(builder, &client) == MW_ERR_INVALID_INPUT && client == NULL);
  CHECK("the construction error is readable and names the setting", last_text_holds("connect timeout"));
  mw_client_builder_set_connect_timeout_ms(builder, 1000);
  mw_client_builder_set_max_response_bytes(builder, 0);
  CHECK("a zero body cap is refused", mw_client_builder_build(builder, &client) == MW_ERR_INVALID_INPUT &&
                                          client == NULL && last_text_holds("max response bytes"));
  mw_client_builder_free(builder);

  builder = NULL;
  CHECK("a builder takes any URL", mw_client_builder_new("not a url", UA, &builder) == MW_OK);
  CHECK("a bad URL is refused by the build",
        mw_client_builder_build(builder, &client) == MW_ERR_INVALID_INPUT && client == NULL);
  CHECK("with a readable text", mw_last_error_text(text, sizeof text, &n) == MW_OK && n > 0);
  printf("     mw_last_error_text: %s\n", text);
  mw_client_builder_free(builder);

  CHECK("mw_client_new refuses a bad URL too, readably",
        mw_client_new("ftp://wiki.example/api.php", UA, &client) == MW_ERR_INVALID_INPUT && client == NULL &&
            mw_last_error_text(text, sizeof text, &n) == MW_OK && n > 0);
  printf("     mw_last_error_text: %s\n", text);
  CHECK("a NULL builder is refused, and says so",
        mw_client_builder_set_retries(NULL, 1) == MW_ERR_NULL_PARAMETER && last_text_holds("builder is NULL") &&
            mw_client_builder_build(NULL, &client) == MW_ERR_NULL_PARAMETER && client == NULL);
  CHECK("a NULL out is refused",
        mw_client_builder_new("http://127.0.0.1:9/", UA, NULL) == MW_ERR_NULL_PARAMETER && last_text_holds("out is NULL"));
  mw_client_builder_free(NULL);
  CHECK("mw_client_builder_free accepts NULL", 1);
}

/* ---- thread churn ---- */

enum { THREADS = 20000, BATCH = 100 };

struct churn {
  const mw_client *client;
  int ok;
};

/* One refused call (a NULL text) on the shared client; its own text. */
static void *refuse_once(void *arg) {
  struct churn *c = arg;
  char text[64];
  size_t n = 0;
  c->ok = mw_client_email_user(c->client, "a", "b", NULL, false) == MW_ERR_NULL_PARAMETER &&
          mw_last_error_text(text, sizeof text, &n) == MW_OK && strcmp(text, "text is NULL") == 0;
  return NULL;
}

/* Runs `count` threads in batches; how many saw what they should. */
static int churn(const mw_client *client, int count) {
  static struct churn slots[BATCH];
  pthread_t threads[BATCH];
  pthread_attr_t attr;
  int done = 0;
  int good = 0;
  pthread_attr_init(&attr);
  pthread_attr_setstacksize(&attr, 512 * 1024);
  while (done < count) {
    int batch = count - done < BATCH ? count - done : BATCH;
    int i;
    int started = 0;
    for (i = 0; i < batch; i++) {
      slots[i].client = client;
      slots[i].ok = 0;
      if (pthread_create(&threads[i], &attr, refuse_once, &slots[i]) != 0) {
        break;
      }
      started++;
    }
    for (i = 0; i < started; i++) {
      pthread_join(threads[i], NULL);
      good += slots[i].ok;
    }
    done += batch;
  }
  pthread_attr_destroy(&attr);
  return good;
}

/* Resident memory, in bytes, from /proc/self/statm. */
static long resident(void) {
  long size = 0;
  long pages = 0;
  FILE *f = fopen("/proc/self/statm", "r");
  if (f == NULL || fscanf(f, "%ld %ld", &size, &pages) != 2) {
    pages = -1;
  }
  if (f != NULL) {
    fclose(f);
  }
  return pages * sysconf(_SC_PAGESIZE);
}

static void test_thread_churn(void) {
  mw_client *client = NULL;
  long before;
  long after;
  int good;
  double start;
  char text[64];
  size_t n = 0;

  if (mw_client_new("http://127.0.0.1:9/w/api.php", UA, &client) != MW_OK) {
    CHECK("a client for the churn", 0);
    return;
  }
  churn(client, 2 * BATCH); /* warm up: thread stacks, malloc arenas */
  before = resident();
  start = now();
  good = churn(client, THREADS);
  after = resident();
  printf("     %d threads in %.1f s; resident memory %ld KiB before, %ld KiB after (%+ld KiB)\n", THREADS,
         now() - start, before / 1024, after / 1024, (after - before) / 1024);
  CHECK("20,000 threads each had their refusal refused and read its own text", good == THREADS);
#ifdef UNDER_ASAN
  printf("     skipped under AddressSanitizer: its allocator quarantines freed memory, so resident memory says "
         "nothing of leaks (LeakSanitizer checks them at exit)\n");
#else
  CHECK("and grew resident memory by under 1 MiB", before > 0 && after - before < 1024 * 1024);
#endif
  CHECK("the main thread's details are its own",
        mw_client_logout(NULL) == MW_ERR_NULL_PARAMETER && mw_last_error_text(text, sizeof text, &n) == MW_OK &&
            strcmp(text, "client is NULL") == 0);
  mw_client_free(client);
}

int main(void) {
  printf("libmw %s\n", mw_version());
  test_read_timeout();
  test_bad_settings();
  test_thread_churn();
  return summary();
}
