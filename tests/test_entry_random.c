/*
 * Tests for entry.c, randomized: generated events through both entry
 * forms and back, random damage to them, and the UTF-8 validator, each
 * checked against an independent recomputation.  Fixed seeds give the
 * same cases on every run.
 */

#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>
#include <jansson.h>

#include "entry.h"
#include "evcheck.h"
#include "prng.h"

#define WALL	1700000000000LL		/* the wall clock in every test */
#define FUT	300000LL		/* ingest.max_future_ms */
#define ID	"1700000000000-0"	/* its ms part is WALL */
#define MAXF	64

/* An independent strict UTF-8 check: decode, then judge the code point. */
static int
ref_utf8(const unsigned char *s, size_t len)
{
	size_t		 i, n, k;
	uint32_t	 cp, min;

	for (i = 0; i < len; i += n + 1) {
		if (s[i] < 0x80) {
			n = 0;
			cp = s[i];
			min = 1;
		} else if ((s[i] & 0xe0) == 0xc0) {
			n = 1;
			cp = s[i] & 0x1f;
			min = 0x80;
		} else if ((s[i] & 0xf0) == 0xe0) {
			n = 2;
			cp = s[i] & 0x0f;
			min = 0x800;
		} else if ((s[i] & 0xf8) == 0xf0) {
			n = 3;
			cp = s[i] & 0x07;
			min = 0x10000;
		} else
			return (0);
		if (len - i - 1 < n)
			return (0);
		for (k = 1; k <= n; k++) {
			if ((s[i + k] & 0xc0) != 0x80)
				return (0);
			cp = cp << 6 | (s[i + k] & 0x3f);
		}
		if (cp < min || cp > 0x10ffff ||
		    (cp >= 0xd800 && cp <= 0xdfff))
			return (0);
	}
	return (1);
}

/* Uniform enough in [0, n) for any n, from the shared PRNG. */
static uint64_t
rndn(uint64_t *s, uint64_t n)
{
	return (prng_next(s) % n);
}

/* Random printable ASCII, JSON specials and multibyte characters. */
static size_t
rand_utf8(uint64_t *s, char *buf, size_t target)
{
	static const uint32_t edges[] = {
		0x1, 0x1f, 0x22, 0x5c, 0x7f, 0x80, 0x7ff, 0x800, 0xd7ff,
		0xe000, 0xfeff, 0xfffd, 0xffff, 0x10000, 0x1f600, 0x10ffff
	};
	size_t		 n, len;
	uint32_t	 cp;

	n = 0;
	while (n < target) {
		switch (rndn(s, 8)) {
		case 0:
		case 1:
		case 2:
		case 3:
			cp = 0x20 + (uint32_t)rndn(s, 0x5f);
			break;
		case 4:
			cp = 0x80 + (uint32_t)rndn(s, 0x780);
			break;
		case 5:
			cp = 0x800 + (uint32_t)rndn(s, 0xf800);
			if (cp >= 0xd800 && cp <= 0xdfff)
				cp -= 0x800;
			break;
		case 6:
			cp = 0x10000 + (uint32_t)rndn(s, 0x100000);
			break;
		default:
			cp = edges[rndn(s, sizeof(edges) / sizeof(edges[0]))];
			break;
		}
		len = cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
		if (len > target - n) {
			cp = 'x';
			len = 1;
		}
		switch (len) {
		case 1:
			buf[n] = (char)cp;
			break;
		case 2:
			buf[n] = (char)(0xc0 | cp >> 6);
			buf[n + 1] = (char)(0x80 | (cp & 0x3f));
			break;
		case 3:
			buf[n] = (char)(0xe0 | cp >> 12);
			buf[n + 1] = (char)(0x80 | (cp >> 6 & 0x3f));
			buf[n + 2] = (char)(0x80 | (cp & 0x3f));
			break;
		default:
			buf[n] = (char)(0xf0 | cp >> 18);
			buf[n + 1] = (char)(0x80 | (cp >> 12 & 0x3f));
			buf[n + 2] = (char)(0x80 | (cp >> 6 & 0x3f));
			buf[n + 3] = (char)(0x80 | (cp & 0x3f));
			break;
		}
		n += len;
	}
	return (n);
}

static size_t
rand_len(uint64_t *s)
{
	switch (rndn(s, 6)) {
	case 0:
		return (ENTRY_MAX_ID);
	case 1:
		return (1);
	case 2:
		return (1 + rndn(s, ENTRY_MAX_ID));
	default:
		return (1 + rndn(s, 24));
	}
}

/* A random valid event, kept as the values to compare against. */
struct gen {
	int64_t		 ts;
	int		 tsfromid;
	char		 id[64];
	int		 type;
	int		 role;
	char		 str[4][ENTRY_MAX_ID];	/* conv, agent, team, msgid */
	size_t		 len[4];		/* 0: absent */
};

static const char *const gen_names[4] = {
	"conversation", "agent", "team", "message_id"
};
static const char *const type_names[3] = { "message", "assign", "close" };
static const char *const role_names[5] = {
	NULL, "customer", "agent", "bot", "system"
};

static void
gen_event(uint64_t *s, struct gen *g)
{
	int64_t		 idms;
	int		 i;

	memset(g, 0, sizeof(*g));
	g->type = (int)rndn(s, 3);
	if (g->type == TYPE_MESSAGE)
		g->role = 1 + (int)rndn(s, 4);
	else
		g->role = (int)rndn(s, 5);
	for (i = 0; i < 4; i++)
		if (i == 0 || rndn(s, 2) == 0 || (i == 1 &&
		    (g->role == ROLE_AGENT || g->type == TYPE_ASSIGN)))
			g->len[i] = rand_utf8(s, g->str[i], rand_len(s));
	switch (rndn(s, 5)) {
	case 0:
		g->ts = ENTRY_MIN_TS;
		break;
	case 1:
		g->ts = WALL + FUT;
		break;
	default:
		g->ts = ENTRY_MIN_TS +
		    (int64_t)rndn(s, (uint64_t)(WALL + FUT - ENTRY_MIN_TS + 1));
		break;
	}
	g->tsfromid = rndn(s, 4) == 0;
	idms = g->tsfromid ? g->ts : (int64_t)rndn(s, 1ULL << 50);
	snprintf(g->id, sizeof(g->id), "%" PRId64 "-%" PRIu64, idms,
	    rndn(s, 3) == 0 ? prng_next(s) : rndn(s, 10));
}

/* Fields copied to exact-size heap buffers, so ASan sees any overread. */
struct owned {
	struct entry_field	 f[MAXF];
	char			*name[MAXF];
	char			*val[MAXF];
	size_t			 n;
};

static void
own_add(struct owned *o, const char *name, size_t nl, const char *v,
    size_t vl)
{
	cr_assert_lt(o->n, MAXF);
	o->name[o->n] = malloc(nl > 0 ? nl : 1);
	o->val[o->n] = malloc(vl > 0 ? vl : 1);
	cr_assert(o->name[o->n] != NULL && o->val[o->n] != NULL);
	memcpy(o->name[o->n], name, nl);
	memcpy(o->val[o->n], v, vl);
	o->f[o->n].name = o->name[o->n];
	o->f[o->n].namelen = nl;
	o->f[o->n].value = o->val[o->n];
	o->f[o->n].valuelen = vl;
	o->n++;
}

static void
own_adds(struct owned *o, const char *name, const char *v)
{
	own_add(o, name, strlen(name), v, strlen(v));
}

static void
own_free(struct owned *o)
{
	size_t	 i;

	for (i = 0; i < o->n; i++) {
		free(o->name[i]);
		free(o->val[i]);
	}
	o->n = 0;
}

static const char *const junk_names[] = {
	"text", "conv", "Conversation", "conversation_", "ts_", "t", "tss",
	"jsn", "json2", "roles", "agent_id", "teams", "message", "id"
};

/* Flat fields in random order, with unknown and overridden fields. */
static void
gen_flat(uint64_t *s, const struct gen *g, struct owned *o)
{
	char		 digits[32];
	const char	*names[8], *vals[8], *tn, *tv;
	size_t		 lens[8], tl, n, i, j, k;

	n = 0;
	for (i = 0; i < 4; i++) {
		if (g->len[i] == 0)
			continue;
		names[n] = gen_names[i];
		vals[n] = g->str[i];
		lens[n++] = g->len[i];
	}
	if (g->type != TYPE_MESSAGE || rndn(s, 2) == 0) {
		names[n] = "type";
		vals[n] = type_names[g->type];
		lens[n++] = strlen(type_names[g->type]);
	}
	if (g->role != ROLE_NONE) {
		names[n] = "role";
		vals[n] = role_names[g->role];
		lens[n++] = strlen(role_names[g->role]);
	}
	if (!g->tsfromid) {
		/* Leading zeros are fine up to 19 digits. */
		snprintf(digits, sizeof(digits), "%0*" PRId64,
		    (int)rndn(s, 20), g->ts);
		names[n] = "ts";
		vals[n] = digits;
		lens[n++] = strlen(digits);
	}
	for (i = n; i > 1; i--) {
		j = rndn(s, i);
		tn = names[i - 1];
		tv = vals[i - 1];
		tl = lens[i - 1];
		names[i - 1] = names[j];
		vals[i - 1] = vals[j];
		lens[i - 1] = lens[j];
		names[j] = tn;
		vals[j] = tv;
		lens[j] = tl;
	}
	o->n = 0;
	for (i = 0; i < n; i++) {
		for (k = rndn(s, 3); k > 0; k--)
			own_adds(o, junk_names[rndn(s, sizeof(junk_names) /
			    sizeof(junk_names[0]))], "\xff");
		if (rndn(s, 6) == 0)	/* overridden by the one below */
			own_adds(o, names[i], rndn(s, 2) ? "" : "\xc0\xaf");
		own_add(o, names[i], strlen(names[i]), vals[i], lens[i]);
	}
}

/* The same event as one json field, encoded by jansson. */
static void
gen_json(uint64_t *s, const struct gen *g, struct owned *o)
{
	json_t		*root;
	char		*text, digits[32];
	size_t		 i;

	root = json_object();
	for (i = 0; i < 4; i++) {
		if (g->len[i] > 0)
			json_object_set_new(root, gen_names[i],
			    json_stringn(g->str[i], g->len[i]));
		else if (rndn(s, 3) == 0)
			json_object_set_new(root, gen_names[i], json_null());
	}
	if (g->type != TYPE_MESSAGE || rndn(s, 2) == 0)
		json_object_set_new(root, "type",
		    json_string(type_names[g->type]));
	if (g->role != ROLE_NONE)
		json_object_set_new(root, "role",
		    json_string(role_names[g->role]));
	else if (rndn(s, 2) == 0)
		json_object_set_new(root, "role", json_null());
	if (!g->tsfromid) {
		switch (rndn(s, 3)) {
		case 0:
			json_object_set_new(root, "ts", json_integer(g->ts));
			break;
		case 1:
			json_object_set_new(root, "ts",
			    json_real((double)g->ts));
			break;
		default:
			snprintf(digits, sizeof(digits), "%" PRId64, g->ts);
			json_object_set_new(root, "ts", json_string(digits));
			break;
		}
	} else if (rndn(s, 2) == 0)
		json_object_set_new(root, "ts", json_null());
	if (rndn(s, 2) == 0)
		json_object_set_new(root, "extra", json_pack("{s:[i,s,f]}",
		    "ts", 1, "x", 0.5));
	text = json_dumps(root, JSON_COMPACT |
	    (rndn(s, 2) ? JSON_ENSURE_ASCII : 0) |
	    (rndn(s, 2) ? JSON_SORT_KEYS : 0));
	cr_assert_not_null(text, "json_dumps");
	o->n = 0;
	if (rndn(s, 2) == 0)
		own_adds(o, "conversation", "");
	own_adds(o, "json", text);
	if (rndn(s, 2) == 0)
		own_adds(o, "ts", "garbage");
	free(text);
	json_decref(root);
}

static void
check_gen(const struct chat_event *ev, const struct gen *g)
{
	cr_assert_eq(ev->ts, g->ts);
	cr_assert_eq(ev->seq, 0);
	cr_assert_eq((int)ev->type, g->type);
	cr_assert_eq((int)ev->role, g->role);
	evcheck_str("conversation", ev->conv, ev->convlen,
	    g->len[0] ? g->str[0] : NULL, g->len[0]);
	evcheck_str("agent", ev->agent, ev->agentlen,
	    g->len[1] ? g->str[1] : NULL, g->len[1]);
	evcheck_str("team", ev->team, ev->teamlen,
	    g->len[2] ? g->str[2] : NULL, g->len[2]);
	evcheck_str("message_id", ev->msgid, ev->msgidlen,
	    g->len[3] ? g->str[3] : NULL, g->len[3]);
}

Test(entry, random_roundtrip)
{
	static const uint64_t seeds[] = { 1, 0x9e3779b97f4a7c15ULL, 20240611 };
	struct owned	 o = { .n = 0 };
	struct gen	 g;
	struct chat_event	*ev;
	enum reason	 r;
	uint64_t	 s;
	size_t		 i;
	int		 n;

	for (i = 0; i < sizeof(seeds) / sizeof(seeds[0]); i++) {
		s = seeds[i];
		for (n = 0; n < 1500; n++) {
			gen_event(&s, &g);
			gen_flat(&s, &g, &o);
			ev = entry_parse(g.id, o.f, o.n, WALL, FUT, &r);
			cr_assert_not_null(ev, "seed %zu case %d flat: %s", i,
			    n, evcheck_reason(r));
			check_gen(ev, &g);
			chat_event_free(ev);
			own_free(&o);

			gen_json(&s, &g, &o);
			ev = entry_parse(g.id, o.f, o.n, WALL, FUT, &r);
			cr_assert_not_null(ev, "seed %zu case %d json: %s", i,
			    n, evcheck_reason(r));
			check_gen(ev, &g);
			chat_event_free(ev);
			own_free(&o);
		}
	}
}

/* The last flat field of this name, or NULL. */
static const struct entry_field *
last_field(const struct owned *o, const char *name)
{
	const struct entry_field	*f;
	size_t				 i;

	f = NULL;
	for (i = 0; i < o->n; i++)
		if (o->f[i].namelen == strlen(name) &&
		    memcmp(o->f[i].name, name, o->f[i].namelen) == 0)
			f = &o->f[i];
	return (f);
}

static void
check_same(const char *what, const char *got, uint16_t len,
    const struct entry_field *f)
{
	evcheck_str(what, got, len, f ? f->value : NULL, f ? f->valuelen : 0);
}

/* What any accepted event must satisfy, whatever the input. */
static void
check_wellformed(const struct chat_event *ev)
{
	const char	*s[4] = { ev->conv, ev->agent, ev->team, ev->msgid };
	uint16_t	 l[4] = { ev->convlen, ev->agentlen, ev->teamlen,
	    ev->msgidlen };
	int		 i;

	cr_assert_not_null(ev->conv);
	cr_assert_geq(ev->ts, ENTRY_MIN_TS);
	cr_assert_leq(ev->ts, WALL + FUT);
	cr_assert_eq(ev->seq, 0);
	cr_assert(ev->type >= TYPE_MESSAGE && ev->type <= TYPE_CLOSE);
	cr_assert(ev->role >= ROLE_NONE && ev->role <= ROLE_SYSTEM);
	cr_assert(ev->role != ROLE_NONE || ev->type != TYPE_MESSAGE);
	if (ev->role == ROLE_AGENT || ev->type == TYPE_ASSIGN)
		cr_assert_not_null(ev->agent);
	for (i = 0; i < 4; i++) {
		if (s[i] == NULL) {
			cr_assert_eq(l[i], 0);
			continue;
		}
		cr_assert(l[i] >= 1 && l[i] <= ENTRY_MAX_ID);
		cr_assert_eq(s[i][l[i]], '\0');
		cr_assert_eq(strlen(s[i]), l[i]);
		cr_assert(ref_utf8((const unsigned char *)s[i], l[i]));
	}
}

static const char *const interesting[] = {
	"", "0", "-1", "message", "assign", "close", "customer", "agent",
	"bot", "system", "\xed\xa0\x80", "\xc0\xaf", "{}", "[]", "null",
	"99999999999999999999", "946684799999", "1700000300001",
	"{\"conversation\":\"c\",\"role\":\"bot\"}"
};

/* Applies one random damage to a copy of the entry. */
static void
mutate(uint64_t *s, struct owned *o, char *id)
{
	const char	*p;
	char		 buf[300];
	size_t		 i, len, k;

	i = o->n > 0 ? rndn(s, o->n) : 0;
	switch (rndn(s, 9)) {
	case 0:		/* flip a bit of a value */
	case 1:
		if (o->n == 0 || o->f[i].valuelen == 0)
			break;
		o->val[i][rndn(s, o->f[i].valuelen)] ^=
		    (char)(1 << rndn(s, 8));
		break;
	case 2:		/* set a byte of a value */
		if (o->n == 0 || o->f[i].valuelen == 0)
			break;
		o->val[i][rndn(s, o->f[i].valuelen)] = (char)prng_next(s);
		break;
	case 3:		/* truncate a value */
		if (o->n == 0 || o->f[i].valuelen == 0)
			break;
		o->f[i].valuelen = rndn(s, o->f[i].valuelen);
		break;
	case 4:		/* flip a bit of a name */
		if (o->n == 0 || o->f[i].namelen == 0)
			break;
		o->name[i][rndn(s, o->f[i].namelen)] ^=
		    (char)(1 << rndn(s, 8));
		break;
	case 5:		/* drop a field */
		if (o->n == 0)
			break;
		free(o->name[i]);
		free(o->val[i]);
		o->n--;
		memmove(&o->f[i], &o->f[i + 1], (o->n - i) * sizeof(o->f[0]));
		memmove(&o->name[i], &o->name[i + 1],
		    (o->n - i) * sizeof(o->name[0]));
		memmove(&o->val[i], &o->val[i + 1],
		    (o->n - i) * sizeof(o->val[0]));
		break;
	case 6:		/* append a known field with random bytes */
		len = rndn(s, 4) == 0 ? rndn(s, sizeof(buf)) : rndn(s, 8);
		for (k = 0; k < len; k++)
			buf[k] = (char)prng_next(s);
		p = gen_names[rndn(s, 4)];
		if (rndn(s, 3) == 0)
			p = rndn(s, 2) ? "ts" : "role";
		if (o->n < MAXF)
			own_add(o, p, strlen(p), buf, len);
		break;
	case 7:		/* append a known field with a tricky value */
		p = interesting[rndn(s,
		    sizeof(interesting) / sizeof(interesting[0]))];
		if (o->n < MAXF)
			own_adds(o, rndn(s, 8) == 0 ? "json" :
			    rndn(s, 2) ? "type" : "role", p);
		break;
	default:	/* damage the id */
		len = strlen(id);
		if (len == 0)
			break;
		if (rndn(s, 2))
			id[rndn(s, len)] = (char)(1 + rndn(s, 255));
		else
			id[rndn(s, len)] = '\0';
		break;
	}
}

Test(entry, random_mutation)
{
	static const uint64_t seeds[] = { 7, 0xdeadbeefcafeULL, 424242 };
	struct owned			 o = { .n = 0 };
	struct gen			 g;
	struct chat_event			*ev;
	const struct entry_field	*jf;
	enum reason			 r;
	uint64_t			 s;
	size_t				 i;
	int				 n, m, accepted, refused;

	accepted = refused = 0;
	for (i = 0; i < sizeof(seeds) / sizeof(seeds[0]); i++) {
		s = seeds[i];
		for (n = 0; n < 2000; n++) {
			gen_event(&s, &g);
			if (rndn(&s, 3) == 0)
				gen_json(&s, &g, &o);
			else
				gen_flat(&s, &g, &o);
			for (m = 1 + (int)rndn(&s, 3); m > 0; m--)
				mutate(&s, &o, g.id);
			r = (enum reason)-42;
			ev = entry_parse(g.id, o.f, o.n, WALL, FUT, &r);
			if (ev == NULL) {
				cr_assert(r >= 0 && r < REASON_COUNT &&
				    r != REASON_LATE, "seed %zu case %d: "
				    "reason %d", i, n, (int)r);
				refused++;
				own_free(&o);
				continue;
			}
			accepted++;
			cr_assert_eq(r, REASON_NONE);
			check_wellformed(ev);
			/* Flat entries: the event holds the last values. */
			jf = last_field(&o, "json");
			if (jf == NULL) {
				check_same("conversation", ev->conv,
				    ev->convlen, last_field(&o,
				    "conversation"));
				check_same("agent", ev->agent, ev->agentlen,
				    last_field(&o, "agent"));
				check_same("team", ev->team, ev->teamlen,
				    last_field(&o, "team"));
				check_same("message_id", ev->msgid,
				    ev->msgidlen, last_field(&o,
				    "message_id"));
			}
			chat_event_free(ev);
			own_free(&o);
		}
	}
	/* Both outcomes must be common, or the test proves little. */
	cr_assert_gt(accepted, 1000, "accepted %d", accepted);
	cr_assert_gt(refused, 1000, "refused %d", refused);
}

/* Whether the parser takes these bytes as a conversation id. */
static int
utf8_accepted(const unsigned char *b, size_t len)
{
	struct entry_field	 f[2];
	struct chat_event		*ev;
	enum reason		 r;
	char			*copy;

	copy = malloc(len);
	cr_assert_not_null(copy);
	memcpy(copy, b, len);
	f[0].name = "role";
	f[0].namelen = 4;
	f[0].value = "bot";
	f[0].valuelen = 3;
	f[1].name = "conversation";
	f[1].namelen = 12;
	f[1].value = copy;
	f[1].valuelen = len;
	ev = entry_parse(ID, f, 2, WALL, FUT, &r);
	free(copy);
	if (ev == NULL) {
		cr_assert_eq(r, REASON_BAD_CONVERSATION, "got %s", evcheck_reason(r));
		return (0);
	}
	chat_event_free(ev);
	return (1);
}

static void
utf8_case(const unsigned char *b, size_t len, int *good)
{
	int	 want_ok;

	want_ok = ref_utf8(b, len);
	if (utf8_accepted(b, len) != want_ok)
		cr_assert_fail("%02x %02x %02x %02x (len %zu): reference %d",
		    b[0], len > 1 ? b[1] : 0, len > 2 ? b[2] : 0,
		    len > 3 ? b[3] : 0, len, want_ok);
	*good += want_ok;
}

/*
 * The validator against the decoding reference: every 1- and 2-byte
 * string, all 3-byte strings after the tricky leads, the edges of the
 * 4-byte forms, and random strings of boundary bytes.
 */
Test(entry, utf8_against_reference)
{
	static const unsigned char leads3[] = {
		0xe0, 0xe1, 0xec, 0xed, 0xee, 0xef, 0xf0, 0xf4
	};
	static const unsigned char edge[] = {
		0x00, 0x01, 0x28, 0x7f, 0x80, 0x8f, 0x90, 0x9f, 0xa0, 0xbf,
		0xc0, 0xc1, 0xc2, 0xdf, 0xe0, 0xed, 0xef, 0xf0, 0xf4, 0xf5,
		0xff
	};
	unsigned char	 b[16];
	uint64_t	 s;
	size_t		 i, j, k, l, len;
	int		 good, n;

	good = 0;
	for (i = 0; i < 256; i++) {
		b[0] = (unsigned char)i;
		utf8_case(b, 1, &good);
		for (j = 0; j < 256; j++) {
			b[1] = (unsigned char)j;
			utf8_case(b, 2, &good);
		}
	}
	/* 0x01..0x7f, then U+0080..U+07FF. */
	cr_assert_eq(good, 127 + 127 * 127 + 1920);

	good = 0;
	for (i = 0; i < sizeof(leads3); i++) {
		b[0] = leads3[i];
		for (j = 0; j < 256; j++)
			for (k = 0; k < 256; k++) {
				b[1] = (unsigned char)j;
				b[2] = (unsigned char)k;
				utf8_case(b, 3, &good);
			}
	}
	/*
	 * e0: 32*64; e1, ec, ee, ef: 64*64 each; ed: 32*64; f0, f4: none
	 * (too short); plus ASCII triples and 2-byte-then-ASCII: none,
	 * since every lead here is >= 0xe0.
	 */
	cr_assert_eq(good, 32 * 64 + 4 * 64 * 64 + 32 * 64);

	good = 0;
	for (i = 0xf0; i <= 0xf5; i++)
		for (j = 0; j < 256; j++)
			for (k = 0; k < sizeof(edge); k++)
				for (l = 0; l < sizeof(edge); l++) {
					b[0] = (unsigned char)i;
					b[1] = (unsigned char)j;
					b[2] = edge[k];
					b[3] = edge[l];
					utf8_case(b, 4, &good);
				}
	/* f0: 48 second bytes, f1-f3: 64, f4: 16; 6 * 6 good tails each. */
	cr_assert_eq(good, (48 + 3 * 64 + 16) * 36);

	s = 12345;
	good = 0;
	for (n = 0; n < 100000; n++) {
		len = 1 + rndn(&s, sizeof(b));
		for (i = 0; i < len; i++)
			b[i] = rndn(&s, 4) == 0 ? (unsigned char)('a' +
			    rndn(&s, 26)) : edge[rndn(&s, sizeof(edge))];
		utf8_case(b, len, &good);
	}
	cr_assert_gt(good, 1000, "only %d valid random strings", good);
}
