// SPDX-License-Identifier: BSD-3-Clause
// The lvol copy-on-write recording (labs/results/lvol-cow.json, written by labs/cow/record-cow.mjs
// against a real SPDK v26.01 build): a checker for its shape and internal consistency, and the
// figures the lvol/cow-internals page quotes, so the prose always matches the committed run.
// cowFacts() loads the committed file, checks it (a broken file fails the build) and derives.
import { readFileSync } from 'node:fs';
import path from 'node:path';
// The project root as the excerpt system knows it: a path computed from this module's own URL is
// wrong once Astro bundles the module into a page.
import { PROJECT_ROOT as ROOT } from './excerpts.js';

export const COW_SCHEMA = 'spdk-primer-lvol-cow/1';
export const COW_SCENARIOS = ['thin-4m', 'clone-4m', 'thin-1m', 'clone-1m', 'clone-4m-aio'];
const MIB = 1048576;
const STAT_KEYS = ['num_read_ops', 'bytes_read', 'num_write_ops', 'bytes_written', 'num_copy_ops', 'bytes_copied', 'num_unmap_ops', 'bytes_unmapped'];

export class CowRecordingError extends Error {
	constructor(message) {
		super(message);
		this.name = 'CowRecordingError';
	}
}

export function loadCowRecording(root = ROOT) {
	return JSON.parse(readFileSync(path.join(root, 'labs/results/lvol-cow.json'), 'utf8'));
}

const isNum = (v) => typeof v === 'number' && Number.isFinite(v);
const isInt = (v) => Number.isInteger(v) && v >= 0;
const isLoad = (v) => Array.isArray(v) && v.length === 3 && v.every((x) => isNum(x) && x >= 0);

// What one pass added on the base bdev beyond the user's writes to the lvol.
function passExtra(p) {
	const l = p.iostat_delta.lvol;
	const b = p.iostat_delta.base;
	const extraBytes = b.bytes_written - l.bytes_written;
	const metadataBytes = extraBytes - b.bytes_read; // a read-and-write copy writes back what it read
	return {
		userWrites: l.num_write_ops,
		copies: b.num_copy_ops,
		bytesCopied: b.bytes_copied,
		bytesRead: b.bytes_read,
		extraWriteBytes: extraBytes,
		metadataBytes,
		metadataWrites: metadataBytes / 4096,
	};
}

// Every problem found, as one sentence each; [] for a sound file.
export function checkCowRecording(doc) {
	const problems = [];
	const p = (m) => problems.push(m);
	if (doc?.schema !== COW_SCHEMA) p(`schema is ${JSON.stringify(doc?.schema)}, expected "${COW_SCHEMA}"`);
	if (doc?.recording !== 'lvol-cow') p('recording must be "lvol-cow"');
	if (doc?.script !== 'labs/cow/record-cow.mjs') p('script must be labs/cow/record-cow.mjs');
	if (!/^SPDK v26\.01\b/.test(doc?.spdk_version?.version ?? '')) p(`spdk_version.version is ${JSON.stringify(doc?.spdk_version?.version)}, expected "SPDK v26.01 ..."`);
	const b = doc?.build;
	if (!b || !/^[0-9a-f]{40}$/.test(b.commit ?? '')) p('build.commit must be a 40-digit commit hash');
	if (b && typeof b.release_build !== 'boolean') p('build.release_build must be true or false');
	const m = doc?.machine;
	if (!m) p('machine block is missing');
	else {
		if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/.test(m.started_utc ?? '')) p('machine.started_utc must be an ISO UTC time');
		if (typeof m.cpu_model !== 'string' || !m.cpu_model) p('machine.cpu_model is missing');
		if (!Number.isInteger(m.cpus_online) || m.cpus_online < 1) p('machine.cpus_online must be a positive integer');
		if (!/^Linux \d+\.\d+/.test(m.kernel ?? '')) p('machine.kernel must read "Linux X.Y..."');
		if (!isLoad(m.loadavg_start) || !isLoad(m.loadavg_end)) p('machine.loadavg_start and loadavg_end must be three load averages');
	}
	const sc = doc?.scenarios;
	if (!Array.isArray(sc)) { p('scenarios must be a list'); return problems; }
	const ids = sc.map((s) => s.id);
	if (JSON.stringify(ids) !== JSON.stringify(COW_SCENARIOS)) p(`scenarios are ${JSON.stringify(ids)}, expected ${JSON.stringify(COW_SCENARIOS)}`);
	for (const s of sc) {
		const w = `scenario ${s.id}`;
		if (!['thin', 'clone'].includes(s.kind)) p(`${w}: kind must be thin or clone`);
		if (!['malloc', 'aio'].includes(s.base)) p(`${w}: base must be malloc or aio`);
		if (!isInt(s.lvol_mib) || !isInt(s.cluster_mib) || s.clusters !== s.lvol_mib / s.cluster_mib) p(`${w}: clusters must be lvol_mib / cluster_mib`);
		if (!Array.isArray(s.rounds) || s.rounds.length < 1) { p(`${w}: no rounds`); continue; }
		let first = null;
		for (const r of s.rounds) {
			const wr = `${w} round ${r.round}`;
			if (!Array.isArray(r.passes) || r.passes.length !== 2) { p(`${wr}: must have two passes`); continue; }
			const bad = r.passes.some((x) => !x.iostat_delta || ['lvol', 'base'].some((k) => STAT_KEYS.some((key) => !isInt(x.iostat_delta[k]?.[key]))));
			if (bad) { p(`${wr}: iostat_delta must hold non-negative integer counters for lvol and base`); continue; }
			if (r.lvol_before?.num_allocated_clusters !== 0) p(`${wr}: the lvol must start with no allocated clusters`);
			if (r.lvol_before?.is_clone !== (s.kind === 'clone')) p(`${wr}: lvol_before.is_clone disagrees with kind`);
			const [one, two] = r.passes.map(passExtra);
			if (r.passes[0].lvol_after?.num_allocated_clusters !== s.clusters) p(`${wr}: pass 1 must allocate every cluster (${s.clusters})`);
			if (r.passes.some((x) => x.bdevperf?.io_failed !== 0)) p(`${wr}: a pass had failed I/O`);
			if (two.extraWriteBytes !== 0 || two.copies !== 0 || two.bytesRead !== 0) p(`${wr}: pass 2 (rewrites) must add no device I/O beyond the user's writes`);
			if (r.passes.some((x) => x.iostat_delta.lvol.num_read_ops !== 0)) p(`${wr}: the workload only writes`);
			if (!(one.metadataWrites >= s.clusters) || !Number.isInteger(one.metadataWrites)) p(`${wr}: pass 1 must write at least one 4 KiB metadata page per allocated cluster`);
			if (s.kind === 'thin' && (one.copies !== 0 || one.bytesRead !== 0)) p(`${wr}: a thin lvol without a parent must not copy or read`);
			if (s.kind === 'clone' && s.base === 'malloc') {
				if (r.base_supports_copy !== true) p(`${wr}: malloc must report the copy I/O type`);
				if (one.copies !== s.clusters || one.bytesCopied !== s.lvol_mib * MIB || one.bytesRead !== 0) p(`${wr}: a clone on malloc must copy each cluster once by copy offload`);
			}
			if (s.kind === 'clone' && s.base === 'aio') {
				if (r.base_supports_copy !== false) p(`${wr}: aio must not report the copy I/O type`);
				if (one.copies !== 0 || one.bytesRead !== s.lvol_mib * MIB) p(`${wr}: a clone on aio must read each whole cluster once`);
			}
			const key = JSON.stringify([one.copies, one.bytesCopied, one.bytesRead, one.metadataBytes]);
			if (first === null) first = key;
			else if (key !== first) p(`${w}: rounds disagree on the device I/O of pass 1`);
		}
	}
	const e = doc?.enospc;
	if (!e) p('enospc block is missing');
	else {
		if (e.thin_create?.ok !== true) p('enospc: the overcommitted thin lvol must have been created');
		if (!e.thick_create_same_size?.error) p('enospc: the thick lvol of the same size must have been refused');
		if (e.lvol_after?.lvs_free_clusters !== 0) p('enospc: the lvstore must end full');
		if (e.lvol_after?.num_allocated_clusters !== e.lvol_before?.lvs_total_clusters) p('enospc: the thin lvol must hold every data cluster');
		if (!(e.bdevperf?.io_failed > 0)) p('enospc: writes must have failed');
		if (!Array.isArray(e.log_lines)) p('enospc: log_lines must be a list');
	}
	return problems;
}

// The figures the page quotes, per scenario (rounds agree, as the checker insists: round 1's).
export function cowFigures(doc) {
	const out = {};
	for (const s of doc.scenarios) {
		const r = s.rounds[0];
		const one = passExtra(r.passes[0]);
		const two = passExtra(r.passes[1]);
		out[s.id] = {
			id: s.id, kind: s.kind, base: s.base, clusterMib: s.cluster_mib, lvolMib: s.lvol_mib, clusters: s.clusters,
			rounds: s.rounds.length, baseSupportsCopy: r.base_supports_copy,
			copies: one.copies, mibCopied: one.bytesCopied / MIB, mibRead: one.bytesRead / MIB,
			metadataWrites: one.metadataWrites, metadataKib: one.metadataBytes / 1024,
			rewriteExtraBytes: two.extraWriteBytes,
			userWritesPass1: s.rounds.map((x) => x.passes[0].iostat_delta.lvol.num_write_ops),
		};
	}
	return out;
}

export function enospcFacts(doc) {
	const e = doc.enospc;
	// Lines that name the failed writes (the one create error is the thick lvol refused on purpose).
	const writeLines = e.log_lines.filter((l) => !/bs_create_blob/.test(l.line));
	return {
		mallocMib: e.config.malloc_mib, clusterMib: e.config.cluster_mib, lvolMib: e.config.lvol_mib, seconds: e.config.seconds,
		dataClusters: e.lvol_before.lvs_total_clusters, allocatedAfter: e.lvol_after.num_allocated_clusters,
		freeAfter: e.lvol_after.lvs_free_clusters, failed: e.bdevperf.io_failed,
		thickError: e.thick_create_same_size.error, createLine: e.log_lines.find((l) => /bs_create_blob/.test(l.line))?.line ?? null,
		writeLogLines: writeLines.map((l) => l.line),
	};
}

export function cowMachine(doc) {
	const m = doc.machine;
	const b = doc.build;
	return `${m.cpu_model}, ${m.cpus_online} CPUs${m.virtualized ? ' (virtual machine)' : ''}, ${m.kernel}; ${doc.spdk_version.version}, ${b.release_build ? 'release' : 'debug'} build${b.config?.SHARED === 'y' ? ' with shared libraries' : ''}, DPDK ${b.dpdk}; recorded ${m.started_utc.replace('T', ' ').replace('Z', ' UTC')}, load average ${m.loadavg_start[0]} to ${m.loadavg_end[0]}`;
}

export function cowFacts(doc = loadCowRecording()) {
	const problems = checkCowRecording(doc);
	if (problems.length) throw new CowRecordingError(`labs/results/lvol-cow.json: ${problems.join('; ')}`);
	return { figures: cowFigures(doc), enospc: enospcFacts(doc), machine: cowMachine(doc), doc };
}
