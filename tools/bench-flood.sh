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
# (flood_max_loop_stall_ms).  FLOOD_NO_BUILD=1 skips `make`.

set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
lib_name=bench-flood
. "$root/tools/lib.sh"
n=${FLOOD_ENTRIES:-2000000}
every=${FLOOD_BIG_EVERY:-1000}

build_unless "${FLOOD_NO_BUILD:-0}" build/replytimed build/flood
make_tmp
start_redis
http_port=$(free_port)
write_conf bench-flood "127.0.0.1:$http_port" warn
"$root/build/replytimed" -c "$conf" >"$tmp/replytimed.log" 2>&1 &
daemon=$!
track "$daemon"
for _ in $(seq 100); do
	[ "$(rcli EXISTS cs:snapshot)" = 1 ] && break
	sleep 0.05
done
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

# FLOOD_CHECK=1 (make torture): the daemon's loop may not stall a
# publish interval (1000 ms), and memory must stay near the conversation
# bound.  The gap between snapshots seen by a subscriber is reported but
# not checked: it adds Redis's queue, which the flood keeps long.
if [ "${FLOOD_CHECK:-0}" = 1 ]; then
	rss=$(echo "$out" | sed -n 's/^flood_peak_rss_mb=//p')
	[ "$stall" -le 1000 ] ||
	    die "the loop stalled $stall ms, over a publish interval"
	awk -v r="$rss" 'BEGIN { exit !(r < 1024) }' ||
	    die "peak RSS $rss MB: over the bound"
	say "checked: loop stall at most $stall ms, peak RSS $rss MB"
fi
