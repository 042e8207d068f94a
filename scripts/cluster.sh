#!/usr/bin/env bash
# Start, stop or inspect a 3-process Stardust cluster on this machine, one `stardust start` per member.
#
#   scripts/cluster.sh start     # members 0..2 on ports 20000.., data in run/member-N, logs in run/member-N.log
#   scripts/cluster.sh status    # `stardust status` against the cluster
#   scripts/cluster.sh stop      # SIGTERM each member and wait for it to exit
#
# Settings (environment): STARDUST_HOME (default ./run), STARDUST_BASE_PORT (20000), STARDUST_WORKERS (1),
# STARDUST_FRESH=1 to erase the members' state on start (testing only), STARDUST_START_OPTS for more
# `stardust start` options (for example "--leader-heartbeat-timeout-ms 1000").
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
home="${STARDUST_HOME:-$here/run}"
base="${STARDUST_BASE_PORT:-20000}"
workers="${STARDUST_WORKERS:-1}"
spec="0=localhost:${base},1=localhost:$((base + 10)),2=localhost:$((base + 20))"
stardust="$here/bin/stardust"

start() {
    mkdir -p "$home"
    for id in 0 1 2; do
        pidfile="$home/member-$id.pid"
        if [ -f "$pidfile" ] && kill -0 "$(cat "$pidfile")" 2>/dev/null; then
            echo "member $id already running (pid $(cat "$pidfile"))"
            continue
        fi
        extra=()
        [ "${STARDUST_FRESH:-0}" = "1" ] && extra+=(--delete-state-on-start)
        # shellcheck disable=SC2206
        [ -n "${STARDUST_START_OPTS:-}" ] && extra+=(${STARDUST_START_OPTS})
        nohup "$stardust" start --member "$id" --cluster "$spec" --data-dir "$home/member-$id" \
            --workers "$workers" "${extra[@]}" > "$home/member-$id.log" 2>&1 &
        echo $! > "$pidfile"
        echo "member $id started (pid $!), log $home/member-$id.log"
    done
    echo "cluster: $spec"
}

stop() {
    for id in 0 1 2; do
        pidfile="$home/member-$id.pid"
        [ -f "$pidfile" ] || continue
        pid="$(cat "$pidfile")"
        if kill -0 "$pid" 2>/dev/null; then
            kill -TERM "$pid"
            for _ in $(seq 1 100); do
                kill -0 "$pid" 2>/dev/null || break
                sleep 0.1
            done
            if kill -0 "$pid" 2>/dev/null; then
                echo "member $id (pid $pid) did not stop in 10 s; killing it"
                kill -KILL "$pid"
            fi
            echo "member $id stopped"
        fi
        rm -f "$pidfile"
    done
}

case "${1:-}" in
    start) start ;;
    stop) stop ;;
    status) "$stardust" status --cluster "$spec" ;;
    spec) echo "$spec" ;;
    *) echo "usage: $0 start|stop|status|spec" >&2; exit 2 ;;
esac
