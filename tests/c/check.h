/*
 * The C tests' one check: prints `ok   NAME` or `FAIL NAME (file:line)` and
 * counts; each program ends with `c-tests: N passed, N failed` (summary()).
 */
#ifndef MW_TESTS_CHECK_H
#define MW_TESTS_CHECK_H

#include <stdio.h>

static int passed = 0;
static int failed = 0;

#define CHECK(name, cond)                                                          \
  do {                                                                             \
    if (cond) {                                                                    \
      passed++;                                                                    \
      printf("ok   %s\n", name);                                                   \
    } else {                                                                       \
      failed++;                                                                    \
      printf("FAIL %s (%s:%d)\n", name, __FILE__, __LINE__);                       \
    }                                                                              \
  } while (0)

/* Prints the summary line; the program's exit status. */
static int summary(void) {
  printf("c-tests: %d passed, %d failed\n", passed, failed);
  return failed == 0 ? 0 : 1;
}

#endif
