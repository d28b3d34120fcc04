#!/usr/bin/env node
// SPDX-License-Identifier: BSD-3-Clause
// Copyright (C) 2026 the learning-site project authors.
//
// What one layer of stacking costs (for the bdev/hierarchy page). With SPDK_BUILD_DIR pointing at a
// built SPDK v26.01 (shared libraries), builds iowatch against it and measures 4 KiB random reads
// with bdevperf at queue depth 1 and 32 on four stacks:
//   malloc | passthru on malloc | iowatch on malloc | iowatch on passthru on malloc
// One bdevperf process per queue depth (the depth is given once, with -q, and never changed by
// RPC), -T bench, one core. Inside it,
// each round rebuilds each stack with its top bdev named "bench", runs perform_tests and tears
// the stack down; the order of the stacks rotates every round so slow drift on a shared machine
// spreads over all of them. Records IOPS and mean latency per run (bdevperf's perform_tests JSON
// reply), /proc/loadavg before and after each run, and the medians.
//
//   SPDK_BUILD_DIR=/path/to/spdk node iowatch/record/stacking.mjs
//   knobs: RECORD_RUNS (5), RECORD_SECONDS (5), RECORD_OUT (labs/results/bdev-stacking.json)
// Total run time with the defaults: about 4 minutes. Without SPDK_BUILD_DIR: prints what it
// skipped and exits 0.
import path from 'node:path';
import {
	spdkOrSkip, makeWorkDir, buildIowatch, startBdevperf, stopBdevperf, cleanup, describe, loadavg,
	writeJson, median, log, RESULTS_DIR,
} from './common.mjs';

const RUNS = Number(process.env.RECORD_RUNS || 5);
const SECONDS = Number(process.env.RECORD_SECONDS || 5);
const OUT = process.env.RECORD_OUT || path.join(RESULTS_DIR, 'bdev-stacking.json');
const QDS = [1, 32];
const BLOCK = 4096;
const MALLOC_BLOCKS = 16384; // 64 MiB
const WARMUP_SECONDS = 2;

// Each stack: the calls that build it (bottom first) and the calls that remove it (top first).
const STACKS = [
	{
		id: 'malloc', label: 'malloc', layers: ['malloc'],
		build: [['bdev_malloc_create', { name: 'bench', num_blocks: MALLOC_BLOCKS, block_size: BLOCK }]],
		teardown: [['bdev_malloc_delete', { name: 'bench' }]],
	},
	{
		id: 'passthru', label: 'passthru on malloc', layers: ['passthru', 'malloc'],
		build: [
			['bdev_malloc_create', { name: 'bench_m', num_blocks: MALLOC_BLOCKS, block_size: BLOCK }],
			['bdev_passthru_create', { name: 'bench', base_bdev_name: 'bench_m' }],
		],
		teardown: [['bdev_passthru_delete', { name: 'bench' }], ['bdev_malloc_delete', { name: 'bench_m' }]],
	},
	{
		id: 'iowatch', label: 'iowatch on malloc', layers: ['iowatch', 'malloc'],
		build: [
			['bdev_malloc_create', { name: 'bench_m', num_blocks: MALLOC_BLOCKS, block_size: BLOCK }],
			['bdev_iowatch_create', { name: 'bench', base_bdev_name: 'bench_m' }],
		],
		teardown: [['bdev_iowatch_delete', { name: 'bench' }], ['bdev_malloc_delete', { name: 'bench_m' }]],
	},
	{
		id: 'iowatch+passthru', label: 'iowatch on passthru on malloc', layers: ['iowatch', 'passthru', 'malloc'],
		build: [
			['bdev_malloc_create', { name: 'bench_m', num_blocks: MALLOC_BLOCKS, block_size: BLOCK }],
			['bdev_passthru_create', { name: 'bench_p', base_bdev_name: 'bench_m' }],
			['bdev_iowatch_create', { name: 'bench', base_bdev_name: 'bench_p' }],
		],
		teardown: [
			['bdev_iowatch_delete', { name: 'bench' }], ['bdev_passthru_delete', { name: 'bench_p' }],
			['bdev_malloc_delete', { name: 'bench_m' }],
		],
	},
];

const spdk = spdkOrSkip('stacking.mjs', [
	`bdevperf 4 KiB randread at queue depth ${QDS.join(' and ')}, ${RUNS} runs x ${SECONDS} s on each of: ${STACKS.map((s) => s.label).join('; ')}`,
	`writing ${path.relative(process.cwd(), OUT)}`,
]);
if (!spdk) process.exit(0);

const t0 = Date.now();
const work = makeWorkDir();
let exitCode = 0;
try {
	const lib = buildIowatch(spdk, path.join(work, 'build'));
	const { machine, build } = describe(spdk);
	const byQd = {};
	let version = null;
	const bdevperfArgs = {};
	for (const qd of QDS) {
		const sock = path.join(work, `bp-qd${qd}.sock`);
		const args = ['-r', sock, '--no-huge', '-s', '1024', '-u', '--disable-cpumask-locks', '-m', '0x1', '-z',
			'-T', 'bench', '-q', String(qd), '-o', String(BLOCK), '-w', 'randread', '-t', String(SECONDS)];
		bdevperfArgs[`qd${qd}`] = args.map((a) => (a === sock ? '<socket>' : a));
		const lifeS = 120 + RUNS * STACKS.length * (SECONDS + 30);
		log(`qd ${qd}: starting bdevperf ${args.join(' ')}`);
		const bp = await startBdevperf(spdk, lib, args, path.join(work, `bdevperf-qd${qd}.log`), lifeS);
		const rpc = bp.rpc;
		version ??= await rpc.call('spdk_get_version');
		const perform = async (stack, secs) => {
			for (const [m, p] of stack.build) await rpc.call(m, p);
			await rpc.call('bdev_wait_for_examine');
			const before = loadavg();
			const started = new Date().toISOString();
			const reply = await rpc.call('perform_tests', { time_in_sec: secs }, (secs + 120) * 1000);
			const after = loadavg();
			for (const [m, p] of stack.teardown) await rpc.call(m, p);
			if (!Array.isArray(reply.results) || reply.results.length !== 1) throw new Error(`perform_tests: expected one job, got ${JSON.stringify(reply)}`);
			const job = reply.results[0];
			if (job.queue_depth !== qd) throw new Error(`perform_tests ran at queue depth ${job.queue_depth}, expected ${qd}`);
			if (job.io_failed !== 0) throw new Error(`perform_tests: ${job.io_failed} I/O failed on ${stack.id}`);
			return { started_utc: started, loadavg_before: before, loadavg_after: after, iops: job.iops, avg_latency_us: job.avg_latency_us, bdevperf: reply };
		};
		const warm = await perform(STACKS[0], WARMUP_SECONDS);
		log(`qd ${qd}: warm-up on malloc: ${Math.round(warm.iops)} IOPS (not counted)`);
		const runs = Object.fromEntries(STACKS.map((s) => [s.id, []]));
		for (let round = 0; round < RUNS; round++) {
			for (let k = 0; k < STACKS.length; k++) {
				const stack = STACKS[(k + round) % STACKS.length];
				const r = await perform(stack, SECONDS);
				runs[stack.id].push({ round: round + 1, ...r });
				log(`qd ${qd} round ${round + 1} ${stack.id}: ${Math.round(r.iops)} IOPS, ${r.avg_latency_us.toFixed(2)} us mean, load ${r.loadavg_before[0]}`);
			}
		}
		const status = await stopBdevperf(bp);
		if (status !== 0) throw new Error(`bdevperf (qd ${qd}) exited with ${status}`);
		byQd[qd] = { warmup: { stack: STACKS[0].id, seconds: WARMUP_SECONDS, ...warm }, runs };
	}
	machine.loadavg_end = loadavg();
	machine.wall_s = Math.round((Date.now() - t0) / 100) / 10;
	machine.note = 'shared machine: other processes were running; see loadavg_before/after of every run';
	const configurations = [];
	for (const qd of QDS) {
		for (const s of STACKS) {
			const rs = byQd[qd].runs[s.id];
			configurations.push({
				id: `${s.id}@qd${qd}`, stack: s.id, label: s.label, layers: s.layers, queue_depth: qd,
				runs: rs,
				median: { iops: median(rs.map((r) => r.iops)), avg_latency_us: median(rs.map((r) => r.avg_latency_us)) },
			});
		}
	}
	writeJson(OUT, {
		schema: 'spdk-primer-recording/1',
		recording: 'bdev-stacking',
		measures: 'cost of one bdev layer: bdevperf 4 KiB random reads at queue depth 1 and 32 on malloc, passthru on malloc, iowatch on malloc, and iowatch on passthru on malloc',
		script: 'iowatch/record/stacking.mjs',
		spdk_version: version,
		build,
		machine,
		config: {
			tool: 'bdevperf (build/examples/bdevperf), one process per queue depth, started with -z and driven by perform_tests',
			bdevperf_args: bdevperfArgs,
			workload: 'randread', io_size: BLOCK, queue_depths: QDS, runs: RUNS, seconds_per_run: SECONDS,
			warmup_seconds: WARMUP_SECONDS,
			malloc: { num_blocks: MALLOC_BLOCKS, block_size: BLOCK },
			cores: 1, core_mask: '0x1', hugepages: false, memory_mib: 1024,
			module_load: 'LD_PRELOAD=libbdev_iowatch.so (built by the script against the same tree)',
			order: 'each round runs every stack once; the order rotates by one stack per round',
			stacks: STACKS.map((s) => ({ id: s.id, label: s.label, layers: s.layers, rpc: s.build })),
			top_bdev: 'bench',
		},
		configurations,
	});
} catch (e) {
	console.error(`stacking.mjs: ${e.stack || e.message}`);
	exitCode = 1;
} finally {
	await cleanup({ keepWork: exitCode !== 0 });
	if (exitCode) console.error(`stacking.mjs: logs kept in ${work}`);
}
process.exit(exitCode);
