#!/usr/bin/env bash
# A private Dovecot 2.3 for integration tests, on 127.0.0.1 only.
#
#   tests/servers/dovecot.sh start  DIR PORT_BASE   IMAP+STARTTLS on PORT_BASE, IMAPS on PORT_BASE+1
#   tests/servers/dovecot.sh stop   DIR
#   tests/servers/dovecot.sh status DIR
#   tests/servers/dovecot.sh clean  DIR             stop, then delete DIR
#
# Everything (config, TLS, users, OAuth2 key and tokens, mail, logs, sockets, pid) lives in
# DIR; /etc/dovecot is never read.  `start` writes DIR/server.env.  Needs root; re-runs itself
# through sudo otherwise.  Install the packages first with tests/servers/install.sh.
#
# Environment switches for `start`:
#   DOVECOT_NO_MOVE=1          do not advertise MOVE after login (the command still works)
#   DOVECOT_NO_CONDSTORE=1     do not advertise CONDSTORE or QRESYNC after login
#   DOVECOT_IDLE_NOTIFY=2      seconds between "* OK Still here" lines during IDLE (default 120)
#   DOVECOT_QUOTA=100M         storage quota per user
#   DOVECOT_RAWLOG=1           raw protocol log of every logged-in session in DIR/rawlog/
set -euo pipefail

KIT_NAME=dovecot.sh
KIT_SCRIPT=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd -P)/$(basename -- "${BASH_SOURCE[0]}")
# shellcheck source=lib.sh
source "$(dirname -- "$KIT_SCRIPT")/lib.sh"

usage() { echo "usage: $KIT_SCRIPT start DIR PORT_BASE | stop DIR | status DIR | clean DIR" >&2; exit 2; }

readonly MAIL_UID=5000 MAIL_GID=5000 # mail owner; need not exist in /etc/passwd
readonly OAUTH_ISSUER=dovecot-test
readonly IMAP_BINARY=/usr/lib/dovecot/imap

COMMAND=${1:-}
[[ -n $COMMAND && -n ${2:-} ]] || usage
kit_become_root "$@"
if [[ $COMMAND != start && ! -d $2 ]]; then
  kit_say "not running in $2 (no such directory)"
  [[ $COMMAND == status ]] && exit 3 || exit 0
fi
DIR=$(kit_resolve_dir "$2")
PORT_BASE=${3:-}
CONF=$DIR/dovecot.conf
PIDFILE=$DIR/run/master.pid

IDLE_NOTIFY=${DOVECOT_IDLE_NOTIFY:-120}
QUOTA=${DOVECOT_QUOTA:-100M}
NO_MOVE=${DOVECOT_NO_MOVE:-0}
NO_CONDSTORE=${DOVECOT_NO_CONDSTORE:-0}

# Post-login CAPABILITY without MOVE (DOVECOT_NO_MOVE=1) and/or without CONDSTORE and
# QRESYNC (DOVECOT_NO_CONDSTORE=1).  An explicit imap_capability
# replaces everything Dovecot would add to its built-in list (LITERAL+, plugin capabilities),
# so those are listed here as this configuration produces them.  The built-in list is a
# constant inside the imap binary; reading it from there follows the installed 2.3.x.
post_login_capability_dropped() {
  local base
  base=$(grep -aoE -m1 'IMAP4rev1 SASL-IR [A-Z0-9 =+.-]+' "$IMAP_BINARY" | head -n1) ||
    kit_die "cannot find the built-in capability list in $IMAP_BINARY"
  local -a kept=()
  local cap
  for cap in $base LITERAL+ NOTIFY METADATA SPECIAL-USE COMPRESS=DEFLATE QUOTA ACL RIGHTS=texk; do
    [[ $NO_MOVE == 1 && $cap == MOVE ]] && continue
    [[ $NO_CONDSTORE == 1 && ($cap == CONDSTORE || $cap == QRESYNC) ]] && continue
    kept+=("$cap")
  done
  printf '%s' "${kept[*]}"
}

write_users() {
  [[ -s $DIR/users.passwd ]] && return 0
  local entry
  # {PLAIN} storage lets every SASL mechanism work (CRAM-MD5, DIGEST-MD5, SCRAM-*).
  for entry in "${KIT_USERS[@]}"; do
    printf '%s:{PLAIN}%s:%d:%d::%s::\n' "${entry%%:*}" "${entry#*:}" "$MAIL_UID" "$MAIL_GID" \
      "$DIR/users/${entry%%:*}"
  done >"$DIR/users.passwd"
  # Master login: "alice*admin" with this password logs in as alice.
  printf 'admin:{PLAIN}admin-master-pass\n' >"$DIR/masters.passwd"
  chgrp dovecot "$DIR/users.passwd" "$DIR/masters.passwd"
  chmod 640 "$DIR/users.passwd" "$DIR/masters.passwd"
}

b64url() { base64 -w0 | tr '+/' '-_' | tr -d '='; }

# HS256 JWT for USER, valid for ten years, signed with the hex key.
mint_token() {
  local user=$1 key_hex=$2 now header claims signature
  now=$(($(date +%s) - 60))
  header=$(printf '{"alg":"HS256","typ":"JWT"}' | b64url)
  claims=$(printf '{"sub":"%s","iss":"%s","iat":%d,"nbf":%d,"exp":%d}' \
    "$user" "$OAUTH_ISSUER" "$now" "$now" $((now + 10 * 365 * 86400)) | b64url)
  signature=$(printf '%s.%s' "$header" "$claims" |
    openssl dgst -sha256 -mac HMAC -macopt "hexkey:$key_hex" -binary | b64url)
  printf '%s.%s.%s' "$header" "$claims" "$signature"
}

# OAuth2 without any HTTP: the oauth2 passdb validates JWTs locally.  It looks the key up in a
# dict as "shared/<azp|default>/<alg>/<kid|default>", served here by files under oauth2-keys/.
write_oauth() {
  local key_file=$DIR/oauth2-keys/default/HS256/default
  if [[ ! -s $key_file || ! -s $DIR/oauth2-hs256.key.hex ]]; then
    mkdir -p "$(dirname "$key_file")"
    rm -rf "$DIR/oauth2-tokens" # signed with the previous key
    openssl rand -hex 32 >"$DIR/oauth2-hs256.key.hex"
    chmod 600 "$DIR/oauth2-hs256.key.hex"
    tr -d '\n' <"$DIR/oauth2-hs256.key.hex" | hex_to_bytes | base64 -w0 >"$key_file"
  fi
  chgrp -R dovecot "$DIR/oauth2-keys"
  chmod -R u=rwX,g=rX,o= "$DIR/oauth2-keys"
  mkdir -p "$DIR/oauth2-tokens"
  local key_hex entry user
  key_hex=$(tr -d '\n' <"$DIR/oauth2-hs256.key.hex")
  for entry in "${KIT_USERS[@]}"; do
    user=${entry%%:*}
    [[ -s $DIR/oauth2-tokens/$user ]] || mint_token "$user" "$key_hex" >"$DIR/oauth2-tokens/$user"
  done
  cat >"$DIR/dovecot-oauth2.conf.ext" <<EOF
introspection_mode = local
local_validation_key_dict = fs:posix:prefix=$DIR/oauth2-keys/
username_attribute = sub
issuers = $OAUTH_ISSUER
EOF
  chgrp dovecot "$DIR/dovecot-oauth2.conf.ext"
  chmod 640 "$DIR/dovecot-oauth2.conf.ext"
}

# Hex to bytes without xxd (not on a bare Debian): printf understands \xHH escapes.
hex_to_bytes() {
  local hex
  hex=$(cat)
  local escaped=""
  while [[ -n $hex ]]; do
    escaped+="\\x${hex:0:2}"
    hex=${hex:2}
  done
  printf '%b' "$escaped"
}

# Prints the whole configuration; a running instance is compared against it.
config() {
  local dh=""
  [[ -r /usr/share/dovecot/dh.pem ]] && dh="ssl_dh = </usr/share/dovecot/dh.pem"
  # DOVECOT_NO_MOVE: imap_capability set globally would also replace the pre-login list
  # (imap-login reads it too), so the userdb hands it to the imap process only.  Userdb
  # fields cannot contain spaces; the list comes from the environment instead.
  local capability_override="" import_environment="TZ"
  if [[ $NO_MOVE == 1 || $NO_CONDSTORE == 1 ]]; then
    capability_override="override_fields = imap_capability=%{env:IMAP_RS_POST_LOGIN_CAPABILITY}"
    import_environment+=" IMAP_RS_POST_LOGIN_CAPABILITY"
  fi
  cat <<EOF
# Generated by tests/servers/dovecot.sh on every start; edits are lost.
instance_name = imap-rs-$PORT_BASE
base_dir = $DIR/run
state_dir = $DIR/state
log_path = $DIR/log/dovecot.log
info_log_path = $DIR/log/dovecot.log
debug_log_path = $DIR/log/dovecot.log
protocols = imap
listen = $KIT_HOST
shutdown_clients = yes
default_internal_user = dovecot
default_login_user = dovenull
first_valid_uid = 1
first_valid_gid = 1
default_process_limit = 1000
default_client_limit = 4000
import_environment = $import_environment

ssl = yes
ssl_cert = <$DIR/tls/server.pem
ssl_key = <$DIR/tls/server.key
$dh
ssl_min_protocol = TLSv1.2

disable_plaintext_auth = no
auth_mechanisms = plain login cram-md5 digest-md5 scram-sha-1 scram-sha-256 oauthbearer xoauth2
auth_failure_delay = 0
auth_verbose = yes
auth_master_user_separator = *
passdb {
  driver = oauth2
  mechanisms = xoauth2 oauthbearer
  args = $DIR/dovecot-oauth2.conf.ext
}
passdb {
  driver = passwd-file
  master = yes
  args = scheme=PLAIN $DIR/masters.passwd
  result_success = continue
}
passdb {
  driver = passwd-file
  args = scheme=PLAIN username_format=%n $DIR/users.passwd
}
userdb {
  driver = passwd-file
  args = username_format=%n $DIR/users.passwd
  $capability_override
}

mail_location = sdbox:~/mail
mail_home = $DIR/users/%n
mail_uid = $MAIL_UID
mail_gid = $MAIL_GID
mailbox_list_index = yes
mail_attribute_dict = file:%h/dovecot-attributes
mail_plugins = \$mail_plugins acl quota notify zlib
mail_max_userip_connections = 1000

namespace inbox {
  type = private
  separator = /
  prefix =
  inbox = yes
  list = yes
  subscriptions = yes
  mailbox Drafts {
    special_use = \\Drafts
    auto = subscribe
  }
  mailbox Sent {
    special_use = \\Sent
    auto = subscribe
  }
  mailbox Trash {
    special_use = \\Trash
    auto = subscribe
  }
  mailbox Junk {
    special_use = \\Junk
    auto = subscribe
  }
  mailbox Archive {
    special_use = \\Archive
    auto = create
  }
}
namespace shared {
  type = shared
  separator = /
  prefix = shared/%%n/
  location = sdbox:$DIR/users/%%n/mail:INDEXPVT=~/shared/%%n
  subscriptions = no
  list = children
}

plugin {
  acl = vfile:$DIR/global-acl
  acl_shared_dict = file:$DIR/shared-dict/shared-mailboxes.db
  acl_anyone = allow
  quota = count:User quota
  quota_vsizes = yes
  quota_rule = *:storage=$QUOTA
  quota_grace = 0
}

protocol imap {
  mail_plugins = \$mail_plugins imap_acl imap_quota imap_zlib
  imap_metadata = yes
  imap_idle_notify_interval = $IDLE_NOTIFY secs
}

service imap-login {
  inet_listener imap {
    port = $PORT_BASE
  }
  inet_listener imaps {
    port = $((PORT_BASE + 1))
    ssl = yes
  }
  service_count = 0
  process_min_avail = 1
  client_limit = 2000
}
service imap {
  process_limit = 1000
}
# No per-IP auth penalty (failures would otherwise wait 2, 4, 8, then 15 s): auth cannot
# open this socket, so it turns penalties off.
service anvil {
  unix_listener anvil-auth-penalty {
    mode = 0
  }
}
service doveadm {
  inet_listener {
    port = 0
  }
}
EOF
  if [[ ${DOVECOT_RAWLOG:-0} == 1 ]]; then
    printf 'protocol imap {\n  rawlog_dir = %s/rawlog\n}\n' "$DIR"
  fi
}

write_server_env() {
  local env=$DIR/server.env
  cat >"$env.tmp" <<EOF
IMAP_SERVER=dovecot
IMAP_SERVER_VERSION=$(dovecot --version | cut -d' ' -f1)
IMAP_SERVER_PID=$1
IMAP_DIR=$DIR
IMAP_HOST=$KIT_HOST
IMAP_PORT=$PORT_BASE
IMAPS_PORT=$((PORT_BASE + 1))
IMAP_CA_CERT=$DIR/tls/ca.pem
IMAP_USERS=$(kit_users_csv)
IMAP_ADMIN_USER=admin
IMAP_ADMIN_PASSWORD=admin-pass
IMAP_MASTER_LOGIN=alice*admin:admin-master-pass
IMAP_OAUTH2_TOKEN_DIR=$DIR/oauth2-tokens
IMAP_OAUTH2_KEY_HEX_FILE=$DIR/oauth2-hs256.key.hex
IMAP_OAUTH2_ISSUER=$OAUTH_ISSUER
IMAP_MOVE_ADVERTISED=$([[ $NO_MOVE == 1 ]] && echo no || echo yes)
IMAP_CONDSTORE_ADVERTISED=$([[ $NO_CONDSTORE == 1 ]] && echo no || echo yes)
IMAP_IDLE_NOTIFY_SECS=$IDLE_NOTIFY
IMAP_LOG=$DIR/log/dovecot.log
EOF
  mv "$env.tmp" "$env"
  chmod 644 "$env"
}

running_pid() {
  local pid
  pid=$(kit_read_pidfile "$PIDFILE" || true)
  [[ -n $pid ]] && kit_is_ours "$pid" "$CONF" && printf '%s' "$pid"
}

start() {
  if ! [[ $PORT_BASE =~ ^[0-9]+$ ]] || ((PORT_BASE < 1 || PORT_BASE > 65534)); then usage; fi
  [[ $IDLE_NOTIFY =~ ^[1-9][0-9]*$ ]] || kit_die "DOVECOT_IDLE_NOTIFY must be a number of seconds"
  [[ $NO_MOVE == [01] ]] || kit_die "DOVECOT_NO_MOVE must be 0 or 1"
  [[ $NO_CONDSTORE == [01] ]] || kit_die "DOVECOT_NO_CONDSTORE must be 0 or 1"
  if ! command -v dovecot >/dev/null || [[ ! -x $IMAP_BINARY ]]; then
    kit_die "Dovecot is not installed; run tests/servers/install.sh"
  fi
  local started pid
  started=$(kit_now)
  touch "$DIR/$KIT_MARKER" # from here on `clean` may delete DIR
  if pid=$(running_pid); then
    config >"$CONF.wanted"
    if cmp -s "$CONF" "$CONF.wanted"; then
      rm -f "$CONF.wanted"
      kit_say "already running (pid $pid) on $KIT_HOST:$PORT_BASE in $DIR"
      return 0
    fi
    rm -f "$CONF.wanted"
    kit_die "already running in $DIR with another configuration (port or switches); stop it first"
  fi
  kit_require_free_ports "$PORT_BASE"
  chmod 755 "$DIR"
  kit_require_reachable "$MAIL_UID" "$MAIL_GID" "$DIR"
  mkdir -p "$DIR/run" "$DIR/state" "$DIR/log" "$DIR/users" "$DIR/shared-dict"
  chmod 755 "$DIR/run"
  chown "$MAIL_UID:$MAIL_GID" "$DIR/users" "$DIR/shared-dict"
  chmod 770 "$DIR/users"
  kit_make_tls "$DIR/tls"
  write_users
  write_oauth
  # admin may do everything in every mailbox (the obsolete c/d rights are refused here).
  printf '* user=admin lrwstipekxa\n' >"$DIR/global-acl"
  config >"$CONF"
  if [[ ${DOVECOT_RAWLOG:-0} == 1 ]]; then
    mkdir -p "$DIR/rawlog"
    chown "$MAIL_UID:$MAIL_GID" "$DIR/rawlog"
  fi
  rm -f "$PIDFILE"
  # default_client_limit needs more descriptors than sudo's default soft limit of 1024.
  ulimit -Sn "$(ulimit -Hn)" 2>/dev/null || true
  local post_login_capability=""
  if [[ $NO_MOVE == 1 || $NO_CONDSTORE == 1 ]]; then
    post_login_capability=$(post_login_capability_dropped) || exit 1
  fi
  IMAP_RS_POST_LOGIN_CAPABILITY=$post_login_capability dovecot -c "$CONF" 9>&- || kit_die "dovecot refused to start; see $DIR/log/dovecot.log"
  pid=$(kit_wait_pidfile "$PIDFILE" || true)
  if [[ -z $pid ]] || ! kit_wait_ready "$pid" "$PORT_BASE" 10; then
    tail -n 20 "$DIR/log/dovecot.log" >&2 || true
    [[ -z $pid ]] || kit_stop_master "$PIDFILE" "$CONF" >/dev/null
    kit_die "dovecot did not become ready; see $DIR/log/dovecot.log"
  fi
  write_server_env "$pid"
  kit_publish "$DIR/server.env" "$DIR/tls/ca.pem" "$DIR/oauth2-tokens" "$DIR/oauth2-hs256.key.hex"
  kit_say "started (pid $pid) imap=$KIT_HOST:$PORT_BASE imaps=$KIT_HOST:$((PORT_BASE + 1)) in $(kit_since "$started") s; env: $DIR/server.env"
}

status() {
  local pid
  if pid=$(running_pid); then
    kit_say "running (pid $pid) in $DIR"
    return 0
  fi
  kit_say "not running in $DIR"
  return 3
}

kit_lock "$DIR"
case $COMMAND in
  start) start ;;
  stop) kit_stop_master "$PIDFILE" "$CONF" ;;
  status) status ;;
  clean) kit_stop_master "$PIDFILE" "$CONF" && kit_clean_dir ;;
  *) usage ;;
esac
