/*
 * Tests of the RESP encoder: hand-computed encodings, then random
 * commands read back by hiredis's own reply parser.
 */

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>
#include <hiredis/hiredis.h>

#include "resp.h"

#define TR_RANDOM_CMDS	2000
#define TR_MAX_ARGS	40
#define TR_MAX_ARGLEN	300

/* Asserts that r holds exactly want (len bytes) and nargs arguments. */
static void
tr_expect(const struct resp *r, const char *want, size_t len, size_t nargs)
{
	cr_assert_eq(r->nargs, nargs, "%zu arguments, want %zu", r->nargs,
	    nargs);
	cr_assert_eq(r->len, len, "%zu bytes \"%.*s\", want %zu \"%.*s\"",
	    r->len, (int)r->len, r->buf, len, (int)len, want);
	cr_assert(memcmp(r->buf, want, len) == 0, "got \"%.*s\", want "
	    "\"%.*s\"", (int)r->len, r->buf, (int)len, want);
}

#define TR_EXPECT(r, s, n)	tr_expect((r), (s), sizeof(s) - 1, (n))

Test(resp, one_argument)
{
	struct resp	 r = { 0 };

	resp_addstr(&r, "PING");
	TR_EXPECT(&r, "$4\r\nPING\r\n", 1);
	resp_clear(&r);
	cr_assert(r.buf == NULL && r.len == 0 && r.cap == 0 && r.nargs == 0);
}

Test(resp, empty_string)
{
	struct resp	 r = { 0 };

	resp_addstr(&r, "");
	TR_EXPECT(&r, "$0\r\n\r\n", 1);
	resp_add(&r, NULL, 0);
	TR_EXPECT(&r, "$0\r\n\r\n$0\r\n\r\n", 2);
	resp_clear(&r);
}

/* Bytes are copied as they are: CR LF and NUL inside an argument. */
Test(resp, binary)
{
	struct resp	 r = { 0 };
	static const char bin[] = { 'a', '\r', '\n', '\0', 'b', '\0' };

	resp_add(&r, bin, sizeof(bin));
	TR_EXPECT(&r, "$6\r\na\r\n\0b\0\r\n", 1);
	resp_clear(&r);
}

Test(resp, several_and_reset)
{
	struct resp	 r = { 0 };
	char		*buf;

	resp_addstr(&r, "SET");
	resp_addstr(&r, "k");
	resp_add(&r, "value", 5);
	TR_EXPECT(&r, "$3\r\nSET\r\n$1\r\nk\r\n$5\r\nvalue\r\n", 3);
	buf = r.buf;
	resp_reset(&r);
	cr_assert_eq(r.len, 0);
	cr_assert_eq(r.nargs, 0);
	cr_assert_eq(r.buf, buf, "reset kept the buffer");
	resp_addstr(&r, "GET");
	TR_EXPECT(&r, "$3\r\nGET\r\n", 1);
	resp_clear(&r);
}

/* Many arguments: the buffer grows and keeps what it had. */
Test(resp, many_arguments)
{
	struct resp	 r = { 0 };
	char		 arg[16], *want;
	size_t		 i, len = 0, n = 10000;

	want = malloc(n * 32);
	cr_assert_not_null(want);
	for (i = 0; i < n; i++) {
		snprintf(arg, sizeof(arg), "a%zu", i);
		resp_addstr(&r, arg);
		len += (size_t)sprintf(want + len, "$%zu\r\n%s\r\n",
		    strlen(arg), arg);
	}
	tr_expect(&r, want, len, n);
	free(want);
	resp_clear(&r);
}

/* The length prefix as its digits change: 9, 10, 99, 100, 999, 1000. */
Test(resp, prefix_sizes)
{
	static const size_t	 sizes[] = { 0, 1, 9, 10, 11, 99, 100, 101,
				    999, 1000, 10000, 100000 };
	struct resp		 r = { 0 };
	char			*arg, head[32];
	size_t			 i, n, h;

	arg = malloc(100000);
	cr_assert_not_null(arg);
	memset(arg, 'z', 100000);
	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		n = sizes[i];
		resp_reset(&r);
		resp_add(&r, arg, n);
		h = (size_t)snprintf(head, sizeof(head), "$%zu\r\n", n);
		cr_assert_eq(r.len, h + n + 2, "%zu bytes: length %zu", n,
		    r.len);
		cr_assert(memcmp(r.buf, head, h) == 0, "%zu bytes: prefix "
		    "\"%.*s\"", n, (int)h, r.buf);
		cr_assert(memcmp(r.buf + h, arg, n) == 0);
		cr_assert(memcmp(r.buf + h + n, "\r\n", 2) == 0);
	}
	resp_clear(&r);
	free(arg);
}

Test(resp, header)
{
	char	 buf[RESP_PREFIX_MAX];
	size_t	 n;

	n = resp_header(buf, 0);
	cr_assert(n == 4 && memcmp(buf, "*0\r\n", 4) == 0);
	n = resp_header(buf, 9);
	cr_assert(n == 4 && memcmp(buf, "*9\r\n", 4) == 0);
	n = resp_header(buf, 10);
	cr_assert(n == 5 && memcmp(buf, "*10\r\n", 5) == 0);
	n = resp_header(buf, 12345);
	cr_assert(n == 8 && memcmp(buf, "*12345\r\n", 8) == 0);
	n = resp_header(buf, SIZE_MAX);
	cr_assert_leq(n, RESP_PREFIX_MAX);
	if (SIZE_MAX == UINT64_MAX)
		cr_assert(n == 23 &&
		    memcmp(buf, "*18446744073709551615\r\n", 23) == 0);
}

/* A pipeline: headers between the arguments count as none. */
Test(resp, array_pipeline)
{
	struct resp	 r = { 0 };

	resp_array(&r, 2);
	resp_addstr(&r, "GET");
	resp_addstr(&r, "a");
	resp_array(&r, 1);
	resp_addstr(&r, "PING");
	TR_EXPECT(&r, "*2\r\n$3\r\nGET\r\n$1\r\na\r\n*1\r\n$4\r\nPING\r\n",
	    3);
	resp_clear(&r);
}

static uint64_t
tr_rand(uint64_t *s)
{
	*s = *s * 6364136223846793005ULL + 1442695040888963407ULL;
	return (*s >> 33);
}

/* Fills a random command of binary arguments; returns their number. */
static size_t
tr_random_cmd(uint64_t *s, char args[][TR_MAX_ARGLEN], size_t *lens)
{
	size_t	 nargs, i, j;

	nargs = 1 + tr_rand(s) % TR_MAX_ARGS;
	for (i = 0; i < nargs; i++) {
		lens[i] = tr_rand(s) % TR_MAX_ARGLEN;
		for (j = 0; j < lens[i]; j++)
			args[i][j] = (char)(tr_rand(s) % 256);
	}
	return (nargs);
}

/* Reads one command from rd and checks it is exactly the arguments. */
static void
tr_decode(redisReader *rd, int n, char args[][TR_MAX_ARGLEN],
    const size_t *lens, size_t nargs)
{
	redisReply	*rp;
	void		*reply;
	size_t		 i;

	cr_assert_eq(redisReaderGetReply(rd, &reply), REDIS_OK,
	    "command %d: %s", n, rd->errstr);
	rp = reply;
	cr_assert_not_null(rp, "command %d: incomplete", n);
	cr_assert_eq(rp->type, REDIS_REPLY_ARRAY);
	cr_assert_eq(rp->elements, nargs, "command %d: %zu arguments, want "
	    "%zu", n, rp->elements, nargs);
	for (i = 0; i < nargs; i++) {
		cr_assert_eq(rp->element[i]->type, REDIS_REPLY_STRING);
		cr_assert_eq(rp->element[i]->len, lens[i], "command %d "
		    "argument %zu: %zu bytes, want %zu", n, i,
		    rp->element[i]->len, lens[i]);
		cr_assert(memcmp(rp->element[i]->str, args[i], lens[i]) == 0,
		    "command %d argument %zu differs", n, i);
	}
	freeReplyObject(rp);
}

/*
 * Random commands of random binary arguments, two at a time in one
 * buffer as a pipeline, read back by hiredis's reader fed in two parts
 * split anywhere: the same arguments come back, and nothing more.
 */
Test(resp, random_decoded_by_hiredis)
{
	static char	 a1[TR_MAX_ARGS][TR_MAX_ARGLEN];
	static char	 a2[TR_MAX_ARGS][TR_MAX_ARGLEN];
	size_t		 l1[TR_MAX_ARGS], l2[TR_MAX_ARGS], n1, n2, i, cut;
	struct resp	 r = { 0 };
	redisReader	*rd;
	void		*reply;
	uint64_t	 s = 1;
	int		 n;

	for (n = 0; n < TR_RANDOM_CMDS; n++) {
		n1 = tr_random_cmd(&s, a1, l1);
		n2 = tr_random_cmd(&s, a2, l2);
		resp_reset(&r);
		resp_array(&r, n1);
		for (i = 0; i < n1; i++)
			resp_add(&r, a1[i], l1[i]);
		resp_array(&r, n2);
		for (i = 0; i < n2; i++)
			resp_add(&r, a2[i], l2[i]);
		cr_assert_eq(r.nargs, n1 + n2);

		rd = redisReaderCreate();
		cr_assert_not_null(rd);
		cut = tr_rand(&s) % (r.len + 1);
		cr_assert_eq(redisReaderFeed(rd, r.buf, cut), REDIS_OK);
		cr_assert_eq(redisReaderFeed(rd, r.buf + cut, r.len - cut),
		    REDIS_OK);
		tr_decode(rd, n, a1, l1, n1);
		tr_decode(rd, n, a2, l2, n2);
		cr_assert_eq(redisReaderGetReply(rd, &reply), REDIS_OK);
		cr_assert_null(reply, "command %d: bytes left over", n);
		redisReaderFree(rd);
	}
	resp_clear(&r);
}
