// SPDX-License-Identifier: BSD-3-Clause
// The recorded lvol RPC replies (labs/results/lvol-ops.json, written by
// labs/lvol-ops/record-lvol-ops.mjs against a real spdk_tgt): a checker for the file's shape, the
// replies the lvol/diskengine-lvol-ops page states in prose (STATED), and small accessors the page
// uses to print what SPDK really replied. A broken or contradicting file fails the build.
import { readFileSync } from 'node:fs';
import path from 'node:path';
// The project root as the excerpt system knows it (a path computed from this module's own URL is
// wrong once Astro bundles the module into a page).
import { PROJECT_ROOT as ROOT } from './excerpts.js';

export const SCHEMA = 'spdk-primer-lvol-ops/1';
export const SCRIPT = 'labs/lvol-ops/record-lvol-ops.mjs';

// What the page says each step replied: [code, message] for an error, { result } for a success.
// For a pipelined step, one entry per request, in request order.
export const STATED = {
	'lvs.create.retry': [-1, 'Operation not permitted'],
	'lvs.create.same_bdev': [-1, 'Operation not permitted'],
	'lvs.create.dup_name': [-17, 'File exists'],
	'lvs.create.no_bdev': [-19, 'No such device'],
	'lvs.create.bad_clear': [-22, 'Invalid clear_method parameter'],
	'lvs.get.missing': [-19, 'No such device'],
	'create.dup': [-17, 'File exists'],
	'create.nospace': [-32602, 'No space left on device'],
	'create.no_lvs': [-19, 'No such device'],
	'create.both_ids': [-22, 'Invalid argument'],
	'create.no_size': [-32603, 'spdk_json_decode_object failed'],
	'create.long_name': [-22, 'Invalid argument'],
	'resize.grow': { result: true },
	'resize.same': { result: true },
	'resize.no_bdev': [-19, 'No such device'],
	'resize.not_lvol': [-19, 'No such device'],
	'resize.locked': [{ result: true }, [-32602, 'Device or resource busy']],
	'snapshot.dup': [-32602, 'File exists'],
	'snapshot.of_snapshot': [-32602, 'Invalid argument'],
	'snapshot.no_bdev': [-19, 'No such device'],
	'resize.snapshot': [-32602, 'Operation not permitted'],
	'clone.not_snapshot': [-32602, 'Invalid argument'],
	'clone.dup': [-32602, 'File exists'],
	'delete.snapshot_with_clones': [-32603, 'Operation not permitted'],
	'snapshot.locked': [{ result: true }, [-32602, 'Device or resource busy']],
	'inflate.thick': { result: true },
	'decouple.no_parent': [-32602, 'Invalid argument'],
	'decouple.thin_no_parent': [-32602, 'Invalid argument'],
	'decouple.clone': { result: true },
	'decouple.retry': [-32602, 'Invalid argument'],
	'inflate.clone': { result: true },
	'inflate.retry': { result: true },
	'inflate.no_bdev': [-19, 'No such device'],
	'delete.snapshot_one_clone': { result: true },
	'rename': { result: true },
	'rename.same': [-32602, 'File exists'],
	'rename.taken': [-32602, 'File exists'],
	'rename.old_alias': [-19, 'No such device'],
	'set_read_only': { result: true },
	'set_read_only.resize': [-32602, 'Operation not permitted'],
	'set_read_only.again': { result: true },
	'clone_bdev.no_bdev': [-32602, 'bdev does not exist'],
	'clone_bdev.same_lvs': [-32602, 'bdev is an lvol in same lvs as clone; use bdev_lvol_clone instead'],
	'clone_bdev.no_lvs': [-32602, 'lvs does not exist'],
	'export.grow': { result: true },
	'export.shrink': [-32602, 'Device or resource busy'],
	'export.delete': { result: true },
	'delete.twice': [{ result: true }, [-32603, 'Device or resource busy']],
	'delete.retry': [-19, 'No such device'],
	'delete.not_lvol': [-19, 'No such device'],
	'lvs.delete': { result: true },
	'lvs.delete.again': [-19, 'No such device'],
};

export class LvolOpsError extends Error {
	constructor(message) { super(message); this.name = 'LvolOpsError'; }
}

export function loadLvolOps(root = ROOT) {
	return JSON.parse(readFileSync(path.join(root, 'labs/results/lvol-ops.json'), 'utf8'));
}

const isNum = (v) => typeof v === 'number' && Number.isFinite(v);
const isLoad = (v) => Array.isArray(v) && v.length === 3 && v.every((x) => isNum(x) && x >= 0);
const isObj = (v) => v !== null && typeof v === 'object' && !Array.isArray(v);

function checkReply(r, where, p) {
	if (!isObj(r)) { p(`${where}: reply must be an object`); return; }
	const hasErr = 'error' in r, hasRes = 'result' in r;
	if (hasErr === hasRes) p(`${where}: reply must hold exactly one of result and error`);
	if (hasErr && (!Number.isInteger(r.error?.code) || typeof r.error?.message !== 'string')) p(`${where}: error must have an integer code and a string message`);
}

function sameAsStated(reply, stated) {
	if (Array.isArray(stated)) return !!reply?.error && reply.error.code === stated[0] && reply.error.message === stated[1];
	return !reply?.error && JSON.stringify(reply?.result) === JSON.stringify(stated.result);
}
const show = (r) => (r?.error ? `${r.error.code} "${r.error.message}"` : JSON.stringify(r?.result));

// Every problem found, as sentences; [] means the file is usable.
export function checkLvolOps(doc) {
	const problems = [];
	const p = (m) => problems.push(m);
	if (doc?.schema !== SCHEMA) p(`schema is ${JSON.stringify(doc?.schema)}, expected "${SCHEMA}"`);
	if (doc?.script !== SCRIPT) p(`script must be "${SCRIPT}"`);
	if (typeof doc?.spdk_version?.version !== 'string' || !/^SPDK v26\.01\b/.test(doc.spdk_version.version)) p(`spdk_version.version is ${JSON.stringify(doc?.spdk_version?.version)}, expected "SPDK v26.01 ..."`);
	const b = doc?.build;
	if (!isObj(b)) p('build block is missing');
	else {
		if (!/^[0-9a-f]{40}$/.test(b.commit ?? '')) p('build.commit must be a 40-digit commit hash');
		if (typeof b.release_build !== 'boolean') p('build.release_build must be true or false');
		else if (b.release_build !== (b.config?.DEBUG === 'n')) p('build.release_build disagrees with build.config.DEBUG');
	}
	const m = doc?.machine;
	if (!isObj(m)) p('machine block is missing');
	else {
		if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/.test(m.started_utc ?? '')) p('machine.started_utc must be an ISO UTC time');
		if (typeof m.cpu_model !== 'string' || !m.cpu_model) p('machine.cpu_model is missing');
		if (!Number.isInteger(m.cpus_online) || m.cpus_online < 1) p('machine.cpus_online must be a positive integer');
		if (typeof m.kernel !== 'string' || !/^Linux \d+\.\d+/.test(m.kernel)) p('machine.kernel must read "Linux X.Y..."');
		if (typeof m.virtualized !== 'boolean') p('machine.virtualized must be true or false');
		if (!isLoad(m.loadavg_start) || !isLoad(m.loadavg_end)) p('machine.loadavg_start and loadavg_end must be three load averages');
	}
	if (doc?.config?.hugepages !== false && doc?.config?.hugepages !== true) p('config.hugepages must say whether hugepages were used');
	const steps = Array.isArray(doc?.steps) ? doc.steps : null;
	if (!steps || steps.length === 0) { p('steps must be a non-empty array'); return problems; }
	const seen = new Set();
	for (const [i, s] of steps.entries()) {
		const where = `steps[${i}] (${s?.id})`;
		if (typeof s?.id !== 'string' || !s.id) { p(`steps[${i}]: id missing`); continue; }
		if (seen.has(s.id)) p(`${where}: duplicate id`);
		seen.add(s.id);
		if (typeof s.what !== 'string' || !s.what) p(`${where}: what is missing`);
		if (!Array.isArray(s.log) || !s.log.every((l) => typeof l === 'string')) p(`${where}: log must be a list of lines`);
		if (s.pipelined) {
			const n = s.requests?.length;
			if (!Array.isArray(s.requests) || n < 2) { p(`${where}: a pipelined step needs two or more requests`); continue; }
			if (!Array.isArray(s.replies) || s.replies.length !== n) p(`${where}: ${n} requests but ${s.replies?.length} replies`);
			if (!Array.isArray(s.latency_ms) || s.latency_ms.length !== n || !s.latency_ms.every((x) => isNum(x) && x > 0)) p(`${where}: latency_ms must be one positive number per request`);
			for (const [k, rq] of s.requests.entries()) if (typeof rq?.method !== 'string') p(`${where}: request ${k} has no method`);
			(s.replies ?? []).forEach((r, k) => checkReply(r, `${where} reply ${k}`, p));
		} else {
			if (typeof s.request?.method !== 'string') p(`${where}: request.method is missing`);
			if (!isNum(s.latency_ms) || s.latency_ms <= 0) p(`${where}: latency_ms must be > 0`);
			checkReply(s.reply, where, p);
		}
	}
	for (const [id, stated] of Object.entries(STATED)) {
		const s = steps.find((x) => x.id === id);
		if (!s) { p(`${id}: the page states its reply but the recording has no such step`); continue; }
		if (s.pipelined) {
			stated.forEach((st, k) => {
				if (!sameAsStated(s.replies?.[k], st)) p(`${id} reply ${k}: recorded ${show(s.replies?.[k])}, the page states ${show(Array.isArray(st) ? { error: { code: st[0], message: st[1] } } : st)}`);
			});
		} else if (!sameAsStated(s.reply, stated)) {
			p(`${id}: recorded ${show(s.reply)}, the page states ${show(Array.isArray(stated) ? { error: { code: stated[0], message: stated[1] } } : stated)}`);
		}
	}
	return problems;
}

// The committed recording, checked: throws on any problem so that the build fails.
export function lvolOps(doc = loadLvolOps()) {
	const problems = checkLvolOps(doc);
	if (problems.length) throw new LvolOpsError(`labs/results/lvol-ops.json: ${problems.join('; ')}`);
	return doc;
}

export function stepOf(doc, id) {
	const s = doc.steps.find((x) => x.id === id);
	if (!s) throw new LvolOpsError(`lvol-ops recording has no step "${id}"`);
	return s;
}

// The reply of a step (k-th reply for a pipelined one).
export function replyOf(doc, id, k = 0) {
	const s = stepOf(doc, id);
	return s.pipelined ? s.replies[k] : s.reply;
}

// What a client received, as the page prints it: `-17 "File exists"` or `true`.
export function replyText(doc, id, k = 0) {
	const r = replyOf(doc, id, k);
	return r.error ? `${r.error.code} "${r.error.message}"` : JSON.stringify(r.result);
}

export function latencyOf(doc, id, k = 0) {
	const s = stepOf(doc, id);
	return s.pipelined ? s.latency_ms[k] : s.latency_ms;
}

// The bdev object a bdev_get_bdevs step returned.
export function bdevOf(doc, id) {
	const r = replyOf(doc, id);
	if (!Array.isArray(r.result) || r.result.length !== 1) throw new LvolOpsError(`${id}: expected one bdev`);
	return r.result[0];
}

// The lvol named `name` in a bdev_lvol_get_lvols step.
export function lvolIn(doc, id, name) {
	const r = replyOf(doc, id);
	const l = (r.result ?? []).find((x) => x.name === name);
	if (!l) throw new LvolOpsError(`${id}: no lvol named ${name}`);
	return l;
}

// Median of the single-request latencies (ms), for the page's one-line summary.
export function latencySummary(doc) {
	const xs = doc.steps.filter((s) => !s.pipelined).map((s) => s.latency_ms).sort((a, b) => a - b);
	const mid = xs.length % 2 ? xs[(xs.length - 1) / 2] : (xs[xs.length / 2 - 1] + xs[xs.length / 2]) / 2;
	return { count: xs.length, min: xs[0], median: mid, max: xs[xs.length - 1] };
}
