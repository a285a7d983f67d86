/*
 * The config variants of the entry fuzzer, shared with the regression
 * tests that replay its findings (tests/test_fuzz_regress.c): an input's
 * "!cN" and "!rN" name them by index.
 */
#ifndef FUZZ_CONFS_H
#define FUZZ_CONFS_H

/* Config variants; NULL is conf_default().  Rules and targets differ. */
static const char *const fuzz_confs[] = {
	NULL,
	/* conf/replytimed.json, its values */
	"{\"ingest\": {\"allowed_lateness_ms\": 2000, \"max_future_ms\": "
	"300000, \"retention_s\": 172800}, \"metrics\": {\"windows_s\": "
	"[300, 3600, 86400], \"exclude_bot_time\": true, "
	"\"conversation_ttl_s\": 86400, \"max_conversations\": 1000000}, "
	"\"alerts\": {\"interval_s\": 10, \"rules\": ["
	"{\"name\": \"agent_frt_avg\", \"scope\": \"agent\", \"metric\": "
	"\"frt_avg_s\", \"window_s\": 3600, \"op\": \">\", \"threshold\": 30, "
	"\"min_samples\": 10, \"for_s\": 60, \"repeat_s\": 600},"
	"{\"name\": \"agent_rate\", \"scope\": \"agent\", \"metric\": "
	"\"rate\", \"window_s\": 3600, \"op\": \"<\", \"threshold\": 0.95, "
	"\"min_samples\": 10, \"for_s\": 60, \"repeat_s\": 600},"
	"{\"name\": \"team_art_avg\", \"scope\": \"team\", \"metric\": "
	"\"art_avg_s\", \"window_s\": 3600, \"op\": \">\", \"threshold\": 90, "
	"\"min_samples\": 10, \"for_s\": 60, \"repeat_s\": 600},"
	"{\"name\": \"first_response_warning\", \"scope\": \"conversation\", "
	"\"open_s\": 20, \"first_only\": true, \"severity\": \"info\"}]}}",
	/* tight: small windows, TTL and table, rules firing at once */
	"{\"ingest\": {\"allowed_lateness_ms\": 0, \"max_future_ms\": 0, "
	"\"retention_s\": 180}, \"metrics\": {\"windows_s\": [60, 120], "
	"\"conversation_ttl_s\": 60, \"max_conversations\": 3}, "
	"\"targets\": {\"first_response_s\": 1, \"response_within_s\": 2.5}, "
	"\"alerts\": {\"interval_s\": 1, \"rules\": ["
	"{\"name\": \"g_rate\", \"scope\": \"global\", \"metric\": \"rate\", "
	"\"window_s\": 60, \"op\": \"<\", \"threshold\": 1, "
	"\"min_samples\": 0, \"for_s\": 0, \"repeat_s\": 1},"
	"{\"name\": \"a_max\", \"scope\": \"agent\", \"metric\": "
	"\"art_max_s\", \"window_s\": 120, \"op\": \">=\", \"threshold\": 0, "
	"\"for_s\": 1, \"severity\": \"critical\"},"
	"{\"name\": \"t_unanswered\", \"scope\": \"team\", \"metric\": "
	"\"unanswered\", \"window_s\": 60, \"op\": \">\", \"threshold\": 0, "
	"\"min_samples\": 0, \"repeat_s\": 2},"
	"{\"name\": \"c1\", \"scope\": \"conversation\", \"open_s\": 1},"
	"{\"name\": \"c2\", \"scope\": \"conversation\", \"open_s\": 2, "
	"\"first_only\": true}]}}",
	/* tight, the bot counted, lower targets, one conversation rule */
	"{\"ingest\": {\"allowed_lateness_ms\": 500, \"max_future_ms\": 60000, "
	"\"retention_s\": 240}, \"metrics\": {\"windows_s\": [60, 180], "
	"\"exclude_bot_time\": false, \"conversation_ttl_s\": 60, "
	"\"max_conversations\": 2}, \"targets\": {\"first_response_s\": 0.5, "
	"\"response_within_s\": 1}, \"alerts\": {\"interval_s\": 2, "
	"\"rules\": [{\"name\": \"g_frt\", \"scope\": \"global\", \"metric\": "
	"\"frt_p90_s\", \"window_s\": 60, \"op\": \"<=\", \"threshold\": 5, "
	"\"min_samples\": 1, \"repeat_s\": 4},"
	"{\"name\": \"c1\", \"scope\": \"conversation\", \"open_s\": 3, "
	"\"severity\": \"page\"}]}}",
	/* higher targets, three conversation rules, one window */
	"{\"metrics\": {\"windows_s\": [60], \"conversation_ttl_s\": 120, "
	"\"max_conversations\": 5}, \"targets\": {\"first_response_s\": 5, "
	"\"response_within_s\": 10}, \"alerts\": {\"interval_s\": 3, "
	"\"rules\": [{\"name\": \"a_resp\", \"scope\": \"agent\", \"metric\": "
	"\"responses\", \"window_s\": 60, \"op\": \">\", \"threshold\": 1, "
	"\"min_samples\": 0},"
	"{\"name\": \"c1\", \"scope\": \"conversation\", \"open_s\": 1},"
	"{\"name\": \"c3\", \"scope\": \"conversation\", \"open_s\": 3, "
	"\"first_only\": true},"
	"{\"name\": \"c4\", \"scope\": \"conversation\", \"open_s\": 4}]}}"
};

#endif
