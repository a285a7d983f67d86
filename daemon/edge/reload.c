/* SIGHUP: a new config, taken whole or not at all. */

#include <stdlib.h>

#include "conf.h"
#include "daemon.h"
#include "engine.h"
#include "file.h"
#include "log.h"
#include "http.h"
#include "notify.h"
#include "route.h"

/*
 * Names the changed keys that a reload cannot take (they run as they
 * are until a restart), and keeps the running metrics for the engine.
 */
static void
reload_keep(const struct daemon *d, struct conf *nc)
{
	char	 keys[512];
	size_t	 n;

	if ((n = conf_restart_keys(d->cf, nc, keys, sizeof(keys))) > 0)
		log_warnx("reload: %s: %s effect after a restart", keys,
		    n == 1 ? "takes" : "take");
	nc->metrics = d->cf->metrics;
}

/*
 * Parses the file afresh, reads its token files again, and takes its
 * targets, rules, log level, tokens and allowed hosts only if all of it
 * is valid; otherwise keeps what runs.
 */
void
reload(struct daemon *d)
{
	struct conf		*nc;
	struct route_token	*tokens;
	size_t			 ntokens;
	char			 err[512];

	notify_send("RELOADING=1");
	if ((nc = conf_load(d->path, err, sizeof(err))) == NULL ||
	    file_tokens_load(nc, &tokens, &ntokens, err, sizeof(err)) == -1) {
		log_warnx("reload refused, keeping the running config: %s",
		    err);
		conf_free(nc);
		notify_send("READY=1");
		return;
	}
	reload_keep(d, nc);
	if (d->http != NULL)
		http_set_access(d->http, nc, tokens, ntokens);
	else
		file_tokens_free(tokens, ntokens);
	engine_set_targets(d->e, nc);
	engine_set_rules(d->e, nc);
	log_init(nc->log.level, NULL);
	if (d->rcf != d->cf)
		conf_free(d->rcf);
	d->rcf = nc;
	log_info("reloaded %s", d->path);
	notify_send("READY=1");
}
