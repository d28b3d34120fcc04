#!/usr/bin/env node
// SPDX-License-Identifier: BSD-3-Clause
// Copyright (C) 2026 the learning-site project authors.
//
// Records what the nvmf/transports page shows about one built SPDK: which transports this build
// can create (and the error for the ones it cannot), each created transport's options as
// nvmf_get_transports reports them, which pollers sit on which thread before and while one NVMe/TCP
// host and one vfio-user host do I/O, which poll group each of their queue pairs landed on, and the
// per-poll-group transport statistics afterwards. Writes labs/results/nvmf-transports.json.
//
//   SPDK_BUILD_DIR=/path/to/built/spdk node labs/nvmf-transports/record-transports.mjs
//
// One spdk_tgt with two reactors (-m 0x3, so two nvmf poll groups), two malloc namespaces in two
// subsystems, one listener on 127.0.0.1 for TCP and one vfio-user socket directory, and two
// spdk_nvme_perf runs of a few seconds. Nothing is built; every process is stopped on exit.
import { existsSync, readFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import {
	RESULTS_DIR, sleep, log, spdkOrSkip, makeWorkDir, cleanup, startApp, stopApp, describe, loadavg, writeJson,
} from '../../iowatch/record/common.mjs';

const SCRIPT = 'record-transports';
const TCP_PORT = '4460';
const PERF_SECONDS = 4;

const spdk = spdkOrSkip(SCRIPT, [
	'nvmf_create_transport for TCP, VFIOUSER, RDMA and FC (the last two fail on a build without RDMA or FC)',
	'nvmf_get_transports, thread_get_pollers, nvmf_subsystem_get_qpairs, nvmf_get_stats',
	`spdk_nvme_perf over NVMe/TCP (127.0.0.1:${TCP_PORT}) and over vfio-user, ${PERF_SECONDS} s each`,
	'labs/results/nvmf-transports.json was left as it is',
]);
if (!spdk) process.exit(0);
for (const bin of ['build/bin/spdk_tgt', 'build/bin/spdk_nvme_perf']) {
	if (!existsSync(path.join(spdk, bin))) {
		console.error(`${SCRIPT}: ${spdk} has no ${bin}`);
		process.exit(2);
	}
}

const work = makeWorkDir();
const sock = path.join(work, 'tgt.sock');
const vfuDir = path.join(work, 'vfu0');
mkdirSync(vfuDir);
const doc = { ...describe(spdk), script: 'labs/nvmf-transports/record-transports.mjs', steps: [] };
const t0 = process.hrtime.bigint();
const msSince = () => Number(process.hrtime.bigint() - t0) / 1e6;

// One JSON-RPC call, recorded with its reply or error and how long it took.
async function step(rpc, method, params, { expectError = false } = {}) {
	const start = msSince();
	const reply = await rpc.raw(method, params, 30000);
	const entry = { method, params: params ?? null, at_ms: +start.toFixed(1), ms: +(msSince() - start).toFixed(2) };
	if (reply.error) entry.error = reply.error; else entry.result = reply.result;
	doc.steps.push(entry);
	if (Boolean(reply.error) !== expectError) {
		throw new Error(`${method}: expected ${expectError ? 'an error' : 'success'}, got ${JSON.stringify(reply.error ?? reply.result)}`);
	}
	return reply.result;
}

// thread name -> poller names (with their period in microseconds, 0 = runs every iteration).
function pollerMap(res) {
	const out = {};
	const us = (ticks) => (ticks ? Math.round(ticks / (res.tick_rate / 1e6)) : 0);
	for (const t of res.threads) {
		out[t.name] = ['active_pollers', 'timed_pollers', 'paused_pollers']
			.flatMap((k) => t[k].map((p) => ({ name: p.name, period_us: us(p.period_ticks), state: k.replace('_pollers', '') })));
	}
	return out;
}

// The figures of spdk_nvme_perf's "Total" line.
function perfTotals(file) {
	const text = readFileSync(file, 'utf8');
	const m = text.match(/^Total\s*:\s*([\d.]+)\s+([\d.]+)\s+([\d.]+)\s+([\d.]+)\s+([\d.]+)/m);
	if (!m) throw new Error(`no Total line in ${file}:\n${text.slice(-2000)}`);
	return { iops: +m[1], mib_s: +m[2], avg_us: +m[3], min_us: +m[4], max_us: +m[5] };
}

try {
	const tgt = await startApp(spdk, 'build/bin/spdk_tgt', ['--no-huge', '-s', '1024', '-m', '0x3', '-r', sock],
		path.join(work, 'tgt.log'), 240, { rpcSock: sock });
	const rpc = tgt.rpc;
	doc.spdk_version = (await rpc.call('spdk_get_version')).version;
	log(`target up: ${doc.spdk_version}`);

	await step(rpc, 'nvmf_create_transport', { trtype: 'TCP' });
	await step(rpc, 'nvmf_create_transport', { trtype: 'VFIOUSER' });
	await step(rpc, 'nvmf_create_transport', { trtype: 'RDMA' }, { expectError: doc.build.config.RDMA !== 'y' });
	await step(rpc, 'nvmf_create_transport', { trtype: 'FC' }, { expectError: true });
	doc.transports = await step(rpc, 'nvmf_get_transports');

	await step(rpc, 'bdev_malloc_create', { name: 'm0', num_blocks: 16384, block_size: 4096 });
	await step(rpc, 'bdev_malloc_create', { name: 'm1', num_blocks: 16384, block_size: 4096 });
	const tcpNqn = 'nqn.2016-06.io.spdk:transports-tcp';
	const vfuNqn = 'nqn.2016-06.io.spdk:transports-vfu';
	await step(rpc, 'nvmf_create_subsystem', { nqn: tcpNqn, allow_any_host: true, serial_number: 'TRTCP0' });
	await step(rpc, 'nvmf_subsystem_add_ns', { nqn: tcpNqn, namespace: { bdev_name: 'm0' } });
	await step(rpc, 'nvmf_subsystem_add_listener', { nqn: tcpNqn, listen_address: { trtype: 'TCP', adrfam: 'IPv4', traddr: '127.0.0.1', trsvcid: TCP_PORT } });
	await step(rpc, 'nvmf_create_subsystem', { nqn: vfuNqn, allow_any_host: true, serial_number: 'TRVFU0' });
	await step(rpc, 'nvmf_subsystem_add_ns', { nqn: vfuNqn, namespace: { bdev_name: 'm1' } });
	await step(rpc, 'nvmf_subsystem_add_listener', { nqn: vfuNqn, listen_address: { trtype: 'VFIOUSER', traddr: vfuDir, trsvcid: '' } });
	doc.pollers_idle = pollerMap(await step(rpc, 'thread_get_pollers'));

	// Two hosts at once: NVMe/TCP with two I/O queue pairs, vfio-user with one.
	const perfArgs = (core, trid, extra) => ['--no-huge', '-s', '256', '-c', core, '-q', '8', '-o', '4096', '-w', 'randread', '-t', String(PERF_SECONDS), ...extra, '-r', trid];
	const tcpPerf = await startApp(spdk, 'build/bin/spdk_nvme_perf',
		perfArgs('0x1', `trtype:TCP adrfam:IPv4 traddr:127.0.0.1 trsvcid:${TCP_PORT} subnqn:${tcpNqn}`, ['-P', '2']),
		path.join(work, 'perf-tcp.log'), 60);
	const vfuPerf = await startApp(spdk, 'build/bin/spdk_nvme_perf',
		perfArgs('0x2', `trtype:VFIOUSER traddr:${vfuDir} subnqn:${vfuNqn}`, []),
		path.join(work, 'perf-vfu.log'), 60);

	// Sample until both hosts have their I/O queue pairs, then keep one sample of everything.
	let qTcp = [], qVfu = [];
	for (let i = 0; i < 40; i++) {
		await sleep(150);
		qTcp = (await rpc.call('nvmf_subsystem_get_qpairs', { nqn: tcpNqn })) ?? [];
		qVfu = (await rpc.call('nvmf_subsystem_get_qpairs', { nqn: vfuNqn })) ?? [];
		if (qTcp.filter((q) => q.qid > 0).length >= 2 && qVfu.filter((q) => q.qid > 0).length >= 1) break;
	}
	doc.qpairs = {
		tcp: qTcp.map((q) => ({ cntlid: q.cntlid, qid: q.qid, state: q.state, thread: q.thread })),
		vfiouser: qVfu.map((q) => ({ cntlid: q.cntlid, qid: q.qid, state: q.state, thread: q.thread })),
	};
	doc.pollers_connected = pollerMap(await step(rpc, 'thread_get_pollers'));
	doc.loadavg_during = loadavg();

	const [tcpExit, vfuExit] = await Promise.all([tcpPerf.exited, vfuPerf.exited]);
	if (tcpExit !== 0 || vfuExit !== 0) throw new Error(`spdk_nvme_perf exited with ${tcpExit} (TCP) and ${vfuExit} (vfio-user); logs in ${work}`);
	doc.perf = {
		args: { queue_depth: 8, io_size: 4096, workload: 'randread', seconds: PERF_SECONDS, tcp_io_qpairs: 2, vfiouser_io_qpairs: 1 },
		tcp: perfTotals(path.join(work, 'perf-tcp.log')),
		vfiouser: perfTotals(path.join(work, 'perf-vfu.log')),
	};
	const stats = await step(rpc, 'nvmf_get_stats');
	doc.stats = stats.poll_groups.map((g) => ({
		name: g.name, admin_qpairs: g.admin_qpairs, io_qpairs: g.io_qpairs, completed_nvme_io: g.completed_nvme_io,
		transports: g.transports.map((t) => t.trtype),
	}));
	doc.machine.loadavg_end = loadavg();
	doc.finished_utc = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
	await stopApp(tgt);
	writeJson(path.join(RESULTS_DIR, 'nvmf-transports.json'), doc);
	await cleanup();
} catch (e) {
	console.error(`${SCRIPT}: ${e.stack || e.message}`);
	await cleanup({ keepWork: true });
	console.error(`${SCRIPT}: logs kept in ${work}`);
	process.exit(1);
}
