#!/bin/bash
# The libxl integration scenario, run in dom0 as /mnt/host/run.sh by scripts/nested-xen/libxl-tests.
# Drives xenopsd --backend libxl ONLY through xenopsctl and checks every effect with xl and
# xenstore as the independent oracle. Prints "PASS name" / "FAIL name" per case and a final
# "N passed, M failed"; details go to out/. Exit 0 if every case passed, else 1.
set -u
SHARE=$NESTED_XEN_SHARE
OUT=$SHARE/out
mkdir -p "$OUT"
# The binaries run from dom0's own disk, not from the 9p share: loading 60–120 MB over 9p
# under TCG takes seconds, which would swamp the start-time comparison with xl.
BIN=/usr/local/lib/xenopsd-ng-test
mkdir -p "$BIN" && cp "$SHARE"/bin/* "$BIN"/
export PATH=$BIN:$PATH XENOPSCTL_TIMEOUT=180
SOCK=/run/xenopsd-ng/xenopsd.sock
STATE=/var/lib/xenopsd-ng-test
CTL=(xenopsctl --socket "$SOCK")
CONSOLE_DIR=/var/log/xen/console
passed=0 failed=0

log() { echo "[$(date +%T)] $*" >>"$OUT/scenario.log"; }
pass() { echo "PASS $1"; passed=$((passed + 1)); log "PASS $1"; }
fail() { echo "FAIL $1${2:+: $2}"; failed=$((failed + 1)); log "FAIL $1 ${2:-}"; }
ctl() { log "xenopsctl $*"; "${CTL[@]}" "$@" >>"$OUT/ctl.log" 2>&1; }
ctl_out() { "${CTL[@]}" "$@" 2>>"$OUT/ctl.log"; }
# Retries a check for up to $1 seconds.
within() { local t=$1; shift; local end=$((SECONDS + t)); while ! "$@"; do [ $SECONDS -ge $end ] && return 1; sleep 1; done; }

domid_of() { xl domid "$1" 2>/dev/null; }
has_domain() { xl list 2>/dev/null | awk -v n="$1" '$1 == n { f = 1 } END { exit !f }'; }
no_domain() { ! has_domain "$1"; }
xl_state() { xl list 2>/dev/null | awk -v n="$1" '$1 == n { print $5 }'; }
is_paused() { [[ "$(xl_state "$1")" == *p* ]]; }
is_unpaused() { has_domain "$1" && [[ "$(xl_state "$1")" != *p* ]]; }
# The power state xenopsctl reports (dom0 has no python: read the human table).
power() { ctl_out vm show "$1" | awk -F': *' '$1 == "Power state" { print $2 }'; }
power_is() { [ "$(power "$1")" = "$2" ]; }
console_ticks() { grep -c DOMU-ALIVE "$CONSOLE_DIR/guest-$1.log" 2>/dev/null || echo 0; }
console_alive() { [ "$(console_ticks "$1")" -gt "${2:-0}" ]; }
xs() { xenstore-read "$@" 2>/dev/null; }

# A VM's metadata: NAME UUID TYPE(PV|PVH) [extra vbds JSON] [extra vifs JSON]. No PV framebuffer:
# it needs QEMU (qemu-system-xen), which the test dom0 does not have.
metadata() {
    local name=$1 uuid=$2 ty=$3 vbds=${4:-} vifs=${5:-}
    cat <<EOF
{"vm":{"id":"$uuid","name":"$name","ssidref":0,"xsdata":{},"platformdata":{},"bios_strings":{},
 "ty":["$ty",{"boot":["Direct",{"kernel":"/root/domu/vmlinux","cmdline":"console=hvc0 quiet","ramdisk":"/root/domu/initrd.gz"}],"framebuffer":false,"vncterm":false}],
 "suppress_spurious_page_faults":false,"memory_static_max":134217728,"memory_dynamic_max":134217728,
 "memory_dynamic_min":134217728,"vcpu_max":2,"vcpus":1,"scheduler_params":{"priority":[256,0],"affinity":[]},
 "on_crash":["Shutdown"],"on_shutdown":["Shutdown"],"on_reboot":["Start"],"pci_msitranslate":true,"pci_power_mgmt":false},
 "vbds":[$vbds],"vifs":[$vifs]}
EOF
}

# --- setup -------------------------------------------------------------------------------
log "setup"
ip link add xenbr0 type bridge 2>>"$OUT/setup.log" && ip link set xenbr0 up 2>>"$OUT/setup.log"
modprobe loop 2>/dev/null
truncate -s 16M /var/tmp/extra-disk.img
LOOP=$(losetup -f --show /var/tmp/extra-disk.img 2>>"$OUT/setup.log")
mkdir -p "$STATE" /run/xenopsd-ng

# The backend conformance suite, straight against libxl (before the daemon owns the host).
# Its disks are loop devices: dom0 has no QEMU, and file-backed disks need QEMU's qdisk. It
# cannot build HVM guests either (nested Xen under TCG), so the HVM cases report SKIP; and this
# Xen refuses log-dirty mode (EOPNOTSUPP), so the live-save case checks the refusal is clean.
skip() { echo "SKIP $1${2:+: $2}"; log "SKIP $1 ${2:-}"; }
if [ -x "$BIN/xenops-conformance" ]; then
    conformance_disks=()
    for i in 1 2; do
        truncate -s 16M "/var/tmp/conformance-disk$i.img"
        dev=$(losetup -f --show "/var/tmp/conformance-disk$i.img" 2>>"$OUT/setup.log") && conformance_disks+=(--block-device "$dev")
    done
    # Debian has no setup-vif-rules (XCP-ng's): a stand-in records how it is invoked.
    printf '#!/bin/sh\necho "$*" >>%s/vif-rules.log\n' "$OUT" >/var/tmp/setup-vif-rules && chmod +x /var/tmp/setup-vif-rules
    timeout 900 xenops-conformance --backend libxl --kernel /root/domu/vmlinux --ramdisk /root/domu/initrd.gz \
        --no-hvm --no-live-save --setup-vif-rules /var/tmp/setup-vif-rules "${conformance_disks[@]}" >"$OUT/conformance.log" 2>&1
    while read -r verdict name rest; do
        name=${name%:}
        case "$verdict" in
            PASS) pass "conformance.$name" ;;
            FAIL) fail "conformance.$name" "${rest:-see out/conformance.log}" ;;
            SKIP) skip "conformance.$name" "$rest" ;;
        esac
    done < <(grep -E '^(PASS|FAIL|SKIP) ' "$OUT/conformance.log")
    grep -qE '^(PASS|FAIL) ' "$OUT/conformance.log" || fail conformance "no verdicts; see out/conformance.log"
    # VIF.set_locking_mode ran the rules script as xenopsd runs XCP-ng's (the keys it reads are
    # checked by conformance.vif-settings-xenstore with xenstore-read's view of dom0's xenstore).
    if grep -qE '^classic vif[0-9]+\.1 [0-9a-f-]{36} 1 filter$' "$OUT/vif-rules.log" 2>/dev/null; then
        pass vif-rules-script-invoked
    else
        fail vif-rules-script-invoked "see out/vif-rules.log"
    fi
    for d in $(xl list | awk 'NR > 2 { print $1 }'); do xl destroy "$d" 2>/dev/null; done
fi

start_daemon() {
    xenopsd --backend libxl --socket "$SOCK" --state-dir "$STATE" --log-level debug >>"$OUT/xenopsd.log" 2>&1 &
    DAEMON=$!
    within 60 "${CTL[@]}" host info >/dev/null 2>&1
}
if start_daemon; then pass daemon-starts-with-libxl; else fail daemon-starts-with-libxl "see out/xenopsd.log"; fi
ctl_out host info >"$OUT/host-info.txt" && grep -q "4.17" "$OUT/host-info.txt" && pass host-info || fail host-info

# --- XAPI's host calls: CPU featuresets (xen-cpuid is the oracle), combine/is_compatible, debug keys
ctl_out host cpu-policy >"$OUT/cpu-policy.txt"
feat() { awk -v k="$1:" '$1 == k { print $2 }' "$OUT/cpu-policy.txt"; }
XEN_CPUID=$(ls /usr/lib/xen-*/bin/xen-cpuid /usr/sbin/xen-cpuid 2>/dev/null | head -1)
if [ -n "$XEN_CPUID" ] && "$XEN_CPUID" >"$OUT/xen-cpuid.txt" 2>&1; then
    # xen-cpuid's "Dynamic sets:" section: "<name padded>  w0:w1:…", the sets xc_get_cpu_featureset returns.
    dyn() { awk -v l="$1" 'found && index($0, l) == 1 { print $NF; exit } /^Dynamic sets:/ { found = 1 }' "$OUT/xen-cpuid.txt" | tr : -; }
    ok=1
    for pair in "features=Host " "features_pv=PV Max " "features_hvm=HVM Max " "features_pv_host=PV Default " "features_hvm_host=HVM Default "; do
        f=${pair%%=*} label=${pair#*=}
        if [ -z "$(feat "$f")" ] || [ "$(feat "$f")" != "$(dyn "$label")" ]; then ok=0; log "$f: daemon '$(feat "$f")', xen-cpuid ${label}'$(dyn "$label")'"; fi
    done
    [ $ok = 1 ] && pass host-featuresets-match-xen-cpuid || fail host-featuresets-match-xen-cpuid "see out/scenario.log, out/cpu-policy.txt, out/xen-cpuid.txt"
else
    skip host-featuresets-match-xen-cpuid "no xen-cpuid in dom0 (or it failed: see out/xen-cpuid.txt)"
fi
PVD=$(feat features_pv_host) PVM=$(feat features_pv)
# Stock Xen 4.17's libxenguest has no xc_combine_cpu_featuresets: xenopsd's fallback intersects.
[ -n "$PVD" ] && [ "$(ctl_out host combine-cpu-policies "$PVD" "$PVM")" = "$PVD" ] && pass combine-cpu-policies || fail combine-cpu-policies "combine($PVD, $PVM)"
if [ "$(ctl_out host is-compatible "$PVD" "$PVM")" = compatible ] && [ "$(ctl_out host is-compatible ffffffff-ffffffff "$PVD")" = incompatible ]; then
    pass is-compatible
else
    fail is-compatible "PV default on PV max, or all-ones on PV default"
fi
if ! ctl host combine-cpu-policies 0123-foo 0f && grep -q "is not a CPU featureset" "$OUT/ctl.log"; then pass malformed-cpu-policy-refused; else fail malformed-cpu-policy-refused; fi
h_pressed() { xl dmesg 2>/dev/null | grep -c "'h' pressed"; }
before=$(h_pressed)
if ctl host debug-keys h && within 10 test "$(h_pressed)" -gt "$before" && ctl_out host console | grep -q "'h' pressed -> showing installed handlers"; then
    pass debug-keys-in-xl-dmesg
else
    fail debug-keys-in-xl-dmesg "'h' pressed: $before before, $(h_pressed) after"
fi
# Best_effort_hard for the first VM: libxl's placement, then its soft vCPU affinity made hard.
ctl host numa-policy best-effort-hard && pass numa-policy-set || fail numa-policy-set

# --- define + start + unpause, console alive ------------------------------------------------
VM=tinypv UUID=7b719ce6-0b17-9733-e8ee-dbc1e6e7b701
metadata $VM $UUID PV >"$OUT/$VM.json"
ctl vm create "$OUT/$VM.json" && pass define || fail define
t0=$(date +%s.%N)
ctl vm start $VM
t1=$(date +%s.%N)
if within 10 is_unpaused $VM && power_is $VM running; then pass start-unpause; else fail start-unpause "xl: $(xl list | tr '\n' '|')"; fi
echo "daemon vm start (VM.start + VM.unpause, waited): $(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", b - a }') s" >"$OUT/timing.txt"
within 120 console_alive $VM && pass console-alive || fail console-alive
[ "$(xs /local/domain/"$(domid_of $VM)"/vm)" = "/vm/$UUID" ] && pass domain-uuid-is-vm-uuid || fail domain-uuid-is-vm-uuid
# xl vcpu-list's last columns are "hard / soft" affinity.
xl vcpu-list $VM >"$OUT/vcpu-list.txt" 2>&1
if awk -v n=$VM '$1 == n { rows++; if ($(NF-2) != $NF) bad++ } END { exit !(rows > 0 && !bad) }' "$OUT/vcpu-list.txt"; then
    pass numa-best-effort-hard-affinity
else
    fail numa-best-effort-hard-affinity "see out/vcpu-list.txt"
fi
ctl host numa-policy default

# --- pause / unpause ------------------------------------------------------------------------
ctl vm pause $VM && within 10 is_paused $VM && power_is $VM paused && pass pause || fail pause
ctl vm unpause $VM && within 10 is_unpaused $VM && power_is $VM running && pass unpause || fail unpause

# --- vCPUs and memory target ----------------------------------------------------------------
D=$(domid_of $VM)
ctl vm set-vcpus $VM 2 && within 30 test "$(xs /local/domain/"$D"/cpu/1/availability)" = online && pass set-vcpus || fail set-vcpus "cpu/1: $(xs /local/domain/"$D"/cpu/1/availability)"
ctl vm set-memory $VM --min 96 --max 112 && within 30 test "$(xs /local/domain/"$D"/memory/target)" = 114688 && pass memory-target || fail memory-target "target: $(xs /local/domain/"$D"/memory/target)"

# --- hot-plug a disk and a NIC (seen in the guest's frontend tree) ---------------------------
DISK='{"id":["'$UUID'","xvdb"],"position":["Xen",1,0],"mode":"ReadWrite","backend":["Local","'$LOOP'"],"ty":"Disk"}'
NIC='{"id":["'$UUID'","1"],"position":1,"mac":"00:16:3e:00:00:11","backend":["Local","xenbr0"]}'
metadata $VM $UUID PV "$DISK" "$NIC" >"$OUT/$VM-devices.json"
ctl vm create "$OUT/$VM-devices.json"
if ctl vbd plug $VM xvdb && within 30 test -n "$(xenstore-list /local/domain/"$D"/device/vbd 2>/dev/null)"; then pass disk-hotplug; else fail disk-hotplug; fi
if ctl vbd unplug $VM xvdb && within 30 test -z "$(xenstore-list /local/domain/"$D"/device/vbd 2>/dev/null)"; then pass disk-unplug; else fail disk-unplug; fi
if ctl vif plug $VM 1 && within 30 test -n "$(xenstore-list /local/domain/"$D"/device/vif 2>/dev/null)"; then pass nic-hotplug; else fail nic-hotplug; fi
if ctl vif unplug $VM 1 && within 30 test -z "$(xenstore-list /local/domain/"$D"/device/vif 2>/dev/null)"; then pass nic-unplug; else fail nic-unplug; fi
metadata $VM $UUID PV >"$OUT/$VM.json"
ctl vm create "$OUT/$VM.json"

# --- suspend to a file, resume, alive again ---------------------------------------------------
IMG=$STATE/$VM.suspend
if ctl vm suspend $VM --image "$IMG" && within 30 no_domain $VM && power_is $VM suspended && [ -s "$IMG" ]; then pass suspend; else fail suspend; fi
before=$(console_ticks $VM)
if ctl vm resume $VM --image "$IMG" && within 30 is_unpaused $VM && power_is $VM running && within 60 console_alive $VM "$before"; then pass resume-alive; else fail resume-alive "ticks before $before, now $(console_ticks $VM)"; fi

# --- daemon SIGKILL and restart with a running guest -----------------------------------------
D=$(domid_of $VM)
kill -9 "$DAEMON"; wait "$DAEMON" 2>/dev/null
has_domain $VM && [ "$(domid_of $VM)" = "$D" ] && pass guest-survives-daemon-kill || fail guest-survives-daemon-kill
if start_daemon && power_is $VM running && [ "$(domid_of $VM)" = "$D" ] && ctl vm pause $VM && ctl vm unpause $VM; then pass restart-adopts; else fail restart-adopts; fi

# --- an unmanaged xl guest is left alone ------------------------------------------------------
sed -e 's/^name *=.*/name = "outsider"/' /root/domu/tinypv.cfg >/tmp/outsider.cfg
timeout 120 xl create /tmp/outsider.cfg >>"$OUT/xl.log" 2>&1
OD=$(domid_of outsider)
kill -9 "$DAEMON"; wait "$DAEMON" 2>/dev/null
# Listed by the daemon's reconciliation as unmanaged (its log), absent from VM.list, untouched.
if start_daemon && [ -n "$OD" ] && list=$(ctl_out vm list) && ! grep -q outsider <<<"$list" &&
    grep -q "leaving unmanaged domain $OD (outsider" "$OUT/xenopsd.log" &&
    [ "$(domid_of outsider)" = "$OD" ] && is_unpaused outsider; then
    pass unmanaged-left-alone
else
    fail unmanaged-left-alone "outsider domid ${OD:-none}, now $(domid_of outsider)"
fi
xl destroy outsider 2>/dev/null

# --- clean reboot: new domid, same VM ---------------------------------------------------------
D=$(domid_of $VM)
if ctl vm reboot $VM --timeout 120 && within 30 is_unpaused $VM && [ "$(domid_of $VM)" != "$D" ] && power_is $VM running; then pass clean-reboot; else fail clean-reboot "domid was $D, now $(domid_of $VM)"; fi

# --- guest-initiated reboot (on_reboot = Start) and poweroff (on_shutdown = Shutdown) --------
D=$(domid_of $VM)
xl sysrq "$D" b
if within 90 bash -c "xl domid $VM >/dev/null 2>&1 && [ \"\$(xl domid $VM)\" != $D ]" && within 30 is_unpaused $VM; then pass guest-reboot-restarts; else fail guest-reboot-restarts; fi
D=$(domid_of $VM)
xl sysrq "$D" o
if within 60 no_domain $VM && within 10 power_is $VM halted; then pass guest-poweroff-halts; else fail guest-poweroff-halts "power $(power $VM)"; fi

# --- clean and hard shutdown, destroy -------------------------------------------------------
ctl vm start $VM
if ctl vm shutdown $VM --timeout 120 && within 30 no_domain $VM && power_is $VM halted; then pass clean-shutdown; else fail clean-shutdown; fi
ctl vm start $VM
if ctl vm shutdown $VM --force && within 30 no_domain $VM && power_is $VM halted; then pass hard-shutdown; else fail hard-shutdown; fi
ctl vm start $VM
if ctl vm destroy $VM && within 30 no_domain $VM && power_is $VM halted; then pass destroy; else fail destroy; fi

# --- a PVH guest ------------------------------------------------------------------------------
PVH=tinypvh PVHUUID=3c1f2a4b-5d6e-4f70-8a9b-0c1d2e3f4a5b
metadata $PVH $PVHUUID PVH >"$OUT/$PVH.json"
ctl vm create "$OUT/$PVH.json"
if ctl vm start $PVH && within 30 is_unpaused $PVH && xl list -l $PVH 2>/dev/null | grep -q '"type": "pvh"'; then pass pvh-start; else fail pvh-start; fi
within 120 console_alive $PVH && pass pvh-console-alive || fail pvh-console-alive
ctl vm shutdown $PVH --force

# --- start time: daemon vs xl create of the same guest ----------------------------------------
# Three rounds each, alternating, of: start the PV guest and have it running (unpaused), then
# remove it. Daemon: `xenopsctl vm start` (VM.start + VM.unpause, waiting for both tasks).
# xl: `xl create` of the same kernel, initrd and memory. Medians go to timing.txt.
ctl vm remove $PVH
sed -e 's/^name *=.*/name = "xlguest"/' /root/domu/tinypv.cfg >/tmp/xlguest.cfg
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", b - a }'; }
median() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
: >"$OUT/timing-daemon.txt"
: >"$OUT/timing-xl.txt"
: >"$OUT/timing-cli.txt"
for round in 1 2 3; do
    t0=$(date +%s.%N); ctl vm start $VM; t1=$(date +%s.%N)
    is_unpaused $VM && elapsed "$t0" "$t1" >>"$OUT/timing-daemon.txt" && echo >>"$OUT/timing-daemon.txt"
    ctl vm shutdown $VM --force
    t0=$(date +%s.%N); timeout 120 xl create /tmp/xlguest.cfg >>"$OUT/xl.log" 2>&1; t1=$(date +%s.%N)
    is_unpaused xlguest && elapsed "$t0" "$t1" >>"$OUT/timing-xl.txt" && echo >>"$OUT/timing-xl.txt"
    xl destroy xlguest 2>/dev/null
    # What of the daemon's figure is the CLI itself: start xenopsctl and make one call.
    t0=$(date +%s.%N); ctl_out host info >/dev/null; t1=$(date +%s.%N)
    elapsed "$t0" "$t1" >>"$OUT/timing-cli.txt" && echo >>"$OUT/timing-cli.txt"
    log "timing round $round done"
done
{
    echo "first daemon vm start of the run (cold caches): $(head -1 "$OUT/timing.txt" | sed 's/.*: //')"
    echo "daemon vm start (VM.start + VM.unpause, waited), median of 3: $(median <"$OUT/timing-daemon.txt") s ($(tr '\n' ' ' <"$OUT/timing-daemon.txt"| xargs))"
    echo "xl create of the same guest, median of 3: $(median <"$OUT/timing-xl.txt") s ($(tr '\n' ' ' <"$OUT/timing-xl.txt" | xargs))"
    echo "xenopsctl start-up plus one call (host info), median of 3: $(median <"$OUT/timing-cli.txt") s ($(tr '\n' ' ' <"$OUT/timing-cli.txt" | xargs))"
} >"$OUT/timing-summary.txt"
mv "$OUT/timing-summary.txt" "$OUT/timing.txt"

kill -TERM "$DAEMON"; wait "$DAEMON" 2>/dev/null
cp "$OUT/timing.txt" "$SHARE/timing.txt" 2>/dev/null
echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
