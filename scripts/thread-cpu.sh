#!/usr/bin/env bash
# Where processes' CPU goes, by thread: samples /proc/PID/task/*/stat twice, SECONDS apart, and prints the cores each
# thread name used (summed over the processes), largest first, and the total.
# Usage: scripts/thread-cpu.sh SECONDS PID [PID...]
set -euo pipefail
seconds=$1; shift
ticks=$(getconf CLK_TCK 2>/dev/null || echo 100)
sample() {
    for pid in "$@"; do
        for task in /proc/"$pid"/task/*; do
            [ -r "$task/stat" ] || continue
            # comm may hold spaces: take the fields after the last ')'.
            stat=$(cat "$task/stat" 2>/dev/null) || continue
            rest=${stat##*) }
            name=$(cat "$task/comm" 2>/dev/null | tr ' ' '_') || continue
            set -- $rest
            # utime and stime are fields 14 and 15 of stat, 12 and 13 after the comm.
            echo "$pid:${task##*/} $name $(( ${12} + ${13} ))"
        done
    done
}
before=$(sample "$@")
sleep "$seconds"
after=$(sample "$@")
join <(echo "$before" | sort) <(echo "$after" | sort) | awk -v s="$seconds" -v t="$ticks" '
    { used[$2] += ($5 - $3) / t / s; total += ($5 - $3) / t / s }
    END { for (n in used) if (used[n] > 0) printf "%-40s %.4f\n", n, used[n]; printf "%-40s %.4f\n", "TOTAL", total }' |
    sort -k2 -n -r
