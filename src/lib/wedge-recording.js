// SPDX-License-Identifier: BSD-3-Clause
// The vfio-user wedge recording (labs/results/vfio-user-wedge.json, written by
// labs/wedge/record-wedge.mjs against real SPDK builds: stock v26.01, and v26.01 with upstream
// commit 77da9c9bc4): a checker that re-asserts, on the committed data, the mechanism the script
// asserted when it ran, and the facts the Layer 7 pages quote and draw.
//   checkWedgeRecording(doc) -> [] or problems, as sentences
//   wedgeFacts(doc?)        -> checked facts (loads the committed file when doc is omitted)
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { PROJECT_ROOT as ROOT } from './excerpts.js';

export const FILE = 'labs/results/vfio-user-wedge.json';
export const RUNS = {
	'stock-hugepages': { build: 'stock', nsid: 'uint16_t', title: 'Stock v26.01, hugepage-backed host' },
	'stock-nohuge': { build: 'stock', nsid: 'uint16_t', title: 'Stock v26.01, --no-huge host' },
	'fixed-hugepages': { build: 'fixed', nsid: 'uint32_t', title: 'v26.01 + 77da9c9bc4, hugepage-backed host' },
};
// The probes every run sends, and the ones that stand for "the dead VM's subsystem, behind remove_ns".
export const PROBES = [
	'get_controllers on A, before remove_ns', 'get_subsystems', 'get_controllers on B', 'remove_ns on A',
	'get_controllers on A, after remove_ns', 'get_qpairs on A', 'add_listener on A (a new VM, same NQN)',
	'get_subsystems, later', 'bdev_get_bdevs', 'add_ns on B',
];
const BEHIND = ['remove_ns on A', 'get_controllers on A, after remove_ns', 'get_qpairs on A', 'add_listener on A (a new VM, same NQN)'];
const PROMPT = ['get_subsystems', 'get_controllers on B', 'get_subsystems, later', 'bdev_get_bdevs', 'add_ns on B'];

export function loadWedgeRecording(root = ROOT) {
	return JSON.parse(readFileSync(path.join(root, FILE), 'utf8'));
}

// How long a probe waited, in ms, or null when it never got a reply.
export const waited = (p) => (p.replied_ms === null || p.replied_ms === undefined ? null : p.replied_ms - p.sent_ms);

// held: waited more than half the hold, or never answered; prompt: answered within 2 s.
function kind(p, holdS) {
	const w = waited(p);
	if (w === null) return 'none';
	if (w > holdS * 500) return 'held';
	if (w < 2000) return 'prompt';
	return 'slow';
}

export function checkWedgeRecording(doc) {
	const problems = [];
	const p = (s) => problems.push(s);
	if (!doc || typeof doc !== 'object') return ['not a JSON object'];
	if (doc.recording !== 'vfio-user-wedge') p(`recording is ${JSON.stringify(doc.recording)}`);
	for (const k of ['cpu_model', 'kernel', 'started_utc']) if (!doc.machine?.[k]) p(`machine.${k} is missing`);
	if (!(doc.hold_s > 0)) p('hold_s is missing');
	if (!Array.isArray(doc.runs) || !doc.runs.length) return [...problems, 'runs is missing or empty'];
	const labels = doc.runs.map((r) => r.label);
	for (const l of Object.keys(RUNS)) {
		if (!labels.includes(l) && !(doc.skipped ?? []).some((s) => s.length)) p(`run ${l} is missing and nothing says why`);
	}
	for (const r of doc.runs) {
		const spec = RUNS[r.label];
		if (!spec) { p(`unknown run ${r.label}`); continue; }
		const at = `${r.label}:`;
		if (!/^SPDK v26\.01\b/.test(r.spdk_version ?? '')) p(`${at} spdk_version is ${JSON.stringify(r.spdk_version)}`);
		if (r.build !== spec.build) p(`${at} build is ${r.build}, expected ${spec.build}`);
		if (r.ctx_nsid_type !== spec.nsid) p(`${at} the state-change nsid is ${r.ctx_nsid_type}, expected ${spec.nsid}`);
		if (!(r.qpairs_before_kill ?? []).some((q) => q.qid > 0)) p(`${at} the host had no I/O queue before the kill`);
		const names = (r.probes ?? []).map((x) => x.name);
		for (const n of PROBES) if (!names.includes(n)) p(`${at} probe "${n}" is missing`);
		if (problems.length) continue;
		const k = (n) => kind(r.probes.find((x) => x.name === n), doc.hold_s);
		for (const n of PROMPT) if (k(n) !== 'prompt') p(`${at} "${n}" should answer at once, was ${k(n)}`);
		for (const n of BEHIND) if (!['held', 'none'].includes(k(n))) p(`${at} "${n}" should wait for the held reads, was ${k(n)}`);
		const first = k('get_controllers on A, before remove_ns');
		if (spec.build === 'stock' && first !== 'prompt') p(`${at} get_controllers before remove_ns should answer at once on stock v26.01, was ${first}`);
		if (spec.build === 'fixed' && first !== 'held') p(`${at} get_controllers before remove_ns should wait behind the quiesce with the fix, was ${first}`);
		if (r.label === 'stock-nohuge') {
			if (r.target_exit?.status !== 'SIGSEGV') p(`${at} the target should have died of SIGSEGV, got ${JSON.stringify(r.target_exit)}`);
			if (r.crash && r.crash.frames?.[0]?.function !== 'post_completion') p(`${at} the crash's top frame is ${r.crash.frames?.[0]?.function}, not post_completion`);
			for (const n of BEHIND) if (k(n) !== 'none') p(`${at} "${n}" should never be answered (the target crashed)`);
		} else {
			if (r.target_exit !== null) p(`${at} the target died: ${JSON.stringify(r.target_exit)}`);
			const rel = r.probes.filter((x) => BEHIND.includes(x.name)).map((x) => x.replied_ms);
			if (Math.max(...rel) - Math.min(...rel) > 500) p(`${at} the held replies should arrive together, spread ${Math.max(...rel) - Math.min(...rel)} ms`);
			if (!(r.other_vm?.iops > 0)) p(`${at} the other VM did no I/O`);
			if (!r.shutdown) p(`${at} shutdown is missing`);
		}
	}
	return problems;
}

export function wedgeFacts(doc = loadWedgeRecording()) {
	const problems = checkWedgeRecording(doc);
	if (problems.length) throw new Error(`${FILE}: ${problems.join('; ')}`);
	const runs = Object.fromEntries(doc.runs.map((r) => {
		const probes = r.probes.map((x) => ({ ...x, waited_ms: waited(x), kind: kind(x, doc.hold_s) }));
		const behind = probes.filter((x) => BEHIND.includes(x.name) && x.replied_ms !== null);
		return [r.label, {
			...r,
			title: RUNS[r.label].title,
			probes,
			release_ms: behind.length ? Math.min(...behind.map((x) => x.replied_ms)) : null,
			end_ms: Math.max(...probes.map((x) => x.replied_ms ?? 0), r.target_exit?.status === 'SIGSEGV' ? (doc.hold_s + 2) * 1000 : 0),
		}];
	}));
	return {
		doc,
		runs,
		holdS: doc.hold_s,
		qd: doc.queue_depth,
		when: doc.machine.started_utc.slice(0, 10),
		machine: `${doc.machine.cpu_model}, ${doc.machine.cpus_online} vCPUs, ${doc.machine.kernel}`,
		build: `SPDK v26.01 (${doc.build?.release_build ? 'release' : 'debug'} build, --with-vfio-user, libvfio-user at the pinned commit), DPDK ${doc.build?.dpdk ?? '?'}`,
		s: (ms) => `${(ms / 1000).toFixed(ms < 10000 ? 2 : 1)} s`,
	};
}
