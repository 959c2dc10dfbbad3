/*
 * mcr_esc() and mcr_sanitize(): user strings in messages never carry a
 * control byte and never exceed the buffer, and are cut visibly.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "esc.h"

static void test_plain(void **state)
{
	char b[MCR_ESC_NAME];

	(void)state;
	assert_string_equal(mcr_esc("cam1", b, sizeof(b)), "cam1");
	assert_string_equal(mcr_esc("", b, sizeof(b)), "");
	assert_string_equal(mcr_esc(NULL, b, sizeof(b)), "");
	assert_string_equal(mcr_esc("a \"b\" c", b, sizeof(b)), "a \"b\" c");
}

static void test_escapes(void **state)
{
	char b[MCR_ESC_NAME];

	(void)state;
	assert_string_equal(mcr_esc("a\033[31mred", b, sizeof(b)), "a\\x1b[31mred");
	assert_string_equal(mcr_esc("\t\n\r\x7f", b, sizeof(b)), "\\x09\\x0a\\x0d\\x7f");
	/* C1 controls (0x9b is CSI) and any other byte above ASCII. */
	assert_string_equal(mcr_esc("x\x9by\xc3\xa4", b, sizeof(b)), "x\\x9by\\xc3\\xa4");
	/* A backslash is doubled, so that an escape cannot be forged. */
	assert_string_equal(mcr_esc("a\\x1b", b, sizeof(b)), "a\\\\x1b");
}

static void test_cut(void **state)
{
	size_t big = 1u << 20;
	char *s = malloc(big + 1), b[MCR_ESC_NAME], small[8];

	(void)state;
	assert_non_null(s);
	memset(s, 'a', big);
	s[big] = 0;
	/* 1 MiB: 64 characters, then "...". */
	mcr_esc(s, b, sizeof(b));
	assert_int_equal(strlen(b), MCR_ESC_NAME - 1);
	assert_int_equal(strspn(b, "a"), MCR_ESC_NAME - 4);
	assert_string_equal(b + MCR_ESC_NAME - 4, "...");
	/* Exactly what fits is shown whole; one more is cut. */
	s[MCR_ESC_NAME - 1] = 0;
	assert_int_equal(strlen(mcr_esc(s, b, sizeof(b))), MCR_ESC_NAME - 1);
	assert_null(strstr(b, "..."));
	s[MCR_ESC_NAME - 1] = 'a';
	s[MCR_ESC_NAME] = 0;
	assert_non_null(strstr(mcr_esc(s, b, sizeof(b)), "..."));
	free(s);
	/* An escape is never split: "ab" then "\x1b" does not fit in 4 + "...". */
	assert_string_equal(mcr_esc("ab\033cdef", small, sizeof(small)), "ab...");
	assert_string_equal(mcr_esc("abc", small, sizeof(small)), "abc");
	assert_string_equal(mcr_esc("\033\033", small, sizeof(small)), "\\x1b...");
}

static void test_sanitize(void **state)
{
	char s[] = "ok \033[2J\x9b\n end";

	(void)state;
	assert_string_equal(mcr_sanitize(s), "ok ?[2J?? end");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_plain),
		cmocka_unit_test(test_escapes),
		cmocka_unit_test(test_cut),
		cmocka_unit_test(test_sanitize),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
