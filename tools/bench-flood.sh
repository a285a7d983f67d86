#!/usr/bin/env bash
# Flood benchmark: FLOOD_ENTRIES (2000000) unique conversations written
# live into the stream while replytimed reads it, one entry in every
# FLOOD_BIG_EVERY (1000) carrying a 1 MiB conversation id.  The daemon
# runs with its default max_conversations (1000000), so more than half
# of the conversations must be evicted.  Prints build/flood's name=value
# lines: the entries, the oversize ones and how many were dead-lettered
# (they must match), the rate, the longest gap between two published
# snapshots as a subscriber saw them, the daemon's peak RSS, and (from
# its /metrics) the longest its event loop came late to its publish tick
# (flood_max_loop_stall_ms).
#
# Then three floods against the caps, each with a fresh daemon on its
# defaults: FLOOD_AGENTS (1000000) conversations each with a new agent
# (metrics.max_agents), FLOOD_MSGIDS (1000000) messages in one
# conversation each with a new message_id (65536 per conversation), and
# FLOOD_JSON (50) entries with a json field of FLOOD_JSON_MB (10) MiB
# (ingest.max_entry_kb): flood_agents_*, flood_msgids_* and flood_json_*
# lines, with the peak RSS of each and the cap's counter from /metrics.
# These daemons publish once a minute (publish.interval_ms 60000): a
# snapshot that lists 20000 agents each second would be what the run
# measures.
# FLOOD_NO_BUILD=1 skips `make`; FLOOD_CAPS=0 skips the cap floods.

set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
lib_name=bench-flood
. "$root/tools/lib.sh"
n=${FLOOD_ENTRIES:-2000000}
every=${FLOOD_BIG_EVERY:-1000}
n_agents=${FLOOD_AGENTS:-1000000}
n_msgids=${FLOOD_MSGIDS:-1000000}
n_json=${FLOOD_JSON:-50}
json_mb=${FLOOD_JSON_MB:-10}

build_unless "${FLOOD_NO_BUILD:-0}" build/replytimed build/flood
make_tmp
start_redis
http_port=$(free_port)
write_conf bench-flood "127.0.0.1:$http_port" warn
daemon=

# Starts a fresh daemon on an empty Redis, with config $1: sets $daemon.
start_daemon() {
	rcli FLUSHALL >/dev/null
	"$root/build/replytimed" -c "$1" >>"$tmp/replytimed.log" 2>&1 &
	daemon=$!
	track "$daemon"
	for _ in $(seq 100); do
		[ "$(rcli EXISTS cs:snapshot)" = 1 ] && break
		sleep 0.05
	done
}

# One figure of the daemon's /metrics (the first line naming it).
metric() {
	http_get "$http_port" /metrics |
	    awk -v m="$1" 'index($0, m) == 1 { printf "%d", $2; exit }'
}

start_daemon "$conf"
say "flooding 127.0.0.1:$redis_port with $n entries"
out=$("$root/build/flood" 127.0.0.1 "$redis_port" "$daemon" "$n" \
    "$every") || { echo "$out"; tail -n 20 "$tmp/replytimed.log" >&2
	die "the flood failed (dead letters missing?)"; }
kill -0 "$daemon" 2>/dev/null || die "replytimed died in the flood"
stall=$(http_get "$http_port" /metrics |
    awk '$1 == "replytimed_loop_stall_max_seconds" { printf "%d", $2 * 1000 }')
[ -n "$stall" ] || die "no replytimed_loop_stall_max_seconds in /metrics"
out="$out
flood_max_loop_stall_ms=$stall"
echo "$out"
caps=

# One flood against a cap: MODE ENTRIES [BIG_EVERY]; prints its lines
# and the cap's counter, NAME=value, from /metrics.
flood_cap() {
	local mode=$1 count=$2 name=$3 figure=$4 o v
	shift 4
	stop_pid "$daemon"
	start_daemon "$tmp/caps.json"
	say "flooding with $count entries against a cap ($mode)"
	o=$("$root/build/flood" -m "$mode" 127.0.0.1 "$redis_port" \
	    "$daemon" "$count" "$@") || { echo "$o"
		tail -n 20 "$tmp/replytimed.log" >&2
		die "the $mode flood failed"; }
	kill -0 "$daemon" 2>/dev/null || die "replytimed died in the flood"
	v=$(metric "$figure")
	[ -n "$v" ] || die "no $figure in /metrics"
	echo "$o"
	echo "${name}=$v"
	caps="$caps
$o
${name}=$v"
}

if [ "${FLOOD_CAPS:-1}" = 1 ]; then
	sed 's/^  "log"/  "publish": { "interval_ms": 60000 },\n  "log"/' \
	    "$conf" >"$tmp/caps.json"
	flood_cap agents "$n_agents" flood_agents_refused \
	    replytimed_agents_refused_total
	flood_cap msgids "$n_msgids" flood_msgids_refused \
	    replytimed_message_ids_refused_total
	flood_cap json "$n_json" flood_json_too_large \
	    'replytimed_dead_letters_total{reason="too_large"}' \
	    $((json_mb * 1048576))
fi

# FLOOD_CHECK=1 (make torture): the daemon's loop may not stall a
# publish interval (1000 ms), and memory must stay near the conversation
# bound.  The gap between snapshots seen by a subscriber is reported but
# not checked: it adds Redis's queue, which the flood keeps long.  The
# cap floods must meet their caps exactly: the agents past the first
# 20000 refused, the message ids past 65536 not remembered, every
# large entry dead-lettered as too_large.
if [ "${FLOOD_CHECK:-0}" = 1 ]; then
	rss=$(echo "$out" | sed -n 's/^flood_peak_rss_mb=//p')
	[ "$stall" -le 1000 ] ||
	    die "the loop stalled $stall ms, over a publish interval"
	awk -v r="$rss" 'BEGIN { exit !(r < 1024) }' ||
	    die "peak RSS $rss MB: over the bound"
	say "checked: loop stall at most $stall ms, peak RSS $rss MB"
	if [ "${FLOOD_CAPS:-1}" = 1 ]; then
		fig() { echo "$caps" | sed -n "s/^$1=//p"; }
		want=$((n_agents > 20000 ? n_agents - 20000 : 0))
		[ "$(fig flood_agents_refused)" = "$want" ] ||
		    die "agents refused $(fig flood_agents_refused), not $want"
		want=$((n_msgids > 65536 ? n_msgids - 65536 : 0))
		[ "$(fig flood_msgids_refused)" = "$want" ] ||
		    die "message ids refused $(fig flood_msgids_refused)," \
		    "not $want"
		[ "$(fig flood_json_too_large)" = "$n_json" ] &&
		    [ "$(fig flood_json_dead_lettered)" = "$n_json" ] ||
		    die "too_large $(fig flood_json_too_large), dead" \
		    "letters $(fig flood_json_dead_lettered), not $n_json"
		say "checked: the caps met exactly"
	fi
fi
