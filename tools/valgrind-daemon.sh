#!/bin/sh
# Runs replytimed under valgrind's memcheck for `make valgrind`: the
# integration tests start this in its place (REPLYTIMED_BIN), and each
# run leaves its report in $VG_DIR/<pid>.log for the Makefile to check.
exec valgrind --quiet --leak-check=full --show-leak-kinds=definite,indirect \
    --errors-for-leak-kinds=definite,indirect --track-origins=yes \
    --log-file="${VG_DIR:-build/valgrind}/%p.log" \
    "${VG_BIN:-build/replytimed}" "$@"
