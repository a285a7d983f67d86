#!/usr/bin/env bash
# Wallboard benchmark: the page in headless chromium showing a floor of
# WB_AGENTS (500) agents in 12 teams, from a private redis-server with an
# hour of generated history and live traffic on top.  Prints
# build/bench-wallboard's name=value lines: the agent rows shown, the
# snapshots measured over WB_SECONDS (15) and what each cost the page to
# show, script and layout (a frame at 60 Hz is 16.7 ms).
# WB_NO_BUILD=1 skips `make`.

set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
lib_name=bench-wallboard
. "$root/tools/lib.sh"
agents=${WB_AGENTS:-500}
secs=${WB_SECONDS:-15}
gen=("$root/build/replytime-gen" --agents "$agents" --teams 12 --rate 4
    --seed 7)

build_unless "${WB_NO_BUILD:-0}" build/replytimed build/replytime-gen \
    build/bench-wallboard
command -v chromium >/dev/null || die "chromium is not installed (make deps)"
make_tmp
start_redis
http_port=$(free_port)
write_conf bench-wallboard "127.0.0.1:$http_port" warn
"${gen[@]}" -p "$redis_port" --backlog 1 >/dev/null
"$root/build/replytimed" -c "$conf" 2>"$tmp/replytimed.log" &
track $!
"${gen[@]}" -p "$redis_port" --live >/dev/null &
track $!
wait_ready "$http_port"
"$root/build/bench-wallboard" "http://127.0.0.1:$http_port/" "$tmp" "$secs"
