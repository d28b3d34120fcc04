#!/usr/bin/env node
// SPDX-License-Identifier: BSD-3-Clause
// Copyright (C) 2026 the learning-site project authors.
//
// Inside the nvmf target, recorded (for the nvmf/nvmf-tgt page). With SPDK_BUILD_DIR pointing at a
// built SPDK v26.01, starts spdk_tgt on two cores (-m 0x3, so the nvmf subsystem makes two poll
// groups), asks which threads exist and where they run, builds one NVMe/TCP subsystem on
// 127.0.0.1:4430 whose namespaces sit on delay bdevs, and connects spdk_nvme_perf to it. It records:
//   1. the poll-group threads before and after the TCP transport exists (nvmf_get_stats,
//      thread_get_stats, framework_get_reactors, thread_get_pollers);
//   2. where perf's qpairs landed (nvmf_subsystem_get_qpairs / get_controllers while perf runs);
//   3. how long namespace and query RPCs take idle and under load (each request timed from write to
//      reply on one JSON-RPC connection);
//   4. the state-change FIFO: remove_ns of the loaded namespace, with get_qpairs and
//      nvmf_get_subsystems sent right behind it;
//   5. two remove_ns pipelined on two loaded namespaces with different delays, with the second
//      namespace's completed-read count sampled before and after its reply, and whether perf and the
//      target still finish afterwards.
// Every request and reply is written verbatim to labs/results/nvmf-tgt.json with the machine.
//
//   SPDK_BUILD_DIR=/path/to/spdk node labs/nvmf-tgt/record-nvmf-tgt.mjs
//   knobs: RECORD_OUT (labs/results/nvmf-tgt.json), RECORD_SOCK (/tmp/nvmftgt.sock)
// Run time: about 1 minute. Without SPDK_BUILD_DIR: prints what it skipped and exits 0.
// Node built-ins only. Never builds SPDK; stops every process it started on every exit path (the
// process handling and the JSON-RPC client come from iowatch/record/common.mjs).
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
	Rpc, sleep, log, sh, loadavg, machineFacts, spdkConfig, alive, makeWorkDir, cleanup, startTracked, stopTracked, spdkLibEnv,
} from '../../iowatch/record/common.mjs';

const SCRIPT = 'labs/nvmf-tgt/record-nvmf-tgt.mjs';
const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(HERE, '../..');
const OUT = process.env.RECORD_OUT || path.join(ROOT, 'labs/results/nvmf-tgt.json');
const SOCK = process.env.RECORD_SOCK || '/tmp/nvmftgt.sock';
const ADDR = '127.0.0.1';
const PORT = '4430';
const NQN = 'nqn.2026-12.io.spdk:nvmftgt';
const CORE_MASK = '0x3';
const IDLE_REPS = 5;
const LOAD_REPS = 3;
// Delay bdev latencies, microseconds (bdev_delay_create takes them in us).
const DELAY_NS1_US = 1000000;
const DELAY_NS2_US = 4000000;
const PERF_QD = 4;
const PERF_QPAIRS = 2;

const nowMs = () => Number(process.hrtime.bigint()) / 1e6;
let T0 = nowMs();
const rel = () => Math.round((nowMs() - T0) * 1000) / 1000;

function spdkOrSkip() {
	const dir = process.env.SPDK_BUILD_DIR || '';
	if (!dir) {
		console.log(`${SCRIPT}: SKIPPED: SPDK_BUILD_DIR is not set, so there is no spdk_tgt or spdk_nvme_perf to run.`);
		console.log(`${SCRIPT}:   not run: poll-group threads, qpair placement, pause latencies idle and under load, the state-change FIFO.`);
		console.log(`${SCRIPT}:   Nothing was started or written. Set SPDK_BUILD_DIR to a built SPDK v26.01.`);
		return null;
	}
	for (const n of ['build/bin/spdk_tgt', 'build/bin/spdk_nvme_perf']) {
		if (!existsSync(path.join(dir, n))) {
			console.error(`${SCRIPT}: ${dir} has no ${n}: point SPDK_BUILD_DIR at a built SPDK tree (this script never builds SPDK)`);
			process.exit(2);
		}
	}
	return path.resolve(dir);
}

// ---- processes: everything started is tracked (common.mjs) and stopped on every exit path ----
let workDir = null;

// timeout(1) bounds the child's life even if this script is SIGKILLed. A forced stop kills the SPDK
// process under timeout(1) too; its trace shm file is removed. cleanup() gives each 3 s.
function startChild(spdk, bin, args, logName, maxLifeS) {
	return startTracked([path.join(spdk, bin), ...args], path.join(workDir, logName), maxLifeS,
		{ env: spdkLibEnv(spdk), killAfterS: 5, graceMs: 3000, killInner: true, removeTrace: true });
}
const stopChild = (c, graceMs = 10000) => stopTracked(c, { graceMs, killInner: true, removeTrace: true });

// ---- JSON-RPC 2.0 over the Unix socket; every exchange is kept with its timestamps ----
const exchanges = [];
class ExchangeRpc extends Rpc {
	constructor(sock) {
		const open = new Map();
		super(sock, {
			timeoutMs: 30000,
			// Both hooks run synchronously: when the request is written, and when its reply is parsed.
			onSend: (req) => {
				const ex = { id: req.id, phase: this.phase, method: req.method, params: req.params ?? null, sent_ms: rel(), reply_ms: null, latency_ms: null, reply: null };
				exchanges.push(ex);
				open.set(req.id, ex);
			},
			onReply: (req, msg) => {
				const ex = open.get(req.id);
				open.delete(req.id);
				ex.reply_ms = rel();
				ex.latency_ms = Math.round((ex.reply_ms - ex.sent_ms) * 1000) / 1000;
				ex.reply = msg.error ? { error: msg.error } : { result: msg.result };
			},
		});
		this.open = open;
	}
	async connect(child, timeoutMs = 60000) {
		try {
			await super.connect(timeoutMs, () => alive(child));
		} catch (e) {
			if (!alive(child)) throw new Error(`spdk_tgt exited before ${this.sock} answered:\n${readFileSync(child.logFile, 'utf8').slice(-2000)}`);
			throw e;
		}
	}
	// Sends one request; resolves to the exchange record {id, phase, method, params, sent_ms, reply_ms, latency_ms, reply}.
	send(method, params, phase, timeoutMs = 30000) {
		this.phase = phase;
		const id = this.id + 1;
		const p = this.raw(method, params, timeoutMs);
		const ex = this.open.get(id);
		return p.then(() => ex, (e) => {
			this.open.delete(id);
			if (/no reply within/.test(e.message)) ex.reply = { timeout_ms: timeoutMs };
			throw e;
		});
	}
	async call(method, params, phase, timeoutMs) {
		const ex = await this.send(method, params, phase, timeoutMs);
		if (ex.reply.error) throw new Error(`${method}(${JSON.stringify(params ?? {})}) failed: ${JSON.stringify(ex.reply.error)}`);
		return ex.reply.result;
	}
}

// ---- the machine ----
function describe(spdk) {
	const config = spdkConfig(spdk, ['DEBUG', 'SHARED', 'ASAN', 'UBSAN', 'VFIO_USER']);
	// Other SPDK processes on the box compete for the same two cores: say so in the file.
	const others = (sh('ps', ['-eo', 'pid=,comm=']) || '').split('\n').map((l) => l.trim().split(/\s+/))
		.filter(([, c]) => /^(spdk_tgt|nvmf_tgt|bdevperf|spdk_nvme_perf|vhost|reactor_\d+)$/.test(c ?? '')).length;
	return {
		machine: { ...machineFacts(), other_spdk_processes_at_start: others },
		build: {
			commit: sh('git', ['-C', spdk, 'rev-parse', 'HEAD']),
			describe: sh('git', ['-C', spdk, 'describe', '--tags', '--match', 'v*', '--dirty']),
			config,
			release_build: config.DEBUG === 'n',
		},
	};
}

const perfArgs = (seconds) => ['--no-huge', '-s', '256', '-q', String(PERF_QD), '-o', '4096', '-w', 'randread', '-t', String(seconds),
	'-P', String(PERF_QPAIRS), '-c', '0x1', '-r', `trtype:TCP adrfam:IPv4 traddr:${ADDR} trsvcid:${PORT} subnqn:${NQN}`];

const readsOf = (iostat, name) => iostat.bdevs.find((b) => b.name === name)?.num_read_ops ?? null;

async function waitQpairs(rpc, n, phase, maxMs = 20000) {
	const t = Date.now();
	for (;;) {
		const q = await rpc.call('nvmf_subsystem_get_qpairs', { nqn: NQN }, phase);
		if (q.length >= n) return q;
		if (Date.now() - t > maxMs) throw new Error(`perf did not connect ${n} qpairs within ${maxMs} ms`);
		await sleep(300);
	}
}

async function main() {
	const spdk = spdkOrSkip();
	if (!spdk) return;
	workDir = makeWorkDir('nvmftgt-record-');
	const facts = describe(spdk);
	T0 = nowMs();
	const wall0 = Date.now();
	const tgtArgs = ['--no-huge', '-s', '1024', '-m', CORE_MASK, '--disable-cpumask-locks', '-r', SOCK];
	log(`starting spdk_tgt ${tgtArgs.join(' ')}`);
	const tgt = startChild(spdk, 'build/bin/spdk_tgt', tgtArgs, 'spdk_tgt.log', 240);
	const rpc = new ExchangeRpc(SOCK);
	await rpc.connect(tgt);
	await rpc.call('framework_wait_init', undefined, 'start');
	const version = await rpc.call('spdk_get_version', undefined, 'start');

	// 1. Threads before any transport exists.
	await rpc.call('framework_get_reactors', undefined, 'threads');
	await rpc.call('thread_get_stats', undefined, 'threads');
	await rpc.call('nvmf_get_stats', undefined, 'threads');

	// The subsystem: ns1 on a 1 s delay bdev (perf's load); Malloc2 is added and removed as nsid 3.
	const setup = [
		['nvmf_create_transport', { trtype: 'TCP' }],
		['bdev_malloc_create', { name: 'Malloc0', num_blocks: 65536, block_size: 512 }],
		['bdev_malloc_create', { name: 'Malloc1', num_blocks: 65536, block_size: 512 }],
		['bdev_malloc_create', { name: 'Malloc2', num_blocks: 65536, block_size: 512 }],
		['bdev_delay_create', { base_bdev_name: 'Malloc0', name: 'Delay0', avg_read_latency: DELAY_NS1_US, p99_read_latency: DELAY_NS1_US, avg_write_latency: DELAY_NS1_US, p99_write_latency: DELAY_NS1_US }],
		['bdev_delay_create', { base_bdev_name: 'Malloc1', name: 'Delay1', avg_read_latency: DELAY_NS2_US, p99_read_latency: DELAY_NS2_US, avg_write_latency: DELAY_NS2_US, p99_write_latency: DELAY_NS2_US }],
		['nvmf_create_subsystem', { nqn: NQN, allow_any_host: true, serial_number: 'SPDK00000000000001' }],
		['nvmf_subsystem_add_ns', { nqn: NQN, namespace: { bdev_name: 'Delay0', nsid: 1 } }],
		['nvmf_subsystem_add_listener', { nqn: NQN, listen_address: { trtype: 'TCP', adrfam: 'IPv4', traddr: ADDR, trsvcid: PORT } }],
	];
	for (const [m, p] of setup) await rpc.call(m, p, 'setup');
	await rpc.call('nvmf_get_stats', undefined, 'threads-with-transport');
	await rpc.call('thread_get_pollers', undefined, 'threads-with-transport');

	// 3a. Idle: nobody connected.
	const idleOps = async (phase) => {
		await rpc.call('nvmf_get_subsystems', undefined, phase);
		await rpc.call('nvmf_subsystem_get_qpairs', { nqn: NQN }, phase);
		await rpc.call('nvmf_subsystem_add_ns', { nqn: NQN, namespace: { bdev_name: 'Malloc2', nsid: 3 } }, phase);
		await rpc.call('nvmf_subsystem_remove_ns', { nqn: NQN, nsid: 3 }, phase);
	};
	for (let i = 0; i < IDLE_REPS; i++) {
		await idleOps('idle');
		await rpc.call('nvmf_subsystem_remove_ns', { nqn: NQN, nsid: 1 }, 'idle');
		await rpc.call('nvmf_subsystem_add_ns', { nqn: NQN, namespace: { bdev_name: 'Delay0', nsid: 1 } }, 'idle');
	}

	// 2 + 3b + 4. perf on ns1 only.
	log('perf run 1: ns1 on the 1 s delay bdev');
	const perf1Start = rel();
	const perf1 = startChild(spdk, 'build/bin/spdk_nvme_perf', perfArgs(12), 'perf1.log', 60);
	const q1 = await waitQpairs(rpc, 1 + PERF_QPAIRS, 'placement');
	await sleep(DELAY_NS1_US / 1000 + 500);
	await rpc.call('nvmf_subsystem_get_qpairs', { nqn: NQN }, 'placement');
	await rpc.call('nvmf_subsystem_get_controllers', { nqn: NQN }, 'placement');
	await rpc.call('nvmf_get_stats', undefined, 'placement');
	await rpc.call('thread_get_stats', undefined, 'placement');
	for (let i = 0; i < LOAD_REPS; i++) {
		await idleOps('load');
		await sleep(150);
	}
	// 4. The FIFO: remove_ns on the loaded namespace, two more requests right behind it.
	log('FIFO: remove_ns 1 under load, then get_qpairs and nvmf_get_subsystems');
	const fifo = [
		rpc.send('nvmf_subsystem_remove_ns', { nqn: NQN, nsid: 1 }, 'fifo'),
		rpc.send('nvmf_subsystem_get_qpairs', { nqn: NQN }, 'fifo'),
		rpc.send('nvmf_get_subsystems', undefined, 'fifo'),
		rpc.send('bdev_get_iostat', undefined, 'fifo'),
	];
	await Promise.all(fifo);
	const perf1Stop = await waitExit(perf1, 25000);
	const perf1End = rel();
	log(`perf run 1 ended: ${JSON.stringify(perf1Stop)}`);

	// 5. Two loaded namespaces, two remove_ns pipelined.
	await rpc.call('nvmf_subsystem_add_ns', { nqn: NQN, namespace: { bdev_name: 'Delay0', nsid: 1 } }, 'setup2');
	await rpc.call('nvmf_subsystem_add_ns', { nqn: NQN, namespace: { bdev_name: 'Delay1', nsid: 2 } }, 'setup2');
	log('perf run 2: ns1 on 1 s, ns2 on 4 s delay bdevs');
	const perf2Start = rel();
	const perf2 = startChild(spdk, 'build/bin/spdk_nvme_perf', perfArgs(10), 'perf2.log', 60);
	await waitQpairs(rpc, 1 + 2 * PERF_QPAIRS, 'two-removes');
	// Let ns2's first batch of reads complete, then land between its batches.
	const before0 = await rpc.call('bdev_get_iostat', undefined, 'two-removes');
	let before = before0;
	for (let i = 0; i < 60 && readsOf(before, 'Delay1') === readsOf(before0, 'Delay1'); i++) {
		await sleep(250);
		before = await rpc.call('bdev_get_iostat', undefined, 'two-removes');
	}
	await sleep(1200);
	before = await rpc.call('bdev_get_iostat', undefined, 'two-removes');
	const pair = [
		rpc.send('nvmf_subsystem_remove_ns', { nqn: NQN, nsid: 1 }, 'two-removes'),
		rpc.send('nvmf_subsystem_remove_ns', { nqn: NQN, nsid: 2 }, 'two-removes'),
	];
	await Promise.all(pair);
	const after = await rpc.call('bdev_get_iostat', undefined, 'two-removes');
	await sleep(DELAY_NS2_US / 1000 + 1000);
	const later = await rpc.call('bdev_get_iostat', undefined, 'two-removes');
	await rpc.call('nvmf_get_subsystems', undefined, 'two-removes');
	const perf2Stop = await waitExit(perf2, 20000);
	const perf2End = rel();
	log(`perf run 2 ended: ${JSON.stringify(perf2Stop)}`);
	const tgtAliveBeforeStop = alive(tgt);
	rpc.close();
	const tgtStop = await stopChild(tgt, 15000);
	log(`spdk_tgt stopped: ${JSON.stringify(tgtStop)}`);

	facts.machine.loadavg_end = loadavg();
	facts.machine.wall_s = Math.round((Date.now() - wall0) / 100) / 10;
	const tail = (c, n = 40) => readFileSync(c.logFile, 'utf8').split('\n').filter(Boolean).slice(-n);
	const doc = {
		schema: 'nvmf-tgt-recording/1',
		recording: 'nvmf-tgt',
		script: SCRIPT,
		spdk_version: version,
		...facts,
		config: {
			hugepages: false,
			spdk_tgt_args: tgtArgs,
			core_mask: CORE_MASK,
			listen: { trtype: 'TCP', traddr: ADDR, trsvcid: PORT },
			nqn: NQN,
			delay_ns1_us: DELAY_NS1_US,
			delay_ns2_us: DELAY_NS2_US,
			perf_args: perfArgs('<seconds>'),
			perf_queue_depth: PERF_QD,
			perf_qpairs_per_ns: PERF_QPAIRS,
			idle_reps: IDLE_REPS,
			load_reps: LOAD_REPS,
			timing: 'each exchange: sent_ms/reply_ms on a monotonic clock from spdk_tgt start; latency = reply - sent on one JSON-RPC connection',
		},
		runs: {
			perf1: { started_ms: perf1Start, ended_ms: perf1End, exit: perf1Stop, log_tail: tail(perf1, 12), qpairs_at_connect: q1.length },
			perf2: { started_ms: perf2Start, ended_ms: perf2End, exit: perf2Stop, log_tail: tail(perf2, 12) },
			two_removes: {
				delay1_reads_before: readsOf(before, 'Delay1'),
				delay1_reads_after_replies: readsOf(after, 'Delay1'),
				delay1_reads_later: readsOf(later, 'Delay1'),
			},
			spdk_tgt: { alive_before_stop: tgtAliveBeforeStop, exit: tgtStop, log_tail: tail(tgt, 25) },
		},
		exchanges,
	};
	writeFileSync(OUT, `${JSON.stringify(doc, null, 2)}\n`);
	log(`wrote ${path.relative(process.cwd(), OUT)} (${exchanges.length} exchanges)`);
	await cleanup();
}

// Waits for perf to end by itself; if it has not after maxMs, stops it (and says so).
async function waitExit(c, maxMs) {
	const t = Date.now();
	while (alive(c) && Date.now() - t < maxMs) await sleep(200);
	if (!alive(c)) return { code: c.exitCode, signal: c.signalCode, ended_by_itself: true };
	const r = await stopChild(c, 5000);
	return { ...r, ended_by_itself: false, waited_ms: maxMs };
}

main().catch(async (e) => {
	console.error(`${SCRIPT}: ${e.stack || e.message}`);
	await cleanup({ keepWork: true });
	if (workDir) console.error(`${SCRIPT}: logs kept in ${workDir}`);
	process.exit(1);
});
