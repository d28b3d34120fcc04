#!/usr/bin/env node
// SPDX-License-Identifier: BSD-3-Clause
// Copyright (C) 2026 the learning-site project authors.
//
// Reproduces the mechanism behind the "QMP quit wedges SPDK" report on a built SPDK and records
// its timeline as labs/results/vfio-user-wedge.json: a vfio-user host (spdk_nvme_perf) reads
// from a namespace on a delay bdev that holds every read for HOLD_S seconds, and is killed with
// those reads in flight, the way a VM dies under QMP quit. Then, timed from the kill, the script
// sends the RPCs a control plane would send and records when each one answers: probes of the dead
// VM's subsystem, a remove_ns and an add_listener on it, read-only calls, and calls on a second
// subsystem, whose own vfio-user host runs I/O during the hold.
//
//   SPDK_BUILD_DIR=/path/to/built/spdk [SPDK_FIXED_BUILD_DIR=/path/to/built/spdk-with-fix] \
//     node labs/wedge/record-wedge.mjs
//
// SPDK_BUILD_DIR is a stock v26.01 build with --with-vfio-user. SPDK_FIXED_BUILD_DIR, if given, is
// the same tree with upstream commit 77da9c9bc4 applied (the state-change context's nsid widened
// from uint16_t to uint32_t); the script reads that one field's type from each tree's
// lib/nvmf/nvmf_internal.h to label the runs, and asserts what differs between them. This script
// builds nothing; every process it starts is stopped on every exit path.
import { existsSync, readFileSync, readdirSync, mkdirSync, unlinkSync } from 'node:fs';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import {
	RESULTS_DIR, sleep, log, spdkOrSkip, makeWorkDir, cleanup, startApp, stopApp, describe, loadavg, writeJson, Rpc,
} from '../../iowatch/record/common.mjs';

const SCRIPT = 'record-wedge';
const HOLD_S = Number(process.env.WEDGE_HOLD_S ?? 12);
const QD = 4;

const stock = spdkOrSkip(SCRIPT, [
	`the vfio-user wedge reproduction (a delay bdev holding reads ${HOLD_S} s, spdk_nvme_perf killed with ${QD} reads in flight)`,
	'against stock v26.01 with a hugepage-backed client and with a --no-huge client',
	'against v26.01 + commit 77da9c9bc4 (SPDK_FIXED_BUILD_DIR) with a hugepage-backed client',
	'labs/results/vfio-user-wedge.json was left as it is',
]);
if (!stock) process.exit(0);
const fixed = process.env.SPDK_FIXED_BUILD_DIR ? path.resolve(process.env.SPDK_FIXED_BUILD_DIR) : null;

// The type of struct nvmf_subsystem_state_change_ctx's nsid in a tree, read from its header.
function ctxNsidType(tree) {
	const h = readFileSync(path.join(tree, 'lib/nvmf/nvmf_internal.h'), 'utf8');
	const body = h.match(/struct nvmf_subsystem_state_change_ctx \{([\s\S]*?)\n\};/);
	const m = body && body[1].match(/\b(uint16_t|uint32_t)\s+nsid;/);
	if (!m) throw new Error(`${tree}: cannot find the nsid field of struct nvmf_subsystem_state_change_ctx`);
	return m[1];
}

for (const [dir, want] of [[stock, 'uint16_t'], [fixed, 'uint32_t']]) {
	if (!dir) continue;
	for (const bin of ['build/bin/spdk_tgt', 'build/bin/spdk_nvme_perf']) {
		if (!existsSync(path.join(dir, bin))) { console.error(`${SCRIPT}: ${dir} has no ${bin}`); process.exit(2); }
	}
	const got = ctxNsidType(dir);
	if (got !== want) {
		console.error(`${SCRIPT}: ${dir}: the state-change nsid is ${got}, expected ${want} for ${dir === stock ? 'SPDK_BUILD_DIR (stock v26.01)' : 'SPDK_FIXED_BUILD_DIR (with 77da9c9bc4)'}`);
		process.exit(2);
	}
}
const hugeFree = Number(readFileSync('/proc/meminfo', 'utf8').match(/^HugePages_Free:\s+(\d+)/m)?.[1] ?? 0);

const work = makeWorkDir();
const doc = {
	recording: 'vfio-user-wedge',
	script: 'labs/wedge/record-wedge.mjs',
	hold_s: HOLD_S,
	queue_depth: QD,
	...describe(stock),
	runs: [],
	skipped: [],
};

// One run: a fresh target from `spdk`, the victim host killed mid-hold, the probes, the outcome.
async function run(label, spdk, clientHuge) {
	const dir = path.join(work, label);
	mkdirSync(dir);
	const sock = path.join(dir, 'tgt.sock');
	const vfuA = path.join(dir, 'vm-a');
	const vfuA2 = path.join(dir, 'vm-a-new');
	const vfuB = path.join(dir, 'vm-b');
	for (const d of [vfuA, vfuA2, vfuB]) mkdirSync(d);
	const nqnA = 'nqn.2016-06.io.spdk:wedge-vm-a';
	const nqnB = 'nqn.2016-06.io.spdk:wedge-vm-b';
	const tgtLog = path.join(dir, 'tgt.log');
	const tgt = await startApp(spdk, 'build/bin/spdk_tgt', ['--no-huge', '-s', '1024', '-m', '0x1', '-r', sock], tgtLog, HOLD_S + 120, { rpcSock: sock, cwd: dir });
	const rpc = tgt.rpc;
	const version = (await rpc.call('spdk_get_version')).version;
	const holdUs = HOLD_S * 1e6;
	const setup = [
		['nvmf_create_transport', { trtype: 'VFIOUSER' }],
		['bdev_malloc_create', { name: 'MallocA', num_blocks: 8192, block_size: 4096 }],
		['bdev_delay_create', { base_bdev_name: 'MallocA', name: 'DelayA', avg_read_latency: holdUs, p99_read_latency: holdUs, avg_write_latency: holdUs, p99_write_latency: holdUs }],
		['bdev_malloc_create', { name: 'MallocB', num_blocks: 8192, block_size: 4096 }],
		['bdev_malloc_create', { name: 'MallocC', num_blocks: 8192, block_size: 4096 }],
		['nvmf_create_subsystem', { nqn: nqnA, allow_any_host: true, serial_number: 'WEDGEA' }],
		['nvmf_subsystem_add_ns', { nqn: nqnA, namespace: { bdev_name: 'DelayA' } }],
		['nvmf_subsystem_add_listener', { nqn: nqnA, listen_address: { trtype: 'VFIOUSER', traddr: vfuA, trsvcid: '' } }],
		['nvmf_create_subsystem', { nqn: nqnB, allow_any_host: true, serial_number: 'WEDGEB' }],
		['nvmf_subsystem_add_ns', { nqn: nqnB, namespace: { bdev_name: 'MallocB' } }],
		['nvmf_subsystem_add_listener', { nqn: nqnB, listen_address: { trtype: 'VFIOUSER', traddr: vfuB, trsvcid: '' } }],
	];
	for (const [m, p] of setup) await rpc.call(m, p);

	const mem = clientHuge ? ['-s', '512', '-g'] : ['--no-huge', '-s', '512'];
	const perfLog = path.join(dir, 'perf-vm-a.log');
	const victim = await startApp(spdk, 'build/bin/spdk_nvme_perf',
		[...mem, '-c', '0x2', '-q', String(QD), '-o', '4096', '-w', 'randread', '-t', String(HOLD_S + 60), '-r', `trtype:VFIOUSER traddr:${vfuA} subnqn:${nqnA}`],
		perfLog, HOLD_S + 90);
	// Wait until the host has its I/O queue (perf's own output is buffered until it exits), then
	// give it a moment to fill the queue: every read then sits in the delay bdev.
	let before = null;
	for (let i = 0; i < 600; i++) {
		await sleep(100);
		const q = await rpc.call('nvmf_subsystem_get_qpairs', { nqn: nqnA });
		if (q.some((x) => x.qid > 0)) { before = q; break; }
	}
	if (!before) throw new Error(`${label}: the vfio-user host never attached; see ${perfLog}`);
	await sleep(1500);
	const ctrlrsBefore = await rpc.call('nvmf_subsystem_get_controllers', { nqn: nqnA });
	// timeout(1) cannot pass SIGKILL on: kill the perf process itself, the way a VM's QEMU dies.
	const perfPid = Number(readFileSync(`/proc/${victim.child.pid}/task/${victim.child.pid}/children`, 'utf8').trim().split(/\s+/)[0] || 0);
	if (!perfPid) throw new Error(`${label}: cannot find the spdk_nvme_perf process under timeout(1)`);
	process.kill(perfPid, 'SIGKILL');
	const tKill = process.hrtime.bigint();
	// A killed DPDK process leaves its hugepage files behind; they would starve the next run.
	await victim.exited;
	for (const f of (existsSync('/dev/hugepages') ? readdirSync('/dev/hugepages') : [])) if (f.startsWith(`spdk_pid${perfPid}map_`)) try { unlinkSync(path.join('/dev/hugepages', f)); } catch { /* not ours to remove */ }
	const since = () => Number(process.hrtime.bigint() - tKill) / 1e6;
	log(`${label}: killed the vfio-user host with ${QD} reads held for ${HOLD_S} s`);

	let tgtExit = null;
	let stopping = false;
	tgt.exited.then((e) => { if (!stopping) tgtExit = { status: e, at_ms: +since().toFixed(0) }; });

	// Each probe on its own connection, so one held reply cannot hide another.
	const probes = [];
	const probe = async (delayMs, name, method, params) => {
		await sleep(Math.max(0, delayMs - since()));
		const c = new Rpc(sock);
		const entry = { name, method, params: params ?? null, sent_ms: +since().toFixed(1) };
		probes.push(entry);
		try {
			await c.connect(2000);
			const reply = await c.raw(method, params, (HOLD_S + 15) * 1000);
			entry.replied_ms = +since().toFixed(1);
			if (reply.error) entry.error = reply.error; else entry.result = summarize(method, reply.result);
		} catch (e) {
			entry.replied_ms = null;
			entry.failure = e.message.replace(sock, '<socket>');
		} finally { c.close(); }
	};
	const summarize = (method, r) => {
		if (method === 'nvmf_subsystem_get_controllers') return { controllers: r.length };
		if (method === 'nvmf_subsystem_get_qpairs') return { qpairs: r.length };
		if (method === 'nvmf_get_subsystems') return { subsystems: r.map((s) => `${s.nqn} (${(s.namespaces ?? []).length} ns)`) };
		if (method === 'bdev_get_bdevs') return { bdevs: r.map((b) => b.name) };
		return r;
	};
	const all = [
		probe(300, 'get_controllers on A, before remove_ns', 'nvmf_subsystem_get_controllers', { nqn: nqnA }),
		probe(300, 'get_subsystems', 'nvmf_get_subsystems'),
		probe(300, 'get_controllers on B', 'nvmf_subsystem_get_controllers', { nqn: nqnB }),
		probe(800, 'remove_ns on A', 'nvmf_subsystem_remove_ns', { nqn: nqnA, nsid: 1 }),
		probe(1300, 'get_controllers on A, after remove_ns', 'nvmf_subsystem_get_controllers', { nqn: nqnA }),
		probe(1300, 'get_qpairs on A', 'nvmf_subsystem_get_qpairs', { nqn: nqnA }),
		probe(1300, 'add_listener on A (a new VM, same NQN)', 'nvmf_subsystem_add_listener', { nqn: nqnA, listen_address: { trtype: 'VFIOUSER', traddr: vfuA2, trsvcid: '' } }),
		probe(1800, 'get_subsystems, later', 'nvmf_get_subsystems'),
		probe(1800, 'bdev_get_bdevs', 'bdev_get_bdevs'),
		probe(1800, 'add_ns on B', 'nvmf_subsystem_add_ns', { nqn: nqnB, namespace: { bdev_name: 'MallocC' } }),
	];
	// The other VM's disk does I/O while the first one's reads are held.
	await sleep(Math.max(0, 2300 - since()));
	let otherVm = null;
	if (tgtExit === null) {
		const bLog = path.join(dir, 'perf-vm-b.log');
		const b = await startApp(spdk, 'build/bin/spdk_nvme_perf',
			['--no-huge', '-s', '256', '-c', '0x2', '-q', '8', '-o', '4096', '-w', 'randread', '-t', '2', '-r', `trtype:VFIOUSER traddr:${vfuB} subnqn:${nqnB}`],
			bLog, 40);
		const started = since();
		const code = await b.exited;
		const m = readFileSync(bLog, 'utf8').match(/^Total\s*:\s*([\d.]+)/m);
		otherVm = { started_ms: +started.toFixed(0), ended_ms: +since().toFixed(0), exit: code, iops: m ? +m[1] : null };
	}
	await Promise.all(all);
	await sleep(1500);
	// A probe whose connection dropped means the target died; a core dump can take a while.
	if (tgtExit === null && probes.some((x) => x.failure)) await Promise.race([tgt.exited, sleep(120000)]);
	await sleep(200);
	const alive = tgtExit === null;
	const crash = alive ? null : backtrace(spdk, dir);
	let after = null;
	if (alive) {
		after = {
			controllers_a: (await rpc.call('nvmf_subsystem_get_controllers', { nqn: nqnA })).length,
			namespaces_a: ((await rpc.call('nvmf_get_subsystems')).find((s) => s.nqn === nqnA)?.namespaces ?? []).length,
			read_ops_delay: (await rpc.call('bdev_get_iostat', { names: ['DelayA'] })).bdevs[0].num_read_ops,
		};
	}
	const logText = readFileSync(tgtLog, 'utf8');
	const logLines = logText.split('\n').filter((l) => /\*(ERROR|WARNING)\*|vfio_user|post_completion|Segmentation|signal/i.test(l))
		.map((l) => l.replace(/^\[[^\]]+\]\s*/, '').replace(dir, '<dir>')).slice(0, 40);
	// How the target takes SIGINT after the episode: a clean exit, or still running after 30 s.
	stopping = alive;
	const shutdown = alive ? await stopApp(tgt, 30000) : null;
	if (!alive) rpc.close();
	await sleep(300);
	return {
		label, build: spdk === stock ? 'stock' : 'fixed', spdk_version: version, ctx_nsid_type: ctxNsidType(spdk),
		client_memory: clientHuge ? 'hugepages (-g, single-file segments)' : '--no-huge',
		qpairs_before_kill: before.map((q) => ({ qid: q.qid, state: q.state, thread: q.thread })),
		controllers_before_kill: ctrlrsBefore.length,
		probes: probes.sort((a, b) => a.sent_ms - b.sent_ms || a.name.localeCompare(b.name)),
		other_vm: otherVm,
		target_exit: tgtExit,
		shutdown: shutdown === null ? null : { signal: 'SIGINT', exited_cleanly: shutdown === 0, status: shutdown },
		crash,
		after_release: after,
		target_log: logLines,
		loadavg_end: loadavg(),
	};
}

// Where a crashed target was, from its core file (kernel.core_pattern "core" puts it in the
// target's working directory): frame, function, file and line as gdb prints them; the core is
// deleted. Null without a core or without gdb.
function backtrace(spdk, dir) {
	const core = readdirSync(dir).find((f) => /^core(\.\d+)?$/.test(f));
	if (!core) return null;
	const file = path.join(dir, core);
	try {
		const out = execFileSync('gdb', ['-batch', '-ex', 'bt 12', path.join(spdk, 'build/bin/spdk_tgt'), file],
			{ encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], env: { ...process.env, LD_LIBRARY_PATH: path.join(spdk, 'build/lib') } });
		const signal = out.match(/terminated with signal (\w+)/)?.[1] ?? null;
		const frames = [...out.matchAll(/^#(\d+)\s+(?:0x[0-9a-f]+ in )?(\w+) \(.*?\) at (?:.*\/)?([\w.]+):(\d+)$/gm)]
			.map((m) => ({ frame: +m[1], function: m[2], file: m[3], line: +m[4] }))
			.filter((f, i, a) => a.findIndex((g) => g.frame === f.frame) === i);
		return { signal, frames };
	} catch {
		return null;
	} finally {
		unlinkSync(file);
	}
}

// What the runs must show; a failed expectation stops the script without writing the file.
function assertMechanism(r) {
	const p = (n) => r.probes.find((x) => x.name === n);
	// Held: waited more than half the hold (the reads were in flight for at most a few seconds before
	// the kill). Prompt: answered within two seconds on a machine that may be loaded.
	const held = (n) => p(n).replied_ms === null || p(n).replied_ms - p(n).sent_ms > HOLD_S * 500;
	const prompt = (n) => p(n).replied_ms !== null && p(n).replied_ms - p(n).sent_ms < 2000;
	const fail = (why) => { throw new Error(`${r.label}: ${why}: ${JSON.stringify(r.probes.map((x) => [x.name, x.sent_ms, x.replied_ms]))}`); };
	for (const n of ['get_subsystems', 'get_controllers on B']) if (!prompt(n)) fail(`${n} should answer at once`);
	if (!held('remove_ns on A')) fail('remove_ns on A should wait for the held reads');
	for (const n of ['get_controllers on A, after remove_ns', 'get_qpairs on A', 'add_listener on A (a new VM, same NQN)']) if (!held(n)) fail(`${n} should queue behind remove_ns`);
	if (r.build === 'stock') {
		if (!prompt('get_controllers on A, before remove_ns')) fail('stock: get_controllers before remove_ns should answer (the quiesce does not wait)');
	} else if (!held('get_controllers on A, before remove_ns')) fail('fixed: get_controllers before remove_ns should wait behind the quiesce');
	if (r.target_exit === null) {
		for (const n of ['get_subsystems, later', 'bdev_get_bdevs', 'add_ns on B']) if (!prompt(n)) fail(`${n} should answer at once`);
		if (!(r.other_vm?.iops > 0)) fail('the other VM did no I/O during the hold');
	}
}

try {
	const plan = [];
	if (hugeFree >= 128) plan.push(['stock-hugepages', stock, true]);
	else doc.skipped.push(`stock with a hugepage-backed client: only ${hugeFree} free 2 MiB hugepages (echo 512 > /proc/sys/vm/nr_hugepages)`);
	plan.push(['stock-nohuge', stock, false]);
	if (fixed && hugeFree >= 128) plan.push(['fixed-hugepages', fixed, true]);
	else doc.skipped.push(fixed ? 'fixed build with a hugepage-backed client: not enough free hugepages' : 'v26.01 + 77da9c9bc4: SPDK_FIXED_BUILD_DIR is not set');
	for (const [label, dir, huge] of plan) {
		log(`run ${label}`);
		const r = await run(label, dir, huge);
		assertMechanism(r);
		doc.runs.push(r);
	}
	for (const s of doc.skipped) console.log(`${SCRIPT}: not run: ${s}`);
	doc.machine.loadavg_end = loadavg();
	doc.finished_utc = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
	writeJson(path.join(RESULTS_DIR, 'vfio-user-wedge.json'), doc);
	await cleanup();
} catch (e) {
	console.error(`${SCRIPT}: ${e.stack || e.message}`);
	await cleanup({ keepWork: true });
	console.error(`${SCRIPT}: logs kept in ${work}`);
	process.exit(1);
}
