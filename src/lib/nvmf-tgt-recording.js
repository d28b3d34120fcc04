// SPDX-License-Identifier: BSD-3-Clause
// The nvmf target recording (labs/results/nvmf-tgt.json, written by labs/nvmf-tgt/record-nvmf-tgt.mjs
// against a real SPDK v26.01 build): a checker for its shape and for every claim the nvmf/nvmf-tgt page
// makes from it, and the figures the page quotes. checkNvmfTgt() returns a list of problems;
// nvmfTgtFacts() throws on any, so a recording that no longer supports the prose fails the build.
import { readFileSync } from 'node:fs';
import path from 'node:path';
// The project root as the excerpt system knows it (a path from this module's URL is wrong once bundled).
import { PROJECT_ROOT as ROOT } from './excerpts.js';

export const NVMF_TGT_SCHEMA = 'nvmf-tgt-recording/1';
export const POLL_GROUP_RE = /^nvmf_tgt_poll_group_\d{3}$/;

export class NvmfTgtRecordingError extends Error {
	constructor(problems) {
		super(`labs/results/nvmf-tgt.json: ${problems.join('; ')}`);
		this.name = 'NvmfTgtRecordingError';
		this.problems = problems;
	}
}

export function loadNvmfTgt(root = ROOT) {
	return JSON.parse(readFileSync(path.join(root, 'labs/results/nvmf-tgt.json'), 'utf8'));
}

export function median(xs) {
	const s = [...xs].sort((a, b) => a - b);
	const n = s.length;
	if (n === 0) return NaN;
	return n % 2 ? s[(n - 1) / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
}

const isNum = (v) => typeof v === 'number' && Number.isFinite(v);
const result = (ex) => ex?.reply?.result;
const find = (doc, phase, method, pred = () => true) => (doc.exchanges ?? []).filter((e) => e.phase === phase && e.method === method && pred(e));
const last = (xs) => xs[xs.length - 1];
const isRemove = (nsid) => (e) => e.params?.nsid === nsid;

// Latency summary of one method in one phase (only exchanges that got a result).
function lat(doc, phase, method, pred) {
	const xs = find(doc, phase, method, pred).filter((e) => e.reply && !e.reply.error && isNum(e.latency_ms)).map((e) => e.latency_ms);
	return { n: xs.length, median: median(xs), min: Math.min(...xs), max: Math.max(...xs) };
}

export function checkNvmfTgt(doc) {
	const problems = [];
	const p = (m) => problems.push(m);
	if (doc?.schema !== NVMF_TGT_SCHEMA) { p(`schema is ${JSON.stringify(doc?.schema)}, expected "${NVMF_TGT_SCHEMA}"`); return problems; }
	if (doc.script !== 'labs/nvmf-tgt/record-nvmf-tgt.mjs') p('script must name labs/nvmf-tgt/record-nvmf-tgt.mjs');
	if (!/^SPDK v26\.01\b/.test(doc.spdk_version?.version ?? '')) p(`spdk_version.version is ${JSON.stringify(doc.spdk_version?.version)}`);
	if (!/^[0-9a-f]{40}$/.test(doc.build?.commit ?? '')) p('build.commit must be a 40-digit hash');
	const m = doc.machine ?? {};
	if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/.test(m.started_utc ?? '')) p('machine.started_utc must be an ISO UTC time');
	if (!Number.isInteger(m.cpus_online) || m.cpus_online < 2) p('machine.cpus_online must be >= 2 (the run uses -m 0x3)');
	for (const k of ['loadavg_start', 'loadavg_end']) if (!Array.isArray(m[k]) || m[k].length !== 3 || !m[k].every(isNum)) p(`machine.${k} must be three numbers`);
	if (doc.config?.core_mask !== '0x3') p('config.core_mask must be 0x3');
	if (doc.config?.hugepages !== false) p('config.hugepages must be false (the run uses --no-huge)');
	if (!Array.isArray(doc.exchanges) || doc.exchanges.length === 0) { p('exchanges missing'); return problems; }
	for (const e of doc.exchanges) {
		if (!isNum(e.sent_ms)) p(`exchange ${e.id} has no sent_ms`);
		if (e.reply?.timeout_ms === undefined && (!isNum(e.reply_ms) || !isNum(e.latency_ms) || e.reply_ms < e.sent_ms)) p(`exchange ${e.id} (${e.method}) has bad reply times`);
	}
	const failed = doc.exchanges.filter((e) => e.reply?.error || e.reply?.timeout_ms !== undefined);
	if (failed.length) p(`requests failed or timed out: ${failed.map((e) => `${e.id} ${e.method}`).join(', ')}`);

	// Threads: two poll groups, named by nvmf_tgt.c's pattern, not pinned (cpumask 3), one per reactor.
	const reactors = result(find(doc, 'threads', 'framework_get_reactors')[0])?.reactors ?? [];
	const pgs = reactors.flatMap((r) => r.lw_threads.filter((t) => POLL_GROUP_RE.test(t.name)).map((t) => ({ ...t, lcore: r.lcore })));
	if (pgs.length !== 2) p(`expected 2 nvmf poll-group threads, found ${pgs.length}`);
	if (new Set(pgs.map((t) => t.lcore)).size !== pgs.length) p('the poll-group threads should sit on different reactors');
	if (!pgs.every((t) => t.cpumask === '3')) p('poll-group threads should carry cpumask 3 (all cores)');
	const statsBefore = result(find(doc, 'threads', 'nvmf_get_stats')[0]);
	if (!statsBefore || statsBefore.poll_groups.length !== 2 || statsBefore.poll_groups.some((g) => g.transports.length)) p('before nvmf_create_transport: two poll groups with no transports');
	const statsAfter = result(find(doc, 'threads-with-transport', 'nvmf_get_stats')[0]);
	if (!statsAfter || statsAfter.poll_groups.some((g) => g.transports.map((t) => t.trtype).join() !== 'TCP')) p('after nvmf_create_transport: every poll group should list TCP');
	const pollers = result(find(doc, 'threads-with-transport', 'thread_get_pollers')[0])?.threads ?? [];
	const names = (t) => [...t.active_pollers, ...t.timed_pollers, ...t.paused_pollers].map((x) => x.name);
	for (const t of pollers.filter((x) => POLL_GROUP_RE.test(x.name))) if (!names(t).includes('nvmf_TCP')) p(`${t.name} has no nvmf_TCP poller`);
	const app = pollers.find((t) => t.name === 'app_thread');
	if (!app || !names(app).includes('nvmf_tcp_accept')) p('the TCP accept poller should be on app_thread');

	// Placement: admin + 2 I/O qpairs over both groups.
	const q = result(last(find(doc, 'placement', 'nvmf_subsystem_get_qpairs'))) ?? [];
	if (q.length !== 3) p(`placement: expected 3 qpairs, got ${q.length}`);
	if (new Set(q.map((x) => x.thread)).size !== 2) p('placement: the qpairs should use both poll groups');

	// FIFO: get_qpairs queued behind remove_ns(1) replies with it; nvmf_get_subsystems does not wait.
	const fifo = (mth) => find(doc, 'fifo', mth)[0];
	const rm = fifo('nvmf_subsystem_remove_ns'), gq = fifo('nvmf_subsystem_get_qpairs'), gs = fifo('nvmf_get_subsystems');
	if (!rm || !gq || !gs) p('fifo exchanges missing');
	else {
		if (!(gs.reply_ms < rm.reply_ms)) p('fifo: nvmf_get_subsystems should reply before remove_ns');
		if (Math.abs(gq.reply_ms - rm.reply_ms) > 20) p('fifo: get_qpairs should reply together with remove_ns (within 20 ms)');
		if (!(gq.latency_ms > gs.latency_ms)) p('fifo: get_qpairs should wait longer than nvmf_get_subsystems');
	}
	if (doc.runs?.perf1?.exit?.ended_by_itself !== true) p('perf run 1 (one remove_ns) should end by itself');

	// Two pipelined remove_ns: replies together, ns2 reads unchanged across the replies and later.
	const r1 = find(doc, 'two-removes', 'nvmf_subsystem_remove_ns', isRemove(1))[0];
	const r2 = find(doc, 'two-removes', 'nvmf_subsystem_remove_ns', isRemove(2))[0];
	const tr = doc.runs?.two_removes ?? {};
	if (!r1 || !r2) p('two-removes exchanges missing');
	else if (Math.abs(r1.reply_ms - r2.reply_ms) > 20) p('two-removes: the two replies should arrive together (within 20 ms)');
	if (!Number.isInteger(tr.delay1_reads_before) || tr.delay1_reads_after_replies !== tr.delay1_reads_before || tr.delay1_reads_later !== tr.delay1_reads_before) p('two-removes: Delay1 read count should not move after the replies');
	if (doc.runs?.perf2?.exit?.ended_by_itself !== false) p('perf run 2 should not end by itself');
	return problems;
}

const ms = (v) => (v >= 1000 ? `${(v / 1000).toFixed(2)} s` : `${v >= 10 ? Math.round(v) : v.toFixed(1)} ms`);

export function nvmfTgtFacts(doc = loadNvmfTgt()) {
	const problems = checkNvmfTgt(doc);
	if (problems.length) throw new NvmfTgtRecordingError(problems);
	const reactors = result(find(doc, 'threads', 'framework_get_reactors')[0]).reactors
		.map((r) => ({ lcore: r.lcore, threads: r.lw_threads.map((t) => ({ name: t.name, cpumask: t.cpumask })) }));
	const qpairs = result(last(find(doc, 'placement', 'nvmf_subsystem_get_qpairs')))
		.map((x) => ({ qid: x.qid, thread: x.thread, peerPort: x.peer_address?.trsvcid }))
		.sort((a, b) => a.qid - b.qid);
	const stats = result(find(doc, 'placement', 'nvmf_get_stats')[0]).poll_groups
		.map((g) => ({ name: g.name, admin: g.current_admin_qpairs, io: g.current_io_qpairs }));
	const methods = [
		['nvmf_get_subsystems', 'nvmf_get_subsystems', undefined, 'none'],
		['nvmf_subsystem_get_qpairs', 'nvmf_subsystem_get_qpairs', undefined, 'nsid 0'],
		['nvmf_subsystem_add_ns', 'nvmf_subsystem_add_ns (nsid 3, Malloc2)', (e) => e.params?.namespace?.nsid === 3, 'nsid 3'],
		['nvmf_subsystem_remove_ns', 'nvmf_subsystem_remove_ns (nsid 3)', isRemove(3), 'nsid 3'],
	];
	const latencyRows = methods.map(([m, label, pred, pause]) => ({ method: m, label, pause, idle: lat(doc, 'idle', m, pred), load: lat(doc, 'load', m, pred) }));
	const fifo = find(doc, 'fifo', 'nvmf_subsystem_remove_ns').concat(find(doc, 'fifo', 'nvmf_subsystem_get_qpairs'), find(doc, 'fifo', 'nvmf_get_subsystems'), find(doc, 'fifo', 'bdev_get_iostat'))
		.map((e) => ({ method: e.method, params: e.params, latencyMs: e.latency_ms, latency: ms(e.latency_ms), replyOrder: 0, reply_ms: e.reply_ms }));
	[...fifo].sort((a, b) => a.reply_ms - b.reply_ms).forEach((e, i) => { e.replyOrder = i + 1; });
	const r1 = find(doc, 'two-removes', 'nvmf_subsystem_remove_ns', isRemove(1))[0];
	const r2 = find(doc, 'two-removes', 'nvmf_subsystem_remove_ns', isRemove(2))[0];
	const idleRm1 = lat(doc, 'idle', 'nvmf_subsystem_remove_ns', isRemove(1));
	const tr = doc.runs.two_removes;
	const laterGapMs = find(doc, 'two-removes', 'bdev_get_iostat').map((e) => e.sent_ms).filter((t) => t > r2.reply_ms).pop() - r2.reply_ms;
	const m = doc.machine;
	return {
		version: doc.spdk_version.version,
		date: m.started_utc.slice(0, 10),
		machine: `${m.cpus_online} vCPUs (${m.cpu_model}${m.virtualized ? ', virtualized' : ''}), ${m.kernel}`,
		load: `${m.loadavg_start[0].toFixed(1)} at the start and ${m.loadavg_end[0].toFixed(1)} at the end`,
		otherSpdk: m.other_spdk_processes_at_start ?? 0,
		wall: `${Math.round(m.wall_s)} s`,
		reactors,
		pollGroups: reactors.flatMap((r) => r.threads.filter((t) => POLL_GROUP_RE.test(t.name)).map((t) => ({ ...t, lcore: r.lcore }))).sort((a, b) => a.name.localeCompare(b.name)),
		qpairs,
		stats,
		latencyRows: latencyRows.map((r) => ({ ...r, idleText: `${ms(r.idle.median)} (${ms(r.idle.min)}–${ms(r.idle.max)})`, loadText: `${ms(r.load.median)} (${ms(r.load.min)}–${ms(r.load.max)})` })),
		idleReps: doc.config.idle_reps,
		loadReps: doc.config.load_reps,
		idleRemoveNs1: `${ms(idleRm1.median)} (${ms(idleRm1.min)}–${ms(idleRm1.max)})`,
		delay1: `${doc.config.delay_ns1_us / 1e6} s`,
		delay2: `${doc.config.delay_ns2_us / 1e6} s`,
		fifo,
		fifoRemove: fifo.find((e) => e.method === 'nvmf_subsystem_remove_ns').latency,
		fifoQpairs: fifo.find((e) => e.method === 'nvmf_subsystem_get_qpairs').latency,
		fifoSubsystems: fifo.find((e) => e.method === 'nvmf_get_subsystems').latency,
		fifoGapMs: Math.abs(fifo.find((e) => e.method === 'nvmf_subsystem_remove_ns').reply_ms - fifo.find((e) => e.method === 'nvmf_subsystem_get_qpairs').reply_ms).toFixed(2),
		two: {
			rm1: ms(r1.latency_ms), rm2: ms(r2.latency_ms), gapMs: Math.abs(r1.reply_ms - r2.reply_ms).toFixed(2),
			readsBefore: tr.delay1_reads_before, readsAfter: tr.delay1_reads_after_replies, readsLater: tr.delay1_reads_later,
			laterAfter: ms(laterGapMs),
			perfWaited: ms(doc.runs.perf2.exit.waited_ms),
			tgtAliveBeforeStop: doc.runs.spdk_tgt.alive_before_stop,
			tgtExit: doc.runs.spdk_tgt.exit,
		},
		perf1Exit: doc.runs.perf1.exit.code,
	};
}
