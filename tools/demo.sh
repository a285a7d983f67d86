#!/usr/bin/env bash
# make demo: a private redis-server, an hour of chat history from
# replytime-gen, replytimed reading it, and the generator going on live;
# prints the wallboard's URL.  Ctrl-C stops everything it started and
# removes its temporary directory.
#
# DEMO_SCREENSHOT=FILE.png takes a 1920x1080 picture of the wallboard
# with headless chromium instead of running on (the README's picture).
# DEMO_SIZE=W,H sets its size (1920,1080).
# DEMO_PORT picks the HTTP port (9733, or a free one if that is taken).

set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
lib_name=demo
. "$root/tools/lib.sh"
# Ctrl-C is how a demo ends: the cleanup runs, and the exit is clean.
trap 'echo >&2; say "stopping"; exit 0' INT TERM
gen=("$root/build/replytime-gen" --agents 48 --teams 6 --rate 0.8
    --median-response 22 --seed 2026)

for b in replytimed replytime-gen; do
	[ -x "$root/build/$b" ] || die "build/$b is missing: run make"
done
make_tmp
start_redis
http_port=${DEMO_PORT:-9733}
port_busy "$http_port" && http_port=$(free_port)

write_conf demo "127.0.0.1:$http_port" info

say "redis-server on 127.0.0.1:$redis_port; writing an hour of history"
"${gen[@]}" -p "$redis_port" --backlog 1 --bad-share 0.002 \
    --late-share 0.001 >"$tmp/backlog.txt" 2>"$tmp/gen.log" ||
    { cat "$tmp/gen.log" >&2; die "the generator failed"; }

"$root/build/replytimed" -c "$conf" 2>"$tmp/replytimed.log" &
track $!
"${gen[@]}" -p "$redis_port" --live --bad-share 0.002 --late-share 0.001 \
    >/dev/null 2>>"$tmp/gen.log" &
track $!

url=http://127.0.0.1:$http_port/
wait_ready "$http_port"

if [ -n "${DEMO_SCREENSHOT:-}" ]; then
	sleep 3		# a few live seconds on the board
	out=$(realpath -m "$DEMO_SCREENSHOT")
	timeout 60 chromium --headless --no-sandbox --disable-gpu \
	    --no-first-run --disable-background-networking \
	    --user-data-dir="$tmp/chromium" --hide-scrollbars \
	    --window-size="${DEMO_SIZE:-1920,1080}" --timeout=15000 \
	    --screenshot="$out" "$url" 2>"$tmp/chromium.log" ||
	    die "chromium failed (make deps installs it)"
	say "wrote $out"
	exit 0
fi

cat <<MSG

  replytimed demo: the wallboard is at  $url
  (also ${url}metrics, ${url}api/v1/snapshot, ${url}events)

  Live chat traffic is being generated: 48 agents in 6 teams.
  Logs: $tmp/replytimed.log
  Ctrl-C stops everything and removes $tmp.

MSG
wait -n || true
tail -n 20 "$tmp/replytimed.log" "$tmp/gen.log" >&2
die "a demo process exited unexpectedly"
