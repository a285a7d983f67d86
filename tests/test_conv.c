/* Tests for conversations: the table, the idle order, duplicate ids. */

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conv.h"
#include "hash.h"
#include "prng.h"

#define NIDS	3000

static struct convs	 cs;

static void
setup(void)
{
	convs_init(&cs);
}

static void
teardown(void)
{
	convs_clear(&cs);
	conv_msgid_hash = hash_bytes;
}

TestSuite(conv, .init = setup, .fini = teardown);

static struct conv *
get(const char *id, int create)
{
	size_t		 len = strlen(id);
	uint32_t	 h = conv_hash(id, len);
	struct conv	*c = conv_find(&cs, id, len, h);

	if (c == NULL && create)
		c = conv_new(&cs, id, len, h);
	return (c);
}

Test(conv, idle_order_follows_touches)
{
	struct conv	*a = get("a", 1), *b = get("b", 1), *c = get("c", 1);

	cr_assert_eq(TAILQ_FIRST(&cs.idle), a);
	conv_touch(&cs, a, 10);
	cr_expect_eq(TAILQ_FIRST(&cs.idle), b);
	cr_expect_eq(TAILQ_LAST(&cs.idle, conv_list), a);
	conv_touch(&cs, a, 11);		/* already the most recent */
	cr_expect_eq(TAILQ_LAST(&cs.idle, conv_list), a);
	cr_expect_eq(a->last, 11);
	conv_free(&cs, b);
	cr_expect_eq(TAILQ_FIRST(&cs.idle), c);
	cr_expect_null(get("b", 0));
	cr_expect_eq(get("a", 0), a);
	cr_expect_eq(cs.count, 2);
}

Test(conv, duplicate_message_ids)
{
	struct conv	*c = get("c1", 1);
	char		 id[32];
	int		 i;

	cr_expect_eq(conv_seen(&cs, c, "m1", 2), 0);
	cr_expect_eq(conv_seen(&cs, c, "m1", 2), 1);
	cr_expect_eq(conv_seen(&cs, c, "m2", 2), 0);
	/* the set grows past its first sizes and forgets nothing */
	for (i = 0; i < 1000; i++) {
		snprintf(id, sizeof(id), "x%d", i);
		cr_assert_eq(conv_seen(&cs, c, id, strlen(id)), 0, "%s", id);
	}
	for (i = 0; i < 1000; i++) {
		snprintf(id, sizeof(id), "x%d", i);
		cr_assert_eq(conv_seen(&cs, c, id, strlen(id)), 1, "%s", id);
	}
	cr_expect_eq(c->nmsgids, 1002);
	cr_expect_eq(conv_seen(&cs, get("c2", 1), "m1", 2), 0,
	    "ids are per conversation");
}

/* Past CONV_MAX_MSGIDS new ids are no longer remembered, old ones are. */
Test(conv, message_ids_bounded)
{
	struct conv	*c = get("c1", 1);
	char		 id[32];
	int		 i;

	for (i = 0; i < CONV_MAX_MSGIDS; i++) {
		snprintf(id, sizeof(id), "%d", i);
		cr_assert_eq(conv_seen(&cs, c, id, strlen(id)), 0);
	}
	cr_expect_eq(conv_seen(&cs, c, "new", 3), CONV_SEEN_FULL);
	cr_expect_eq(conv_seen(&cs, c, "new", 3), CONV_SEEN_FULL,
	    "not remembered");
	cr_expect_eq(conv_seen(&cs, c, "0", 1), 1);
	cr_expect_eq(c->nmsgids, CONV_MAX_MSGIDS);
}

/* Every id hashes alike: only comparing the ids tells them apart. */
static uint64_t
hash_same(const void *p, size_t len)
{
	(void)p;
	(void)len;
	return (0x5eed00000000007ULL);
}

/*
 * Two ids with the same hash are two ids (a set of hashes took the
 * second for a duplicate of the first).
 */
Test(conv, colliding_ids_are_not_duplicates)
{
	struct conv	*c = get("c1", 1);

	conv_msgid_hash = hash_same;
	cr_expect_eq(conv_seen(&cs, c, "m1", 2), CONV_SEEN_NEW);
	cr_expect_eq(conv_seen(&cs, c, "m2", 2), CONV_SEEN_NEW,
	    "same hash, another id");
	cr_expect_eq(conv_seen(&cs, c, "m10", 3), CONV_SEEN_NEW);
	cr_expect_eq(conv_seen(&cs, c, "m", 1), CONV_SEEN_NEW);
	cr_expect_eq(conv_seen(&cs, c, "m2", 2), CONV_SEEN_DUP);
	cr_expect_eq(conv_seen(&cs, c, "m1", 2), CONV_SEEN_DUP);
	cr_expect_eq(conv_seen(&cs, c, "m10", 3), CONV_SEEN_DUP);
	cr_expect_eq(c->nmsgids, 4);
}

/*
 * cs.max_msgids bounds the ids held by all conversations: past it a new
 * id is not remembered (and said so), one seen before still is; a
 * conversation freed gives its room back.
 */
Test(conv, message_ids_bounded_in_all)
{
	struct conv	*a = get("a", 1), *b = get("b", 1);

	cs.max_msgids = 3;
	cr_expect_eq(conv_seen(&cs, a, "1", 1), CONV_SEEN_NEW);
	cr_expect_eq(conv_seen(&cs, a, "2", 1), CONV_SEEN_NEW);
	cr_expect_eq(conv_seen(&cs, b, "1", 1), CONV_SEEN_NEW);
	cr_expect_eq(cs.nmsgids, 3);
	cr_expect_eq(conv_seen(&cs, b, "2", 1), CONV_SEEN_FULL);
	cr_expect_eq(conv_seen(&cs, b, "2", 1), CONV_SEEN_FULL,
	    "not remembered");
	cr_expect_eq(conv_seen(&cs, a, "2", 1), CONV_SEEN_DUP);
	conv_free(&cs, a);
	cr_expect_eq(cs.nmsgids, 1);
	cr_expect_eq(conv_seen(&cs, b, "2", 1), CONV_SEEN_NEW);
	cr_expect_eq(conv_seen(&cs, b, "2", 1), CONV_SEEN_DUP);
}

/* Two bits of hash: most ids share a chain with others. */
static uint64_t
hash_tiny(const void *p, size_t len)
{
	const unsigned char	*s = p;

	return ((uint64_t)(s[len - 1] & 1) << 32 | (s[0] & 1));
}

/*
 * Random ids in random conversations, with hashes that collide all the
 * time and a cap in all, against a brute-force list of what each
 * conversation remembers.
 */
Test(conv, message_ids_randomized_against_a_list)
{
	enum { NCONV = 4, NID = 300, CAP = 500 };
	static char	 held[NCONV][NID];	/* the list: remembered */
	struct conv	*c[NCONV];
	char		 name[16], id[300];
	uint64_t	 rng = 11;
	size_t		 total = 0, len;
	enum conv_seen	 want, got;
	int		 step, k, i, j;

	conv_msgid_hash = hash_tiny;
	cs.max_msgids = CAP;
	for (k = 0; k < NCONV; k++) {
		snprintf(name, sizeof(name), "c%d", k);
		c[k] = get(name, 1);
	}
	for (step = 0; step < 20000; step++) {
		k = (int)prng_below(&rng, NCONV);
		i = (int)prng_below(&rng, NID);
		/* ids of many lengths, some prefixes of others */
		len = 1 + (size_t)i % 257;
		for (j = 0; j < (int)len; j++)
			id[j] = (char)('a' + (i + j * (i % 7)) % 26);
		if (held[k][i])
			want = CONV_SEEN_DUP;
		else if (total >= CAP)
			want = CONV_SEEN_FULL;
		else {
			want = CONV_SEEN_NEW;
			held[k][i] = 1;
			total++;
		}
		got = conv_seen(&cs, c[k], id, len);
		cr_assert_eq(got, want, "step %d conv %d id %d", step, k, i);
		if (step % 5000 == 4999) {	/* one forgotten now and then */
			conv_free(&cs, c[k]);
			for (i = 0; i < NID; i++)
				total -= held[k][i];
			memset(held[k], 0, sizeof(held[k]));
			snprintf(name, sizeof(name), "c%d", k);
			c[k] = get(name, 1);
		}
		cr_assert_eq(cs.nmsgids, total);
	}
}

static const int64_t	*model_last;

static int
by_last(const void *x, const void *y)
{
	int64_t	 a = model_last[*(const int *)x], b = model_last[*(const int *)y];

	return (a < b ? -1 : a > b);
}

/*
 * Random creations, touches and frees against a model: an array of the
 * live ids with their last touch; the idle list must be the model sorted
 * by touch, and every id must be found or not as the model says.
 */
Test(conv, randomized_against_a_model)
{
	static int64_t	 last[NIDS];	/* 0: not live */
	static int	 order[NIDS];
	struct conv	*c;
	char		 id[16];
	uint64_t	 rng = 3;
	int64_t		 now = 1;
	size_t		 live = 0, n;
	int		 i, k, step;

	for (step = 0; step < 40000; step++) {
		k = (int)prng_below(&rng, NIDS);
		snprintf(id, sizeof(id), "conv-%d", k);
		c = get(id, 0);
		cr_assert_eq(c != NULL, last[k] != 0, "%s", id);
		if (c == NULL) {
			c = get(id, 1);
			c->last = last[k] = ++now;
			live++;
		} else if (prng_below(&rng, 4) == 0) {
			conv_free(&cs, c);
			last[k] = 0;
			live--;
		} else
			conv_touch(&cs, c, last[k] = ++now);
		cr_assert_eq(cs.count, live);
	}
	/* the model's order: by last touch */
	n = 0;
	for (i = 0; i < NIDS; i++)
		if (last[i] != 0)
			order[n++] = i;
	model_last = last;
	qsort(order, n, sizeof(*order), by_last);
	n = 0;
	TAILQ_FOREACH(c, &cs.idle, idle) {
		snprintf(id, sizeof(id), "conv-%d", order[n++]);
		cr_assert_str_eq(c->id, id);
	}
	cr_assert_eq(n, live);
}

/* The hash follows its key: the same bytes, another key, another hash. */
Test(conv, hash_is_keyed)
{
	static const uint8_t	 k0[HASH_KEYLEN] = { 0 };
	static const uint8_t	 k1[HASH_KEYLEN] = { 1 };
	uint64_t		 a, b, c;

	hash_key_set(k0);
	a = hash_bytes("conversation-1", 14);
	hash_key_set(k1);
	b = hash_bytes("conversation-1", 14);
	c = hash_bytes("conversation-2", 14);
	hash_key_set(k0);
	cr_expect_neq(a, b);
	cr_expect_neq(b, c);
	cr_expect_eq(hash_bytes("conversation-1", 14), a);
}
