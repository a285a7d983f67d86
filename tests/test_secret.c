/* Tests of the password file's parser: hand-made files, then random ones. */

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "secret.h"

#define TS_RANDOM_FILES	20000
#define TS_RANDOM_LEN	12		/* short: spaces and ends collide */

/* A file's bytes (len, as they may hold a NUL) and what it must give. */
struct secret_case {
	const char	*text;
	size_t		 len;
	const char	*user;		/* NULL: none */
	const char	*password;	/* NULL: an error */
};

#define TS(s)	(s), sizeof(s) - 1

static const struct secret_case secret_cases[] = {
	{ TS("s3cret"), NULL, "s3cret" },
	{ TS("s3cret\n"), NULL, "s3cret" },
	{ TS("s3cret\r\n"), NULL, "s3cret" },
	{ TS("s3cret\r"), NULL, "s3cret" },
	{ TS("alice s3cret"), "alice", "s3cret" },
	{ TS("alice s3cret\n"), "alice", "s3cret" },
	{ TS("alice s3cret\r\n"), "alice", "s3cret" },

	/* trailing spaces go, however many (two used to leave one) */
	{ TS("s3cret "), NULL, "s3cret" },
	{ TS("s3cret  "), NULL, "s3cret" },
	{ TS("s3cret   \n"), NULL, "s3cret" },
	{ TS("s3cret    \r\n"), NULL, "s3cret" },
	{ TS("alice s3cret  "), "alice", "s3cret" },
	{ TS("alice s3cret     \r\n"), "alice", "s3cret" },

	/* only spaces are trimmed: a tab is part of the password */
	{ TS("s3cret\t"), NULL, "s3cret\t" },
	{ TS("\ts3cret\n"), NULL, "\ts3cret" },
	{ TS("alice\ts3cret"), NULL, "alice\ts3cret" },

	/* a leading space makes an empty user, as it always did */
	{ TS(" s3cret"), "", "s3cret" },
	{ TS(" s3cret  \n"), "", "s3cret" },

	/* the first space splits; the password is all the rest */
	{ TS("alice s3 cret"), "alice", "s3 cret" },
	{ TS("alice  s3cret"), "alice", " s3cret" },
	{ TS("a b c d"), "a", "b c d" },

	/* the first line only */
	{ TS("s3cret\nsecond line"), NULL, "s3cret" },
	{ TS("alice s3cret\nbob other\n"), "alice", "s3cret" },
	{ TS("s3cret\rrest"), NULL, "s3cret" },

	/* a NUL ends the line */
	{ TS("s3\0cret"), NULL, "s3" },
	{ TS("alice s3cret\0 bob"), "alice", "s3cret" },

	/* nothing on the first line */
	{ TS(""), NULL, NULL },
	{ TS("\n"), NULL, NULL },
	{ TS("\r\n"), NULL, NULL },
	{ TS("\ns3cret\n"), NULL, NULL },
	{ TS(" "), NULL, NULL },
	{ TS("  "), NULL, NULL },
	{ TS("   "), NULL, NULL },
	{ TS("    \r\n"), NULL, NULL },
	{ TS("\0s3cret"), NULL, NULL },
	{ TS("  \0s3cret"), NULL, NULL }
};

/* Parses text and checks the outcome against the expectation. */
static void
secret_check(const char *what, const char *text, size_t len,
    const char *user, const char *password)
{
	char		*u = (char *)&u, *p = (char *)&p;
	const char	*errstr = NULL;
	int		 rv;

	rv = secret_parse(text, len, &u, &p, &errstr);
	if (password == NULL) {
		cr_assert_eq(rv, -1, "%s: accepted", what);
		cr_assert_null(u, "%s: a user on failure", what);
		cr_assert_null(p, "%s: a password on failure", what);
		cr_assert_str_eq(errstr, "empty password file", "%s", what);
		return;
	}
	cr_assert_eq(rv, 0, "%s: refused: %s", what, errstr);
	cr_assert_not_null(p, "%s: no password", what);
	cr_assert_str_eq(p, password, "%s: password \"%s\", want \"%s\"",
	    what, p, password);
	if (user == NULL)
		cr_assert_null(u, "%s: user \"%s\", want none", what, u);
	else {
		cr_assert_not_null(u, "%s: no user, want \"%s\"", what, user);
		cr_assert_str_eq(u, user, "%s: user \"%s\", want \"%s\"",
		    what, u, user);
	}
	free(u);
	free(p);
}

Test(secret, cases)
{
	const struct secret_case	*c;
	char				 what[64];
	size_t				 i;

	for (i = 0; i < sizeof(secret_cases) / sizeof(secret_cases[0]); i++) {
		c = &secret_cases[i];
		snprintf(what, sizeof(what), "case %zu", i);
		secret_check(what, c->text, c->len, c->user, c->password);
	}
}

/* Only the first SECRET_MAX bytes count, as the daemon always read. */
Test(secret, very_long_line)
{
	char	*text, *want;
	size_t	 n = 3 * SECRET_MAX;

	text = malloc(n + 1);
	want = malloc(n + 1);
	cr_assert(text != NULL && want != NULL);
	memset(text, 'x', n);
	memset(want, 'x', SECRET_MAX);
	want[SECRET_MAX] = '\0';
	secret_check("3 * SECRET_MAX", text, n, NULL, want);
	secret_check("SECRET_MAX", text, SECRET_MAX, NULL, want);
	text[SECRET_MAX] = '\n';
	secret_check("SECRET_MAX, then LF", text, SECRET_MAX + 1, NULL, want);

	/* a user, and a password cut where the bytes that count end */
	memcpy(text, "alice ", 6);
	want[SECRET_MAX - 6] = '\0';
	secret_check("a user and a long password", text, n, "alice", want);

	/* spaces past the limit do not split */
	memset(text, 'x', n);
	text[SECRET_MAX + 10] = ' ';
	want[SECRET_MAX - 6] = 'x';
	secret_check("a space past the limit", text, n, NULL, want);

	/* a line of spaces longer than the limit is still empty */
	memset(text, ' ', n);
	secret_check("spaces only", text, n, NULL, NULL);
	free(text);
	free(want);
}

/* The parser as it was meant: on a NUL-terminated copy, line by line. */
static int
secret_brute(const char *text, size_t len, char *user, char *password)
{
	char	 buf[TS_RANDOM_LEN + 1], *sp, *end;

	memcpy(buf, text, len);
	buf[len] = '\0';
	buf[strcspn(buf, "\r\n")] = '\0';
	end = buf + strlen(buf);
	while (end > buf && end[-1] == ' ')
		*--end = '\0';
	if (buf[0] == '\0')
		return (-1);
	user[0] = '\0';
	if ((sp = strchr(buf, ' ')) != NULL) {
		*sp++ = '\0';
		strcpy(user, buf);
		strcpy(password, sp);
		return (1);
	}
	strcpy(password, buf);
	return (0);
}

/* Random short files of letters, spaces, tabs, CR, LF and NUL. */
Test(secret, random_against_brute_force)
{
	static const char	 alphabet[] = "ab  \t\r\n";
	char			 text[TS_RANDOM_LEN], user[TS_RANDOM_LEN + 1];
	char			 password[TS_RANDOM_LEN + 1], what[64];
	uint64_t		 rng = 0x9e3779b97f4a7c15ULL;
	size_t			 len, i;
	int			 n, k;

	for (n = 0; n < TS_RANDOM_FILES; n++) {
		rng = rng * 6364136223846793005ULL + 1442695040888963407ULL;
		len = (size_t)(rng >> 33) % (TS_RANDOM_LEN + 1);
		for (i = 0; i < len; i++) {
			rng = rng * 6364136223846793005ULL +
			    1442695040888963407ULL;
			/* one more than the alphabet's letters: NUL */
			text[i] = alphabet[(rng >> 33) % sizeof(alphabet)];
		}
		snprintf(what, sizeof(what), "random file %d", n);
		k = secret_brute(text, len, user, password);
		secret_check(what, text, len, k == 1 ? user : NULL,
		    k == -1 ? NULL : password);
	}
}

/* A token file's content: the first line, whole, or an error. */
Test(secret, token)
{
	static const struct {
		const char	*text;
		size_t		 len;
		const char	*token;		/* NULL: an error */
	} tc[] = {
		{ TS("0123456789abcdef"), "0123456789abcdef" },
		{ TS("0123456789abcdef\n"), "0123456789abcdef" },
		{ TS("0123456789abcdef\r\n"), "0123456789abcdef" },
		{ TS("0123456789abcdef\nsecond line"), "0123456789abcdef" },
		{ TS("!\"#$%&'()*+,-./~"), "!\"#$%&'()*+,-./~" },
		{ TS("0123456789abcde\n"), NULL },	/* 15 bytes */
		{ TS("0123456789abcdef \n"), NULL },	/* nothing trimmed */
		{ TS(" 0123456789abcdef"), NULL },
		{ TS("0123456789\tabcdef"), NULL },
		{ TS("0123456789abcdef\r"), "0123456789abcdef" },
		{ TS("0123456789ab\0cdef"), NULL },
		{ TS("0123456789abcdé"), NULL },
		{ TS(""), NULL },
		{ TS("\n0123456789abcdef"), NULL },
	};
	unsigned char	 buf[SECRET_TOKEN_MAX];
	char		 big[SECRET_TOKEN_MAX + 2];
	const char	*errstr;
	size_t		 i;
	int		 n;

	for (i = 0; i < sizeof(tc) / sizeof(tc[0]); i++) {
		errstr = NULL;
		n = secret_token_parse(tc[i].text, tc[i].len, buf, &errstr);
		if (tc[i].token == NULL) {
			cr_expect_eq(n, -1, "case %zu", i);
			cr_expect_not_null(errstr, "case %zu", i);
			continue;
		}
		cr_expect_eq(n, (int)strlen(tc[i].token), "case %zu", i);
		cr_expect(memcmp(buf, tc[i].token, strlen(tc[i].token)) == 0,
		    "case %zu", i);
	}
	memset(big, 'z', sizeof(big));
	cr_expect_eq(secret_token_parse(big, SECRET_TOKEN_MAX, buf, &errstr),
	    SECRET_TOKEN_MAX);
	cr_expect_eq(secret_token_parse(big, SECRET_TOKEN_MAX + 1, buf,
	    &errstr), -1);
	cr_expect_str_eq(errstr, "the token is longer than 256 bytes");
}
