#!/usr/bin/env bash
# Flood benchmark: FLOOD_ENTRIES (2000000) unique conversations written
# live into the stream while replytimed reads it, one entry in every
# FLOOD_BIG_EVERY (1000) carrying a 1 MiB conversation id.  The daemon
# runs with its default max_conversations (1000000), so more than half
# of the conversations must be evicted.  Prints build/flood's name=value
# lines: the entries, the oversize ones and how many were dead-lettered
# (they must match), the rate, the longest gap between two published
# snapshots (the loop must not stall longer than a publish interval,
# 1000 ms) and the daemon's peak RSS.  FLOOD_NO_BUILD=1 skips `make`.

set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
lib_name=bench-flood
. "$root/tools/lib.sh"
n=${FLOOD_ENTRIES:-2000000}
every=${FLOOD_BIG_EVERY:-1000}

if [ "${FLOOD_NO_BUILD:-0}" != 1 ]; then
	make -C "$root" --no-print-directory -s build/replytimed \
	    build/flood >&2
fi
make_tmp
start_redis
write_conf bench-flood "" warn
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
echo "$out"
kill -0 "$daemon" 2>/dev/null || die "replytimed died in the flood"

# FLOOD_CHECK=1 (make torture): the loop may not stall a publish
# interval, and memory must stay near the conversation bound.
if [ "${FLOOD_CHECK:-0}" = 1 ]; then
	gap=$(echo "$out" | sed -n 's/^flood_max_publish_gap_ms=//p')
	rss=$(echo "$out" | sed -n 's/^flood_peak_rss_mb=//p')
	[ "$gap" -le 2000 ] ||
	    die "a gap of $gap ms between snapshots: the loop stalled"
	awk -v r="$rss" 'BEGIN { exit !(r < 1024) }' ||
	    die "peak RSS $rss MB: over the bound"
	say "checked: max publish gap $gap ms, peak RSS $rss MB"
fi
