#!/usr/bin/env bash
#  SPDX-License-Identifier: BSD-3-Clause
#  Copyright (C) 2026 the learning-site project authors.
#  All rights reserved.
#
#  Functional test of the iowatch bdev module against a real, already built SPDK.
#  The module is loaded into unmodified bdevperf and spdk_tgt binaries with
#  LD_PRELOAD (its constructors register the bdev module and its RPCs).
#
#  Needs: SPDK_BUILD_DIR (a built SPDK v26.01 tree, --with-shared) and
#  IOWATCH_LIB (libbdev_iowatch.so built against it).  Runs without hugepages,
#  uses private RPC sockets under a temporary directory, bounds every wait and
#  kills only the processes it started.  Ends with "N passed, M failed".

set -uo pipefail

SPDK=${SPDK_BUILD_DIR:?SPDK_BUILD_DIR must point at a built SPDK tree}
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
IOWATCH_LIB=${IOWATCH_LIB:-$here/../build/libbdev_iowatch.so}

tgt_bin=$SPDK/build/bin/spdk_tgt
bdevperf_bin=$SPDK/build/examples/bdevperf
rpc_py=$SPDK/scripts/rpc.py
bdevperf_py=$SPDK/examples/bdev/bdevperf/bdevperf.py
export PYTHONPATH=$SPDK/python:$here/../scripts${PYTHONPATH:+:$PYTHONPATH}

for f in "$tgt_bin" "$bdevperf_bin" "$rpc_py" "$bdevperf_py" "$IOWATCH_LIB"; do
	if [[ ! -e $f ]]; then
		echo "functional.sh: missing $f" >&2
		exit 2
	fi
done

# An ASan build of SPDK wants its runtime first in the initial library list.
preload=$IOWATCH_LIB
asan_rt=$(ldd "$tgt_bin" | awk '/libasan\.so/ {print $3; exit}')
if [[ -n $asan_rt ]]; then
	preload="$asan_rt $IOWATCH_LIB"
	export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0}
	echo "# ASan build detected: LD_PRELOAD=$preload"
fi

work=$(mktemp -d /tmp/iowatch-test.XXXXXX)
pids=()
passed=0
failed=0

cleanup() {
	local pid
	for pid in "${pids[@]}"; do
		kill -0 "$pid" 2> /dev/null && kill -TERM "$pid" 2> /dev/null
	done
	for pid in "${pids[@]}"; do
		for _ in $(seq 50); do
			kill -0 "$pid" 2> /dev/null || break
			sleep 0.1
		done
		kill -0 "$pid" 2> /dev/null && kill -KILL "$pid" 2> /dev/null
	done
	if ((failed > 0)); then
		echo "# logs kept in $work"
	else
		rm -rf "$work"
	fi
}
trap cleanup EXIT

ok() {
	passed=$((passed + 1))
	echo "ok   - $*"
}

not_ok() {
	failed=$((failed + 1))
	echo "FAIL - $*"
}

# rpc SOCKET ARGS...: SPDK's own rpc.py with our plugin, bounded in time.
rpc() {
	local sock=$1
	shift
	timeout -k 5 60 python3 "$rpc_py" -s "$sock" -t 30 --plugin rpc_iowatch "$@"
}

# raw SOCKET METHOD [PARAMS]: hand-built request (for malformed parameters).
raw() {
	timeout -k 5 30 python3 "$here/jsonrpc_call.py" "$@"
}

# jtrue DESCRIPTION FILE EXPRESSION: EXPRESSION (Python, the JSON is d) holds.
jtrue() {
	local desc=$1 file=$2 expr=$3 out
	if out=$(python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
r = eval(sys.argv[2])
print(r)
sys.exit(0 if r is True else 1)' "$file" "$expr" 2>&1); then
		ok "$desc"
	else
		not_ok "$desc ($expr -> ${out##*$'\n'})"
	fi
}

# jget FILE EXPRESSION: print a value out of a JSON file.
jget() {
	python3 -c 'import json, sys; d = json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$1" "$2"
}

# expect_error DESCRIPTION PATTERN COMMAND...: the call fails and says PATTERN.
expect_error() {
	local desc=$1 pattern=$2 out
	shift 2
	if out=$("$@" 2>&1); then
		not_ok "$desc: unexpectedly succeeded: $out"
	elif grep -qiE -- "$pattern" <<< "$out"; then
		ok "$desc ($(grep -iEo -- "$pattern" <<< "$out" | head -1))"
	else
		not_ok "$desc: error does not match /$pattern/: $out"
	fi
}

# start_app SOCKET LOG BINARY ARGS...: start with the module preloaded; wait for RPC.
start_app() {
	local sock=$1 log=$2 pid
	shift 2
	LD_LIBRARY_PATH=$SPDK/build/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH} LD_PRELOAD=$preload \
		"$@" > "$log" 2>&1 &
	pid=$!
	pids+=("$pid")
	app_pid=$pid
	for _ in $(seq 300); do
		if ! kill -0 "$pid" 2> /dev/null; then
			echo "# $1 exited during start-up; log:"
			tail -20 "$log"
			return 1
		fi
		if [[ -S $sock ]] && raw "$sock" rpc_get_methods > /dev/null 2>&1; then
			return 0
		fi
		sleep 0.2
	done
	echo "# $1 did not answer on $sock within 60 s"
	return 1
}

# stop_app PID: SIGINT, then wait up to 30 s; returns the exit status (124 on timeout).
stop_app() {
	local pid=$1
	kill -INT "$pid" 2> /dev/null
	for _ in $(seq 300); do
		if ! kill -0 "$pid" 2> /dev/null; then
			wait "$pid"
			return $?
		fi
		sleep 0.1
	done
	kill -KILL "$pid" 2> /dev/null
	wait "$pid" 2> /dev/null
	return 124
}

# wait_for DESCRIPTION SECONDS COMMAND...: poll until COMMAND succeeds.
wait_for() {
	local desc=$1 secs=$2
	shift 2
	for _ in $(seq $((secs * 5))); do
		if "$@" > /dev/null 2>&1; then
			ok "$desc"
			return 0
		fi
		sleep 0.2
	done
	not_ok "$desc (not within $secs s)"
	return 1
}

bdev_absent() {
	! rpc "$1" bdev_get_bdevs -b "$2" > /dev/null 2>&1
}

set_delay() {
	local sock=$1 us=$2 kind
	# p99 may not drop below avg: raise p99 first, lower it last.
	for kind in p99_read p99_write avg_read avg_write; do
		rpc "$sock" bdev_delay_update_latency Delay0 "$kind" "$us" > /dev/null || return 1
	done
}

set_delay_low() {
	local sock=$1 us=$2 kind
	for kind in avg_read avg_write p99_read p99_write; do
		rpc "$sock" bdev_delay_update_latency Delay0 "$kind" "$us" > /dev/null || return 1
	done
}

# perform_tests SOCKET OUTFILE ARGS...: start a bdevperf run in the background.
perform_tests() {
	local sock=$1 out=$2
	shift 2
	timeout -k 5 90 python3 "$bdevperf_py" -s "$sock" -t 80 perform_tests "$@" > "$out" 2>&1 &
	pt_pid=$!
	pids+=("$pt_pid")
}

# wait_pid PID SECONDS: wait for a background job, bounded; returns its status.
wait_pid() {
	local pid=$1 secs=$2
	for _ in $(seq $((secs * 10))); do
		if ! kill -0 "$pid" 2> /dev/null; then
			wait "$pid"
			return $?
		fi
		sleep 0.1
	done
	return 124
}

echo "# SPDK: $SPDK ($(cat "$SPDK/VERSION" 2> /dev/null || git -C "$SPDK" describe --tags 2> /dev/null))"
echo "# module: $IOWATCH_LIB"
echo "# work dir: $work"

###############################################################################
echo "# Part 1: bdevperf -z with iowatch on delay on malloc"
###############################################################################
bp=$work/bdevperf.sock
bp_log=$work/bdevperf.log
# Two jobs, so two SPDK threads (two iowatch channels), on one reactor: a
# second busy-polling reactor would only starve the RPC clients on 2 cores.
cat > "$work/jobs.conf" << EOF
[global]
filename=iw0
rw=randrw
rwmixread=50
bs=4096
iodepth=8
[job0]
cpumask=0x1
[job1]
cpumask=0x1
EOF
if ! start_app "$bp" "$bp_log" "$bdevperf_bin" -r "$bp" --no-huge -s 1024 --disable-cpumask-locks -m 0x1 -z \
	-j "$work/jobs.conf" -t 8; then
	not_ok "bdevperf with the module preloaded starts"
	echo "$passed passed, $failed failed"
	exit 1
fi
bp_pid=$app_pid
ok "bdevperf with the module preloaded starts (pid $bp_pid)"

rpc "$bp" rpc_get_methods > "$work/methods.json"
jtrue "all four iowatch RPCs are registered" "$work/methods.json" \
	"all(m in d for m in ['bdev_iowatch_create', 'bdev_iowatch_delete', 'bdev_iowatch_get_inflight', 'bdev_iowatch_get_stats'])"

rpc "$bp" bdev_malloc_create -b Malloc0 32 4096 > /dev/null &&
	rpc "$bp" bdev_delay_create -b Malloc0 -d Delay0 -r 1000 -t 1000 -w 1000 -n 1000 > /dev/null &&
	rpc "$bp" bdev_iowatch_create -b Delay0 -n iw0 -s 150 > "$work/create.out" &&
	ok "malloc -> delay -> iowatch stack created" || not_ok "malloc -> delay -> iowatch stack created"

rpc "$bp" bdev_get_bdevs -b iw0 > "$work/iw0.json"
jtrue "iw0 reports its base and threshold" "$work/iw0.json" \
	"d[0]['driver_specific']['iowatch'] == {'name': 'iw0', 'base_bdev_name': 'Delay0', 'stall_threshold_ms': 150} and d[0]['product_name'] == 'iowatch'"
jtrue "iw0 has the geometry of its base (8192 x 4096)" "$work/iw0.json" \
	"d[0]['num_blocks'] == 8192 and d[0]['block_size'] == 4096"
rpc "$bp" bdev_get_bdevs -b Delay0 > "$work/delay0.json"
jtrue "iw0 supports what Delay0 supports (incl. reset), minus zcopy and passthrough" "$work/iw0.json" \
	"all(d[0]['supported_io_types'][t] == $(jget "$work/delay0.json" "repr(d[0]['supported_io_types'])")[t] for t in ('read', 'write', 'unmap', 'flush', 'reset', 'write_zeroes', 'compare', 'copy', 'abort')) and d[0]['supported_io_types']['reset'] and not d[0]['supported_io_types']['zcopy'] and not d[0]['supported_io_types']['nvme_io']"
jtrue "Delay0 is claimed (exclusive_write)" "$work/delay0.json" \
	"d[0]['claimed'] is True and d[0].get('claim_type') == 'exclusive_write'"

echo "# bad input is rejected and changes nothing"
rpc "$bp" bdev_get_bdevs > "$work/bdevs_before.json"
rpc "$bp" save_config > "$work/config_before.json"
expect_error "create on an unknown base" "not found" rpc "$bp" bdev_iowatch_create -b NoSuchBdev -n iwX
expect_error "create with a duplicate name" "already exists" rpc "$bp" bdev_iowatch_create -b Malloc0 -n iw0
expect_error "create with the name of another bdev" "already exists" rpc "$bp" bdev_iowatch_create -b Delay0 -n Malloc0
expect_error "create on a base that is already claimed" "not permitted|claim" rpc "$bp" bdev_iowatch_create -b Delay0 -n iwY
expect_error "create with a threshold above one hour" "stall_threshold_ms" rpc "$bp" bdev_iowatch_create -b Malloc0 -n iwZ -s 3600001
expect_error "create with a negative threshold" "-32602" raw "$bp" bdev_iowatch_create '{"name": "iwN", "base_bdev_name": "Malloc0", "stall_threshold_ms": -5}'
expect_error "create without a name" "-32602" raw "$bp" bdev_iowatch_create '{"base_bdev_name": "Malloc0"}'
expect_error "create without parameters" "-32602" raw "$bp" bdev_iowatch_create
expect_error "create with an empty name" "invalid name" raw "$bp" bdev_iowatch_create '{"name": "", "base_bdev_name": "Malloc0"}'
expect_error "create with a numeric name" "-32602" raw "$bp" bdev_iowatch_create '{"name": 7, "base_bdev_name": "Malloc0"}'
expect_error "create with a malformed uuid" "-32602" raw "$bp" bdev_iowatch_create '{"name": "iwU", "base_bdev_name": "Malloc0", "uuid": "not-a-uuid"}'
expect_error "create with an unknown parameter" "-32602" raw "$bp" bdev_iowatch_create '{"name": "iwP", "base_bdev_name": "Malloc0", "colour": "red"}'
expect_error "delete of an unknown bdev" "no such device|-19" raw "$bp" bdev_iowatch_delete '{"name": "nope"}'
expect_error "delete without a name" "-32602" raw "$bp" bdev_iowatch_delete '{}'
expect_error "delete of a non-iowatch bdev" "no such device|-19" raw "$bp" bdev_iowatch_delete '{"name": "Malloc0"}'
expect_error "get_inflight of an unknown bdev" "no iowatch bdev named nope" rpc "$bp" bdev_iowatch_get_inflight nope
expect_error "get_inflight with a bad min_age_ms" "-32602" raw "$bp" bdev_iowatch_get_inflight '{"name": "iw0", "min_age_ms": "old"}'
expect_error "get_stats of an unknown bdev" "no iowatch bdev named nope" rpc "$bp" bdev_iowatch_get_stats nope
expect_error "get_stats without a name" "-32602" raw "$bp" bdev_iowatch_get_stats '{}'
rpc "$bp" bdev_get_bdevs > "$work/bdevs_after.json"
rpc "$bp" save_config > "$work/config_after.json"
if cmp -s <(jget "$work/bdevs_before.json" "sorted((b['name'], b['claimed']) for b in d)") \
	<(jget "$work/bdevs_after.json" "sorted((b['name'], b['claimed']) for b in d)") &&
	cmp -s "$work/config_before.json" "$work/config_after.json"; then
	ok "rejected calls left bdevs, claims and saved config unchanged"
else
	not_ok "rejected calls left bdevs, claims and saved config unchanged"
fi

echo "# in-flight I/O is visible while the delay bdev holds it"
set_delay "$bp" 400000 && ok "delay raised to 400 ms" || not_ok "delay raised to 400 ms"
perform_tests "$bp" "$work/pt_inflight.out" -t 8
sleep 1
rpc "$bp" bdev_iowatch_get_inflight iw0 > "$work/inflight_all.json"
# The delay bdev completes I/Os in waves, so a sample can fall just after one:
# ask again (each answer is checked below) until one shows I/Os >= 100 ms old.
for _ in 1 2 3 4 5 6; do
	rpc "$bp" bdev_iowatch_get_inflight iw0 -a 100 > "$work/inflight.json"
	[[ $(jget "$work/inflight.json" "d['count']") -ge 1 ]] && break
done
jtrue "get_inflight -a 100 lists outstanding I/Os" "$work/inflight.json" \
	"d['count'] >= 1 and d['count'] == len(d['ios']) and d['min_age_ms'] == 100"
jtrue "every listed I/O is at least 100 ms and at most 2 s old" "$work/inflight.json" \
	"all(100000 <= io['age_us'] <= 2000000 for io in d['ios'])"
jtrue "listed I/Os are 4 KiB reads/writes inside the bdev" "$work/inflight.json" \
	"all(io['type'] in ('read', 'write') and io['num_blocks'] == 1 and io['offset_blocks'] < 8192 for io in d['ios'])"
jtrue "listed I/Os name their submitting SPDK thread" "$work/inflight.json" \
	"all(io['thread_name'] and io['thread_id'] > 0 for io in d['ios'])"
jtrue "between 1 and 16 I/Os outstanding (2 jobs x queue depth 8)" "$work/inflight_all.json" \
	"1 <= d['count'] <= 16"
jtrue "outstanding I/Os come from both bdevperf threads" "$work/inflight_all.json" \
	"len(set(io['thread_id'] for io in d['ios'])) == 2"
echo "# threads seen with outstanding I/O: $(jget "$work/inflight_all.json" "sorted(set(io['thread_name'] for io in d['ios']))")"
if wait_pid "$pt_pid" 60; then
	ok "bdevperf run through iw0 completed"
else
	not_ok "bdevperf run through iw0 completed (see $work/pt_inflight.out)"
fi
if grep -q "outstanding for" "$bp_log"; then
	ok "stall poller logged I/Os above 150 ms: $(grep -c 'outstanding for' "$bp_log") line(s)"
else
	not_ok "stall poller logged I/Os above 150 ms"
fi

rpc "$bp" bdev_iowatch_get_stats iw0 > "$work/stats.json"
rpc "$bp" bdev_get_iostat -b iw0 > "$work/iostat.json"
jtrue "stats: nothing in flight after the run, nothing failed" "$work/stats.json" \
	"d['total']['inflight'] == 0 and d['total']['failed'] == 0 and d['total']['submitted'] > 0"
jtrue "stats: submitted == completed + failed + inflight" "$work/stats.json" \
	"d['total']['submitted'] == d['total']['completed'] + d['total']['failed'] + d['total']['inflight']"
jtrue "stats: threads + retired channels add up to the total" "$work/stats.json" \
	"sum(t['submitted'] for t in d['threads']) + d['retired_channels']['submitted'] == d['total']['submitted'] and sum(t['completed'] for t in d['threads']) + d['retired_channels']['completed'] == d['total']['completed']"
jtrue "stats: histogram holds one sample per finished I/O" "$work/stats.json" \
	"sum(b['count'] for b in d['total']['histogram']) == d['total']['latency_us']['samples'] == d['total']['completed'] + d['total']['failed']"
jtrue "stats: median latency reflects the 400 ms delay" "$work/stats.json" \
	"300000 <= d['total']['latency_us']['p50'] <= 1500000 and d['total']['latency_us']['p50'] <= d['total']['latency_us']['p99']"
jtrue "stats: stalled I/Os were counted" "$work/stats.json" "d['total']['stalled'] >= 1"
jtrue "stats: one entry per live channel (2 bdevperf threads) or retired" "$work/stats.json" \
	"len(d['threads']) in (0, 2) and (len(d['threads']) == 2 or d['retired_channels']['submitted'] > 0)"
total_completed=$(jget "$work/stats.json" "d['total']['completed']")
jtrue "stats agree with the bdev layer's own iostat ($total_completed I/Os)" "$work/iostat.json" \
	"d['bdevs'][0]['num_read_ops'] + d['bdevs'][0]['num_write_ops'] == $total_completed"

echo "# hot-remove of the base while I/O is in flight"
set_delay "$bp" 400000
perform_tests "$bp" "$work/pt_hotremove.out" -t 10
sleep 1
rpc "$bp" bdev_iowatch_get_inflight iw0 > "$work/inflight_hr.json"
jtrue "I/Os in flight just before the hot-remove" "$work/inflight_hr.json" "d['count'] >= 1"
if rpc "$bp" bdev_delay_delete Delay0 > /dev/null; then
	ok "bdev_delay_delete Delay0 under iw0 returned"
else
	not_ok "bdev_delay_delete Delay0 under iw0 returned"
fi
wait_for "iw0 unregistered itself after losing its base" 10 bdev_absent "$bp" iw0
wait_pid "$pt_pid" 30
rc=$?
if ((rc != 124)); then
	ok "bdevperf run ended after the hot-remove (status $rc)"
else
	not_ok "bdevperf run ended after the hot-remove"
fi
rpc "$bp" bdev_get_bdevs -b Malloc0 > "$work/malloc0.json"
jtrue "Malloc0 survives and is unclaimed" "$work/malloc0.json" "d[0]['claimed'] is False"
expect_error "get_stats of the removed iw0" "no iowatch bdev" rpc "$bp" bdev_iowatch_get_stats iw0
rpc "$bp" save_config > "$work/config_hr.json"
jtrue "the iw0 config waits for its base (wait_for_base in save_config)" "$work/config_hr.json" \
	"any(c['method'] == 'bdev_iowatch_create' and c['params']['name'] == 'iw0' and c['params'].get('wait_for_base') is True for s in d['subsystems'] if s['subsystem'] == 'bdev' for c in s['config'])"
rpc "$bp" bdev_delay_create -b Malloc0 -d Delay0 -r 1000 -t 1000 -w 1000 -n 1000 > /dev/null
wait_for "iw0 came back when Delay0 re-appeared (examine)" 10 rpc "$bp" bdev_get_bdevs -b iw0
rpc "$bp" bdev_iowatch_get_stats iw0 > "$work/stats_new.json"
jtrue "the re-created iw0 starts with fresh counters (only examine reads)" "$work/stats_new.json" \
	"d['total']['submitted'] == d['total']['completed'] <= 16"

echo "# delete with I/O in flight"
set_delay "$bp" 400000
perform_tests "$bp" "$work/pt_delete.out" -t 10
sleep 1
rpc "$bp" bdev_iowatch_get_inflight iw0 > "$work/inflight_del.json"
jtrue "I/Os in flight just before the delete" "$work/inflight_del.json" "d['count'] >= 1"
start_ns=$(date +%s%N)
if rpc "$bp" bdev_iowatch_delete iw0 > "$work/delete.out"; then
	ok "bdev_iowatch_delete iw0 returned true ($(( ($(date +%s%N) - start_ns) / 1000000 )) ms, includes draining)"
else
	not_ok "bdev_iowatch_delete iw0 with I/O in flight"
fi
rpc "$bp" bdev_get_bdevs -b Delay0 > "$work/delay0_after.json"
jtrue "the delete answered only after the base was released" "$work/delay0_after.json" "d[0]['claimed'] is False"
wait_pid "$pt_pid" 30
rc=$?
((rc != 124)) && ok "bdevperf run ended after the delete (status $rc)" || not_ok "bdevperf run ended after the delete"
rpc "$bp" save_config > "$work/config_del.json"
jtrue "a deleted iowatch bdev leaves no config behind" "$work/config_del.json" \
	"not any(c['method'] == 'bdev_iowatch_create' for s in d['subsystems'] if s['subsystem'] == 'bdev' for c in s['config'])"
rpc "$bp" bdev_delay_delete Delay0 > /dev/null
rpc "$bp" bdev_delay_create -b Malloc0 -d Delay0 -r 1000 -t 1000 -w 1000 -n 1000 > /dev/null
sleep 1
bdev_absent "$bp" iw0 && ok "a deleted iowatch bdev does not come back with its base" ||
	not_ok "a deleted iowatch bdev does not come back with its base"

stop_app "$bp_pid"
rc=$?
((rc == 0)) && ok "bdevperf shut down cleanly (status 0)" || not_ok "bdevperf shut down cleanly (status $rc)"
if grep -E "destroyed with .* in flight|ERROR: (AddressSanitizer|LeakSanitizer)" "$bp_log"; then
	not_ok "no leaked in-flight I/O or sanitizer report in the bdevperf log"
else
	ok "no leaked in-flight I/O or sanitizer report in the bdevperf log"
fi

###############################################################################
echo "# Part 2: save_config round trip through spdk_tgt"
###############################################################################
tgt=$work/tgt.sock
tgt_log=$work/tgt1.log
uuid_a=8d5d3a61-58f3-4c5a-a1f0-4b2f7c0e9a17
if start_app "$tgt" "$tgt_log" "$tgt_bin" -r "$tgt" --no-huge -s 1024 --disable-cpumask-locks -m 0x1; then
	ok "spdk_tgt with the module preloaded starts"
	tgt_pid=$app_pid
	rpc "$tgt" bdev_malloc_create -b Malloc0 16 512 > /dev/null
	rpc "$tgt" bdev_malloc_create -b Malloc1 16 4096 > /dev/null
	rpc "$tgt" bdev_delay_create -b Malloc1 -d Delay1 -r 10 -t 10 -w 10 -n 10 > /dev/null
	rpc "$tgt" bdev_iowatch_create -b Malloc0 -n iw_a -s 250 -u "$uuid_a" > /dev/null &&
		rpc "$tgt" bdev_iowatch_create -b Delay1 -n iw_b > /dev/null &&
		rpc "$tgt" bdev_iowatch_create -b Late0 -n iw_c -s 5 --wait-for-base > /dev/null &&
		ok "created iw_a (uuid, threshold), iw_b (on delay), iw_c (waiting for Late0)" ||
		not_ok "created iw_a, iw_b, iw_c"
	rpc "$tgt" bdev_get_bdevs -b iw_b > "$work/iw_b1.json"
	rpc "$tgt" save_config > "$work/cfg1.json"
	stop_app "$tgt_pid"
	rc=$?
	((rc == 0)) && ok "spdk_tgt shut down cleanly (status 0)" || not_ok "spdk_tgt shut down cleanly (status $rc)"

	tgt_log=$work/tgt2.log
	if start_app "$tgt" "$tgt_log" "$tgt_bin" -r "$tgt" --no-huge -s 1024 --disable-cpumask-locks -m 0x1 --json "$work/cfg1.json"; then
		ok "spdk_tgt restarts from the saved JSON config"
		tgt_pid=$app_pid
		rpc "$tgt" framework_wait_init > /dev/null 2>&1
		rpc "$tgt" save_config > "$work/cfg2.json"
		if cmp -s <(jget "$work/cfg1.json" "[s for s in d['subsystems'] if s['subsystem'] == 'bdev']") \
			<(jget "$work/cfg2.json" "[s for s in d['subsystems'] if s['subsystem'] == 'bdev']"); then
			ok "bdev section of save_config is identical after the round trip"
		else
			not_ok "bdev section of save_config is identical after the round trip"
			diff <(python3 -m json.tool "$work/cfg1.json") <(python3 -m json.tool "$work/cfg2.json") | head -40
		fi
		rpc "$tgt" bdev_get_bdevs -b iw_a > "$work/iw_a.json"
		jtrue "iw_a kept its UUID and threshold" "$work/iw_a.json" \
			"d[0]['uuid'] == '$uuid_a' and d[0]['driver_specific']['iowatch']['stall_threshold_ms'] == 250"
		rpc "$tgt" bdev_get_bdevs -b iw_b > "$work/iw_b2.json"
		jtrue "iw_b kept its derived UUID" "$work/iw_b2.json" \
			"d[0]['uuid'] == $(jget "$work/iw_b1.json" "repr(d[0]['uuid'])")"
		bdev_absent "$tgt" iw_c && ok "iw_c is still waiting for Late0" || not_ok "iw_c is still waiting for Late0"
		rpc "$tgt" bdev_malloc_create -b Late0 8 512 > /dev/null
		wait_for "iw_c appears once Late0 is created" 10 rpc "$tgt" bdev_get_bdevs -b iw_c
		stop_app "$tgt_pid"
		rc=$?
		((rc == 0)) && ok "restarted spdk_tgt shut down cleanly (status 0)" ||
			not_ok "restarted spdk_tgt shut down cleanly (status $rc)"
	else
		not_ok "spdk_tgt restarts from the saved JSON config"
	fi
	if grep -hE "ERROR: (AddressSanitizer|LeakSanitizer)" "$work"/tgt*.log; then
		not_ok "no sanitizer report in the spdk_tgt logs"
	else
		ok "no sanitizer report in the spdk_tgt logs"
	fi
else
	not_ok "spdk_tgt with the module preloaded starts"
fi

###############################################################################
echo "# Part 3: bdevperf reset workload, iowatch loaded from a JSON config"
###############################################################################
cat > "$work/reset.json" << EOF
{"subsystems": [{"subsystem": "bdev", "config": [
  {"method": "bdev_iowatch_create", "params": {"name": "iw0", "base_bdev_name": "Delay0", "wait_for_base": true}},
  {"method": "bdev_malloc_create", "params": {"name": "Malloc0", "num_blocks": 8192, "block_size": 4096}},
  {"method": "bdev_delay_create", "params": {"name": "Delay0", "base_bdev_name": "Malloc0",
    "avg_read_latency": 100, "p99_read_latency": 100, "avg_write_latency": 100, "p99_write_latency": 100}},
  {"method": "bdev_wait_for_examine"}]}]}
EOF
if timeout -k 5 120 env LD_LIBRARY_PATH="$SPDK/build/lib" LD_PRELOAD="$preload" "$bdevperf_bin" \
	--no-huge -s 1024 --disable-cpumask-locks -m 0x1 --json "$work/reset.json" -T iw0 -q 4 -o 4096 -w reset -t 3 \
	> "$work/bdevperf_reset.log" 2>&1; then
	ok "bdevperf -w reset (verify + resets) through iw0 from a JSON config: $(tr -d '\r' < "$work/bdevperf_reset.log" | grep -E '^ *Total +:' | tr -s ' \t' ' ' | tail -1)"
else
	not_ok "bdevperf -w reset through iw0 from a JSON config (see $work/bdevperf_reset.log)"
	tail -20 "$work/bdevperf_reset.log"
fi
if grep -E "destroyed with .* in flight|ERROR: (AddressSanitizer|LeakSanitizer)" "$work/bdevperf_reset.log"; then
	not_ok "no leaked in-flight I/O or sanitizer report after the reset workload"
else
	ok "no leaked in-flight I/O or sanitizer report after the reset workload"
fi

###############################################################################
echo "# Part 4: -ENOMEM from the base (tiny bdev_io pool) is queued and retried"
###############################################################################
# 40 bdev_ios for bdevperf + iowatch + delay at queue depth 32: each I/O needs
# three, so iowatch's request to Delay0 regularly finds the pool empty.
cat > "$work/nomem.json" << EOF
{"subsystems": [{"subsystem": "bdev", "config": [
  {"method": "bdev_set_options", "params": {"bdev_io_pool_size": 40, "bdev_io_cache_size": 1}},
  {"method": "bdev_malloc_create", "params": {"name": "Malloc0", "num_blocks": 8192, "block_size": 4096}},
  {"method": "bdev_delay_create", "params": {"name": "Delay0", "base_bdev_name": "Malloc0",
    "avg_read_latency": 2000, "p99_read_latency": 2000, "avg_write_latency": 2000, "p99_write_latency": 2000}},
  {"method": "bdev_iowatch_create", "params": {"name": "iw0", "base_bdev_name": "Delay0"}},
  {"method": "bdev_wait_for_examine"}]}]}
EOF
nm=$work/nomem.sock
if start_app "$nm" "$work/bdevperf_nomem.log" "$bdevperf_bin" -r "$nm" --no-huge -s 1024 --disable-cpumask-locks -m 0x1 -z \
	--json "$work/nomem.json" -T iw0 -q 32 -o 4096 -w randrw -M 50 -t 3; then
	nm_pid=$app_pid
	perform_tests "$nm" "$work/pt_nomem.out"
	if wait_pid "$pt_pid" 60; then
		ok "bdevperf q32 through iw0 with a 40-entry bdev_io pool completed without errors"
	else
		not_ok "bdevperf q32 through iw0 with a 40-entry bdev_io pool (see $work/pt_nomem.out)"
	fi
	rpc "$nm" bdev_iowatch_get_stats iw0 > "$work/stats_nomem.json"
	jtrue "iowatch hit -ENOMEM and retried via spdk_bdev_queue_io_wait" "$work/stats_nomem.json" \
		"d['total']['nomem_retries'] > 0"
	jtrue "after the retries nothing failed and the counts add up" "$work/stats_nomem.json" \
		"d['total']['failed'] == 0 and d['total']['inflight'] == 0 and d['total']['submitted'] == d['total']['completed'] > 0"
	stop_app "$nm_pid"
	rc=$?
	((rc == 0)) && ok "bdevperf (tiny pool) shut down cleanly" || not_ok "bdevperf (tiny pool) shut down cleanly (status $rc)"
	if grep -E "destroyed with .* in flight|ERROR: (AddressSanitizer|LeakSanitizer)" "$work/bdevperf_nomem.log"; then
		not_ok "no leaked in-flight I/O or sanitizer report with the tiny pool"
	else
		ok "no leaked in-flight I/O or sanitizer report with the tiny pool"
	fi
else
	not_ok "bdevperf with a 40-entry bdev_io pool starts"
fi

echo "$passed passed, $failed failed"
((failed == 0))
