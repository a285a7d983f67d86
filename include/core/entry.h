/*
 * Stream entry -> chat event (replytimed(8), Input stream).  Pure: the caller
 * passes the entry's ID, its fields and the wall clock; a bad entry
 * yields a short reason code for the dead-letter stream.
 */
#ifndef ENTRY_H
#define ENTRY_H

#include <stddef.h>
#include <stdint.h>

#define ENTRY_MAX_ID	256		/* conversation, agent, team, ... */
#define ENTRY_MIN_TS	946684800000LL	/* 2000-01-01T00:00:00Z */

/*
 * Why an entry was refused: the dead-letter `error` codes.  The daemon
 * counts each one; the last three are decided by the engine, not the
 * parser: "too_large" before parsing, the others after.
 */
#define REASON_TABLE(X)							\
	X(BAD_ID, "bad_id")						\
	X(BAD_JSON, "bad_json")						\
	X(MISSING_CONVERSATION, "missing_conversation")			\
	X(EMPTY_CONVERSATION, "empty_conversation")			\
	X(OVERSIZE_CONVERSATION, "oversize_conversation")		\
	X(BAD_CONVERSATION, "bad_conversation")				\
	X(MISSING_ROLE, "missing_role")					\
	X(BAD_ROLE, "bad_role")						\
	X(BAD_TYPE, "bad_type")						\
	X(MISSING_AGENT, "missing_agent")				\
	X(EMPTY_AGENT, "empty_agent")					\
	X(OVERSIZE_AGENT, "oversize_agent")				\
	X(BAD_AGENT, "bad_agent")					\
	X(EMPTY_TEAM, "empty_team")					\
	X(OVERSIZE_TEAM, "oversize_team")				\
	X(BAD_TEAM, "bad_team")						\
	X(EMPTY_MESSAGE_ID, "empty_message_id")				\
	X(OVERSIZE_MESSAGE_ID, "oversize_message_id")			\
	X(BAD_MESSAGE_ID, "bad_message_id")				\
	X(BAD_TS, "bad_ts")						\
	X(OLD_TS, "old_ts")						\
	X(FUTURE_TS, "future_ts")					\
	X(LATE, "late")							\
	X(TOO_LARGE, "too_large")					\
	X(REORDER_FULL, "reorder_full")

enum reason {
	REASON_NONE = -1,
#define REASON_ENUM(id, name) REASON_##id,
	REASON_TABLE(REASON_ENUM)
#undef REASON_ENUM
	REASON_COUNT
};

extern const char *const reason_names[REASON_COUNT];

enum event_role {
	ROLE_NONE,		/* absent: allowed on assign and close */
	ROLE_CUSTOMER,
	ROLE_AGENT,
	ROLE_BOT,
	ROLE_SYSTEM
};

enum event_type {
	TYPE_MESSAGE,
	TYPE_ASSIGN,
	TYPE_CLOSE
};

/*
 * One allocation: the struct and its strings.  Absent strings are NULL
 * with length 0.
 */
struct chat_event {
	int64_t		 ts;		/* ms since the epoch */
	int64_t		 mark;		/* min(ts, the entry ID's ms) */
	uint64_t	 seq;		/* read order, set by the engine */
	enum event_type	 type;
	enum event_role	 role;
	const char	*conv;
	const char	*agent;
	const char	*team;
	const char	*msgid;
	uint16_t	 convlen;
	uint16_t	 agentlen;
	uint16_t	 teamlen;
	uint16_t	 msgidlen;
	uint32_t	 convhash;	/* set by the engine */
	uint8_t		 pooled;	/* a block of the event pool */
};

/* One field of a stream entry, not NUL-terminated. */
struct entry_field {
	const char	*name;
	size_t		 namelen;
	const char	*value;
	size_t		 valuelen;
};

struct chat_event	*entry_parse(const char *, const struct entry_field *,
		    size_t, int64_t, int64_t, enum reason *);
int		 entry_id_ms(const char *, int64_t *);
size_t		 entry_size(const struct entry_field *, size_t);
void		 chat_event_free(struct chat_event *);

#endif
