// SPDX-License-Identifier: BSD-3-Clause
// The nvmf transports recording (labs/results/nvmf-transports.json, written by
// labs/nvmf-transports/record-transports.mjs against a real SPDK build): a checker for its shape,
// and the facts the nvmf/transports page quotes, so its prose and tables come from the committed run.
//   checkTransportsRecording(doc) -> [] or a list of problems, as sentences
//   transportsFacts(doc?)        -> checked facts (loads the committed file when doc is omitted)
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { PROJECT_ROOT as ROOT } from './excerpts.js';

export const FILE = 'labs/results/nvmf-transports.json';
const THREADS = ['app_thread', 'nvmf_tgt_poll_group_000', 'nvmf_tgt_poll_group_001'];

export function loadTransportsRecording(root = ROOT) {
	return JSON.parse(readFileSync(path.join(root, FILE), 'utf8'));
}

const names = (pollers, thread) => (pollers?.[thread] ?? []).map((p) => p.name);

export function checkTransportsRecording(doc) {
	const problems = [];
	const p = (s) => problems.push(s);
	if (!doc || typeof doc !== 'object') return ['not a JSON object'];
	if (!/^SPDK v26\.01\b/.test(doc.spdk_version ?? '')) p(`spdk_version is ${JSON.stringify(doc.spdk_version)}, not SPDK v26.01`);
	for (const k of ['cpu_model', 'kernel', 'started_utc']) if (!doc.machine?.[k]) p(`machine.${k} is missing`);
	if (!Array.isArray(doc.steps) || !doc.steps.length) return [...problems, 'steps is missing or empty'];
	for (const [i, s] of doc.steps.entries()) {
		if (typeof s.method !== 'string') p(`step ${i} has no method`);
		if (!(typeof s.ms === 'number' && s.ms >= 0)) p(`step ${i} (${s.method}) has no latency`);
		if (('error' in s) === ('result' in s)) p(`step ${i} (${s.method}) must hold exactly one of result and error`);
	}
	const creates = doc.steps.filter((s) => s.method === 'nvmf_create_transport');
	const created = creates.filter((s) => 'result' in s).map((s) => s.params.trtype);
	for (const t of ['TCP', 'VFIOUSER']) if (!created.includes(t)) p(`transport ${t} was not created`);
	if (!creates.some((s) => s.params.trtype === 'FC' && s.error?.code === -32602)) p('the FC create did not fail with -32602');
	const listed = (doc.transports ?? []).map((t) => t.trtype).sort();
	if (JSON.stringify(listed) !== JSON.stringify([...created].sort())) p(`nvmf_get_transports lists ${listed}, but ${created} were created`);
	for (const t of THREADS) if (!doc.pollers_idle?.[t]) p(`pollers_idle has no thread ${t}`);
	for (const g of THREADS.slice(1)) {
		for (const n of created.map((t) => `nvmf_${t}`)) if (!names(doc.pollers_idle, g).includes(n)) p(`${g} has no ${n} poller before any host connected`);
	}
	if (!names(doc.pollers_idle, 'app_thread').includes('nvmf_tcp_accept')) p('app_thread had no nvmf_tcp_accept poller');
	if (!names(doc.pollers_idle, 'app_thread').includes('nvmf_vfio_user_accept')) p('app_thread had no nvmf_vfio_user_accept poller before the vfio-user host attached');
	if (names(doc.pollers_connected, 'app_thread').includes('nvmf_vfio_user_accept')) p('nvmf_vfio_user_accept was still registered after the vfio-user host attached');
	const vfuCtx = THREADS.slice(1).filter((g) => names(doc.pollers_connected, g).includes('vfio_user_poll_vfu_ctx'));
	if (vfuCtx.length !== 1) p(`vfio_user_poll_vfu_ctx is on ${vfuCtx.length} poll groups, expected 1`);
	const admin = doc.qpairs?.vfiouser?.find((q) => q.qid === 0);
	if (!admin) p('no vfio-user admin queue pair was recorded');
	else if (vfuCtx.length === 1 && vfuCtx[0] !== admin.thread) p(`vfio_user_poll_vfu_ctx runs on ${vfuCtx[0]}, the admin queue on ${admin.thread}`);
	if ((doc.qpairs?.tcp ?? []).filter((q) => q.qid > 0).length !== doc.perf?.args?.tcp_io_qpairs) p('the TCP host does not have the I/O queue pairs it asked for');
	for (const h of ['tcp', 'vfiouser']) if (!(doc.perf?.[h]?.iops > 0)) p(`the ${h} host did no I/O`);
	if (!Array.isArray(doc.stats) || doc.stats.length !== 2) p('nvmf_get_stats should list two poll groups');
	return problems;
}

export function transportsFacts(doc = loadTransportsRecording()) {
	const problems = checkTransportsRecording(doc);
	if (problems.length) throw new Error(`${FILE}: ${problems.join('; ')}`);
	const creates = doc.steps.filter((s) => s.method === 'nvmf_create_transport');
	const pollerRows = (pollers) => Object.entries(pollers)
		.filter(([t]) => THREADS.includes(t))
		.map(([thread, ps]) => ({ thread, pollers: ps.map((x) => ({ ...x, label: x.period_us ? `${x.name} (every ${x.period_us.toLocaleString('en-US')} µs)` : x.name })) }));
	const vfuThread = THREADS.slice(1).find((g) => names(doc.pollers_connected, g).includes('vfio_user_poll_vfu_ctx'));
	const vfuCtx = doc.pollers_connected[vfuThread].find((x) => x.name === 'vfio_user_poll_vfu_ctx');
	const accept = doc.pollers_idle.app_thread.find((x) => x.name === 'nvmf_tcp_accept');
	return {
		doc,
		when: doc.machine.started_utc.slice(0, 10),
		machine: `${doc.machine.cpu_model}, ${doc.machine.cpus_online} vCPUs, ${doc.machine.kernel}`,
		build: `${doc.spdk_version}${doc.build?.release_build ? ', release build' : ''}${doc.build?.config?.VFIO_USER === 'y' ? ' with vfio-user' : ''}, RDMA ${doc.build?.config?.RDMA === 'y' ? 'on' : 'off'}, DPDK ${doc.build?.dpdk ?? '?'}`,
		creates: creates.map((s) => ({ trtype: s.params.trtype, ok: 'result' in s, message: s.error ? `${s.error.code}: ${s.error.message}` : 'created', ms: s.ms })),
		transports: doc.transports,
		opt: (trtype, key) => doc.transports.find((t) => t.trtype === trtype)?.[key],
		idle: pollerRows(doc.pollers_idle),
		connected: pollerRows(doc.pollers_connected),
		qpairs: [...doc.qpairs.tcp.map((q) => ({ host: 'NVMe/TCP', ...q })), ...doc.qpairs.vfiouser.map((q) => ({ host: 'vfio-user', ...q }))],
		vfuThread,
		vfuCtxPeriodUs: vfuCtx.period_us,
		acceptPeriodUs: accept.period_us,
		perf: doc.perf,
		stats: doc.stats,
		loadDuring: doc.loadavg_during?.[0],
	};
}
