#!/usr/bin/env node
// SPDX-License-Identifier: BSD-3-Clause
// Copyright (C) 2026 the learning-site project authors.
//
// First write versus rewrite on a thin lvol and on a clone, and a write to a full thin lvstore
// (for the lvol/cow-internals page). Runs an already built SPDK v26.01 (SPDK_BUILD_DIR); never
// builds SPDK. Node built-ins only; the JSON-RPC client, process handling and machine description
// come from iowatch/record/common.mjs.
//
// Device I/O part: for each scenario a fresh bdevperf (-z, one core, no hugepages) gets a base
// bdev "m0" (malloc, which supports the copy I/O type, or AIO on a sparse file, which does not),
// an lvstore with the scenario's cluster size, and a 64 MiB lvol "vol":
//   thin   bdev_lvol_create --thin: unallocated clusters are backed by zeroes (no copy)
//   clone  a thick lvol, then bdev_lvol_snapshot: "vol" is now a clone whose every cluster
//          reads through to the snapshot, so its first write to a cluster copies it
// bdevperf writes 4 KiB sequentially at queue depth 1 for RECORD_SECONDS, twice (two
// perform_tests in the same process): pass 1 makes the first write into every cluster of "vol"
// (and then wraps round and rewrites), pass 2 only rewrites. bdev_get_iostat of "vol" and of "m0"
// before and after each pass gives what the blobstore sent to the device on top of the user's
// writes: copies, reads, metadata writes. Counts, not latencies: on a shared 2-CPU machine the
// latency of a first write did not stand out from scheduler noise, the counts are exact.
// Scenarios rotate order every round.
//
// ENOSPC part: a 64 MiB thin lvol on a 32 MiB lvstore, written 4 KiB sequentially with -f
// (continue on failure); records bdevperf's counts, the lvstore's free clusters and the log
// lines the failure printed.
//
//   SPDK_BUILD_DIR=/path/to/spdk node labs/cow/record-cow.mjs
//   knobs: RECORD_ROUNDS (2), RECORD_SECONDS (1), RECORD_OUT (labs/results/lvol-cow.json)
// About 1 minute with the defaults. Without SPDK_BUILD_DIR: prints what it skipped, exits 0.
import path from 'node:path';
import { readFileSync, openSync, ftruncateSync, closeSync, rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import {
	spdkOrSkip, makeWorkDir, startBdevperf, stopBdevperf, cleanup, describe, loadavg, writeJson, log,
} from '../../iowatch/record/common.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const RESULTS_DIR = path.resolve(HERE, '..', 'results');
const ROUNDS = Number(process.env.RECORD_ROUNDS || 2);
const SECONDS = Number(process.env.RECORD_SECONDS || 1);
const OUT = process.env.RECORD_OUT || path.join(RESULTS_DIR, 'lvol-cow.json');
const MIB = 1048576;
const IO = 4096;
const LVOL_MIB = 64;
const MALLOC_MIB = 256;
const SCENARIOS = [
	{ id: 'thin-4m', kind: 'thin', cluster_mib: 4, base: 'malloc' },
	{ id: 'clone-4m', kind: 'clone', cluster_mib: 4, base: 'malloc' },
	{ id: 'thin-1m', kind: 'thin', cluster_mib: 1, base: 'malloc' },
	{ id: 'clone-1m', kind: 'clone', cluster_mib: 1, base: 'malloc' },
	{ id: 'clone-4m-aio', kind: 'clone', cluster_mib: 4, base: 'aio', lvol_mib: 16, seconds: 3 },
];
const ENOSPC = { malloc_mib: 32, cluster_mib: 4, lvol_mib: 64, seconds: 1 };

const spdk = spdkOrSkip('record-cow.mjs', [
	`bdevperf 4 KiB sequential writes at queue depth 1, two passes (first write, rewrite) of ${SECONDS} s, ${ROUNDS} rounds, on: ${SCENARIOS.map((s) => s.id).join(', ')}`,
	`a ${ENOSPC.lvol_mib} MiB thin lvol written past the end of a ${ENOSPC.malloc_mib} MiB lvstore`,
	`writing ${path.relative(process.cwd(), OUT)}`,
]);
if (!spdk) process.exit(0);

// Device-level counters (bdev_get_iostat) of the lvol and of the bdev under the lvstore. They are
// cumulative per bdev (a closing channel adds its counts to the bdev), so a pass is after - before.
const STAT_KEYS = ['num_read_ops', 'bytes_read', 'num_write_ops', 'bytes_written', 'num_copy_ops', 'bytes_copied', 'num_unmap_ops', 'bytes_unmapped'];
async function iostat(rpc) {
	const one = async (name) => {
		const r = await rpc.call('bdev_get_iostat', { name });
		const b = r.bdevs[0];
		return Object.fromEntries(STAT_KEYS.map((k) => [k, b[k]]));
	};
	return { lvol: await one('lvs0/vol'), base: await one('m0') };
}
const diffStat = (a, b) => Object.fromEntries(STAT_KEYS.map((k) => [k, b[k] - a[k]]));

const common = (work, name, extra = []) => {
	const sock = path.join(work, `${name}.sock`);
	return { sock, args: ['-r', sock, '--no-huge', '-s', '1024', '-u', '--disable-cpumask-locks', '-m', '0x1', '-z',
		'-T', 'lvs0/vol', '-q', '1', '-o', String(IO), '-w', 'write', ...extra] };
};

async function lvolInfo(rpc) {
	const [l] = await rpc.call('bdev_lvol_get_lvols', { lvs_name: 'lvs0' }).then((ls) => ls.filter((x) => x.name === 'vol'));
	const [s] = await rpc.call('bdev_lvol_get_lvstores', { lvs_name: 'lvs0' });
	return { num_allocated_clusters: l.num_allocated_clusters, is_clone: l.is_clone, is_thin_provisioned: l.is_thin_provisioned, lvs_free_clusters: s.free_clusters, lvs_total_clusters: s.total_data_clusters };
}

async function runScenario(work, sc, round) {
	const secs = sc.seconds ?? SECONDS;
	const lvolMib = sc.lvol_mib ?? LVOL_MIB;
	const { args } = common(work, `${sc.id}-r${round}`, ['-t', String(secs)]);
	const logFile = path.join(work, `${sc.id}-r${round}.log`);
	const bp = await startBdevperf(spdk, '', args, logFile, 120 + 4 * secs);
	const rpc = bp.rpc;
	version ??= await rpc.call('spdk_get_version');
	const cl = sc.cluster_mib * MIB;
	if (sc.base === 'aio') {
		const file = path.join(work, `${sc.id}-r${round}.img`);
		const fd = openSync(file, 'w'); ftruncateSync(fd, MALLOC_MIB * MIB); closeSync(fd);
		await rpc.call('bdev_aio_create', { name: 'm0', filename: file, block_size: IO });
	} else {
		await rpc.call('bdev_malloc_create', { name: 'm0', num_blocks: (MALLOC_MIB * MIB) / IO, block_size: IO });
	}
	await rpc.call('bdev_lvol_create_lvstore', { bdev_name: 'm0', lvs_name: 'lvs0', cluster_sz: cl });
	if (sc.kind === 'thin') {
		await rpc.call('bdev_lvol_create', { lvs_name: 'lvs0', lvol_name: 'vol', size_in_mib: lvolMib, thin_provision: true });
	} else {
		await rpc.call('bdev_lvol_create', { lvs_name: 'lvs0', lvol_name: 'vol', size_in_mib: lvolMib, thin_provision: false });
		await rpc.call('bdev_lvol_snapshot', { lvol_name: 'lvs0/vol', snapshot_name: 'snap' });
	}
	await rpc.call('bdev_wait_for_examine');
	const copySupported = (await rpc.call('bdev_get_bdevs', { name: 'm0' }))[0].supported_io_types.copy;
	const before = await lvolInfo(rpc);
	const passes = [];
	for (const pass of [1, 2]) {
		const lb = loadavg();
		const started = new Date().toISOString();
		const ioBefore = await iostat(rpc);
		const reply = await rpc.call('perform_tests', undefined, (secs + 120) * 1000);
		const ioAfter = await iostat(rpc);
		const job = reply.results[0];
		if (job.queue_depth !== 1 || job.io_size !== IO || job.workload !== 'write') throw new Error(`unexpected job ${JSON.stringify(job)}`);
		if (job.io_failed !== 0) throw new Error(`${sc.id}: ${job.io_failed} I/O failed`);
		passes.push({
			pass, started_utc: started, loadavg_before: lb, loadavg_after: loadavg(),
			bdevperf: { iops: job.iops, avg_latency_us: job.avg_latency_us, runtime_s: job.runtime, io_failed: job.io_failed },
			iostat_delta: { lvol: diffStat(ioBefore.lvol, ioAfter.lvol), base: diffStat(ioBefore.base, ioAfter.base) },
			lvol_after: await lvolInfo(rpc),
		});
	}
	const status = await stopBdevperf(bp);
	if (status !== 0) throw new Error(`bdevperf (${sc.id}) exited with ${status}\n${readFileSync(logFile, 'utf8').slice(-2000)}`);
	if (sc.base === 'aio') rmSync(path.join(work, `${sc.id}-r${round}.img`), { force: true });
	return { round, seconds_per_pass: secs, lvol_before: before, base_supports_copy: copySupported, passes };
}

async function runEnospc(work) {
	const { args } = common(work, 'enospc', ['-t', String(ENOSPC.seconds), '-f']);
	const logFile = path.join(work, 'enospc.log');
	const bp = await startBdevperf(spdk, '', args, logFile, 120);
	const rpc = bp.rpc;
	await rpc.call('bdev_malloc_create', { name: 'm0', num_blocks: (ENOSPC.malloc_mib * MIB) / IO, block_size: IO });
	await rpc.call('bdev_lvol_create_lvstore', { bdev_name: 'm0', lvs_name: 'lvs0', cluster_sz: ENOSPC.cluster_mib * MIB });
	const created = await rpc.raw('bdev_lvol_create', { lvs_name: 'lvs0', lvol_name: 'vol', size_in_mib: ENOSPC.lvol_mib, thin_provision: true });
	const thick = await rpc.raw('bdev_lvol_create', { lvs_name: 'lvs0', lvol_name: 'thick', size_in_mib: ENOSPC.lvol_mib, thin_provision: false });
	await rpc.call('bdev_wait_for_examine');
	const before = await lvolInfo(rpc);
	const reply = await rpc.call('perform_tests', undefined, 120000);
	const after = await lvolInfo(rpc);
	const status = await stopBdevperf(bp);
	const text = readFileSync(logFile, 'utf8');
	const lines = text.split('\n').filter((l) => /ERROR|WARN|fail/i.test(l) && !/EAL|PCI|Device Information/.test(l));
	const counts = new Map();
	for (const l of lines) {
		const key = l.replace(/^\[[^\]]+\]\s*/, '').trim();
		counts.set(key, (counts.get(key) || 0) + 1);
	}
	const job = reply.results[0];
	return {
		config: { ...ENOSPC, io_size: IO, workload: 'write', queue_depth: 1, bdevperf_flag: '-f (continue on failure)' },
		thin_create: created.error ? { error: created.error } : { ok: true },
		thick_create_same_size: thick.error ? { error: thick.error } : { ok: true },
		lvol_before: before,
		bdevperf: { iops: job.iops, io_failed: job.io_failed, runtime_s: job.runtime, failed_per_s: job.io_failed / job.runtime, status: job.status ?? null },
		lvol_after: after,
		log_lines: [...counts].map(([line, n]) => ({ line, count: n })),
		exit_status: status,
	};
}

let version = null;
const t0 = Date.now();
const work = makeWorkDir();
let exitCode = 0;
try {
	const { machine, build } = describe(spdk);
	const results = Object.fromEntries(SCENARIOS.map((s) => [s.id, []]));
	for (let round = 1; round <= ROUNDS; round++) {
		for (let k = 0; k < SCENARIOS.length; k++) {
			const sc = SCENARIOS[(k + round - 1) % SCENARIOS.length];
			const r = await runScenario(work, sc, round);
			results[sc.id].push(r);
			log(`round ${round} ${sc.id}: pass1 ${r.passes[0].bdevperf.avg_latency_us.toFixed(2)} us mean, pass2 ${r.passes[1].bdevperf.avg_latency_us.toFixed(2)} us, clusters ${r.lvol_before.num_allocated_clusters} -> ${r.passes[0].lvol_after.num_allocated_clusters}`);
		}
	}
	const enospc = await runEnospc(work);
	log(`enospc: ${enospc.bdevperf.io_failed} failed, lvstore free ${enospc.lvol_after.lvs_free_clusters}`);
	machine.loadavg_end = loadavg();
	machine.wall_s = Math.round((Date.now() - t0) / 100) / 10;
	machine.note = 'shared 2-CPU machine: other processes were running; see loadavg_before/after of every pass';
	writeJson(OUT, {
		schema: 'spdk-primer-lvol-cow/1',
		recording: 'lvol-cow',
		measures: 'device I/O behind first writes versus rewrites of 4 KiB on thin lvols and snapshot clones (bdev_get_iostat of the lvol and of its base bdev), and writes to a thin lvol on a full lvstore',
		script: 'labs/cow/record-cow.mjs',
		spdk_version: version,
		build,
		machine,
		config: {
			tool: 'bdevperf (build/examples/bdevperf), one process per scenario and round, started with -z and driven by perform_tests',
			bdevperf_args: common('/tmp', 'x', ['-t', String(SECONDS)]).args.map((a) => (a.endsWith('.sock') ? '<socket>' : a)),
			io_size: IO, queue_depth: 1, workload: 'write (sequential)', seconds_per_pass: SECONDS, seconds_per_pass_aio: 3, rounds: ROUNDS,
			lvol_mib: LVOL_MIB, malloc_mib: MALLOC_MIB, base: 'per scenario (malloc or aio)',
			order: 'each round runs every scenario once; the order rotates by one scenario per round',
			passes: 'pass 1 = first writes (allocates every cluster of the lvol, then wraps), pass 2 = rewrites, same process',
			counters: 'bdev_get_iostat of the lvol and of the base bdev (m0) before and after each pass; iostat_delta = after - before',
			bases: { malloc: 'bdev_malloc_create (supports the copy I/O type)', aio: 'bdev_aio_create on a sparse file in the work directory (no copy I/O type)' },
		},
		scenarios: SCENARIOS.map((s) => ({ ...s, lvol_mib: s.lvol_mib ?? LVOL_MIB, clusters: (s.lvol_mib ?? LVOL_MIB) / s.cluster_mib, rounds: results[s.id] })),
		enospc,
	});
} catch (e) {
	console.error(`record-cow.mjs: ${e.stack || e.message}`);
	exitCode = 1;
} finally {
	await cleanup({ keepWork: exitCode !== 0 });
	if (exitCode) console.error(`record-cow.mjs: logs kept in ${work}`);
}
process.exit(exitCode);
