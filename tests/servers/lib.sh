# shellcheck shell=bash
# Shared helpers for dovecot.sh and cyrus.sh (sourced, not run).  Bash 5 only.
#
# Everything here works on a bare Debian 12: it reads /proc instead of needing procps, and
# talks to ports through bash's /dev/tcp instead of needing a netcat.

readonly KIT_HOST=127.0.0.1
readonly KIT_MARKER=.imap-rs-test-server
# Test users, "name:password", shared by both servers.  dave has a non-ASCII password.
readonly KIT_USERS=(alice:alice-pass bob:bob-pass carol:carol-pass admin:admin-pass dave:pässwörd)

kit_say() { printf '%s: %s\n' "$KIT_NAME" "$*"; }
kit_die() { printf '%s: error: %s\n' "$KIT_NAME" "$*" >&2; exit 1; }
kit_now() { printf '%s' "${EPOCHREALTIME/[.,]/}"; }          # microseconds
# Seconds elapsed since a kit_now value, as "S.CC".
kit_since() {
  local elapsed=$(($(kit_now) - $1))
  printf '%d.%02d' $((elapsed / 1000000)) $((elapsed / 10000 % 100))
}

kit_cyrus_pkg_dir() {
  printf '%s' "${IMAP_RS_CYRUS_PKG_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/imap-rs/cyrus-imapd-pkg}"
}

# The servers must start as root (they drop privileges per service).  When we are not root,
# run this same script again through sudo, passing on the settings sudo would drop: the
# DOVECOT_*/CYRUS_* switches, the caller's ids (so published files can be handed back) and
# the private cyrus-imapd directory (sudo changes HOME).
kit_become_root() {
  ((EUID == 0)) && return 0
  command -v sudo >/dev/null || kit_die "not root and sudo is not installed"
  local -a pass=("IMAP_RS_CALLER_UID=$(id -u)" "IMAP_RS_CALLER_GID=$(id -g)"
    "IMAP_RS_CYRUS_PKG_DIR=$(kit_cyrus_pkg_dir)")
  local name
  for name in $(compgen -e); do
    case $name in DOVECOT_* | CYRUS_*) pass+=("$name=${!name}") ;; esac
  done
  local -a sudo=(sudo)
  [[ -t 0 ]] || sudo+=(-n)
  exec "${sudo[@]}" env "${pass[@]}" bash "$KIT_SCRIPT" "$@"
}

# Creates DIR if needed and prints its absolute path.  The path ends up in server configs
# (Dovecot's mail_location treats ':' specially, configs break on spaces), so it is restricted.
kit_resolve_dir() {
  mkdir -p -- "$1" || kit_die "cannot create $1"
  local dir
  dir=$(cd -- "$1" && pwd -P)
  [[ $dir =~ ^/[A-Za-z0-9._/+@-]+$ ]] || kit_die "DIR must match [A-Za-z0-9._/+@-]: $dir"
  printf '%s' "$dir"
}

# Serialises start/stop on one DIR; the lock fd (9) must be closed for the daemons.
kit_lock() {
  exec 9>"$1/.lock"
  flock -w 60 9 || kit_die "timed out waiting for the lock on $1"
}

# Fields of /proc/PID/stat after "(comm) ": [0]=state [1]=ppid ... [19]=starttime.
kit_stat_fields() {
  local line
  { read -r line <"/proc/$1/stat"; } 2>/dev/null || return 1
  printf '%s' "${line##*) }"
}

# True when PID exists, is not a zombie and, if given, started at STARTTIME.  Zombies count
# as dead: a container's PID 1 may reap orphaned daemons late.
kit_alive() {
  local -a f
  read -ra f <<<"$(kit_stat_fields "$1")" || return 1
  ((${#f[@]} > 19)) && [[ ${f[0]} != Z ]] && [[ -z ${2:-} || ${f[19]} == "$2" ]]
}

kit_starttime() {
  local -a f
  read -ra f <<<"$(kit_stat_fields "$1")" && printf '%s' "${f[19]:-}"
}

# True when PID is alive and its command line contains NEEDLE (our config path), so a stale
# pid file whose pid was reused by another program is never mistaken for our server.
kit_is_ours() {
  local pid=$1 needle=$2 cmdline
  [[ $pid =~ ^[0-9]+$ ]] && kit_alive "$pid" || return 1
  cmdline=$(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null) || return 1
  [[ $cmdline == *"$needle"* ]]
}

# Prints "pid:starttime" for every descendant of PID, read from /proc.
kit_descendants() {
  local -A children=()
  local stat pid
  local -a f
  for stat in /proc/[0-9]*/stat; do
    pid=${stat#/proc/}
    pid=${pid%/stat}
    read -ra f <<<"$(kit_stat_fields "$pid")" || continue
    ((${#f[@]} > 19)) || continue
    children[${f[1]}]+=" $pid:${f[19]}"
  done
  local -a queue=("$1")
  local parent entry
  while ((${#queue[@]})); do
    parent=${queue[0]}
    queue=("${queue[@]:1}")
    for entry in ${children[$parent]:-}; do
      printf '%s\n' "$entry"
      queue+=("${entry%%:*}")
    done
  done
}

kit_read_pidfile() { [[ -s $1 ]] && tr -dc '0-9' <"$1"; }

# Prints the pid from PIDFILE once a daemon has written it (they write it after forking).
kit_wait_pidfile() {
  local pidfile=$1 i pid
  for ((i = 0; i < 250; i++)); do
    pid=$(kit_read_pidfile "$pidfile" || true)
    [[ -n $pid ]] && { printf '%s' "$pid"; return 0; }
    sleep 0.02
  done
  return 1
}

kit_port_accepts() { (exec 3<>"/dev/tcp/$KIT_HOST/$1") 2>/dev/null; }

# True when PORT accepts a connection and sends an IMAP "* OK" greeting within 2 s.
kit_port_greets() {
  (
    exec 3<>"/dev/tcp/$KIT_HOST/$1" || exit 1
    read -r -t 2 line <&3 || exit 1
    [[ $line == "* OK"* ]]
  ) 2>/dev/null
}

# Waits until the server PID greets on PORT and accepts on PORT+1; false if it dies or
# TIMEOUT seconds pass.
kit_wait_ready() {
  local pid=$1 port=$2 timeout=$3 deadline
  deadline=$(($(kit_now) + timeout * 1000000))
  while (($(kit_now) < deadline)); do
    kit_alive "$pid" || return 1
    if kit_port_greets "$port" && kit_port_accepts $((port + 1)); then return 0; fi
    sleep 0.02
  done
  return 1
}

kit_require_free_ports() {
  local port
  for port in "$1" $(($1 + 1)); do
    ! kit_port_accepts "$port" || kit_die "port $KIT_HOST:$port is already in use"
  done
}

# Stops the server whose master pid is in PIDFILE (and whose command line contains NEEDLE):
# SIGTERM to the master, SIGKILL after 10 s, then SIGKILL to any of the descendants recorded
# just before the SIGTERM that are still alive.  Nothing else is ever signalled.
kit_stop_master() {
  local pidfile=$1 needle=$2 pid
  pid=$(kit_read_pidfile "$pidfile" || true)
  if [[ -z $pid ]] || ! kit_is_ours "$pid" "$needle"; then
    rm -f "$pidfile"
    kit_say "not running in $DIR"
    return 0
  fi
  local started
  started=$(kit_now)
  local -a recorded
  mapfile -t recorded < <(kit_descendants "$pid")
  recorded+=("$pid:$(kit_starttime "$pid")")
  kill -TERM "$pid" 2>/dev/null || true
  local i entry
  for ((i = 0; i < 500; i++)); do
    kit_alive "$pid" || break
    sleep 0.02
  done
  for entry in "${recorded[@]}"; do
    if kit_alive "${entry%%:*}" "${entry#*:}"; then kill -KILL "${entry%%:*}" 2>/dev/null || true; fi
  done
  for entry in "${recorded[@]}"; do
    for ((i = 0; i < 100; i++)); do
      kit_alive "${entry%%:*}" "${entry#*:}" || break
      sleep 0.02
    done
  done
  rm -f "$pidfile"
  kit_say "stopped (pid $pid and ${#recorded[@]} recorded processes) in $(kit_since "$started") s"
}

# Fails unless UID:GID can reach DIR: services running as those ids work inside it.
kit_require_reachable() {
  local uid=$1 gid=$2 dir=$3
  setpriv --reuid="$uid" --regid="$gid" --clear-groups test -x "$dir" -a -r "$dir" ||
    kit_die "uid $uid cannot enter $dir; put DIR below a world-searchable path such as /tmp"
}

# Test TLS material in TLS_DIR: a CA (ca.pem) and a server certificate it signed for
# localhost, 127.0.0.1 and ::1.  Clients trust ca.pem.  A separate CA is needed because
# rustls/webpki rejects a self-signed CA certificate used as the server's own certificate.
# EC P-256 keeps generation fast (about 50 ms).
kit_make_tls() {
  local tls=$1
  [[ -s $tls/ca.pem && -s $tls/server.pem && -s $tls/server.key ]] && return 0
  mkdir -p "$tls"
  local ec=(-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes)
  openssl req -x509 "${ec[@]}" -keyout "$tls/ca.key" -out "$tls/ca.pem" -days 3650 \
    -subj "/CN=imap-rs test CA" -addext basicConstraints=critical,CA:TRUE \
    -addext keyUsage=critical,keyCertSign,cRLSign 2>/dev/null
  openssl req -new "${ec[@]}" -keyout "$tls/server.key" -out "$tls/server.csr" \
    -subj "/CN=localhost" 2>/dev/null
  printf '%s\n' basicConstraints=critical,CA:FALSE keyUsage=critical,digitalSignature \
    extendedKeyUsage=serverAuth subjectAltName=DNS:localhost,IP:127.0.0.1,IP:::1 >"$tls/server.ext"
  openssl x509 -req -in "$tls/server.csr" -CA "$tls/ca.pem" -CAkey "$tls/ca.key" \
    -set_serial "0x$(openssl rand -hex 8)" -days 3650 -extfile "$tls/server.ext" \
    -out "$tls/server.pem" 2>/dev/null
  rm -f "$tls/server.csr" "$tls/server.ext"
  chmod 600 "$tls/ca.key" "$tls/server.key"
  chmod 644 "$tls/ca.pem" "$tls/server.pem"
}

kit_users_csv() { local IFS=,; printf '%s' "${KIT_USERS[*]}"; }

# Hands files the tests read (server.env, CA, tokens) to the sudo caller, so they stay
# readable and a non-root harness can inspect them.
kit_publish() {
  [[ -n ${IMAP_RS_CALLER_UID:-} ]] || return 0
  chown -R "$IMAP_RS_CALLER_UID:${IMAP_RS_CALLER_GID:-$IMAP_RS_CALLER_UID}" "$@"
}

# Removes DIR after stopping the server; only a DIR that carries our marker file.
kit_clean_dir() {
  [[ -e $DIR/$KIT_MARKER ]] || kit_die "$DIR has no $KIT_MARKER file; refusing to delete it"
  rm -rf -- "$DIR"
  kit_say "removed $DIR"
}
