/*
 * The C tests' helpers for the live test wiki, one copy for test_live,
 * test_oauth, test_tls and test_two_factor.
 *
 * What they read: the environment tests/c/run exports from wiki.json
 * ($MWKIT_WIKI_JSON), never wiki.json itself. env() reads any setting; the
 * helpers here use MWKIT_API_URL (the wiki's api.php), MWKIT_MAIL_DIR (the
 * SMTP sink's folder, one .json file a mail) and MWKIT_ACCESS_LOG (apache's
 * access log, one line a request, the User-Agent last and quoted). Each
 * test names the rest it reads at its top.
 *
 * What they wait for (the wiki writes a mail, or a log line, after it has
 * answered; no check rests on how long anything takes):
 *  - count_mails: up to 20 s for the mails it wants, then 700 ms more, so
 *    that a surplus one would show;
 *  - ua_lines and access_count: until the number of a User-Agent's lines
 *    has stayed the same for 300 ms (5 s at most);
 *  - sleep_ms: as long as it is told; the others do not wait.
 *
 * A test defines _POSIX_C_SOURCE 200809L before its first include, and
 * TEST_NAME (its program, for messages: "test_oauth") and TEST_UA (its
 * User-Agent's product: "mwkit-c-tests-oauth/0") before it includes this.
 * Every helper is static inline, so a test that uses only some of them
 * compiles clean under -Wall -Wextra -Werror -pedantic.
 */
#ifndef MW_TESTS_WIKI_H
#define MW_TESTS_WIKI_H

#if !defined(_POSIX_C_SOURCE) || _POSIX_C_SOURCE < 200809L
#error "define _POSIX_C_SOURCE 200809L before the first include"
#endif
#if !defined(TEST_NAME) || !defined(TEST_UA)
#error "define TEST_NAME and TEST_UA before including wiki.h"
#endif

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "mw.h"

/* The setting `name` (exported by tests/c/run); exits 2 when it is missing
 * or empty. */
static inline const char *env(const char *name) {
  const char *value = getenv(name);
  if (value == NULL || value[0] == '\0') {
    fprintf(stderr, TEST_NAME ": %s is not set (run tests/c/run)\n", name);
    exit(2);
  }
  return value;
}

static inline void sleep_ms(long ms) {
  struct timespec ts;
  ts.tv_sec = ms / 1000;
  ts.tv_nsec = (ms % 1000) * 1000000L;
  nanosleep(&ts, NULL);
}

/* The whole file at `path`, NUL-terminated, or NULL. Free with free(). */
static inline char *read_file(const char *path) {
  FILE *f = fopen(path, "rb");
  char *data;
  long size;
  if (f == NULL) {
    return NULL;
  }
  fseek(f, 0, SEEK_END);
  size = ftell(f);
  fseek(f, 0, SEEK_SET);
  data = malloc((size_t)size + 1);
  if (data == NULL || fread(data, 1, (size_t)size, f) != (size_t)size) {
    free(data);
    fclose(f);
    return NULL;
  }
  data[size] = '\0';
  fclose(f);
  return data;
}

/* How many stored mails (MWKIT_MAIL_DIR) hold `needle`, waiting up to 20 s
 * for `want`, then a little longer so that a surplus one would show; -1
 * when the folder cannot be read. */
static inline int count_mails(const char *needle, int want) {
  const char *dir_path = env("MWKIT_MAIL_DIR");
  int count = 0;
  int waited;
  for (waited = 0; waited < 20000; waited += 100) {
    DIR *dir = opendir(dir_path);
    struct dirent *entry;
    count = 0;
    if (dir == NULL) {
      return -1;
    }
    while ((entry = readdir(dir)) != NULL) {
      char path[4096];
      char *data;
      size_t n = strlen(entry->d_name);
      if (n < 5 || strcmp(entry->d_name + n - 5, ".json") != 0 || entry->d_name[0] == '.') {
        continue;
      }
      snprintf(path, sizeof path, "%s/%s", dir_path, entry->d_name);
      data = read_file(path);
      count += data != NULL && strstr(data, needle) != NULL;
      free(data);
    }
    closedir(dir);
    if (count >= want) {
      break;
    }
    sleep_ms(100);
  }
  sleep_ms(700);
  return count;
}

/* The access log's lines of the User-Agent `ua`, joined by '\n' (free with
 * free()), their number in `*count` (-1 and NULL when the log cannot be
 * read). Apache writes a line after answering, so this reads until the
 * count has stayed the same for 300 ms (5 s at most). */
static inline char *ua_lines(const char *ua, int *count) {
  char tail[300];
  char *kept = NULL;
  int last = -1;
  int waited;
  snprintf(tail, sizeof tail, "\"%s\"", ua);
  for (waited = 0; waited < 5000; waited += 300) {
    char *log = read_file(env("MWKIT_ACCESS_LOG"));
    char *line;
    char *save = NULL;
    size_t used = 0;
    int n = 0;
    if (log == NULL) {
      break;
    }
    free(kept);
    kept = malloc(strlen(log) + 1);
    if (kept == NULL) {
      free(log);
      break;
    }
    kept[0] = '\0';
    for (line = strtok_r(log, "\n", &save); line != NULL; line = strtok_r(NULL, "\n", &save)) {
      size_t len = strlen(line);
      size_t t = strlen(tail);
      if (len >= t && strcmp(line + len - t, tail) == 0) {
        memcpy(kept + used, line, len);
        used += len;
        kept[used++] = '\n';
        kept[used] = '\0';
        n++;
      }
    }
    free(log);
    if (n == last) {
      break;
    }
    last = n;
    sleep_ms(300);
  }
  *count = last;
  return kept;
}

/* How many lines of `lines` hold `what`. */
static inline int holding(const char *lines, const char *what) {
  int n = 0;
  const char *at = lines;
  while (at != NULL && *at != '\0') {
    const char *end = strchr(at, '\n');
    size_t len = end != NULL ? (size_t)(end - at) : strlen(at);
    const char *found = strstr(at, what);
    n += found != NULL && found < at + len;
    at = end != NULL ? end + 1 : NULL;
  }
  return n;
}

/* How many access-log lines of the User-Agent `ua` hold `what` ("\"POST ",
 * "type=login"; NULL: every line), once ua_lines has seen them settle; -1
 * when the log cannot be read. */
static inline int access_count(const char *ua, const char *what) {
  int count = -1;
  char *lines = ua_lines(ua, &count);
  if (lines != NULL && what != NULL) {
    count = holding(lines, what);
  }
  free(lines);
  return count;
}

/* A User-Agent naming this test (TEST_UA), `tag` and this run (its pid and
 * a random number), into `ua`: the access log's lines of one client. */
static inline void new_ua(const char *tag, char *ua, size_t len) {
  snprintf(ua, len, TEST_UA " (%s %ld-%d; tests@mwkit.test)", tag, (long)getpid(), rand());
}

/* A client of the wiki (MWKIT_API_URL) with the User-Agent new_ua(tag),
 * written into `ua` (NULL: not kept). Exits 2 when it cannot be made. */
static inline mw_client *new_client(const char *tag, char *ua, size_t ua_len) {
  char own[256];
  mw_client *client = NULL;
  if (ua == NULL) {
    ua = own;
    ua_len = sizeof own;
  }
  new_ua(tag, ua, ua_len);
  if (mw_client_new(env("MWKIT_API_URL"), ua, &client) != MW_OK) {
    fprintf(stderr, TEST_NAME ": mw_client_new failed\n");
    exit(2);
  }
  return client;
}

/* Who the wiki says `client` is (meta=userinfo), into `name` ("" anonymous);
 * 1 when the answer said, 0 when the request failed or the name did not
 * fit. */
static inline int whoami(mw_client *client, char *name, size_t len) {
  const char *keys[] = {"action", "meta"};
  const char *values[] = {"query", "userinfo"};
  char *json = NULL;
  char *at;
  int ok = 0;
  name[0] = '\0';
  if (mw_client_request(client, keys, values, 2, false, false, &json) != MW_OK) {
    return 0;
  }
  if (strstr(json, "\"anon\":true") != NULL) {
    ok = 1;
  } else if ((at = strstr(json, "\"name\":\"")) != NULL) {
    size_t n = strcspn(at + 8, "\"");
    if (n < len) {
      memcpy(name, at + 8, n);
      name[n] = '\0';
      ok = 1;
    }
  }
  mw_string_free(json);
  return ok;
}

#endif
