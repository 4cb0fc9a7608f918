#!/usr/bin/env bash
# Installs what the private test servers (dovecot.sh, cyrus.sh) need on Debian 12.
#
#   tests/servers/install.sh
#
# Idempotent: when everything is present it only checks, prints "nothing to do" and exits.
# Runs apt-get through sudo when not root.  See README.md for the reasons behind each step:
#   - Debian packages: dovecot-core dovecot-imapd cyrus-common cyrus-admin sasl2-bin
#     libsasl2-modules openssl (no recommends).  apt-get update runs only when the package
#     lists are missing or an install fails.
#   - cyrus-imapd conflicts with dovecot-imapd (both provide imap-server), so its binaries are
#     unpacked privately (apt-get download + dpkg-deb -x) into IMAP_RS_CYRUS_PKG_DIR, default
#     ${XDG_CACHE_HOME:-$HOME/.cache}/imap-rs/cyrus-imapd-pkg, matching cyrus-common's version.
#   - Package services must not start: a temporary /usr/sbin/policy-rc.d blocks them during
#     the install, and the units of dovecot-core/cyrus-common are disabled afterwards when this
#     run installed them, so the machine does not run a system Dovecot or Cyrus on 143/993.
set -euo pipefail

readonly PACKAGES=(dovecot-core dovecot-imapd cyrus-common cyrus-admin sasl2-bin libsasl2-modules openssl)
# System units shipped by packages we install; disabled only when this run installed the package.
declare -rA PACKAGE_UNITS=([dovecot-core]="dovecot.service dovecot.socket" [cyrus-common]="cyrus-imapd.service")
readonly POLICY_RC=/usr/sbin/policy-rc.d
readonly POLICY_MARK="# imap-rs tests/servers/install.sh temporary guard"
CYRUS_PKG_DIR=${IMAP_RS_CYRUS_PKG_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/imap-rs/cyrus-imapd-pkg}

say() { printf 'install.sh: %s\n' "$*"; }
die() { printf 'install.sh: error: %s\n' "$*" >&2; exit 1; }

# Runs a command as root: directly when we are root, through sudo otherwise.
as_root() {
  if ((EUID == 0)); then
    "$@"
  else
    command -v sudo >/dev/null || die "not root and sudo is not installed"
    sudo "$@"
  fi
}

apt_get() { as_root env DEBIAN_FRONTEND=noninteractive apt-get "$@"; }

# Prints the packages of PACKAGES that are not fully installed.
missing_packages() {
  local -A state=()
  local name status
  while read -r name status; do
    state[$name]=$status
  done < <(dpkg-query -W -f='${Package} ${db:Status-Abbrev}\n' "${PACKAGES[@]}" 2>/dev/null || true)
  for name in "${PACKAGES[@]}"; do
    [[ ${state[$name]:-} == ii ]] || printf '%s\n' "$name"
  done
}

lists_present() { compgen -G '/var/lib/apt/lists/*_Packages*' >/dev/null; }

APT_UPDATED=0
apt_update() {
  ((APT_UPDATED)) && return 0
  say "apt-get update"
  apt_get update -qq
  APT_UPDATED=1
}

# Installs packages; refreshes the package lists once if they are absent or stale.
apt_install() {
  lists_present || apt_update
  say "apt-get install -y --no-install-recommends $*"
  if ! apt_get install -y -q --no-install-recommends "$@"; then
    ((APT_UPDATED)) && die "apt-get install failed"
    say "install failed; refreshing the package lists and retrying"
    apt_update
    apt_get install -y -q --no-install-recommends "$@"
  fi
}

remove_policy_guard() {
  if [[ -f $POLICY_RC ]] && grep -qF "$POLICY_MARK" "$POLICY_RC"; then
    as_root rm -f "$POLICY_RC"
    say "removed the temporary $POLICY_RC"
  fi
}

# Keeps maintainer scripts from starting system daemons (Dovecot on 143/993, Cyrus, exim).
install_policy_guard() {
  if [[ -e $POLICY_RC ]]; then
    say "$POLICY_RC already exists; leaving it as it is"
    return 0
  fi
  printf '#!/bin/sh\n%s\nexit 101\n' "$POLICY_MARK" | as_root tee "$POLICY_RC" >/dev/null
  as_root chmod 755 "$POLICY_RC"
  say "installed a temporary $POLICY_RC so package services do not start"
}

# Packages installed by this run must not start system-wide daemons at the next boot either.
disable_package_units() {
  command -v systemctl >/dev/null || return 0
  local package unit
  for package in "$@"; do
    for unit in ${PACKAGE_UNITS[$package]:-}; do
      if systemctl is-enabled --quiet "$unit" 2>/dev/null &&
        as_root systemctl disable --quiet "$unit" 2>/dev/null; then
        say "disabled system unit $unit"
      fi
    done
  done
}

cyrus_common_version() { dpkg-query -W -f='${Version}' cyrus-common; }

private_cyrus_is_current() {
  local version=$1
  [[ -x $CYRUS_PKG_DIR/usr/lib/cyrus/bin/imapd && -x $CYRUS_PKG_DIR/usr/lib/cyrus/bin/idled ]] &&
    [[ $(cat "$CYRUS_PKG_DIR/.version" 2>/dev/null) == "$version" ]]
}

# Downloads the cyrus-imapd .deb of the given version into DEST_DIR (no root needed).
download_cyrus_imapd() {
  local version=$1 dest=$2
  # As root, apt hands the download to the _apt user, which must be able to write here.
  if ((EUID == 0)) && id _apt >/dev/null 2>&1; then chown _apt "$dest"; fi
  (cd "$dest" && apt-get download -q "cyrus-imapd=$version")
}

# Unpacks imapd/idled from cyrus-imapd without installing it (it conflicts with dovecot-imapd).
install_private_cyrus_imapd() {
  local version tmp
  version=$(cyrus_common_version)
  if private_cyrus_is_current "$version"; then
    return 0
  fi
  tmp=$(mktemp -d)
  DOWNLOAD_DIR=$tmp
  say "downloading cyrus-imapd=$version to unpack it privately"
  if ! download_cyrus_imapd "$version" "$tmp"; then
    # The installed cyrus-common is older than what the archive still offers: upgrade both.
    apt_update
    apt_install cyrus-common cyrus-admin
    version=$(cyrus_common_version)
    download_cyrus_imapd "$version" "$tmp" || die "cannot download cyrus-imapd=$version"
  fi
  rm -rf "$CYRUS_PKG_DIR"
  mkdir -p "$CYRUS_PKG_DIR"
  dpkg-deb -x "$tmp"/cyrus-imapd_*.deb "$CYRUS_PKG_DIR"
  printf '%s\n' "$version" >"$CYRUS_PKG_DIR/.version"
  say "unpacked cyrus-imapd $version into $CYRUS_PKG_DIR"
}

DOWNLOAD_DIR=
cleanup() {
  [[ -z $DOWNLOAD_DIR ]] || rm -rf "$DOWNLOAD_DIR"
  remove_policy_guard
}

main() {
  trap cleanup EXIT
  local missing
  mapfile -t missing < <(missing_packages)
  local did_something=0
  if ((${#missing[@]})); then
    say "missing packages: ${missing[*]}"
    install_policy_guard
    apt_install "${missing[@]}"
    disable_package_units "${missing[@]}"
    remove_policy_guard
    did_something=1
  fi
  [[ -x /usr/lib/dovecot/imap ]] || die "/usr/lib/dovecot/imap is missing although dovecot-imapd is installed"
  [[ -x /usr/lib/cyrus/bin/master ]] || die "/usr/lib/cyrus/bin/master is missing although cyrus-common is installed"
  local before
  before=$(cat "$CYRUS_PKG_DIR/.version" 2>/dev/null || true)
  install_private_cyrus_imapd
  [[ $(cat "$CYRUS_PKG_DIR/.version") == "$before" ]] || did_something=1
  if ((did_something)); then
    say "done: dovecot $(dpkg-query -W -f='${Version}' dovecot-core), cyrus $(cyrus_common_version) (imapd in $CYRUS_PKG_DIR)"
  else
    say "nothing to do: all packages present, cyrus imapd in $CYRUS_PKG_DIR"
  fi
}

main "$@"
