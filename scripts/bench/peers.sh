#!/usr/bin/env bash
# Start, stop or inspect the benchmark's peer systems on loopback, from Debian's packages:
#   - PostgreSQL 15 (package postgresql-15): one throwaway cluster, run as the `postgres` OS user when we are root;
#   - etcd 3.4 (package etcd-server, etcdctl from etcd-client): a 3-member cluster.
#
#   scripts/bench/peers.sh start  [--dir DIR] [--pg-port P] [--etcd-base-port B]
#   scripts/bench/peers.sh stop   [--dir DIR]
#   scripts/bench/peers.sh status [--dir DIR]
#
# DIR (default /tmp/stardust-bench-peers) holds everything: data, sockets, logs, pid files and peers.env, which `start`
# writes for bin/bench (io.stardust.bench.BenchMain --peers-env) and for shells to source:
#   PG_STATUS=ok | "unavailable: <reason>", PG_JDBC_URL, PG_USER, PG_PID, PG_VERSION,
#   ETCD_STATUS=ok | "unavailable: <reason>", ETCD_ENDPOINTS, ETCD_PIDS, ETCD_VERSION.
# A peer that cannot be installed or started is reported unavailable with the reason; the other one still starts, and
# `start` exits 0. `stop` stops whatever runs from DIR and removes DIR; `start` does that first, so it is idempotent.
#
# Ports: PostgreSQL on 127.0.0.1:P (default 25432); etcd member i (0..2) serves clients on B+10*i and peers on
# B+10*i+1 (default B=22379: clients 22379/22389/22399, peers 22380/22390/22400).
# Settings (environment): PEERS_WAIT_SECONDS (30), how long to wait for each peer to serve.
set -euo pipefail

dir=/tmp/stardust-bench-peers
pg_port=25432
etcd_base=22379
wait_seconds="${PEERS_WAIT_SECONDS:-30}"

pg_bin=/usr/lib/postgresql/15/bin          # explicitly Debian's PostgreSQL 15, not whatever is first on PATH
etcd_bin=/usr/bin/etcd
marker=.stardust-bench-peers                # a file in DIR saying this script made it (so stop may delete DIR)

usage() {
    echo "usage: $0 start [--dir DIR] [--pg-port P] [--etcd-base-port B] | stop [--dir DIR] | status [--dir DIR]" >&2
    exit 2
}

log() { echo "peers: $*" >&2; }

# ---------------------------------------------------------------------------------------------------------------------
# Small helpers
# ---------------------------------------------------------------------------------------------------------------------

# The last lines of a log file, indented, for error messages.
tail_of() {
    if [ -s "$1" ]; then
        echo "  --- last lines of $1 ---"
        tail -n 20 "$1" | sed 's/^/  | /'
    else
        echo "  ($1 is empty or missing)"
    fi
}

# For a one-line reason: the text after regex $2 on the last line of log file $1 that matches it, cut where regex $3
# (optional) starts; "see $1" when no line matches.
last_error() {
    local line
    line="$(grep -E -- "$2" "$1" 2>/dev/null | tail -n 1 | sed -E "s/.*$2//${3:+; s/$3.*//}")" || true
    echo "${line:-see $1}"
}

# One KEY=VALUE line that both `source` and BenchMain.readEnv (which only strips one pair of quotes) read the same way:
# values with anything beyond plain URL-ish characters are double-quoted, after dropping the characters that a double-
# quoted shell string would interpret (" \ $ `) and folding newlines.
env_line() {
    local key="$1" value="$2"
    value="$(printf '%s' "$value" | tr '\n\t' '  ' | tr -d '"\\$`')"
    if [[ "$value" =~ ^[A-Za-z0-9_.,:/@+=-]*$ ]]; then
        printf '%s=%s\n' "$key" "$value"
    else
        printf '%s="%s"\n' "$key" "$value"
    fi
}

# Milliseconds since the epoch, and the seconds since such a time with one decimal, for the summary.
now_ms() { date +%s%3N; }
since() { local ms=$(( $(now_ms) - $1 )); printf '%d.%d s' $((ms / 1000)) $((ms % 1000 / 100)); }

# True when something already listens on 127.0.0.1:$1 (a connect succeeds).
port_busy() {
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

# True when pid $1 is alive and its command line mentions $2 (guards against a recycled pid).
pid_is() {
    local pid="$1" needle="$2"
    [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null &&
        tr '\0' ' ' < "/proc/$pid/cmdline" 2>/dev/null | grep -qF -- "$needle"
}

# Send SIGTERM to pid $1 if it is ours ($2 as in pid_is), wait up to 10 s for it to exit, then SIGKILL it.
stop_pid() {
    local pid="$1" needle="$2" what="$3"
    pid_is "$pid" "$needle" || return 0
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 1 100); do
        kill -0 "$pid" 2>/dev/null || { echo "$what (pid $pid) stopped"; return 0; }
        sleep 0.1
    done
    log "$what (pid $pid) did not stop within 10 s of SIGTERM; sending SIGKILL"
    kill -KILL "$pid" 2>/dev/null || true
    for _ in $(seq 1 50); do
        kill -0 "$pid" 2>/dev/null || return 0
        sleep 0.1
    done
    log "$what (pid $pid) is still there after SIGKILL"
}

# ---------------------------------------------------------------------------------------------------------------------
# Packages
# ---------------------------------------------------------------------------------------------------------------------

# install PKG...: apt-get install them (root only). On failure, sets install_error to a one-line reason and returns 1.
# `apt-get update` runs only when the install failed for lack of (current) package lists.
install_error=""
install() {
    install_error=""
    if [ "$(id -u)" -ne 0 ]; then
        install_error="package(s) $* not installed, and not root to install them"
        return 1
    fi
    # Debian's packages start their default service on install (a PostgreSQL cluster on 5432, an etcd on 2379) unless
    # /usr/sbin/policy-rc.d says no; say no for the length of the install if nothing says it already.
    local made_policy=0 out rc
    if [ ! -e /usr/sbin/policy-rc.d ]; then
        printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d && chmod 755 /usr/sbin/policy-rc.d && made_policy=1
    fi
    log "installing $* (apt-get install -y --no-install-recommends)..."
    local started=$SECONDS
    rc=0
    out="$(DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "$@" 2>&1)" || rc=$?
    if [ "$rc" -ne 0 ] && grep -qE 'Unable to locate package|has no installation candidate|Failed to fetch|404' <<< "$out"
    then
        log "apt-get install failed for lack of package lists; running apt-get update and trying again"
        if DEBIAN_FRONTEND=noninteractive apt-get update -q > /dev/null 2>&1; then
            rc=0
            out="$(DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "$@" 2>&1)" || rc=$?
        fi
    fi
    [ "$made_policy" = 1 ] && rm -f /usr/sbin/policy-rc.d
    if [ "$rc" -ne 0 ]; then
        install_error="apt-get install $* failed: $(grep -E '^(E|W):' <<< "$out" | tail -n 2 | tr '\n' ' ')"
        log "$install_error"
        tail -n 5 <<< "$out" | sed 's/^/  | /' >&2
        return 1
    fi
    log "installed $* in $((SECONDS - started)) s"
}

# ---------------------------------------------------------------------------------------------------------------------
# PostgreSQL
# ---------------------------------------------------------------------------------------------------------------------

# Run a PostgreSQL program as the postgres OS user when we are root (the server refuses to run as root), else as us.
# From / so that a working directory the postgres user cannot read does not matter.
as_pg() {
    if [ "$(id -u)" -eq 0 ]; then
        (cd / && runuser -u postgres -- "$@")
    else
        (cd / && "$@")
    fi
}

pg_status="" pg_pid="" pg_version=""

# Start the PostgreSQL peer; on any failure set pg_status to "unavailable: ..." and leave nothing of it running.
start_pg() {
    local data="$dir/pg/data" sock="$dir/pg/socket" pglog="$dir/postgres.log"
    pg_status="unavailable: not started"

    # The binaries, from Debian's packages (postgresql-client-15 has psql and pg_isready).
    local need=0 b
    for b in postgres initdb pg_ctl pg_isready psql; do [ -x "$pg_bin/$b" ] || need=1; done
    if [ "$need" = 1 ] && ! install postgresql-15 postgresql-client-15; then
        pg_status="unavailable: $install_error"
        return
    fi
    for b in postgres initdb pg_ctl pg_isready psql; do
        if [ ! -x "$pg_bin/$b" ]; then
            pg_status="unavailable: $pg_bin/$b missing after installing postgresql-15"
            return
        fi
    done
    pg_version="$("$pg_bin/postgres" --version)"
    if port_busy "$pg_port"; then
        pg_status="unavailable: port 127.0.0.1:$pg_port is already in use (another server? try --pg-port)"
        log "PostgreSQL: $pg_status"
        return
    fi

    # The folders, owned by the user the server runs as; it must be able to reach them through DIR.
    mkdir -p "$data" "$sock"
    : > "$pglog"
    chmod 700 "$data" "$sock"
    if [ "$(id -u)" -eq 0 ]; then
        if ! id postgres > /dev/null 2>&1; then
            pg_status="unavailable: no 'postgres' OS user to run the server as (is postgresql-15 installed properly?)"
            return
        fi
        chown -R postgres: "$dir/pg" "$pglog"
        if ! as_pg test -w "$data"; then
            pg_status="unavailable: the postgres user cannot write $data (a parent of $dir is not searchable by it?)"
            log "PostgreSQL: $pg_status"
            return
        fi
    fi

    # A fresh cluster. initdb --no-sync only skips syncing the initial catalog files of this throwaway cluster;
    # the server itself runs with fsync=on. The superuser is always named postgres.
    local initlog="$dir/pg/initdb.log"
    if ! as_pg "$pg_bin/initdb" -D "$data" -U postgres --encoding=UTF8 --locale=C --auth=trust --no-sync \
        > "$initlog" 2>&1; then
        pg_status="unavailable: initdb failed (see $initlog)"
        log "PostgreSQL: $pg_status"
        tail_of "$initlog" >&2
        return
    fi

    # Our settings, appended so they override initdb's. fsync and synchronous_commit stay at their durable defaults
    # (on); the benchmark picks synchronous_commit per session with SET.
    cat >> "$data/postgresql.conf" <<EOF

# --- scripts/bench/peers.sh ---
listen_addresses = '127.0.0.1'
port = $pg_port
unix_socket_directories = '$sock'
fsync = on
synchronous_commit = on
max_connections = 300
shared_buffers = 256MB
EOF
    # Clients: the superuser over the socket inside DIR (mode 700, so only its owner and root reach it), and the
    # benchmark's role `bench` over TCP on 127.0.0.1 without a password. Nothing else matches, so nothing else gets in.
    cat > "$data/pg_hba.conf" <<EOF
# TYPE  DATABASE  USER   ADDRESS        METHOD
local   all       all                   trust
host    all       bench  127.0.0.1/32   trust
EOF

    # Start without pg_ctl's own wait, then poll pg_isready ourselves so a dead postmaster is noticed at once. The
    # probes go as postgres over the socket (trusted), so they leave no authentication errors in the log; the path the
    # benchmark takes (bench over TCP) is checked once the role exists.
    log "starting PostgreSQL on 127.0.0.1:$pg_port (data $data, log $pglog)..."
    local started=$SECONDS started_ms
    started_ms="$(now_ms)"
    if ! as_pg "$pg_bin/pg_ctl" -D "$data" -l "$pglog" -W start > "$dir/pg/pg_ctl.log" 2>&1; then
        pg_status="unavailable: pg_ctl start failed: $(tail -n 1 "$dir/pg/pg_ctl.log")"
        log "PostgreSQL: $pg_status"
        tail_of "$pglog" >&2
        abort_pg
        return
    fi
    local ready=0 pid=""
    while [ $((SECONDS - started)) -lt "$wait_seconds" ]; do
        if "$pg_bin/pg_isready" -q -h "$sock" -p "$pg_port" -U postgres -d postgres -t 2; then ready=1; break; fi
        [ -f "$data/postmaster.pid" ] && pid="$(head -n 1 "$data/postmaster.pid")"
        # After two seconds, a postmaster that wrote no pid file, or whose pid is gone, has died.
        if [ $((SECONDS - started)) -ge 2 ] && ! { [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; }; then break; fi
        sleep 0.5
    done
    if [ "$ready" != 1 ]; then
        if [ $((SECONDS - started)) -lt "$wait_seconds" ]; then
            pg_status="unavailable: PostgreSQL exited during start: $(last_error "$pglog" 'FATAL: *')"
        else
            pg_status="unavailable: PostgreSQL did not accept connections on 127.0.0.1:$pg_port within $wait_seconds s"
        fi
        log "PostgreSQL: $pg_status"
        tail_of "$pglog" >&2
        abort_pg
        return
    fi
    pg_pid="$(head -n 1 "$data/postmaster.pid")"

    # The benchmark's role and database.
    if ! as_pg "$pg_bin/psql" -X -q -v ON_ERROR_STOP=1 -h "$sock" -p "$pg_port" -U postgres -d postgres \
        -c "CREATE ROLE bench LOGIN" -c "CREATE DATABASE bench OWNER bench" > "$dir/pg/setup.log" 2>&1; then
        pg_status="unavailable: creating role and database bench failed: $(tail -n 1 "$dir/pg/setup.log")"
        log "PostgreSQL: $pg_status"
        tail_of "$pglog" >&2
        abort_pg
        return
    fi
    # What the benchmark will do: connect as bench over TCP to 127.0.0.1.
    if ! "$pg_bin/psql" -X -Atq -h 127.0.0.1 -p "$pg_port" -U bench -d bench -c "SELECT 1" > "$dir/pg/check.log" 2>&1
    then
        pg_status="unavailable: bench cannot connect over 127.0.0.1:$pg_port: $(tail -n 1 "$dir/pg/check.log")"
        log "PostgreSQL: $pg_status"
        tail_of "$pglog" >&2
        abort_pg
        return
    fi
    pg_status=ok
    echo "PostgreSQL ready in $(since "$started_ms") (pid $pg_pid)"
}

# Stop the PostgreSQL peer of DIR, if any: pg_ctl stop -m fast, else SIGTERM/SIGKILL of the postmaster.
stop_pg() {
    local data="$dir/pg/data" pid=""
    if [ -f "$data/postmaster.pid" ]; then
        pid="$(head -n 1 "$data/postmaster.pid")"
    else
        # A postmaster that has not written its pid file yet (a start that failed early): find it by its command line.
        pid="$(pgrep -o -f -x -- "$pg_bin/postgres -D $data" || true)"
    fi
    [ -n "$pid" ] || return 0
    if [ -x "$pg_bin/pg_ctl" ] && [ -f "$data/postmaster.pid" ] && pid_is "$pid" "$data" &&
        as_pg "$pg_bin/pg_ctl" -D "$data" -m fast -w -t 30 stop > /dev/null 2>&1; then
        echo "PostgreSQL (pid $pid) stopped"
    fi
    stop_pid "$pid" "$data" "PostgreSQL"
}

# After a failed start: pg_ctl -W returns before the server exists, so first wait (bounded) until the postmaster has
# written its pid file or no process of this data folder is left, then stop it.
abort_pg() {
    local data="$dir/pg/data"
    for _ in $(seq 1 50); do
        [ -f "$data/postmaster.pid" ] && break
        pgrep -f -- "$data" > /dev/null || break
        sleep 0.1
    done
    stop_pg
}

# ---------------------------------------------------------------------------------------------------------------------
# etcd
# ---------------------------------------------------------------------------------------------------------------------

etcd_status="" etcd_pids="" etcd_version="" etcd_endpoints=""

client_port() { echo $((etcd_base + 10 * $1)); }
peer_port() { echo $((etcd_base + 10 * $1 + 1)); }

# True when every member answers healthy: etcdctl when there is one, else each member's /health over HTTP.
etcd_healthy() {
    if command -v etcdctl > /dev/null 2>&1; then
        ETCDCTL_API=3 etcdctl --endpoints="$etcd_endpoints" --dial-timeout=2s --command-timeout=3s endpoint health \
            > /dev/null 2>&1
    else
        local ep
        for ep in ${etcd_endpoints//,/ }; do
            curl -fsS --max-time 3 "$ep/health" 2>/dev/null | grep -q '"health":"true"' || return 1
        done
    fi
}

# Start the etcd peer; on any failure set etcd_status to "unavailable: ..." and leave nothing of it running.
start_etcd() {
    etcd_status="unavailable: not started"
    if [ ! -x "$etcd_bin" ] && ! install etcd-server; then
        etcd_status="unavailable: $install_error"
        return
    fi
    if [ ! -x "$etcd_bin" ]; then
        etcd_status="unavailable: $etcd_bin missing after installing etcd-server"
        return
    fi
    # etcdctl is only for the health check (and for people); without it, /health over HTTP does.
    if ! command -v etcdctl > /dev/null 2>&1 && ! install etcd-client; then
        log "etcd: no etcdctl ($install_error); checking health over HTTP instead"
    fi
    etcd_version="$("$etcd_bin" --version 2>/dev/null | sed -n 's/^etcd Version: *//p')"
    etcd_version="${etcd_version:-$("$etcd_bin" --version 2>&1 | head -n 1)}"

    local i cluster="" endpoints=() p
    for i in 0 1 2; do
        for p in "$(client_port "$i")" "$(peer_port "$i")"; do
            if port_busy "$p"; then
                etcd_status="unavailable: port 127.0.0.1:$p is already in use (another server? try --etcd-base-port)"
                log "etcd: $etcd_status"
                return
            fi
        done
        cluster+="${cluster:+,}m$i=http://127.0.0.1:$(peer_port "$i")"
        endpoints+=("http://127.0.0.1:$(client_port "$i")")
    done
    etcd_endpoints="$(IFS=,; echo "${endpoints[*]}")"
    # A token unique to this start, so members of an earlier cluster can never join this one.
    local token
    token="stardust-bench-$(date +%s)-$$"

    log "starting etcd members on $etcd_endpoints (logs $dir/etcd-N.log)..."
    local started=$SECONDS started_ms pids=()
    started_ms="$(now_ms)"
    for i in 0 1 2; do
        mkdir -p "$dir/etcd-$i"
        chmod 700 "$dir/etcd-$i"
        # setsid puts the member in a session of its own, so a Ctrl-C to whatever ran this script (make) does not
        # reach it; a background child of a non-interactive shell is no group leader, so setsid execs in place and
        # $! is etcd's own pid. Durability stays at etcd's default: it fsyncs its WAL on every commit.
        setsid "$etcd_bin" --name "m$i" --data-dir "$dir/etcd-$i" \
            --listen-client-urls "http://127.0.0.1:$(client_port "$i")" \
            --advertise-client-urls "http://127.0.0.1:$(client_port "$i")" \
            --listen-peer-urls "http://127.0.0.1:$(peer_port "$i")" \
            --initial-advertise-peer-urls "http://127.0.0.1:$(peer_port "$i")" \
            --initial-cluster "$cluster" --initial-cluster-state new --initial-cluster-token "$token" \
            --logger zap --log-outputs stderr \
            < /dev/null > "$dir/etcd-$i.log" 2>&1 &
        pids+=("$!")
        echo "$!" > "$dir/etcd-$i.pid"
        echo "http://127.0.0.1:$(client_port "$i")" > "$dir/etcd-$i.url"
    done
    etcd_pids="$(IFS=,; echo "${pids[*]}")"

    # Wait until all three serve; give up early if a member died. (kill -0 only: just after the fork, the pid may
    # still show this script's command line rather than etcd's.)
    local ready=0 dead=""
    while [ $((SECONDS - started)) -lt "$wait_seconds" ]; do
        dead=""
        for i in 0 1 2; do kill -0 "${pids[$i]}" 2>/dev/null || dead+=" $i"; done
        [ -n "$dead" ] && break
        if etcd_healthy; then ready=1; break; fi
        sleep 0.5
    done
    if [ "$ready" != 1 ]; then
        if [ -n "$dead" ]; then
            i="${dead# }"; i="${i%% *}"
            etcd_status="unavailable: etcd member(s)$dead exited during start (member $i: $(last_error \
                "$dir/etcd-$i.log" '"error":"' '"'))"
        else
            etcd_status="unavailable: the etcd cluster was not healthy within $wait_seconds s"
            dead=" 0 1 2"
        fi
        log "etcd: $etcd_status"
        for i in $dead; do tail_of "$dir/etcd-$i.log" >&2; done
        stop_etcd
        return
    fi
    etcd_status=ok
    echo "etcd ready in $(since "$started_ms") (pids $etcd_pids)"
}

# Stop the etcd members of DIR, if any. A leader that gets SIGTERM first hands its leadership to a follower; if that
# follower is shutting down too, the leader waits 7 s for the hand-over to time out. So: SIGTERM the followers, wait
# for them, then the leader (which, finding no follower left, skips the hand-over). Each wait is bounded (10 s); then
# SIGKILL. Without etcdctl to tell which member leads, all three get SIGTERM at once.
stop_etcd() {
    local i pid leader="" followers=() leaders=()
    if command -v etcdctl > /dev/null 2>&1; then
        for i in 0 1 2; do
            [ -f "$dir/etcd-$i.url" ] || continue
            if ETCDCTL_API=3 etcdctl --endpoints="$(cat "$dir/etcd-$i.url")" --dial-timeout=1s --command-timeout=2s \
                endpoint status 2> /dev/null | awk -F', ' '$5 == "true" { found = 1 } END { exit !found }'; then
                leader="$i"
            fi
        done
    fi
    for i in 0 1 2; do
        [ -f "$dir/etcd-$i.pid" ] || continue
        pid="$(cat "$dir/etcd-$i.pid")"
        pid_is "$pid" "$dir/etcd-$i" || continue
        if [ "$i" = "$leader" ]; then leaders+=("$i:$pid"); else followers+=("$i:$pid"); fi
    done
    [ "${#followers[@]}" -eq 0 ] || term_and_wait "${followers[@]}"
    [ "${#leaders[@]}" -eq 0 ] || term_and_wait "${leaders[@]}"
    rm -f "$dir"/etcd-[012].pid
}

# term_and_wait MEMBER:PID...: SIGTERM the etcd members given, wait up to 10 s for all to exit, SIGKILL the rest.
term_and_wait() {
    local m pid alive
    for m in "$@"; do kill -TERM "${m#*:}" 2>/dev/null || true; done
    for _ in $(seq 1 100); do
        alive=0
        for m in "$@"; do kill -0 "${m#*:}" 2>/dev/null && alive=1; done
        [ "$alive" = 0 ] && break
        sleep 0.1
    done
    for m in "$@"; do
        pid="${m#*:}"
        if kill -0 "$pid" 2>/dev/null; then
            log "etcd member ${m%%:*} (pid $pid) did not stop within 10 s of SIGTERM; sending SIGKILL"
            kill -KILL "$pid" 2>/dev/null || true
            # A SIGKILLed process is gone almost at once; wait for that too (bounded), so its ports are free.
            for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
        else
            echo "etcd member ${m%%:*} (pid $pid) stopped"
        fi
    done
}

# ---------------------------------------------------------------------------------------------------------------------
# Commands
# ---------------------------------------------------------------------------------------------------------------------

# Refuse to touch a DIR this script did not make (it will be deleted).
check_dir_is_ours() {
    if [ -d "$dir" ] && [ ! -e "$dir/$marker" ] && [ -n "$(ls -A "$dir")" ]; then
        log "$dir exists, is not empty and was not made by this script; refusing to use or delete it (pick --dir)"
        exit 1
    fi
}

cmd_stop() {
    check_dir_is_ours
    if [ ! -d "$dir" ]; then
        echo "nothing to stop: $dir does not exist"
        return 0
    fi
    stop_pg
    stop_etcd
    rm -rf "$dir"
    echo "peers stopped; removed $dir"
}

cmd_start() {
    check_dir_is_ours
    # Idempotent: whatever an earlier start left in DIR is stopped and thrown away first.
    if [ -d "$dir" ]; then
        log "stopping what an earlier start left in $dir"
        cmd_stop > /dev/null
    fi
    mkdir -p "$dir"
    chmod 755 "$dir"
    : > "$dir/$marker"

    start_pg
    start_etcd

    # peers.env, written whole and then renamed into place.
    {
        echo "# written by scripts/bench/peers.sh start on $(date -Is)"
        env_line PG_STATUS "$pg_status"
        if [ "$pg_status" = ok ]; then
            env_line PG_JDBC_URL "jdbc:postgresql://127.0.0.1:$pg_port/bench"
            env_line PG_USER bench
            env_line PG_PID "$pg_pid"
            env_line PG_VERSION "$pg_version"
            env_line PG_LOG "$dir/postgres.log"
        fi
        env_line ETCD_STATUS "$etcd_status"
        if [ "$etcd_status" = ok ]; then
            env_line ETCD_ENDPOINTS "$etcd_endpoints"
            env_line ETCD_PIDS "$etcd_pids"
            env_line ETCD_VERSION "$etcd_version"
            env_line ETCD_LOGS "$dir/etcd-0.log,$dir/etcd-1.log,$dir/etcd-2.log"
        fi
    } > "$dir/peers.env.tmp"
    mv "$dir/peers.env.tmp" "$dir/peers.env"

    echo
    echo "PostgreSQL: $pg_status"
    [ "$pg_status" = ok ] && echo "  $pg_version; jdbc:postgresql://127.0.0.1:$pg_port/bench user bench, pid $pg_pid"
    echo "etcd:       $etcd_status"
    [ "$etcd_status" = ok ] && echo "  etcd $etcd_version; $etcd_endpoints, pids $etcd_pids"
    echo "wrote $dir/peers.env; stop with: $0 stop${dir_arg:+ --dir $dir}"
    return 0
}

cmd_status() {
    if [ ! -f "$dir/peers.env" ]; then
        echo "no peers started in $dir (no peers.env)"
        return 0
    fi
    cat "$dir/peers.env"
    echo
    local pid i
    if [ -f "$dir/pg/data/postmaster.pid" ]; then
        pid="$(head -n 1 "$dir/pg/data/postmaster.pid")"
        if pid_is "$pid" "$dir/pg/data"; then echo "PostgreSQL pid $pid: alive"; else echo "PostgreSQL pid $pid: dead"; fi
    else
        echo "PostgreSQL: not running (no postmaster.pid)"
    fi
    for i in 0 1 2; do
        [ -f "$dir/etcd-$i.pid" ] || continue
        pid="$(cat "$dir/etcd-$i.pid")"
        if pid_is "$pid" "$dir/etcd-$i"; then echo "etcd member $i pid $pid: alive"; else echo "etcd member $i pid $pid: dead"; fi
    done
}

# ---------------------------------------------------------------------------------------------------------------------
# Arguments
# ---------------------------------------------------------------------------------------------------------------------

command="${1:-}"
[ -n "$command" ] || usage
shift
dir_arg=""
while [ $# -gt 0 ]; do
    case "$1" in
        --dir) [ $# -ge 2 ] || usage; dir="$2"; dir_arg=1; shift 2 ;;
        --pg-port) [ $# -ge 2 ] || usage; pg_port="$2"; shift 2 ;;
        --etcd-base-port) [ $# -ge 2 ] || usage; etcd_base="$2"; shift 2 ;;
        -h|--help) usage ;;
        *) log "unknown option '$1'"; usage ;;
    esac
done
[[ "$pg_port" =~ ^[0-9]+$ && "$etcd_base" =~ ^[0-9]+$ && "$wait_seconds" =~ ^[0-9]+$ ]] ||
    { log "ports and PEERS_WAIT_SECONDS must be numbers"; exit 2; }
# An absolute path: it goes into configuration files, and PostgreSQL's programs run from /.
dir="$(realpath -m -- "$dir")"
case "$dir" in
    /|/tmp|/root|/home|/usr|/etc|/var) log "--dir $dir is not a place to delete afterwards; pick a folder of its own"
        exit 2 ;;
esac

case "$command" in
    start) cmd_start ;;
    stop) cmd_stop ;;
    status) cmd_status ;;
    *) usage ;;
esac
