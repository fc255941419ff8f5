#!/bin/bash
# The smoke scenario, run in dom0 as /mnt/host/run.sh by scripts/nested-xen/smoke-test.
# xl is the oracle. Prints one "PASS name" or "FAIL name" line per check; details of each
# xl call go to out/*.log in the share. Exit 0 if all passed, 75 (retry the boot) if a check
# failed in the way of the rare toolstack flake (xl create killed by timeout or SIGABRT),
# else 1. Reads smoke.env from the share: EXPECT_XEN (e.g. 4.17.7), TOKEN, PVH (1 or 0).
set -u
OUT=$NESTED_XEN_SHARE/out
mkdir -p "$OUT"
EXPECT_XEN="" TOKEN="" PVH=1
# shellcheck source=/dev/null
. "$NESTED_XEN_SHARE/smoke.env"

failed=0 flaky=0
check() { # check NAME COMMAND...: run the command, print PASS/FAIL NAME.
    local name=$1
    shift
    if "$@"; then
        echo "PASS $name"
    else
        echo "FAIL $name"
        failed=$((failed + 1))
    fi
}

xen_up() {
    xl info >"$OUT/xl-info.txt" 2>&1 || return 1
    local v
    v=$(awk -F': *' '$1 ~ /^xen_version/ { print $2 }' "$OUT/xl-info.txt")
    echo "xl info: xen_version=$v (expected $EXPECT_XEN)"
    [ -n "$v" ] && [ "${v%%-*}" = "$EXPECT_XEN" ]
}

dom0_listed() {
    xl list >"$OUT/xl-list-start.txt" 2>&1 || return 1
    awk '$1 == "Domain-0" && $2 == 0 { found = 1 } END { exit !found }' "$OUT/xl-list-start.txt"
}

guest_create() { # NAME
    local rc=0
    timeout -k 10 120 xl -vvv create "/root/domu/$1.cfg" >"$OUT/xl-create-$1.log" 2>&1 || rc=$?
    if [ "$rc" = 124 ] || [ "$rc" = 134 ] || [ "$rc" = 137 ]; then
        echo "xl create $1: exit status $rc (timeout or abort)"
        flaky=1
    fi
    [ "$rc" = 0 ]
}

guest_running() { # NAME: listed, and running, blocked or runnable: not paused, shut down, crashed, dying
    # Under nested TCG a PVH guest now and then triple-faults in its first instructions; Xen
    # reports that as a reboot and xl restarts the guest, which is briefly not listed under
    # its name (xl renames it while it rebuilds). So: look for up to 60 s, and say when the
    # guest was restarted, rather than failing on the first look.
    local name=$1 state="" t0=$SECONDS
    while :; do
        if xl list "$name" >"$OUT/xl-list-$name.txt" 2>&1; then
            state=$(awk -v n="$name" '$1 == n { print $5 }' "$OUT/xl-list-$name.txt")
            [[ "$state" =~ ^[-rb]{6}$ ]] && break
        fi
        [ $((SECONDS - t0)) -ge 60 ] && break
        sleep 2
    done
    echo "xl list $name: state ${state:-not listed} after $((SECONDS - t0))s"
    if xl dmesg 2>/dev/null | grep -q "Triple fault"; then
        echo "note: xl dmesg reports a guest triple fault (the nested-TCG early-boot flake); xl restarted the guest"
    fi
    [[ "$state" =~ ^[-rb]{6}$ ]]
}

guest_alive() { # NAME: its console (logged by xenconsoled) says DOMU-ALIVE
    local log=/var/log/xen/console/guest-$1.log t0=$SECONDS
    # A few seconds normally; minutes when the host is very busy (TCG gets little CPU).
    while [ $((SECONDS - t0)) -lt 240 ]; do
        grep -q DOMU-ALIVE "$log" 2>/dev/null && break
        sleep 1
    done
    echo "console $1: waited $((SECONDS - t0))s"
    cp "$log" "$OUT/console-$1.log" 2>/dev/null
    grep -q DOMU-ALIVE "$log" 2>/dev/null
}

guest_destroy() { timeout -k 10 60 xl destroy "$1" >"$OUT/xl-destroy-$1.log" 2>&1; }

guest_gone() { # NAME: no longer in xl list
    local list
    list=$(xl list 2>&1) || return 1
    ! awk -v n="$1" '$1 == n { found = 1 } END { exit !found }' <<<"$list"
}

registers_kept() { # dom0's SIMD registers and memcpy stay right while Xen switches to a guest and back
    [ -x "$NESTED_XEN_SHARE/bin/regcheck" ] || { echo "no bin/regcheck in the share"; return 1; }
    timeout 60 "$NESTED_XEN_SHARE/bin/regcheck" 8 4 >"$OUT/regcheck.txt" 2>&1
    local rc=$?
    cat "$OUT/regcheck.txt"
    [ "$rc" = 0 ]
}

guest_cycle() { # NAME [EXTRA-CHECK-NAME FUNCTION]: checks made while the guest runs
    check "$1-create" guest_create "$1"
    check "$1-running" guest_running "$1"
    check "$1-console-alive" guest_alive "$1"
    [ $# -ge 3 ] && check "$2" "$3"
    check "$1-destroy" guest_destroy "$1"
    check "$1-gone" guest_gone "$1"
}

libxl_probe() { # host-built C code linked against the host's libxenlight
    [ -x "$NESTED_XEN_SHARE/bin/xlprobe" ] || { echo "no bin/xlprobe in the share"; return 1; }
    timeout 60 "$NESTED_XEN_SHARE/bin/xlprobe" >"$OUT/xlprobe.txt" 2>&1 || { cat "$OUT/xlprobe.txt"; return 1; }
    grep -q "^xen $EXPECT_XEN" "$OUT/xlprobe.txt" && grep -q '^domain 0 name=Domain-0' "$OUT/xlprobe.txt" &&
        grep -q LIBXL-C-OK "$OUT/xlprobe.txt"
}

hostfwd() { # the host fetches a page from dom0:8000 through QEMU's hostfwd
    mkdir -p /tmp/www
    echo "$TOKEN" >/tmp/www/index.html
    busybox httpd -f -p "$NESTED_XEN_DOM0_PORT" -h /tmp/www &
    local httpd=$! verdict=""
    sleep 0.5
    touch "$OUT/httpd-ready"
    for _ in $(seq 1 240); do
        verdict=$(cat "$OUT/hostfwd-done" 2>/dev/null) && [ -n "$verdict" ] && break
        sleep 0.5
    done
    kill "$httpd" 2>/dev/null
    wait "$httpd" 2>/dev/null
    echo "host side: ${verdict:-no answer}"
    [ "$verdict" = "got $TOKEN" ]
}

check xen-up xen_up
check dom0-listed dom0_listed
guest_cycle tinypv dom0-registers-kept registers_kept
if [ "$PVH" = 1 ]; then guest_cycle tinypvh; fi
check libxl-probe libxl_probe
check hostfwd hostfwd

echo "smoke scenario: $failed failed"
[ "$failed" = 0 ] && exit 0
[ "$flaky" = 1 ] && exit 75
exit 1
