#!/usr/bin/env node
// SPDX-License-Identifier: BSD-3-Clause
// Copyright (C) 2026 the learning-site project authors.
//
// Records what the ops-debug/tracing-and-tools page reads: a real trace of a few bdev I/Os and the
// facts around it. Writes labs/results/trace-bdev.json.
//
//   SPDK_BUILD_DIR=/path/to/built/spdk node labs/tracing/record-trace.mjs
//
// 1. spdk_dd copies four 4 KiB blocks from a raid0 bdev (two malloc base bdevs, 4 KiB strips) to a
//    third malloc bdev at queue depth 1, with the bdev and bdev_raid tracepoint groups on (-e). It
//    leaves its trace file in /dev/shm; `spdk_trace -t -f` prints it, and that text is committed.
// 2. spdk_tgt (-e bdev) answers trace_get_tpoint_group_mask, trace_get_info, log_get_flags and
//    log_get_print_level.
// 3. bdevperf (-z, -e bdev) runs one second of queue-depth-1 writes while spdk_trace_record copies its
//    buffer to a file: the live buffer keeps the last entries only, the recorded file all it could copy.
// --disable-cpumask-locks: other SPDK apps on the machine may hold the core-0 lock. Nothing is built; every process is stopped on exit and the trace files this script made are removed.
import { existsSync, readFileSync, writeFileSync, statSync, unlinkSync, openSync, closeSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import {
	RESULTS_DIR, sleep, log, spdkOrSkip, makeWorkDir, cleanup, startApp, stopApp, describe, loadavg, writeJson, spdkEnv,
} from '../../iowatch/record/common.mjs';

const SCRIPT = 'record-trace';
const SHM_DD = 31;
const SHM_BP = 32;
const SHM_TGT = 33;
const GROUPS = 'bdev,bdev_raid';
const BLOCKS = 4;

const spdk = spdkOrSkip(SCRIPT, [
	`spdk_dd -e ${GROUPS}: ${BLOCKS} blocks of 4 KiB from a raid0 bdev to a malloc bdev at queue depth 1, printed with spdk_trace -t -f`,
	'spdk_tgt -e bdev: trace_get_tpoint_group_mask, trace_get_info, log_get_flags, log_get_print_level',
	'bdevperf perform_tests (1 s, queue depth 1) with spdk_trace_record copying the buffer',
	'labs/results/trace-bdev.json was left as it is',
]);
if (!spdk) process.exit(0);
for (const bin of ['build/bin/spdk_tgt', 'build/bin/spdk_dd', 'build/bin/spdk_trace', 'build/bin/spdk_trace_record', 'build/examples/bdevperf']) {
	if (!existsSync(path.join(spdk, bin))) {
		console.error(`${SCRIPT}: ${spdk} has no ${bin}`);
		process.exit(2);
	}
}

const work = makeWorkDir();
const doc = { recording: 'trace-bdev', ...describe(spdk), script: 'labs/tracing/record-trace.mjs', groups: GROUPS };
// USDT probes exist only in a build configured --with-usdt; describe() does not report it.
doc.build.config.USDT = (readFileSync(path.join(spdk, 'mk/config.mk'), 'utf8').match(/^CONFIG_USDT\??=(.*)$/m) || [])[1] ?? null;
const env = spdkEnv(spdk, '');
const mine = new Set();
// Shown in the JSON with the build directory and the work directory replaced by placeholders.
const shown = (bin, args) => [bin, ...args].join(' ').replaceAll(`${spdk}/`, '').replaceAll(work, '$WORK');

function traceText(args) {
	return execFileSync(path.join(spdk, 'build/bin/spdk_trace'), args, { env, encoding: 'utf8', maxBuffer: 1 << 28 });
}
// Large traces go to a file and are only counted: tracepoint name -> lines, and the header's entry count.
function traceCounts(args, out) {
	const fd = openSync(out, 'w');
	const efd = openSync(`${out}.err`, 'w');
	try { execFileSync(path.join(spdk, 'build/bin/spdk_trace'), args, { env, stdio: ['ignore', fd, efd] }); } finally { closeSync(fd); closeSync(efd); }
	const errors = readFileSync(`${out}.err`, 'utf8').split('\n').filter(Boolean).map((l) => l.replace(/^\[[^\]]+\]\s*/, ''));
	const grep = (re) => Number(execFileSync('sh', ['-c', `grep -cE '${re}' "$1" || true`, 'sh', out], { encoding: 'utf8' }).trim());
	const header = execFileSync('sh', ['-c', 'head -3 "$1"', 'sh', out], { encoding: 'utf8' });
	return {
		entries_header: Number((header.match(/Trace Size of lcore \(0\): (\d+)/) || [])[1] ?? NaN),
		lines: Number(execFileSync('wc', ['-l', out], { encoding: 'utf8' }).trim().split(/\s+/)[0]),
		io_start: grep(' BDEV_IO_START '), io_done: grep(' BDEV_IO_DONE '),
		// spdk_trace's complaints, one entry per distinct message with how often it came.
		stderr: Object.entries(errors.reduce((m, l) => ({ ...m, [l]: (m[l] ?? 0) + 1 }), {})).map(([message, times]) => ({ message, times })),
	};
}
function removeShm(name) {
	const f = path.join('/dev/shm', name);
	try { unlinkSync(f); } catch { /* gone */ }
}

const bdevConfig = (extra) => ({
	subsystems: [{
		subsystem: 'bdev',
		config: [
			// No examine: otherwise the bdev layer's examine reads would open the trace.
			{ method: 'bdev_set_options', params: { bdev_auto_examine: false } },
			...extra,
			{ method: 'bdev_wait_for_examine' },
		],
	}],
});

try {
	// 1. The trace of a few I/Os.
	const ddShm = `spdk_dd_trace.${SHM_DD}`;
	removeShm(ddShm);
	mine.add(ddShm);
	const ddConf = path.join(work, 'dd.json');
	writeFileSync(ddConf, JSON.stringify(bdevConfig([
		{ method: 'bdev_malloc_create', params: { name: 'Malloc0', num_blocks: 256, block_size: 4096 } },
		{ method: 'bdev_malloc_create', params: { name: 'Malloc1', num_blocks: 256, block_size: 4096 } },
		{ method: 'bdev_malloc_create', params: { name: 'Malloc2', num_blocks: 256, block_size: 4096 } },
		{ method: 'bdev_raid_create', params: { name: 'Raid0', raid_level: 'raid0', strip_size_kb: 4, base_bdevs: ['Malloc0', 'Malloc1'] } },
	]), null, 1));
	doc.dd_config = JSON.parse(readFileSync(ddConf, 'utf8'));
	const ddArgs = ['--no-huge', '-s', '512', '--disable-cpumask-locks', '-i', String(SHM_DD), '-r', '/var/tmp/tracing-dd.sock', '-e', GROUPS,
		'--json', ddConf, '--ib', 'Raid0', '--ob', 'Malloc2', '--bs', '4096', '--count', String(BLOCKS), '--qd', '1'];
	const dd = await startApp(spdk, 'build/bin/spdk_dd', ddArgs, path.join(work, 'dd.log'), 120);
	const ddExit = await dd.exited;
	const ddLog = readFileSync(path.join(work, 'dd.log'), 'utf8');
	if (ddExit !== 0) throw new Error(`spdk_dd exited with ${ddExit}:\n${ddLog.slice(-3000)}`);
	const shmFile = path.join('/dev/shm', ddShm);
	if (!existsSync(shmFile)) throw new Error(`spdk_dd left no ${shmFile}`);
	const traceArgs = ['-t', '-f', shmFile];
	const text = traceText(traceArgs);
	doc.trace = {
		app: 'spdk_dd',
		shm_file: shmFile,
		shm_file_bytes: statSync(shmFile).size,
		app_notices: ddLog.split('\n').filter((l) => /spdk_app_setup_trace|Copying/.test(l)).map((l) => l.replace(/^\[[^\]]+\]\s*/, '').replace(/\x1b\[2K|\r/g, '').trim()),
		text,
	};
	doc.commands = [
		{ what: 'the app, with two tracepoint groups on', line: shown(path.join(spdk, 'build/bin/spdk_dd'), ddArgs) },
		{ what: 'the trace, printed after the app exited', line: shown(path.join(spdk, 'build/bin/spdk_trace'), traceArgs) },
	];
	removeShm(ddShm);
	log(`trace: ${text.split('\n').length} lines`);

	// 2. The facts around it, from the application diskengine talks to.
	const tgtShm = `spdk_tgt_trace.${SHM_TGT}`;
	removeShm(tgtShm);
	mine.add(tgtShm);
	const tgtSock = '/var/tmp/tracing-tgt.sock';
	const tgtArgs = ['--no-huge', '-s', '1024', '--disable-cpumask-locks', '-i', String(SHM_TGT), '-r', tgtSock, '-e', 'bdev'];
	const tgt = await startApp(spdk, 'build/bin/spdk_tgt', tgtArgs, path.join(work, 'tgt.log'), 120, { rpcSock: tgtSock });
	doc.spdk_version = (await tgt.rpc.call('spdk_get_version')).version;
	const info = await tgt.rpc.call('trace_get_info');
	doc.facts = {
		app: 'spdk_tgt',
		command: shown(path.join(spdk, 'build/bin/spdk_tgt'), tgtArgs),
		trace_get_tpoint_group_mask: await tgt.rpc.call('trace_get_tpoint_group_mask'),
		trace_get_info: info,
		log_get_flags: await tgt.rpc.call('log_get_flags'),
		log_get_print_level: await tgt.rpc.call('log_get_print_level'),
		log_get_level: await tgt.rpc.call('log_get_level'),
		shm_file_bytes: statSync(path.join('/dev/shm', tgtShm)).size,
	};
	await stopApp(tgt);
	removeShm(tgtShm);

	// bdevperf for the wrap below.
	const bpShm = `bdevperf_trace.${SHM_BP}`;
	removeShm(bpShm);
	mine.add(bpShm);
	const bpConf = path.join(work, 'bp.json');
	writeFileSync(bpConf, JSON.stringify(bdevConfig([
		{ method: 'bdev_malloc_create', params: { name: 'Malloc0', num_blocks: 4096, block_size: 4096 } },
	])));
	const sock = '/var/tmp/tracing-bp.sock';
	const bpArgs = ['--no-huge', '-s', '512', '--disable-cpumask-locks', '-i', String(SHM_BP), '-r', sock, '-e', 'bdev', '-z', '--json', bpConf,
		'-q', '1', '-o', '4096', '-w', 'write', '-t', '1'];
	const bp = await startApp(spdk, 'build/examples/bdevperf', bpArgs, path.join(work, 'bp.log'), 180, { rpcSock: sock });
	const rpc = bp.rpc;

	// 3. One second of writes: the live buffer wraps, spdk_trace_record keeps up (or says what it missed).
	const recFile = path.join(work, 'bdevperf.trace');
	const recArgs = ['-s', 'bdevperf', '-i', String(SHM_BP), '-f', recFile, '-q'];
	const rec = await startApp(spdk, 'build/bin/spdk_trace_record', recArgs, path.join(work, 'rec.log'), 120);
	await sleep(500);
	const perf = await rpc.call('perform_tests', undefined, 60000);
	await sleep(500);
	const live = traceCounts(['-f', path.join('/dev/shm', bpShm)], path.join(work, 'live.txt'));
	try { process.kill(rec.pid, 'SIGINT'); } catch { /* gone */ }
	const recExit = await rec.exited;
	const recLog = readFileSync(path.join(work, 'rec.log'), 'utf8').trim().split('\n').filter(Boolean);
	const missed = recLog.map((l) => l.match(/^Trace-record missed (\d+) trace entries/)).filter(Boolean).map((m) => Number(m[1]));
	const recorded = { ...traceCounts(['-f', recFile], path.join(work, 'rec.txt')), file_bytes: statSync(recFile).size };
	doc.wrap = {
		command: shown(path.join(spdk, 'build/examples/bdevperf'), bpArgs),
		perform_tests: perf,
		record_command: shown(path.join(spdk, 'build/bin/spdk_trace_record'), recArgs),
		record_exit: recExit,
		// spdk_trace_record's own report; its "missed N trace entries" lines are summed, not listed.
		record_stderr: recLog.filter((l) => !/^Trace-record missed/.test(l)),
		record_missed: { messages: missed.length, entries: missed.reduce((a, b) => a + b, 0) },
		live,
		recorded,
	};
	await stopApp(bp);
	removeShm(bpShm);
	doc.machine.loadavg_end = loadavg();
	doc.finished_utc = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
	writeJson(path.join(RESULTS_DIR, 'trace-bdev.json'), doc);
	await cleanup();
} catch (e) {
	console.error(`${SCRIPT}: ${e.stack || e.message}`);
	await cleanup({ keepWork: true });
	for (const f of mine) removeShm(f);
	console.error(`${SCRIPT}: logs kept in ${work}`);
	process.exit(1);
}
