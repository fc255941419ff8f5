# shellcheck shell=bash disable=SC2034
# (SC2034: the variables are for the scripts that source this file.)
# Shared helpers for the nested-Xen scripts (sourced, never run).
# See Docs/testing-nested-xen.md.

NX_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
NX_REPO=$(cd "$NX_DIR/../.." && pwd)
NX_CACHE_BASE=${NESTED_XEN_CACHE:-/var/cache/xenopsd-ng/nested-xen}
NX_T0=$EPOCHREALTIME
# Only one nested Xen runs at a time on the machine (2 cores): boots take this lock.
NX_BOOT_LOCK=${NESTED_XEN_BOOT_LOCK:-/run/lock/xenopsd-ng-nested-xen.boot.lock}

nx_log() { printf '[nested-xen %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
nx_die() { nx_log "ERROR: $*"; exit "${NX_DIE_RC:-1}"; }

# Seconds (with 1 decimal) elapsed since $1 (an $EPOCHREALTIME value), default: script start.
nx_elapsed() { awk -v a="${1:-$NX_T0}" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f", b - a }'; }

nx_require_root() {
    [ "$(id -u)" = 0 ] || nx_die "$(basename "$0") must run as root (it installs packages, builds a root image and runs QEMU)"
}

nx_pkg_installed() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'install ok installed'; }
nx_pkg_version() { dpkg-query -W -f='${Version}' "$1" 2>/dev/null; }

# apt-get on the host, waiting (bounded) for another apt/dpkg run to let go of its locks.
nx_apt() {
    local try err rc
    err=$(mktemp)
    for try in $(seq 1 20); do
        rc=0
        DEBIAN_FRONTEND=noninteractive timeout 1800 apt-get -q -y -o DPkg::Lock::Timeout=300 "$@" 2>"$err" || rc=$?
        cat "$err" >&2
        if [ "$rc" = 0 ] || ! grep -qi 'lock' "$err"; then
            rm -f "$err"
            return "$rc"
        fi
        nx_log "apt/dpkg is locked by another process; waiting (try $try/20)"
        sleep 15
    done
    rm -f "$err"
    return 1
}

# Install the named host packages if any is missing (apt-get update first, once).
nx_ensure_host_packages() {
    local missing=() p
    for p in "$@"; do nx_pkg_installed "$p" || missing+=("$p"); done
    [ ${#missing[@]} -eq 0 ] && return 0
    nx_log "installing host packages: ${missing[*]}"
    nx_apt update || nx_die "apt-get update failed on the host"
    nx_apt install --no-install-recommends "${missing[@]}" || nx_die "could not install host packages: ${missing[*]}"
}

# A TCP port on 127.0.0.1 that nothing listens on now. QEMU binding it can still race
# with another program; boot then fails fast and the retry picks another port.
nx_free_port() {
    local port used
    used=$(ss -Htln 2>/dev/null | awk '{ n = split($4, a, ":"); print a[n] }')
    for _ in $(seq 1 200); do
        port=$((20000 + RANDOM % 40000))
        grep -qx "$port" <<<"$used" || { echo "$port"; return 0; }
    done
    return 1
}
