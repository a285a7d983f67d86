/* Tests for Redis stream IDs: parsing, comparing and printing. */

#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "prng.h"
#include "sid.h"

static int
parse(const char *s, struct sid *id)
{
	return (sid_parse(s, strlen(s), id));
}

Test(sid, parses_ms_and_seq)
{
	struct sid	 id;

	cr_assert_eq(parse("1700000000000-7", &id), 0);
	cr_expect_eq(id.ms, 1700000000000ULL);
	cr_expect_eq(id.seq, 7);
	cr_assert_eq(parse("42", &id), 0, "a bare ms, as Redis allows");
	cr_expect_eq(id.ms, 42);
	cr_expect_eq(id.seq, 0);
	cr_assert_eq(parse("18446744073709551615-18446744073709551615", &id),
	    0);
	cr_expect_eq(id.ms, UINT64_MAX);
	cr_expect_eq(id.seq, UINT64_MAX);
}

Test(sid, refuses_what_is_not_an_id)
{
	static const char *const bad[] = { "", "-", "-1", "1-", "1--2",
	    "1-2-3", "a", "1-a", " 1", "1 ", "+1", "18446744073709551616",
	    "1-18446744073709551616", "0x10" };
	struct sid	 id;
	size_t		 i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		cr_expect_eq(parse(bad[i], &id), -1, "\"%s\" parsed", bad[i]);
	/* the length bounds the parse: no NUL needed */
	cr_assert_eq(sid_parse("12-34xyz", 5, &id), 0);
	cr_expect_eq(id.seq, 34);
}

Test(sid, compares_ms_then_seq)
{
	struct sid	 a = { 5, 9 }, b = { 6, 0 }, c = { 6, 1 }, d = { 6, 1 };

	cr_expect_eq(sid_cmp(&a, &b), -1);
	cr_expect_eq(sid_cmp(&b, &a), 1);
	cr_expect_eq(sid_cmp(&b, &c), -1);
	cr_expect_eq(sid_cmp(&c, &b), 1);
	cr_expect_eq(sid_cmp(&c, &d), 0);
}

/* Random IDs print, parse back to themselves, and order like their text. */
Test(sid, round_trip_randomized)
{
	char		 buf[SID_MAX], want[SID_MAX];
	struct sid	 id, back, prev = { 0, 0 };
	uint64_t	 rng = 11;
	int		 i, n, cmp;

	for (i = 0; i < 10000; i++) {
		id.ms = prng_next(&rng) >> prng_below(&rng, 64);
		id.seq = prng_next(&rng) >> prng_below(&rng, 64);
		n = sid_format(&id, buf, sizeof(buf));
		snprintf(want, sizeof(want), "%llu-%llu",
		    (unsigned long long)id.ms, (unsigned long long)id.seq);
		cr_assert_str_eq(buf, want);
		cr_assert_eq((size_t)n, strlen(want));
		cr_assert_eq(sid_parse(buf, (size_t)n, &back), 0);
		cr_assert_eq(back.ms, id.ms);
		cr_assert_eq(back.seq, id.seq);
		cmp = id.ms != prev.ms ? (id.ms < prev.ms ? -1 : 1) :
		    id.seq != prev.seq ? (id.seq < prev.seq ? -1 : 1) : 0;
		cr_assert_eq(sid_cmp(&id, &prev), cmp);
		prev = id;
	}
}
