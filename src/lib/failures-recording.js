// SPDX-License-Identifier: BSD-3-Clause
// The failures recording (labs/results/failures.json, written by labs/failures/record-failures.mjs
// against a real SPDK v26.01 build): a checker that re-asserts, on the committed data, what each
// experiment is said to show, and the facts the ops-debug/failure-modes page renders.
//   checkFailuresRecording(doc) -> [] or problems, as sentences
//   failuresFacts(doc?)         -> checked facts (loads the committed file when doc is omitted)
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { PROJECT_ROOT as ROOT } from './excerpts.js';

export const FILE = 'labs/results/failures.json';
export const EXPERIMENTS = ['raid1_reconnect_forever', 'rpc_connection_leak', 'slow_rpc_handler', 'hot_remove_base', 'thin_enospc'];

export function loadFailuresRecording(root = ROOT) {
	return JSON.parse(readFileSync(path.join(root, FILE), 'utf8'));
}

// Wall-clock milliseconds of an SPDK log line ("[2026-12-02 08:01:48.269222] ...").
export function logTime(line) {
	const m = /^\[(\d{4}-\d\d-\d\d) (\d\d:\d\d:\d\d\.\d{3})\d*\]/.exec(line);
	return m ? Date.parse(`${m[1]}T${m[2]}Z`) : null;
}

const step = (e, method, nth = 0) => (e?.steps ?? []).filter((s) => s.method === method)[nth];

// One raid1 run's derived view: samples relative to the listener removal, the outage window, and
// the moments the log names.
function raidView(run) {
	const removed = step(run, 'nvmf_subsystem_remove_listener');
	const readded = (run.steps ?? []).find((s) => s.method === 'nvmf_subsystem_add_listener' && s.why);
	if (!removed || !readded) return null;
	const t0 = removed.at_ms;
	const removedUtc = Date.parse(removed.utc);
	const rel = (ms) => (ms - t0) / 1000;
	const failed = (run.log_lines ?? []).filter((l) => /Resetting controller failed/.test(l) && logTime(l) >= removedUtc);
	const failing = (run.log_lines ?? []).find((l) => /Failing base bdev/.test(l));
	const back = (run.log_lines ?? []).find((l) => /Resetting controller successful/.test(l) && logTime(l) >= removedUtc);
	const pt = run.bdevperf?.perform_tests?.results?.[0] ?? null;
	return {
		fastFail: run.fast_io_fail_timeout_sec,
		outageS: (readded.at_ms - t0) / 1000,
		rows: (run.samples ?? []).map((s) => ({
			t: rel(s.at_ms), ctrlr: s.ctrlr_state, raid: s.raid_state, operational: s.base_bdevs_operational,
			legs: (s.base_bdevs ?? []).map((b) => (b.is_configured ? b.name : '(empty slot)')).join(', '),
			writes: s.raid_writes_delta, during: s.at_ms > t0 && s.at_ms < readded.at_ms,
		})),
		failedResets: failed.length,
		failingBaseS: failing ? (logTime(failing) - removedUtc) / 1000 : null,
		failingLine: failing ? failing.replace(/^\[[^\]]*\]\s*/, '') : null,
		reconnectedS: back ? (logTime(back) - removedUtc) / 1000 : null,
		perf: pt,
		after: run.after,
		rejoin: run.rejoin,
		addBase: step(run, 'bdev_raid_add_base_bdev') ?? null,
	};
}

export function checkFailuresRecording(doc) {
	const problems = [];
	const p = (s) => problems.push(s);
	if (!doc || typeof doc !== 'object') return ['not a JSON object'];
	if (doc.recording !== 'failures') p(`recording is ${JSON.stringify(doc.recording)}`);
	if (!/^SPDK v26\.01\b/.test(doc.spdk_version ?? '')) p(`spdk_version is ${JSON.stringify(doc.spdk_version)}, not SPDK v26.01`);
	for (const k of ['cpu_model', 'kernel', 'started_utc']) if (!doc.machine?.[k]) p(`machine.${k} is missing`);
	const ex = doc.experiments ?? {};
	for (const k of EXPERIMENTS) if (!ex[k]) p(`experiment ${k} is missing`);
	if (problems.length) return problems;
	const allSteps = [...ex.raid1_reconnect_forever.runs.flatMap((r) => r.steps ?? []), ...EXPERIMENTS.slice(1).flatMap((k) => ex[k].steps ?? [])];
	for (const [i, s] of allSteps.entries()) {
		if (typeof s.method !== 'string') p(`step ${i} has no method`);
		if (!(typeof s.ms === 'number' && s.ms >= 0)) p(`step ${i} (${s.method}) has no duration`);
		const n = ['result', 'error', 'transport_error'].filter((k) => k in s).length;
		if (n !== 1) p(`step ${i} (${s.method}) must hold exactly one of result, error and transport_error`);
	}

	// 1. raid1 over a leg that reconnects forever, with and without fast_io_fail_timeout_sec.
	const runs = ex.raid1_reconnect_forever.runs ?? [];
	const forever = runs.find((r) => r.fast_io_fail_timeout_sec === 0);
	const fast = runs.find((r) => r.fast_io_fail_timeout_sec > 0);
	if (!forever || !fast) p('raid1 needs one run with fast_io_fail_timeout_sec 0 and one with it set');
	for (const r of runs) if (r.attach_params?.ctrlr_loss_timeout_sec !== -1) p(`raid1 run ${r.fast_io_fail_timeout_sec}: ctrlr_loss_timeout_sec is not -1`);
	if (forever && fast) {
		const a = raidView(forever), b = raidView(fast);
		if (!a || !b) return [...problems, 'a raid1 run lacks the remove_listener or add_listener step'];
		const settled = (v) => v.rows.filter((x) => x.during && x.t >= 1.5);
		if (!settled(a).length) p('raid1 (forever): no samples inside the outage');
		if (settled(a).some((x) => x.writes !== 0)) p('raid1 (forever): raid1 completed writes during the outage');
		if (a.rows.some((x) => x.operational !== 2)) p('raid1 (forever): a leg left the raid');
		if (settled(a).some((x) => x.ctrlr === 'enabled')) p('raid1 (forever): the controller was enabled during the outage');
		if (!a.rows.some((x) => x.t > a.outageS && x.writes > 0)) p('raid1 (forever): writes did not resume after the path came back');
		if (a.perf?.io_failed !== 0) p(`raid1 (forever): bdevperf saw ${a.perf?.io_failed} failed writes`);
		if (!(a.perf?.max_latency_us >= a.outageS * 0.8e6)) p('raid1 (forever): the longest write was shorter than the outage');
		if (a.failedResets < 2) p('raid1 (forever): fewer than two failed reconnects were logged');
		if (a.failingLine) p('raid1 (forever): a base bdev was failed');
		if (b.failingBaseS === null) p('raid1 (fast fail): no "Failing base bdev" line');
		else if (b.failingBaseS < b.fastFail || b.failingBaseS > b.fastFail + 3) p(`raid1 (fast fail): the leg failed ${b.failingBaseS} s after the removal, not soon after ${b.fastFail} s`);
		if (!b.rows.some((x) => x.during && x.operational === 1 && x.writes > 0)) p('raid1 (fast fail): raid1 did not carry on degraded during the outage');
		if (b.perf?.io_failed !== 0) p(`raid1 (fast fail): bdevperf saw ${b.perf?.io_failed} failed writes`);
		if (b.after?.raid?.num_base_bdevs_operational !== 1) p('raid1 (fast fail): the leg rejoined by itself after the path came back');
		if (!b.after?.controllers?.[0]?.ctrlrs?.some((c) => c.state === 'enabled')) p('raid1 (fast fail): the controller was not enabled again at the end');
		if (!b.addBase || !('result' in b.addBase)) p('raid1 (fast fail): bdev_raid_add_base_bdev did not succeed');
		if (b.rejoin?.raid?.num_base_bdevs_operational !== 2) p('raid1 (fast fail): the leg did not rejoin after bdev_raid_add_base_bdev');
	}

	// 2. the connection leak.
	const l = ex.rpc_connection_leak;
	if (l.max_conns_expected_from_code !== 64) p('leak: max_conns_expected_from_code is not 64');
	if (l.connections_answered !== l.max_conns_expected_from_code) p(`leak: ${l.connections_answered} connections were answered, not ${l.max_conns_expected_from_code}`);
	if (l.first_unanswered_connection !== l.max_conns_expected_from_code + 1) p(`leak: the first unanswered connection is ${l.first_unanswered_connection}`);
	if (!l.per_connection?.at(-1) || l.per_connection.at(-1).connected !== true || l.per_connection.at(-1).reply_ms !== null) p('leak: the last connection should connect and get no reply');
	if (!(l.fresh_client?.waited_ms_before_leak_closed >= 1000)) p('leak: the fresh client did not wait for the leak to close');
	if (l.fresh_client?.reply_ms_after_leak_closed === null || !(l.fresh_client?.reply_ms_from_send >= l.fresh_client?.waited_ms_before_leak_closed)) p('leak: the fresh client was not answered after the leak closed');
	if (l.established_connection_during_leak?.replied !== true) p('leak: the connection opened before the leak stopped working');
	if (l.first_unanswered_answered_after_close !== true) p('leak: the queued connection was never answered');

	// 3. the slow handler.
	const s = ex.slow_rpc_handler;
	const del = (s.calls ?? []).find((c) => c.method === 'bdev_malloc_delete');
	if (!del) p('slow: no bdev_malloc_delete');
	else {
		if (!(del.ms > 20 * s.baseline_get_version_ms?.median)) p(`slow: bdev_malloc_delete took ${del.ms} ms, not much longer than a trivial call`);
		if (!(del.longest_overlapping_ping_ms >= 0.8 * del.ms)) p('slow: spdk_get_version on the other connection did not wait for the delete');
	}

	// 4. hot-remove.
	const h = ex.hot_remove_base;
	if (!(h.bdevs_before ?? []).includes('pt0') || !(h.bdevs_before ?? []).includes('base0')) p('hot: base0 and pt0 did not exist before');
	if ((h.bdevs_after ?? ['?']).some((n) => n === 'pt0' || n === 'base0')) p('hot: a bdev survived the removal of its base');
	if ((h.namespaces_before ?? []).length !== 1) p('hot: the namespace did not exist before');
	if ((h.namespaces_after ?? ['?']).length !== 0) p('hot: the namespace survived the removal of its bdev');
	const getPt = (h.steps ?? []).filter((x) => x.method === 'bdev_get_bdevs' && x.params?.name === 'pt0')[0];
	if (!getPt?.error) p('hot: bdev_get_bdevs of pt0 did not fail after the removal');

	// 5. thin lvol out of clusters.
	const t = ex.thin_enospc;
	if (!(t.lvol_mib > t.store_mib)) p('thin: the lvol is not larger than the store');
	if (t.free_clusters_after !== 0) p('thin: the store still had free clusters');
	if (!(t.perform_tests?.results?.[0]?.io_failed > 0)) p('thin: no write failed');
	if (t.iostat?.io_error?.failed !== t.perform_tests?.results?.[0]?.io_failed) p('thin: bdev_get_iostat io_error.failed does not match bdevperf\'s failed count');
	if ((t.error_log_lines ?? []).some((x) => /ENOSPC|No space|-28\b/.test(x))) p('thin: a write failure was logged (the page says none is)');
	return problems;
}

// Consecutive samples with the same controller state, raid legs, outage flag and "writes or none",
// folded into one row (t from, t to, the range of writes per second).
export function groupRows(rows) {
	const out = [];
	for (const r of rows) {
		const kind = r.writes === null ? 'first' : r.writes === 0 ? 'none' : 'some';
		const last = out.at(-1);
		if (last && last.ctrlr === r.ctrlr && last.operational === r.operational && last.legs === r.legs && last.during === r.during && last.kind === kind && kind !== 'first') {
			last.to = r.t;
			last.min = Math.min(last.min, r.writes);
			last.max = Math.max(last.max, r.writes);
			last.n++;
		} else {
			out.push({ ...r, from: r.t, to: r.t, kind, min: r.writes, max: r.writes, n: 1 });
		}
	}
	return out;
}

const s1 = (x) => `${(+x).toFixed(1)} s`;
const ms = (x) => (x >= 1000 ? `${(x / 1000).toFixed(2)} s` : `${Math.round(x)} ms`);

export function failuresFacts(doc = loadFailuresRecording()) {
	const problems = checkFailuresRecording(doc);
	if (problems.length) throw new Error(`${FILE}: ${problems.join('; ')}`);
	const ex = doc.experiments;
	const runs = ex.raid1_reconnect_forever.runs;
	const forever = raidView(runs.find((r) => r.fast_io_fail_timeout_sec === 0));
	const fast = raidView(runs.find((r) => r.fast_io_fail_timeout_sec > 0));
	const l = ex.rpc_connection_leak, s = ex.slow_rpc_handler, h = ex.hot_remove_base, t = ex.thin_enospc;
	const del = s.calls.find((c) => c.method === 'bdev_malloc_delete');
	const create = s.calls.find((c) => c.method === 'bdev_malloc_create');
	const m = doc.machine, b = doc.build;
	return {
		doc,
		when: m.started_utc.slice(0, 10),
		machine: `${m.cpu_model}, ${m.cpus_online} vCPUs${m.virtualized ? ' (a virtual machine)' : ''}, ${m.kernel}; load average ${m.loadavg_start[0]} at the start, ${m.loadavg_end?.[0] ?? '?'} at the end (the machine was shared with other work)`,
		build: `${doc.spdk_version}, ${b.release_build ? 'a release build' : 'a debug build'}, DPDK ${b.dpdk ?? '?'}, every app with --no-huge`,
		s1, ms,
		raid: { forever, fast },
		leak: {
			max: l.max_conns_expected_from_code, answered: l.connections_answered, first: l.first_unanswered_connection,
			freshWaited: ms(l.fresh_client.waited_ms_before_leak_closed), freshAfterClose: ms(l.fresh_client.reply_ms_after_leak_closed),
			queuedAfterClose: ms(l.first_unanswered_reply_ms_after_close), establishedMs: ms(l.established_connection_during_leak.ms),
		},
		slow: {
			sizeMib: s.malloc_size_mib, createMs: ms(create.ms), deleteMs: ms(del.ms), pingMs: ms(del.longest_overlapping_ping_ms),
			baselineMs: ms(s.baseline_get_version_ms.median), pollUs: s.rpc_poll_interval_us_from_code,
		},
		hot: h,
		thin: {
			storeMib: t.store_mib, clusterMib: t.cluster_mib, lvolMib: t.lvol_mib, clusters: t.total_clusters,
			failed: t.perform_tests.results[0].io_failed, ioError: t.iostat.io_error, resized: t.resize_reply === true,
			errorLines: t.error_log_lines,
		},
	};
}
