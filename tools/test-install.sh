#!/usr/bin/env bash
# `make check`'s install test: make install into a temporary DESTDIR,
# run the installed binary's --check-config on the installed config,
# check the unit points at them and the manual pages render, then make
# uninstall removes it all.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
dest=$(mktemp -d "${TMPDIR:-/tmp}/replytimed-install.XXXXXX")
trap 'rm -rf "$dest"' EXIT
fail() {
	echo "test-install: $*" >&2
	exit 1
}

make -C "$root" --no-print-directory -s install DESTDIR="$dest" \
    PREFIX=/opt/rt >/dev/null
bin=$dest/opt/rt/bin/replytimed
conf=$dest/etc/replytimed/replytimed.json
unit=$dest/opt/rt/lib/systemd/system/replytimed.service
man8=$dest/opt/rt/share/man/man8/replytimed.8
man5=$dest/opt/rt/share/man/man5/replytimed.json.5
for f in "$bin" "$dest/opt/rt/bin/replytime-gen" "$conf" "$unit" \
    "$dest/etc/replytimed/redis-password" "$man8" "$man5"; do
	[ -e "$f" ] || fail "make install did not install $f"
done
command -v mandoc >/dev/null || fail "mandoc is missing: make deps"
for f in "$man8" "$man5"; do
	[ "$(stat -c %a "$f")" = 644 ] || fail "$f is not 0644"
	mandoc -Tlint -Wwarning "$f" || fail "mandoc warns about $f"
	err=$(mandoc -Tutf8 "$f" 2>&1 >/dev/null) && [ -z "$err" ] ||
	    fail "$f does not render: $err"
done
# (without the overstrikes of bold and underline; grep reads it all, as
# an early exit would fail the pipe under pipefail)
mandoc -Tutf8 "$man8" | sed 's/.\x08//g' | grep -F "${unit#"$dest"}" \
    >/dev/null ||
    fail "the installed replytimed(8) does not name the installed unit"
[ "$(stat -c %a "$dest/etc/replytimed/redis-password")" = 600 ] ||
    fail "the password file is not 0600"
"$bin" --check-config -c "$conf" >/dev/null ||
    fail "the installed binary refuses the installed config"
grep -q '^ExecStart=/opt/rt/bin/replytimed -c /etc/replytimed/replytimed.json$' \
    "$unit" || fail "the unit's ExecStart does not name the installed files"

# the sandbox and the limits hold on the installed unit, and its
# SocketBindAllow= names the port the shipped config listens on
command -v systemd-analyze >/dev/null || fail "systemd-analyze is missing: make deps"
exposure=$(systemd-analyze security --offline=true --no-pager "$unit" 2>&1 |
    sed -n 's/.*Overall exposure level for [^:]*: \([0-9.]*\).*/\1/p')
[ -n "$exposure" ] || fail "systemd-analyze security gave no exposure"
awk -v x="$exposure" 'BEGIN { exit !(x <= 1.1) }' ||
    fail "the unit's exposure is $exposure, above 1.1"
for k in MemoryHigh MemoryMax LimitNOFILE TasksMax SocketBindAllow; do
	grep -q "^$k=" "$unit" || fail "the unit sets no $k="
done
port=$(sed -n 's/.*"listen": *"[^"]*:\([0-9]*\)".*/\1/p' \
    "$root/conf/replytimed.json")
grep -qx "SocketBindAllow=tcp:${port:-none}" "$unit" ||
    fail "SocketBindAllow= is not the shipped http.listen port (${port:-none})"

# a second install keeps an edited config
echo '{"log": {"level": "debug"}}' > "$conf"
make -C "$root" --no-print-directory -s install DESTDIR="$dest" \
    PREFIX=/opt/rt >/dev/null
grep -q debug "$conf" || fail "make install overwrote an edited config"
"$bin" --check-config -c "$conf" >/dev/null || fail "edited config refused"

make -C "$root" --no-print-directory -s uninstall DESTDIR="$dest" \
    PREFIX=/opt/rt >/dev/null
[ ! -e "$bin" ] && [ ! -e "$unit" ] && [ ! -e "$man8" ] &&
    [ ! -e "$man5" ] || fail "make uninstall left files"
[ -e "$conf" ] || fail "make uninstall removed an edited config"
rm "$conf"
cp "$root/conf/replytimed.json" "$conf"
make -C "$root" --no-print-directory -s uninstall DESTDIR="$dest" \
    PREFIX=/opt/rt >/dev/null
[ ! -e "$dest/etc/replytimed" ] || fail "make uninstall left /etc/replytimed"
echo "test-install: install, --check-config, manual pages, unit" \
    "exposure $exposure and limits, keep-edited-config and uninstall all good"
