# Shell helpers for the project's scripts (benchmarks, demo, screenshot):
# a private redis-server on a free loopback port in a temporary directory,
# and a cleanup that stops every process started through it, newest
# first, and removes the directory.  Source it; it sets traps.

tmp=
redis_port=
lib_pids=

say() {
	echo "${lib_name:-replytimed}: $*" >&2
}

die() {
	say "$*"
	exit 1
}

# Stops one process: SIGTERM, up to 5 s, then SIGKILL.
stop_pid() {
	local pid=$1 _
	kill -0 "$pid" 2>/dev/null || return 0
	kill -TERM "$pid" 2>/dev/null || true
	for _ in $(seq 50); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	kill -KILL "$pid" 2>/dev/null || true
	wait "$pid" 2>/dev/null || true
}

# Remembers a started process for the cleanup.
track() {
	lib_pids="$1 $lib_pids"
}

cleanup() {
	local pid
	for pid in $lib_pids; do
		stop_pid "$pid"
	done
	lib_pids=
	if [ -n "$tmp" ]; then
		rm -rf "$tmp"
		tmp=
	fi
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# Builds the targets (build/...) with make, unless the first argument
# is 1 (a script's *_NO_BUILD=1: the caller built them).
build_unless() {
	local skip=$1
	shift
	[ "$skip" = 1 ] || make -C "$root" --no-print-directory -s "$@" >&2
}

# Makes the temporary directory $tmp.
make_tmp() {
	tmp=$(mktemp -d "${TMPDIR:-/tmp}/${lib_name:-replytimed}.XXXXXX")
}

# Whether something answers on a loopback port.
port_busy() {
	(exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

# A free loopback port, picked at random.
free_port() {
	local p _
	for _ in $(seq 50); do
		p=$((20000 + (RANDOM * 32768 + RANDOM) % 40000))
		port_busy "$p" || { echo "$p"; return 0; }
	done
	return 1
}

# Starts redis-server in $tmp on a free port: sets $redis_port.  Extra
# arguments go to redis-server.
start_redis() {
	local p pid _
	command -v redis-server >/dev/null ||
	    die "redis-server is not installed (make deps)"
	for _ in $(seq 20); do
		p=$(free_port) || continue
		redis-server --bind 127.0.0.1 --port "$p" --save "" \
		    --appendonly no --dir "$tmp" --logfile "$tmp/redis.log" \
		    --daemonize no "$@" &
		pid=$!
		for _ in $(seq 100); do
			kill -0 "$pid" 2>/dev/null || break
			if [ "$(redis-cli -p "$p" PING 2>/dev/null)" = PONG ]
			then
				track "$pid"
				redis_port=$p
				return 0
			fi
			sleep 0.05
		done
		kill -KILL "$pid" 2>/dev/null || true
		wait "$pid" 2>/dev/null || true
	done
	die "could not start redis-server on a free port"
}

rcli() {
	redis-cli -h 127.0.0.1 -p "$redis_port" "$@"
}

# The status code of GET PATH on a loopback port, or nothing.
http_status() {
	local code=
	{
		exec 3<>"/dev/tcp/127.0.0.1/$1" &&
		printf 'GET %s HTTP/1.0\r\n\r\n' "$2" >&3 &&
		read -r -t 5 _ code _ <&3
		exec 3>&- 3<&-
	} 2>/dev/null || true
	echo "$code"
}

# Waits up to 30 s for replytimed on a loopback port to answer /readyz
# with 200; on failure shows the tail of $tmp/replytimed.log and dies.
wait_ready() {
	local _
	for _ in $(seq 300); do
		[ "$(http_status "$1" /readyz)" = 200 ] && return 0
		sleep 0.1
	done
	tail -n 20 "$tmp/replytimed.log" >&2
	die "replytimed did not become ready"
}

# The body of GET PATH on a loopback port (HTTP/1.0, so the server
# closes when done), or nothing.
http_get() {
	{
		exec 3<>"/dev/tcp/127.0.0.1/$1" &&
		printf 'GET %s HTTP/1.0\r\n\r\n' "$2" >&3 &&
		sed '1,/^\r*$/d' <&3
		exec 3>&- 3<&-
	} 2>/dev/null || true
}

# Writes $tmp/replytimed.json for the private redis-server: consumer
# name, http.listen ("" for none) and log level; sets $conf.
write_conf() {
	conf=$tmp/replytimed.json
	cat >"$conf" <<CONF
{
  "redis": { "host": "127.0.0.1", "port": $redis_port,
             "consumer": "$1" },
  "http": { "listen": "$2" },
  "log": { "level": "$3" }
}
CONF
}
