#!/usr/bin/env node
// SPDX-License-Identifier: BSD-3-Clause
// Copyright (C) 2026 the learning-site project authors.
//
// In-flight I/O, caught while it is outstanding (for the bdev/io-lifecycle page). With
// SPDK_BUILD_DIR pointing at a built SPDK v26.01 (shared libraries), builds iowatch against it and
// starts bdevperf -z on two cores with a JSON config: malloc -> delay (50 ms average, 100 ms p99,
// reads and writes) -> iowatch; two jobs (one per core) run 4 KiB randrw at queue depth 16 each.
// While the run lasts it asks, a few times, bdev_iowatch_get_inflight (all, and with min_age_ms),
// bdev_iowatch_get_stats and bdev_get_iostat, then once more after the run; stops bdevperf and
// writes every reply verbatim with what was run and on what machine.
//
//   SPDK_BUILD_DIR=/path/to/spdk node iowatch/record/inflight.mjs
//   knobs: RECORD_OUT (labs/results/bdev-inflight.json)
// Run time: about 30 s. Without SPDK_BUILD_DIR: prints what it skipped and exits 0.
import { writeFileSync, readFileSync } from 'node:fs';
import path from 'node:path';
import {
	spdkOrSkip, makeWorkDir, buildIowatch, startBdevperf, stopBdevperf, cleanup, describe, loadavg,
	writeJson, log, sleep, Rpc, RESULTS_DIR,
} from './common.mjs';

const OUT = process.env.RECORD_OUT || path.join(RESULTS_DIR, 'bdev-inflight.json');
const RUN_SECONDS = 10;
const SAMPLE_AT_S = [2, 4, 6, 8];
const MIN_AGE_MS = 25;
const DELAY_AVG_US = 50000;
const DELAY_P99_US = 100000;
const STALL_MS = 75;
const QD = 16;

const bdevConfig = {
	subsystems: [{
		subsystem: 'bdev',
		config: [
			{ method: 'bdev_malloc_create', params: { name: 'Malloc0', num_blocks: 8192, block_size: 4096 } },
			{
				method: 'bdev_delay_create',
				params: {
					name: 'Delay0', base_bdev_name: 'Malloc0',
					avg_read_latency: DELAY_AVG_US, p99_read_latency: DELAY_P99_US,
					avg_write_latency: DELAY_AVG_US, p99_write_latency: DELAY_P99_US,
				},
			},
			{ method: 'bdev_iowatch_create', params: { name: 'iw0', base_bdev_name: 'Delay0', stall_threshold_ms: STALL_MS } },
			{ method: 'bdev_wait_for_examine' },
		],
	}],
};
const jobFile = `[global]
filename=iw0
rw=randrw
rwmixread=70
bs=4096
iodepth=${QD}

[job0]
cpumask=0x1

[job1]
cpumask=0x2
`;

const spdk = spdkOrSkip('inflight.mjs', [
	`bdevperf -m 0x3 (two jobs, 4 KiB randrw at queue depth ${QD}) on iowatch -> delay (${DELAY_AVG_US / 1000} ms avg, ${DELAY_P99_US / 1000} ms p99) -> malloc`,
	`bdev_iowatch_get_inflight (all and min_age_ms ${MIN_AGE_MS}), bdev_iowatch_get_stats, bdev_get_iostat at ${SAMPLE_AT_S.join(', ')} s and after the run`,
	`writing ${path.relative(process.cwd(), OUT)}`,
]);
if (!spdk) process.exit(0);

const t0 = Date.now();
const work = makeWorkDir();
let exitCode = 0;
try {
	const lib = buildIowatch(spdk, path.join(work, 'build'));
	const { machine, build } = describe(spdk);
	const cfgFile = path.join(work, 'bdev.json');
	const jobsFile = path.join(work, 'jobs.conf');
	writeFileSync(cfgFile, JSON.stringify(bdevConfig, null, 2));
	writeFileSync(jobsFile, jobFile);
	const sock = path.join(work, 'bp.sock');
	const logFile = path.join(work, 'bdevperf.log');
	const args = ['-r', sock, '--no-huge', '-s', '1024', '-u', '--disable-cpumask-locks', '-m', '0x3', '-z',
		'--json', cfgFile, '-j', jobsFile, '-t', String(RUN_SECONDS)];
	log(`starting bdevperf ${args.join(' ')}`);
	const bp = await startBdevperf(spdk, lib, args, logFile, 300);
	const rpc = bp.rpc;
	await rpc.call('framework_wait_init', undefined, 60000);
	const version = await rpc.call('spdk_get_version');
	const bdevs = await rpc.call('bdev_get_bdevs', { name: 'iw0' });

	// perform_tests answers only when the run ends: send it on a connection of its own.
	const runner = new Rpc(sock);
	await runner.connect();
	const runStart = Date.now();
	const rel = () => Date.now() - runStart;
	const performing = runner.raw('perform_tests', {}, (RUN_SECONDS + 120) * 1000);
	const call = async (method, params) => {
		const sent = rel();
		const reply = await rpc.raw(method, params);
		return { method, params, sent_ms: sent, answered_ms: rel(), reply };
	};
	const samples = [];
	for (const at of SAMPLE_AT_S) {
		await sleep(Math.max(0, at * 1000 - rel()));
		const s = { at_s: at, loadavg: loadavg(), calls: [] };
		s.calls.push(await call('bdev_iowatch_get_inflight', { name: 'iw0' }));
		s.calls.push(await call('bdev_iowatch_get_inflight', { name: 'iw0', min_age_ms: MIN_AGE_MS }));
		s.calls.push(await call('bdev_iowatch_get_stats', { name: 'iw0' }));
		s.calls.push(await call('bdev_get_iostat', { name: 'iw0' }));
		samples.push(s);
		const inf = s.calls[0].reply.result;
		log(`t=${at}s: ${inf?.count} in flight, ${s.calls[1].reply.result?.count} older than ${MIN_AGE_MS} ms`);
	}
	const performReply = await performing;
	runner.close();
	log(`perform_tests answered after ${rel()} ms`);
	const after = { at_s: null, loadavg: loadavg(), calls: [] };
	after.calls.push(await call('bdev_iowatch_get_inflight', { name: 'iw0' }));
	after.calls.push(await call('bdev_iowatch_get_stats', { name: 'iw0' }));
	after.calls.push(await call('bdev_get_iostat', { name: 'iw0' }));
	const status = await stopBdevperf(bp);
	if (status !== 0) throw new Error(`bdevperf exited with ${status}`);
	// bdevperf's progress line ends in \r, not \n: cut the module's warnings out of the text itself.
	const stallLines = [...readFileSync(logFile, 'utf8').matchAll(/bdev_iowatch\.c:[^\r\n]*outstanding for[^\r\n]*/g)].map((m) => m[0]);
	const bad = [...samples, after].flatMap((s) => s.calls).filter((c) => c.reply.error);
	if (bad.length) throw new Error(`RPC errors: ${JSON.stringify(bad)}`);
	if (performReply.error) throw new Error(`perform_tests: ${JSON.stringify(performReply.error)}`);
	machine.loadavg_end = loadavg();
	machine.wall_s = Math.round((Date.now() - t0) / 100) / 10;
	machine.note = 'shared machine: other processes were running; see loadavg of every sample';
	writeJson(OUT, {
		schema: 'spdk-primer-recording/1',
		recording: 'bdev-inflight',
		measures: 'I/O caught in flight through an iowatch bdev on a delay bdev: what bdev_iowatch_get_inflight, bdev_iowatch_get_stats and bdev_get_iostat answer while bdevperf keeps I/O outstanding, and after the run',
		script: 'iowatch/record/inflight.mjs',
		spdk_version: version,
		build,
		machine,
		config: {
			tool: 'bdevperf (build/examples/bdevperf), started with -z; the run is started with perform_tests',
			bdevperf_args: args.map((a) => (a === sock ? '<socket>' : a === cfgFile ? '<bdev.json>' : a === jobsFile ? '<jobs.conf>' : a)),
			bdev_json: bdevConfig,
			job_file: jobFile,
			module_load: 'LD_PRELOAD=libbdev_iowatch.so (built by the script against the same tree)',
			cores: 2, core_mask: '0x3', hugepages: false, memory_mib: 1024,
			jobs: 2, queue_depth_per_job: QD, run_seconds: RUN_SECONDS,
			delay_us: { avg: DELAY_AVG_US, p99: DELAY_P99_US },
			stall_threshold_ms: STALL_MS,
			min_age_ms: MIN_AGE_MS,
			sample_at_s: SAMPLE_AT_S,
			times: 'sent_ms and answered_ms count from the moment perform_tests was sent',
		},
		bdev: bdevs[0],
		samples,
		perform_tests: performReply.result,
		after_run: after,
		log: { stall_warnings: stallLines.length, stall_warning_examples: stallLines.slice(0, 3) },
	});
} catch (e) {
	console.error(`inflight.mjs: ${e.stack || e.message}`);
	exitCode = 1;
} finally {
	await cleanup({ keepWork: exitCode !== 0 });
	if (exitCode) console.error(`inflight.mjs: logs kept in ${work}`);
}
process.exit(exitCode);
