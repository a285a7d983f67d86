#!/usr/bin/env bash
# `make man-lint`'s agreement test: holds the two manual pages to the code.
# replytimed.json(5) must document every key of conf.c's tables, under
# its section, with its default and bounds as the table has them, and no
# key the code lacks; its EXAMPLES must be conf/replytimed.json as
# shipped.  replytimed(8) must name every option main.c takes, every
# signal it handles, every exit status, every getenv(), every HTTP route
# (and which need no token), every dead-letter reason, outcome kind,
# METRICS field, output stream and stream field.
#
# usage: tools/man-check.sh [daemon-page [config-page]]
#        tools/man-check.sh --self-test
# The self-test breaks copies of the pages in ways the check must catch
# (a key, a default, a range, an option, a route, a figure) and fails
# unless it catches every one.
set -euo pipefail
# grep -q at the end of a pipe may leave before its writer is done, which
# pipefail takes for a failure: has reads all its input.
has() {
	grep "$@" >/dev/null
}
root=$(cd "$(dirname "$0")/.." && pwd)

if [ "${1:-}" = --self-test ]; then
	tmp=$(mktemp -d "${TMPDIR:-/tmp}/man-check.XXXXXX")
	trap 'rm -rf "$tmp"' EXIT
	missed=0 tried=0
	# one broken copy: which page (8 or 5), what is broken, the sed
	while IFS='|' read -r which what expr; do
		tried=$((tried + 1))
		cp "$root/daemon/replytimed.8" "$tmp/8"
		cp "$root/conf/replytimed.json.5" "$tmp/5"
		sed -i "$expr" "$tmp/$which"
		if cmp -s "$tmp/8" "$root/daemon/replytimed.8" &&
		    cmp -s "$tmp/5" "$root/conf/replytimed.json.5"; then
			echo "man-check: self-test: \"$what\" changed nothing" >&2
			missed=$((missed + 1))
		elif "$0" "$tmp/8" "$tmp/5" >/dev/null 2>&1; then
			echo "man-check: self-test: \"$what\" went unnoticed" >&2
			missed=$((missed + 1))
		fi
	done <<-'EOF'
	5|a key left out|/^\.It Cm max_clients /d
	5|a key the code lacks|/^\.It Cm max_clients /i .It Cm max_streams Pq integer\nA count.
	5|a wrong default|s/^The default is 6379\.$/The default is 6380./
	5|a wrong range|s/from 1 to 65535/from 1 to 65536/
	5|an enum choice left out|/^\.It Cm op /,/^\.It /s/^\.Li >= ,$/.Li => ,/
	5|an example unlike the shipped file|s/"block_ms": 1000/"block_ms": 100/
	5|a reloaded key left out|/^\.Cm alerts\.interval_s ,$/d
	5|a restart-only key said reloaded|s/^\.Cm http\.allowed_hosts$/.Cm http.timeout_s/
	8|a long option left out|s/^\.It Fl n , Fl -check-config$/.It Fl n/
	8|a signal left out|s/^\.It Dv SIGHUP$/.It Dv SIGUSR1/
	8|a token-free route that is not|/^\.Pa \/healthz$/a .Pa /metrics
	8|a figure the code lacks|s/^\.It Li unanswered$/.It Li unanswered , csat_avg/
	8|a dead-letter reason left out|s/^\.It Li bad_ts$/.It Li bad_time/
	EOF
	if [ $missed -gt 0 ]; then
		echo "man-check: self-test: $missed broken pages passed" >&2
		exit 1
	fi
	echo "man-check: self-test: $tried broken pages, each caught"
	exit 0
fi
page8=${1:-$root/daemon/replytimed.8}
page5=${2:-$root/conf/replytimed.json.5}
conf_c=$root/daemon/core/conf.c
main_c=$root/daemon/edge/main.c
errors=0

bad() {
	echo "man-check: $*" >&2
	errors=$((errors + 1))
}

# The lines of one .Sh (or, with a third argument, .Ss) section.
section() {
	awk -v name="$2" -v mac="${3:-Sh}" '
		$1 == "." mac { on = (substr($0, length(mac) + 3) == name); next }
		mac == "Ss" && $1 == ".Sh" { on = 0 }
		on' "$1"
}

# ---- replytimed.json(5) against conf.c ---------------------------------

# One line per key of conf.c's tables: section, name, type, flags and the
# fields given, tab-separated as "field=value".
conf_table() {
	awk '
		/^static const struct conf_key (conf|rule)_keys\[\] = \{/ {
			rules = ($0 ~ /rule_keys/); on = 1; next
		}
		on && /^};/ { on = 0; next }
		!on { next }
		/^\t\{ / { buf = "" }
		{ buf = buf " " $0 }
		/\},$/ {
			out = rules ? "section=alerts.rules" : ""
			n = split(buf, f, ",")
			for (i = 1; i <= n; i++) {
				s = f[i]
				gsub(/^[ \t{]+|[ \t}]+$/, "", s)
				if (s !~ /^\.[a-z]+ = /)
					continue
				sub(/^\./, "", s)
				sub(/ = /, "=", s)
				gsub(/"/, "", s)
				out = out (out == "" ? "" : "\t") s
			}
			print out
		}' "$conf_c"
}

# One line per documented key: "section<TAB>key<TAB>item text", the
# text of the .It Cm item joined into one line.
page_keys() {
	awk '
		function flush() {
			if (key != "")
				printf "%s\t%s\t%s\n", sec, key, text
			key = ""
		}
		/^\.Sh / { flush(); sec = ""; depth = 0; next }
		/^\.Ss / { flush(); sec = $2; depth = 0; next }
		/^\.Bl / { depth++ }
		/^\.El/ { if (--depth == 0) flush(); next }
		/^\.It / && depth == 1 {
			flush()
			if (sec != "" && $2 == "Cm") {
				key = $3
				text = ""
			}
			next
		}
		key != "" { text = text " " $0 }
		END { flush() }' "$1"
}

# The value of field f in a conf_table line, or "" if not given.
field() {
	local line=$1 f=$2 kv
	local IFS=$'\t'
	for kv in $line; do
		if [ "${kv%%=*}" = "$f" ]; then
			printf '%s' "${kv#*=}"
			return
		fi
	done
}

# Whether text says "default is V" (V maybe after a macro), V not
# followed by another digit or dot-digit.
says_default() {
	local text=$1 v=$2
	awk -v t="$text" -v v="$v" 'BEGIN {
		n = split("default is |default is .Li |default is .Qq ", c, "|")
		for (i = 1; i <= n; i++) {
			p = index(t, c[i] v)
			if (p == 0)
				continue
			rest = substr(t, p + length(c[i] v), 2)
			if (rest !~ /^[0-9]/ && rest !~ /^\.[0-9]/)
				exit 0
		}
		exit 1
	}'
}

# Whether text holds the words w (a fixed string, word-bounded).
says() {
	local text=$1 w=$2
	awk -v t=" $text " -v w="$w" 'BEGIN {
		while ((p = index(t, w)) > 0) {
			a = substr(t, p - 1, 1)
			z = substr(t, p + length(w), 1)
			if (a !~ /[0-9A-Za-z_]/ && z !~ /[0-9A-Za-z_]/)
				exit 0
			t = substr(t, p + 1)
		}
		exit 1
	}'
}

table=$(conf_table)
documented=$(page_keys "$page5")
[ -n "$table" ] || bad "no keys read from $conf_c"
nkeys=0

while IFS= read -r line; do
	sec=$(field "$line" section)
	name=$(field "$line" name)
	type=$(field "$line" type)
	flags=$(field "$line" flags)
	min=$(field "$line" min)
	max=$(field "$line" max)
	nkeys=$((nkeys + 1))
	text=$(printf '%s\n' "$documented" |
	    awk -F'\t' -v s="$sec" -v k="$name" '$1 == s && $2 == k { print $3 }')
	if [ -z "$text" ]; then
		bad "$page5: $sec.$name is not documented (.It Cm $name" \
		    "under .Ss $sec)"
		continue
	fi
	required=0
	case $flags in *CONF_REQUIRED*) required=1 ;; esac
	lower=$(printf '%s' "$text" | tr 'A-Z' 'a-z')
	if [ $required = 1 ] && ! says "$lower" "required"; then
		bad "$page5: $sec.$name: does not say it is required"
	fi

	def=""
	case $type in
	CONF_INT)
		def=$(field "$line" idef)
		[ -n "$def" ] || def=0
		if [ "$(field "$line" scale)" != "" ] || [ $required = 1 ]; then
			def=""
		fi
		says "$text" "$min to $max" ||
		    bad "$page5: $sec.$name: range is not \"$min to $max\""
		;;
	CONF_NUMBER)
		def=$(field "$line" ddef)
		[ $required = 1 ] && def=""
		dmin=$(field "$line" dmin)
		dmax=$(field "$line" dmax)
		case $dmax in *DBL_MAX*) ;; *)
			if [ -n "$(printf '%s' "$flags" | grep CONF_GT_MIN)" ]
			then
				says "$text" "greater than $dmin and at most $dmax" ||
				    bad "$page5: $sec.$name: range is not" \
				    "\"greater than $dmin and at most $dmax\""
			else
				says "$text" "$dmin to $dmax" ||
				    bad "$page5: $sec.$name: range is not" \
				    "\"$dmin to $dmax\""
			fi
		esac
		;;
	CONF_BOOL)
		[ "$(field "$line" idef)" = 1 ] && def=true || def=false
		;;
	CONF_STRING | CONF_LISTEN)
		if [ "$type" = CONF_STRING ]; then
			if [ "${min:-0}" = 0 ]; then
				says "$text" "at most $max" ||
				    bad "$page5: $sec.$name: length is not" \
				    "\"at most $max\""
			else
				says "$text" "$min to $max" ||
				    bad "$page5: $sec.$name: length is not" \
				    "\"$min to $max\""
			fi
		fi
		if [ "$(printf '%s\n' "$line" | grep -c $'\tsdef=')" = 1 ]; then
			def=$(field "$line" sdef)
			if [ -z "$def" ]; then
				printf '%s' "$text" | has 'default, \.Qq ,' ||
				    bad "$page5: $sec.$name: does not say the" \
				    "default is empty (\"The default, .Qq , ...\")"
			fi
		fi
		;;
	CONF_LEVEL)
		def=$(field "$line" idef)
		def=${def#LOG_LEVEL_}
		def=$(printf '%s' "$def" | tr 'A-Z' 'a-z')
		for l in $(sed -n 's/.*log_names\[\] = { \(.*\) };/\1/p' \
		    "$root/daemon/core/loglevel.c" | tr -d '",'); do
			says "$text" "$l" ||
			    bad "$page5: $sec.$name: level $l not named"
		done
		;;
	CONF_WINDOWS)
		def=$(sed -n 's/.*conf_windows_default\[\] = { \(.*\), 0 };/\1/p' \
		    "$conf_c")
		def="[$def]"
		says "$text" "$min to $max" ||
		    bad "$page5: $sec.$name: range is not \"$min to $max\""
		n=$(sed -n 's/#define CONF_MAX_WINDOWS[^0-9]*\([0-9]*\).*/\1/p' \
		    "$root/include/core/conf.h")
		says "$text" "1 to $n" ||
		    bad "$page5: $sec.$name: count is not \"1 to $n\""
		;;
	CONF_ENUM)
		arr=$(field "$line" choices)
		for ch in $(sed -n "/$arr\[\] = {\$/{n;p;d;};s/.*$arr\[\] = {\(.*\)/\1/p" \
		    "$conf_c" | tr -d '",' | sed 's/NULL.*//'); do
			says "$text" ".Li $ch" ||
			    bad "$page5: $sec.$name: choice $ch not named"
		done
		;;
	CONF_WINDOW)
		says "$text" "metrics.windows_s" ||
		    bad "$page5: $sec.$name: does not name metrics.windows_s"
		;;
	esac
	if [ -n "$def" ] && ! says_default "$text" "$def"; then
		bad "$page5: $sec.$name: does not say \"The default is $def\""
	fi
done <<< "$table"

# No key or section the code lacks.
while IFS=$'\t' read -r sec key _; do
	[ -n "$sec" ] || continue
	printf '%s\n' "$table" |
	    grep -qF "section=$sec"$'\t'"name=$key"$'\t' ||
	    bad "$page5: documents $sec.$key, which conf.c does not have"
done <<< "$documented"
for s in $(grep '^\.Ss ' "$page5" | cut -d' ' -f2-); do
	printf '%s\n' "$table" | has -F "section=$s"$'\t' ||
	    bad "$page5: .Ss $s is not a section of conf.c"
done

# EXAMPLES opens with the shipped config, byte for byte.
section "$page5" EXAMPLES |
    awk '/^\.Bd -literal/ { on = 1; next } on && /^\.Ed/ { exit } on' |
    sed 's/\\e/\\/g' | cmp -s - "$root/conf/replytimed.json" ||
    bad "$page5: the first EXAMPLES block is not conf/replytimed.json"

# The shipped config names every key that is not an alerts.rules key.
while IFS= read -r line; do
	sec=$(field "$line" section)
	name=$(field "$line" name)
	[ "$sec" = alerts.rules ] && continue
	awk -v s="$sec" -v k="$name" '
		$0 ~ "^  \"" s "\": \\{" { on = 1; next }
		on && /^  }/ { on = 0 }
		on && index($0, "    \"" k "\":") == 1 { found = 1 }
		END { exit !found }' "$root/conf/replytimed.json" ||
	    bad "conf/replytimed.json: $sec.$name is not in the shipped file"
done <<< "$table"

# RELOADING names each key a reload takes (CONF_RELOAD), or its section
# when the whole section is, and no other key as taken at once.
reloading=$(section "$page5" RELOADING |
    awk '/take effect at once/ { exit } { print }')
while IFS= read -r line; do
	sec=$(field "$line" section)
	name=$(field "$line" name)
	[ "$sec" = alerts.rules ] && continue
	case $(field "$line" flags) in
	*CONF_RELOAD*)
		printf '%s\n' "$reloading" |
		    has -Fx -e ".Cm $sec.$name" -e ".Cm $sec.$name ," \
		    -e ".Cm $sec ," -e ".Cm $sec" ||
		    bad "$page5: RELOADING does not say a reload takes $sec.$name" ;;
	*)
		printf '%s\n' "$reloading" |
		    has -Fx -e ".Cm $sec.$name" -e ".Cm $sec.$name ," &&
		    bad "$page5: RELOADING says a reload takes $sec.$name" ;;
	esac
done <<< "$table"

# ---- replytimed(8) against main.c and the rest --------------------------

synopsis=$(section "$page8" SYNOPSIS)
description=$(section "$page8" DESCRIPTION)
# { "name", has_arg, NULL, 'c' } in main.c's longopts
longopt='s/^[[:space:]]*{ "\([a-z-]*\)", \([a-z_]*\), NULL, '
longopt="$longopt'\\(.\\)' },*/\\1 \\2 \\3/p"
nopts=0
while read -r long arg short; do
	nopts=$((nopts + 1))
	printf '%s\n' "$synopsis" | has "Fl $short\>" ||
	    bad "$page8: SYNOPSIS lacks -$short"
	it=$(printf '%s\n' "$description" |
	    grep "^\.It Fl $short\>.*Fl -$long\>" || true)
	[ -n "$it" ] || bad "$page8: no \".It Fl $short ... Fl -$long\""
	if [ "$arg" = required_argument ]; then
		printf '%s\n' "$it" | has "Fl $short Ar .*Fl -$long Ar " ||
		    bad "$page8: -$short and --$long take an argument"
	fi
done < <(sed -n "$longopt" "$main_c")
[ $nopts -gt 0 ] || bad "no long options read from $main_c"
optstring=$(sed -n 's/.*getopt_long(argc, argv, "\([^"]*\)".*/\1/p' \
    "$main_c")
for c in $(printf '%s' "$optstring" | tr -d ':' | fold -w1); do
	printf '%s\n' "$description" | has "^\.It Fl $c\>" ||
	    bad "$page8: getopt's -$c is not described"
done

signals=$(section "$page8" SIGNALS)
for s in $(sed -n 's/.*sigs\[\] = { \(.*\) };/\1/p' "$main_c" | tr -d ,) \
    $(sed -n 's/.*signal(\(SIG[A-Z]*\), SIG_IGN).*/\1/p' "$main_c"); do
	printf '%s\n' "$signals" | has "Dv .*\<$s\>" ||
	    bad "$page8: SIGNALS lacks $s"
done

exits=$(section "$page8" "EXIT STATUS")
# return (N); and exit(N); in main.c, and fatal()'s in log.c
status='s/.*\<\(return\|exit\)[ (]*(\{0,1\}\([0-9]\));.*/\2/p'
for n in $(cat "$main_c" "$root/daemon/edge/log.c" | sed -n "$status" |
    sort -u); do
	printf '%s\n' "$exits" | has "^\.It $n\$" ||
	    bad "$page8: EXIT STATUS lacks $n"
done
printf '%s\n' "$exits" | has 'Ar file : Ar key : Ar reason' ||
    bad "$page8: EXIT STATUS does not give \"file: key: reason\""

environment=$(section "$page8" ENVIRONMENT)
for v in $(cat "$root"/daemon/edge/*.c |
    sed -n 's/.*getenv("\([A-Z_]*\)").*/\1/p' | sort -u); do
	printf '%s\n' "$environment" | has "Ev .*\<$v\>" ||
	    bad "$page8: ENVIRONMENT lacks $v"
done

path=$(sed -n 's/.*d\.path = "\([^"]*\)";.*/\1/p' "$main_c")
section "$page8" FILES | has "^\.It Pa $path\$" ||
    bad "$page8: FILES lacks $path"

http=$(section "$page8" HTTP)
prelude=$(printf '%s\n' "$http" | sed '/^\.Bl/,$d')
while read -r p auth; do
	printf '%s\n' "$http" | has "^\.It Pa $p\$" ||
	    bad "$page8: HTTP lacks $p"
	if [ "$auth" = 0 ]; then
		printf '%s\n' "$prelude" | has "^\.Pa $p\$" ||
		    bad "$page8: HTTP does not say $p needs no token"
	else
		! printf '%s\n' "$prelude" | has "^\.Pa $p\$" ||
		    bad "$page8: HTTP says $p needs no token; it does"
	fi
done < <(sed -n 's/.*X([A-Z]*, "\([^"]*\)", \([01]\), [01]).*/\1 \2/p' \
    "$root/include/core/route.h")

# Word lists: each name must be a word of the page.
all8=$(tr '\n' ' ' < "$page8")
need_words() {
	local what=$1 w
	shift
	for w in "$@"; do
		says "$all8" "$w" || bad "$page8: $what $w is not named"
	done
}
xname='s/.*X([A-Z_]*, "\([a-z_]*\)").*/\1/p'
need_words "dead-letter reason" $(sed -n "$xname" \
    "$root/include/core/entry.h")
need_words "outcome kind" $(sed -n "/OUTCOME_TABLE(X)/,/^\$/$xname" \
    "$root/include/core/engine.h")
need_words "output stream field" \
    $(grep -o "'[a-z_]*', ARGV" "$root/daemon/edge/output.c" |
    cut -d"'" -f2) \
    $(sed -n 's/.*output_str(o, "\([a-z_][a-z_]*\)");.*/\1/p' \
    "$root/daemon/edge/output.c" | grep ..) \
    $(sed -n 's/^	X(\([a-z_]*\),.*/\1/p' "$root/include/core/alert.h")
prefix=$(field "$(printf '%s\n' "$table" |
    grep -F $'section=redis\tname=prefix\t')" sdef)
need_words "stream or key" $(sed -n \
    's/.*xasprintf([^"]*"%s\(:[a-z:]*\)".*/\1/p' \
    "$root/daemon/edge/output.c" | sed "s/^/$prefix/")

# The window figures: each METRICS field is an item, and no item is not.
metrics=$(sed -n 's/.*X([A-Z0-9_]*, "\([a-z0-9_]*\)",.*/\1/p' \
    "$root/include/core/metrics.h")
figures=$(section "$page8" "Figures of a window" Ss |
    sed -n 's/^\.It Li //p' | tr -d ',' | tr ' ' '\n' | grep . || true)
for m in $metrics; do
	printf '%s\n' "$figures" | has -x "$m" ||
	    bad "$page8: Figures of a window lacks $m"
done
for m in $figures; do
	printf '%s\n' "$metrics" | has -x "$m" ||
	    bad "$page8: Figures of a window has $m, not a METRICS field"
done

if [ $errors -gt 0 ]; then
	echo "man-check: $errors disagreements between the pages and" \
	    "the code" >&2
	exit 1
fi
echo "man-check: $nkeys config keys, $nopts options and the rest agree" \
    "with the code"
