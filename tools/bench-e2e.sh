#!/usr/bin/env bash
# End-to-end benchmark: replytimed draining a chat stream from a private
# redis-server, against a consumer that only reads and acknowledges.
#
# Loads E2E_ENTRIES (1000000) entries into cs:events with build/replytime-gen
# (an hour of traffic of 500 agents in 12 teams),
# drains them once with build/nullconsumer (group "null") and once with
# build/replytimed (group "replytimed"), both timed from process start to
# the last acknowledgement, and prints name=value lines:
#
#   e2e_entries=N
#   e2e_null_entries_per_s=...
#   e2e_entries_per_s=...      replytimed
#   e2e_ratio_vs_null=...      replytimed rate / null rate
#
# Environment: E2E_ENTRIES, E2E_SEED (generator seed, 1), E2E_TIMEOUT
# (seconds replytimed may take, 600), E2E_NO_BUILD=1 to skip `make`.
# Progress goes to stderr; everything started is stopped on exit.

set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
n=${E2E_ENTRIES:-1000000}
seed=${E2E_SEED:-1}
timeout_s=${E2E_TIMEOUT:-600}
stream=cs:events
group=replytimed

case $n in
''|*[!0-9]*|0) echo "bench-e2e: E2E_ENTRIES must be a positive integer" >&2
	exit 2 ;;
esac

lib_name=bench-e2e
. "$root/tools/lib.sh"
daemon_pid=

# Nanoseconds on the wall clock.
now_ns() {
	date +%s%N
}

build_unless "${E2E_NO_BUILD:-0}" build/replytimed build/nullconsumer \
    build/replytime-gen
for b in replytimed nullconsumer replytime-gen; do
	[ -x "$root/build/$b" ] || die "build/$b is missing"
done

make_tmp
start_redis
port=$redis_port
say "redis-server on 127.0.0.1:$port, loading $n entries"

"$root/build/replytime-gen" -p "$port" -s "$stream" --agents 500 \
    --teams 12 --backlog 1 --count "$n" --seed "$seed" >&2
len=$(rcli XLEN "$stream")
[ "$len" = "$n" ] || die "$stream holds $len entries, expected $n"
last_id=$(rcli XREVRANGE "$stream" + - COUNT 1 | head -n 1)

# The do-nothing consumer.
t0=$(now_ns)
"$root/build/nullconsumer" 127.0.0.1 "$port" "$stream" null "$n" >&2
t1=$(now_ns)
null_ns=$((t1 - t0))

# replytimed, on its own group created at the start of the stream (the
# daemon takes BUSYGROUP as "already there").
rcli XGROUP CREATE "$stream" "$group" 0 MKSTREAM >/dev/null
conf=$tmp/replytimed.json
cat >"$conf" <<EOF
{
  "redis": { "host": "127.0.0.1", "port": $port, "group": "$group",
             "consumer": "bench-e2e" },
  "ingest": { "read_count": 1000 },
  "http": { "listen": "" },
  "log": { "level": "warn" }
}
EOF
"$root/build/replytimed" -c "$conf" --check-config >/dev/null ||
    die "the generated config is refused"

# Prints the group's pending count and last-delivered-id.
group_state() {
	rcli XINFO GROUPS "$stream" | awk -v g="$group" '
	    NR % 2 == 1 { k = $0; next }
	    k == "name" { cur = $0 }
	    cur == g && k == "pending" { p = $0 }
	    cur == g && k == "last-delivered-id" { l = $0 }
	    END { print p, l }'
}

t0=$(now_ns)
"$root/build/replytimed" -c "$conf" >"$tmp/replytimed.log" 2>&1 &
daemon_pid=$!
track "$daemon_pid"
deadline=$((t0 + timeout_s * 1000000000))
while :; do
	if ! kill -0 "$daemon_pid" 2>/dev/null; then
		wait "$daemon_pid" && st=0 || st=$?
		daemon_pid=
		tail -n 20 "$tmp/replytimed.log" >&2
		die "replytimed exited (status $st) before draining $stream"
	fi
	read -r pending ldi <<<"$(group_state)"
	if [ "$pending" = 0 ] && [ "$ldi" = "$last_id" ]; then
		break
	fi
	if [ "$(now_ns)" -gt "$deadline" ]; then
		tail -n 20 "$tmp/replytimed.log" >&2
		die "replytimed did not drain $stream in ${timeout_s}s" \
		    "(pending $pending, last delivered $ldi of $last_id)"
	fi
	sleep 0.02
done
t1=$(now_ns)
e2e_ns=$((t1 - t0))

kill -TERM "$daemon_pid"
wait "$daemon_pid" && st=0 || st=$?
daemon_pid=
if [ "$st" != 0 ]; then
	tail -n 20 "$tmp/replytimed.log" >&2
	say "warning: replytimed exited with status $st after SIGTERM"
fi
say "dead letters: $(rcli XLEN "$stream:dead")"

awk -v n="$n" -v a="$null_ns" -v b="$e2e_ns" 'BEGIN {
	null = n / (a / 1e9); e2e = n / (b / 1e9)
	printf "e2e_entries=%d\n", n
	printf "e2e_null_entries_per_s=%.0f\n", null
	printf "e2e_entries_per_s=%.0f\n", e2e
	printf "e2e_ratio_vs_null=%.3f\n", e2e / null
}'
