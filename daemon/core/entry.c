/* Stream entry -> chat event: the section 1 rules, checked in order. */

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "entry.h"
#include "xmalloc.h"

/* gcc says ASan is on by a macro, clang by __has_feature. */
#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define ENTRY_HAS_ASAN	1
#endif
#endif
#ifndef ENTRY_HAS_ASAN
#define ENTRY_HAS_ASAN	0
#endif

const char *const reason_names[REASON_COUNT] = {
#define REASON_NAME(id, name) name,
	REASON_TABLE(REASON_NAME)
#undef REASON_NAME
};


/* True when a string of decimal digits fits an unsigned 64-bit number. */
static int
entry_u64_fits(const char *p, size_t len)
{
	static const char	 max[] = "18446744073709551615";

	while (len > 1 && *p == '0') {
		p++;
		len--;
	}
	if (len != sizeof(max) - 1)
		return (len < sizeof(max) - 1);
	return (memcmp(p, max, len) <= 0);
}

/*
 * Events live in the reorder buffer for about a batch, a thousand or
 * more at a time: too many for malloc's per-size caches, so most come
 * from a free list of fixed blocks instead.  Sanitizer builds skip the
 * pool, to keep every use after free visible.
 */
#define EVENT_BLOCK	256
#define EVENT_POOL_MAX	8192

union event_block {
	union event_block	*next;
	struct chat_event		 ev;
	char			 bytes[EVENT_BLOCK];
};

static union event_block	*event_pool;
static size_t			 event_pool_len;

static struct chat_event *
chat_event_alloc(size_t size)
{
	union event_block	*b;
	struct chat_event		*ev;

#if defined(__SANITIZE_ADDRESS__) || ENTRY_HAS_ASAN
	ev = xmalloc(size);
	ev->pooled = 0;
	return (ev);
#endif
	if (size > EVENT_BLOCK) {
		ev = xmalloc(size);
		ev->pooled = 0;
		return (ev);
	}
	if ((b = event_pool) != NULL) {
		event_pool = b->next;
		event_pool_len--;
	} else
		b = xmalloc(sizeof(*b));
	b->ev.pooled = 1;
	return (&b->ev);
}

/* The fields we know; the JSON lookup walks them up to KEY_JSON. */
enum entry_key {
	KEY_NONE = -1,
	KEY_CONV,
	KEY_ROLE,
	KEY_TYPE,
	KEY_AGENT,
	KEY_TEAM,
	KEY_MSGID,
	KEY_TS,
	KEY_JSON,
	KEY_COUNT
};

static const char *const entry_keys[KEY_COUNT] = {
	"conversation", "role", "type", "agent", "team", "message_id", "ts",
	"json"
};

/* How a field arrived.  RAW_ABSENT must stay 0: the raw arrays are zeroed. */
enum raw_kind {
	RAW_ABSENT,
	RAW_STRING,	/* p, len: bytes, not NUL-terminated */
	RAW_NUMBER,	/* num: a JSON integer or integral real (ts only) */
	RAW_WRONG	/* another JSON type */
};

struct raw {
	enum raw_kind	 kind;
	const char	*p;
	size_t		 len;
	int64_t		 num;
};

struct word {
	const char	*name;
	size_t		 len;
	int		 value;
};

static const struct word entry_types[] = {
	{ "message", 7, TYPE_MESSAGE },
	{ "assign", 6, TYPE_ASSIGN },
	{ "close", 5, TYPE_CLOSE }
};

static const struct word entry_roles[] = {
	{ "customer", 8, ROLE_CUSTOMER },
	{ "agent", 5, ROLE_AGENT },
	{ "bot", 3, ROLE_BOT },
	{ "system", 6, ROLE_SYSTEM }
};

#define NITEMS(a)	(sizeof(a) / sizeof((a)[0]))

/* Maps a flat field name to its key; a switch on the length keeps it cheap. */
static enum entry_key
entry_key_find(const char *name, size_t len)
{
	/* Constant-length compares: the compiler inlines each one. */
#define KEY_IS(k, lit)							\
	(memcmp(name, lit, sizeof(lit) - 1) == 0 ? (k) : KEY_NONE)
	switch (len) {
	case 2:
		return (KEY_IS(KEY_TS, "ts"));
	case 4:
		switch (name[0]) {
		case 'r':
			return (KEY_IS(KEY_ROLE, "role"));
		case 't':
			if (name[1] == 'y')
				return (KEY_IS(KEY_TYPE, "type"));
			return (KEY_IS(KEY_TEAM, "team"));
		case 'j':
			return (KEY_IS(KEY_JSON, "json"));
		}
		return (KEY_NONE);
	case 5:
		return (KEY_IS(KEY_AGENT, "agent"));
	case 10:
		return (KEY_IS(KEY_MSGID, "message_id"));
	case 12:
		return (KEY_IS(KEY_CONV, "conversation"));
	}
	return (KEY_NONE);
#undef KEY_IS
}

/*
 * Strict UTF-8 (Unicode table 3-7): no overlongs, no surrogates, nothing
 * above U+10FFFF, and no NUL, since these strings become JSON keys.
 */
static int
entry_utf8_valid(const unsigned char *s, size_t len)
{
	size_t		 i, n, k;
	unsigned char	 c, lo, hi;

	i = 0;
	while (i < len) {
		/* Eight ASCII bytes, none of them NUL, at a time. */
		while (len - i >= 8) {
			uint64_t	 w;

			memcpy(&w, s + i, 8);
			if ((w & 0x8080808080808080ULL) != 0 ||
			    ((w - 0x0101010101010101ULL) & ~w &
			    0x8080808080808080ULL) != 0)
				break;
			i += 8;
		}
		if (i == len)
			break;
		c = s[i];
		if (c >= 0x01 && c <= 0x7f) {
			i++;
			continue;
		}
		if (c >= 0xc2 && c <= 0xdf)
			n = 1;
		else if (c >= 0xe0 && c <= 0xef)
			n = 2;
		else if (c >= 0xf0 && c <= 0xf4)
			n = 3;
		else
			return (0);
		if (len - i - 1 < n)
			return (0);
		lo = 0x80;
		hi = 0xbf;
		switch (c) {
		case 0xe0:
			lo = 0xa0;	/* overlong */
			break;
		case 0xed:
			hi = 0x9f;	/* surrogates */
			break;
		case 0xf0:
			lo = 0x90;	/* overlong */
			break;
		case 0xf4:
			hi = 0x8f;	/* above U+10FFFF */
			break;
		}
		if (s[i + 1] < lo || s[i + 1] > hi)
			return (0);
		for (k = 2; k <= n; k++)
			if ((s[i + k] & 0xc0) != 0x80)
				return (0);
		i += n + 1;
	}
	return (1);
}

/* Checks a present identifier: 1..ENTRY_MAX_ID bytes of strict UTF-8. */
static enum reason
entry_check_name(const struct raw *r, enum reason empty, enum reason oversize,
    enum reason bad)
{
	if (r->kind != RAW_STRING)
		return (bad);
	if (r->len == 0)
		return (empty);
	if (r->len > ENTRY_MAX_ID)
		return (oversize);
	if (!entry_utf8_valid((const unsigned char *)r->p, r->len))
		return (bad);
	return (REASON_NONE);
}

/* Returns the value of the word that r spells exactly, or -1. */
static int
entry_word(const struct raw *r, const struct word *words, size_t nwords)
{
	size_t	 i;

	if (r->kind != RAW_STRING)
		return (-1);
	for (i = 0; i < nwords; i++)
		if (r->len == words[i].len &&
		    memcmp(r->p, words[i].name, r->len) == 0)
			return (words[i].value);
	return (-1);
}

/* Parses 1..19 ASCII digits that fit an int64_t; nothing else. */
static int
entry_digits(const char *p, size_t len, int64_t *out)
{
	uint64_t	 v;
	size_t		 i;

	if (len == 0 || len > 19)
		return (-1);
	v = 0;
	for (i = 0; i < len; i++) {
		if (p[i] < '0' || p[i] > '9')
			return (-1);
		v = v * 10 + (uint64_t)(p[i] - '0');	/* < 10^19 < 2^64 */
	}
	if (v > INT64_MAX)
		return (-1);
	*out = (int64_t)v;
	return (0);
}

/* Converts a JSON real with an integral value that fits an int64_t. */
static int
entry_real_ms(double d, int64_t *out)
{
	int64_t	 v;

	/* Also false for NaN. */
	if (!(d >= -9223372036854775808.0 && d < 9223372036854775808.0))
		return (-1);
	v = (int64_t)d;
	if ((double)v != d)
		return (-1);
	*out = v;
	return (0);
}

/* Copies len bytes and a NUL to *pos; returns the copy (NULL if absent). */
static const char *
entry_put(char **pos, const struct raw *r, uint16_t *lenp)
{
	char	*s;

	if (r->kind == RAW_ABSENT) {
		*lenp = 0;
		return (NULL);
	}
	s = *pos;
	memcpy(s, r->p, r->len);
	s[r->len] = '\0';
	*pos += r->len + 1;
	*lenp = (uint16_t)r->len;
	return (s);
}

/*
 * The fields that say what happened and who: the conversation, the type
 * and role, the agent, team and message id.  REASON_NONE when they hold.
 */
static enum reason
entry_check_who(const struct raw *f, int *typep, int *rolep)
{
	enum reason	 r;
	int		 type, role;

	if (f[KEY_CONV].kind == RAW_ABSENT)
		return (REASON_MISSING_CONVERSATION);
	if ((r = entry_check_name(&f[KEY_CONV], REASON_EMPTY_CONVERSATION,
	    REASON_OVERSIZE_CONVERSATION, REASON_BAD_CONVERSATION)) !=
	    REASON_NONE)
		return (r);

	type = TYPE_MESSAGE;
	if (f[KEY_TYPE].kind != RAW_ABSENT &&
	    (type = entry_word(&f[KEY_TYPE], entry_types,
	    NITEMS(entry_types))) == -1)
		return (REASON_BAD_TYPE);

	role = ROLE_NONE;
	if (f[KEY_ROLE].kind == RAW_ABSENT) {
		if (type == TYPE_MESSAGE)
			return (REASON_MISSING_ROLE);
	} else if ((role = entry_word(&f[KEY_ROLE], entry_roles,
	    NITEMS(entry_roles))) == -1)
		return (REASON_BAD_ROLE);

	if (f[KEY_AGENT].kind == RAW_ABSENT) {
		if (role == ROLE_AGENT || type == TYPE_ASSIGN)
			return (REASON_MISSING_AGENT);
	} else if ((r = entry_check_name(&f[KEY_AGENT], REASON_EMPTY_AGENT,
	    REASON_OVERSIZE_AGENT, REASON_BAD_AGENT)) != REASON_NONE)
		return (r);

	if (f[KEY_TEAM].kind != RAW_ABSENT &&
	    (r = entry_check_name(&f[KEY_TEAM], REASON_EMPTY_TEAM,
	    REASON_OVERSIZE_TEAM, REASON_BAD_TEAM)) != REASON_NONE)
		return (r);

	if (f[KEY_MSGID].kind != RAW_ABSENT &&
	    (r = entry_check_name(&f[KEY_MSGID], REASON_EMPTY_MESSAGE_ID,
	    REASON_OVERSIZE_MESSAGE_ID, REASON_BAD_MESSAGE_ID)) != REASON_NONE)
		return (r);
	*typep = type;
	*rolep = role;
	return (REASON_NONE);
}

/*
 * The time stamp: the field, or the stream ID's time without one; not
 * before ENTRY_MIN_TS nor more than max_future_ms after the wall clock.
 */
static enum reason
entry_check_ts(const struct raw *f, int64_t idms, int64_t wall_ms,
    int64_t max_future_ms, int64_t *tsp)
{
	int64_t	 ts, limit;

	switch (f[KEY_TS].kind) {
	case RAW_ABSENT:
		ts = idms;
		break;
	case RAW_STRING:
		if (entry_digits(f[KEY_TS].p, f[KEY_TS].len, &ts) == -1)
			return (REASON_BAD_TS);
		break;
	case RAW_NUMBER:
		ts = f[KEY_TS].num;
		break;
	default:
		return (REASON_BAD_TS);
	}
	if (ts < ENTRY_MIN_TS)
		return (REASON_OLD_TS);
	/* wall_ms + max_future_ms, saturated. */
	if (max_future_ms > 0 && wall_ms > INT64_MAX - max_future_ms)
		limit = INT64_MAX;
	else if (max_future_ms < 0 && wall_ms < INT64_MIN - max_future_ms)
		limit = INT64_MIN;
	else
		limit = wall_ms + max_future_ms;
	if (ts > limit)
		return (REASON_FUTURE_TS);
	*tsp = ts;
	return (REASON_NONE);
}

/* The event, its strings copied after it in one allocation. */
static struct chat_event *
entry_assemble(const struct raw *f, int64_t ts, int type, int role)
{
	struct chat_event	*ev;
	char			*pos;
	size_t			 size;
	int			 k;

	size = sizeof(*ev);
	for (k = KEY_CONV; k <= KEY_MSGID; k++)
		if (k != KEY_ROLE && k != KEY_TYPE &&
		    f[k].kind != RAW_ABSENT)
			size += f[k].len + 1;
	ev = chat_event_alloc(size);
	ev->ts = ts;
	ev->seq = 0;
	ev->type = (enum event_type)type;
	ev->role = (enum event_role)role;
	pos = (char *)(ev + 1);
	ev->conv = entry_put(&pos, &f[KEY_CONV], &ev->convlen);
	ev->agent = entry_put(&pos, &f[KEY_AGENT], &ev->agentlen);
	ev->team = entry_put(&pos, &f[KEY_TEAM], &ev->teamlen);
	ev->msgid = entry_put(&pos, &f[KEY_MSGID], &ev->msgidlen);
	return (ev);
}

/*
 * Applies the rules, in the order replytimed(8) lists them, to the
 * gathered fields and builds the event in one allocation.
 */
static struct chat_event *
entry_build(const struct raw *f, int64_t idms, int64_t wall_ms,
    int64_t max_future_ms, enum reason *reason)
{
	struct chat_event	*ev;
	enum reason		 r;
	int64_t			 ts = 0;
	int			 type = TYPE_MESSAGE, role = ROLE_NONE;

	if ((r = entry_check_who(f, &type, &role)) == REASON_NONE)
		r = entry_check_ts(f, idms, wall_ms, max_future_ms, &ts);
	if (reason != NULL)
		*reason = r;
	if (r != REASON_NONE)
		return (NULL);
	ev = entry_assemble(f, ts, type, role);
	ev->mark = ts < idms ? ts : idms;
	return (ev);
}

/*
 * Gathers the fields of a `json` entry.  An integer too big for jansson
 * is retried as a real so that it fails only where it matters (ts).
 */
static struct chat_event *
entry_parse_json(const struct raw *j, int64_t idms, int64_t wall_ms,
    int64_t max_future_ms, enum reason *reason)
{
	struct raw	 f[KEY_COUNT];
	struct chat_event	*ev;
	json_t		*root, *v;
	json_error_t	 error;
	int		 k;

	root = json_loadb(j->p, j->len, JSON_ALLOW_NUL, &error);
	if (root == NULL &&
	    json_error_code(&error) == json_error_numeric_overflow)
		root = json_loadb(j->p, j->len,
		    JSON_ALLOW_NUL | JSON_DECODE_INT_AS_REAL, &error);
	if (root == NULL || !json_is_object(root)) {
		json_decref(root);
		if (reason != NULL)
			*reason = REASON_BAD_JSON;
		return (NULL);
	}

	memset(f, 0, sizeof(f));
	for (k = KEY_CONV; k < KEY_JSON; k++) {
		v = json_object_get(root, entry_keys[k]);
		if (v == NULL || json_is_null(v))
			continue;
		if (json_is_string(v)) {
			f[k].kind = RAW_STRING;
			f[k].p = json_string_value(v);
			f[k].len = json_string_length(v);
		} else if (k == KEY_TS && json_is_integer(v)) {
			f[k].kind = RAW_NUMBER;
			f[k].num = json_integer_value(v);
		} else if (k == KEY_TS && json_is_real(v) &&
		    entry_real_ms(json_real_value(v), &f[k].num) == 0)
			f[k].kind = RAW_NUMBER;
		else
			f[k].kind = RAW_WRONG;
	}
	ev = entry_build(f, idms, wall_ms, max_future_ms, reason);
	json_decref(root);
	return (ev);
}

/*
 * Turns one stream entry into an event, or returns NULL with the reason
 * it must be dead-lettered.  Flat entries never touch jansson.
 */
struct chat_event *
entry_parse(const char *id, const struct entry_field *fields, size_t nfields,
    int64_t wall_ms, int64_t max_future_ms, enum reason *reason)
{
	struct raw	 f[KEY_COUNT];
	int64_t		 idms;
	size_t		 i;
	enum entry_key	 k;

	if (entry_id_ms(id, &idms) == -1) {
		if (reason != NULL)
			*reason = REASON_BAD_ID;
		return (NULL);
	}

	memset(f, 0, sizeof(f));
	for (i = 0; i < nfields; i++) {
		k = entry_key_find(fields[i].name, fields[i].namelen);
		if (k == KEY_NONE)
			continue;
		f[k].kind = RAW_STRING;
		f[k].p = fields[i].value;
		f[k].len = fields[i].valuelen;
	}
	if (f[KEY_JSON].kind != RAW_ABSENT)
		return (entry_parse_json(&f[KEY_JSON], idms, wall_ms,
		    max_future_ms, reason));
	return (entry_build(f, idms, wall_ms, max_future_ms, reason));
}

/*
 * The bytes of an entry's fields, names and values, saturated: what
 * ingest.max_entry_kb holds an entry to, before anything parses it.
 */
size_t
entry_size(const struct entry_field *fields, size_t nfields)
{
	size_t	 i, total = 0, add;

	for (i = 0; i < nfields; i++) {
		add = fields[i].namelen + fields[i].valuelen;
		if (add < fields[i].namelen || total + add < total)
			return (SIZE_MAX);
		total += add;
	}
	return (total);
}

/* Reads the millisecond part of a stream ID "<ms>-<seq>", both unsigned. */
int
entry_id_ms(const char *id, int64_t *ms)
{
	const char	*p, *q;
	uint64_t	 v = 0;

	if (id == NULL)
		return (-1);
	for (p = id; *p >= '0' && *p <= '9'; p++)
		;
	/* Up to 19 digits cannot overflow 64 bits: check once at the end. */
	if (p == id || p - id > 19 || *p != '-')
		return (-1);
	for (q = id; q < p; q++)
		v = v * 10 + (uint64_t)(*q - '0');
	if (v > INT64_MAX)
		return (-1);
	for (q = ++p; *p >= '0' && *p <= '9'; p++)
		;
	if (p == q || *p != '\0' || !entry_u64_fits(q, (size_t)(p - q)))
		return (-1);
	*ms = (int64_t)v;
	return (0);
}

/* The event and its strings are one allocation. */
void
chat_event_free(struct chat_event *ev)
{
	union event_block	*b = (union event_block *)ev;

	if (ev == NULL)
		return;
	if (!ev->pooled || event_pool_len >= EVENT_POOL_MAX) {
		free(ev);
		return;
	}
	b->next = event_pool;
	event_pool = b;
	event_pool_len++;
}
