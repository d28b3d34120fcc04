#!/usr/bin/env node
// SPDX-License-Identifier: BSD-3-Clause
// Copyright (C) 2026 the learning-site project authors.
//
// Records the failures the ops-debug/failure-modes page walks through, against an already built
// SPDK v26.01, and writes labs/results/failures.json: every JSON-RPC request with its reply or
// error, when it was sent and how long it took, plus periodic samples of the state an on-call
// engineer would look at.
//
//   SPDK_BUILD_DIR=/path/to/built/spdk node labs/failures/record-failures.mjs
//
// Experiments (every process is started here, wrapped in timeout(1), and stopped on every exit path):
//   raid1_reconnect_forever  a "storage" spdk_tgt exports a malloc bdev over NVMe/TCP on 127.0.0.1;
//                            a "hypervisor" bdevperf (-z) attaches it with ctrlr_loss_timeout_sec -1
//                            and reconnect_delay_sec 1, builds raid1 over it and a local malloc,
//                            writes, and the storage listener is removed for a while. Run twice:
//                            fast_io_fail_timeout_sec 0 (I/O waits for the path) and 3 (I/O fails
//                            after 3 s, raid1 drops the leg and carries on).
//   rpc_connection_leak      a client opens JSON-RPC connections and never closes them; what the
//                            next connection sees, whether established ones still work, and what
//                            happens when the leak is closed.
//   slow_rpc_handler         a bdev_malloc_create of a large bdev (zeroed synchronously on the app
//                            thread) while a second connection sends spdk_get_version in a loop.
//   hot_remove_base          bdev_malloc_delete under a passthru bdev that an nvmf namespace holds open.
//   thin_enospc              a 64 MiB thin lvol on a 32 MiB lvstore written past the end of free
//                            clusters: bdevperf's failures, bdev_get_iostat's io_error, the store's
//                            free_clusters, and what SPDK logged.
//
// Node built-ins only. Never builds anything. Without SPDK_BUILD_DIR it prints SKIPPED and exits 0.
import { existsSync, readFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import {
	RESULTS_DIR, sleep, log, spdkOrSkip, makeWorkDir, cleanup, startApp, stopApp, describe, loadavg, writeJson, Rpc,
} from '../../iowatch/record/common.mjs';

const SCRIPT = 'record-failures';
const PORT = '4470';
const NQN = 'nqn.2016-06.io.spdk:failures-remote';
const SOCK = (n) => `/var/tmp/failures-${n}.sock`;
const SHM = { storage: 41, hv: 42, rpc: 43, slow: 44, hot: 45, thin: 46 };

const spdk = spdkOrSkip(SCRIPT, [
	`raid1 over a local malloc and an NVMe/TCP leg (127.0.0.1:${PORT}) with ctrlr_loss_timeout_sec -1; the listener removed under bdevperf writes, with fast_io_fail_timeout_sec 0 and 3`,
	'a JSON-RPC client that leaks connections until the server stops accepting, then closes them',
	'a large bdev_malloc_create timed against spdk_get_version on a second connection',
	'bdev_malloc_delete under a passthru bdev held open by an nvmf namespace',
	'bdevperf writing a 64 MiB thin lvol on a 32 MiB lvstore until clusters run out',
	'labs/results/failures.json was left as it is',
]);
if (!spdk) process.exit(0);
for (const bin of ['build/bin/spdk_tgt', 'build/examples/bdevperf']) {
	if (!existsSync(path.join(spdk, bin))) {
		console.error(`${SCRIPT}: ${spdk} has no ${bin}`);
		process.exit(2);
	}
}

const work = makeWorkDir();
const doc = { recording: 'failures', ...describe(spdk), script: 'labs/failures/record-failures.mjs', experiments: {} };
const t0 = process.hrtime.bigint();
const msSince = () => Number(process.hrtime.bigint() - t0) / 1e6;
const r1 = (x) => +x.toFixed(1);

// One JSON-RPC call, recorded under `steps` with its reply or error, start (ms since the
// experiment began) and duration.
function stepper(steps, base) {
	return async (app, rpc, method, params, { expect = 'ok', timeoutMs = 30000, why } = {}) => {
		const start = msSince();
		const entry = { app, method, params: params ?? null, at_ms: r1(start - base), utc: new Date().toISOString() };
		if (why) entry.why = why;
		let reply;
		try {
			reply = await rpc.raw(method, params, timeoutMs);
		} catch (e) {
			entry.ms = r1(msSince() - start);
			entry.transport_error = e.message;
			steps.push(entry);
			if (expect !== 'no-reply') throw e;
			return undefined;
		}
		entry.ms = +(msSince() - start).toFixed(2);
		if (reply.error) entry.error = reply.error; else entry.result = reply.result;
		steps.push(entry);
		const got = reply.error ? 'error' : 'ok';
		if (expect !== 'any' && got !== expect) {
			throw new Error(`${app} ${method}: expected ${expect}, got ${JSON.stringify(reply.error ?? reply.result).slice(0, 400)}`);
		}
		return reply.result;
	};
}

const listen = { trtype: 'TCP', adrfam: 'IPv4', traddr: '127.0.0.1', trsvcid: PORT };

// ---- 1. raid1 with a remote leg that reconnects forever ----
async function raid1Run(fastFail) {
	const steps = [];
	const samples = [];
	const base = msSince();
	const step = stepper(steps, base);
	const OUTAGE_AT = 3000, OUTAGE_MS = 9000, RUN_S = 16;
	const storage = await startApp(spdk, 'build/bin/spdk_tgt', ['--no-huge', '--disable-cpumask-locks', '-s', '1024', '-m', '0x1', '-i', String(SHM.storage), '-r', SOCK('storage')],
		path.join(work, `storage-ff${fastFail}.log`), 120, { rpcSock: SOCK('storage') });
	const hv = await startApp(spdk, 'build/examples/bdevperf', ['--no-huge', '--disable-cpumask-locks', '-s', '1024', '-m', '0x2', '-i', String(SHM.hv), '-r', SOCK('hv'),
		'-z', '-T', 'raid1', '-q', '8', '-o', '4096', '-w', 'write', '-t', String(RUN_S)],
		path.join(work, `hv-ff${fastFail}.log`), 120, { rpcSock: SOCK('hv') });
	const s = storage.rpc, h = hv.rpc;
	await step('storage', s, 'bdev_malloc_create', { name: 'remote0', num_blocks: 16384, block_size: 4096 });
	await step('storage', s, 'nvmf_create_transport', { trtype: 'TCP' });
	await step('storage', s, 'nvmf_create_subsystem', { nqn: NQN, allow_any_host: true, serial_number: 'FAIL0001' });
	await step('storage', s, 'nvmf_subsystem_add_ns', { nqn: NQN, namespace: { bdev_name: 'remote0' } });
	await step('storage', s, 'nvmf_subsystem_add_listener', { nqn: NQN, listen_address: listen });
	await step('hypervisor', h, 'bdev_malloc_create', { name: 'local0', num_blocks: 16384, block_size: 4096 });
	const attach = { name: 'remote', trtype: 'tcp', adrfam: 'ipv4', traddr: '127.0.0.1', trsvcid: PORT, subnqn: NQN,
		ctrlr_loss_timeout_sec: -1, reconnect_delay_sec: 1, fast_io_fail_timeout_sec: fastFail };
	await step('hypervisor', h, 'bdev_nvme_attach_controller', attach);
	await step('hypervisor', h, 'bdev_raid_create', { name: 'raid1', raid_level: 'raid1', base_bdevs: ['remoten1', 'local0'] });
	doc.spdk_version ??= (await h.call('spdk_get_version')).version;

	// A second connection for the samples, so that the long perform_tests call does not delay them.
	const probe = new Rpc(SOCK('hv'));
	await probe.connect(5000);
	const perfStart = msSince();
	const perf = step('hypervisor', h, 'perform_tests', undefined, { expect: 'any', timeoutMs: (RUN_S + 40) * 1000,
		why: 'bdevperf writes to raid1 (queue depth 8, 4 KiB) for the whole run' });
	let removed = false, readded = false;
	let last = null;
	while (msSince() - perfStart < (RUN_S + 1) * 1000) {
		const rel = msSince() - perfStart;
		if (!removed && rel >= OUTAGE_AT) {
			removed = true;
			await step('storage', s, 'nvmf_subsystem_remove_listener', { nqn: NQN, listen_address: listen }, { why: 'the storage path goes away' });
		}
		if (!readded && rel >= OUTAGE_AT + OUTAGE_MS) {
			readded = true;
			await step('storage', s, 'nvmf_subsystem_add_listener', { nqn: NQN, listen_address: listen }, { why: 'the storage path comes back' });
		}
		const at = r1(msSince() - base);
		const [ctrl, raid, io] = await Promise.all([
			probe.call('bdev_nvme_get_controllers', { name: 'remote' }),
			probe.call('bdev_raid_get_bdevs', { category: 'all' }),
			probe.call('bdev_get_iostat', { names: ['raid1'] }),
		]);
		const r = raid.find((b) => b.name === 'raid1');
		const writes = io.bdevs[0].num_write_ops;
		const sample = {
			at_ms: at,
			ctrlr_state: ctrl[0]?.ctrlrs?.[0]?.state ?? null,
			raid_state: r?.state ?? null,
			base_bdevs_operational: r?.num_base_bdevs_operational ?? null,
			base_bdevs: r?.base_bdevs_list?.map((b) => ({ name: b.name, is_configured: b.is_configured })) ?? null,
			raid_writes_total: writes,
			raid_writes_delta: last === null ? null : writes - last,
		};
		last = writes;
		samples.push(sample);
		await sleep(1000);
	}
	const perfReply = await perf;
	// What the app printed about the path and the raid leg (log lines are data), with their times.
	const hvLog = readFileSync(path.join(work, `hv-ff${fastFail}.log`), 'utf8').split(/[\r\n]+/)
		.map((l) => l.replace(/^\s*[\d.]+ IOPS,\s+[\d.]+ MiB\/s/, ''))
		.filter((l) => /^\[\d{4}-/.test(l) && /bdev_nvme|raid|nvme_ctrlr/.test(l));
	const after = {
		raid: (await probe.call('bdev_raid_get_bdevs', { category: 'all' })).find((b) => b.name === 'raid1'),
		controllers: await probe.call('bdev_nvme_get_controllers', { name: 'remote' }),
	};
	// The path is back, but a failed leg does not rejoin by itself: put it back and watch the rebuild.
	let rejoin = null;
	if (after.raid.num_base_bdevs_operational < after.raid.num_base_bdevs) {
		await step('hypervisor', h, 'bdev_raid_add_base_bdev', { raid_bdev: 'raid1', base_bdev: 'remoten1' },
			{ expect: 'any', why: 'the operator puts the reconnected leg back' });
		const watch = [];
		for (let i = 0; i < 40; i++) {
			const r = (await probe.call('bdev_raid_get_bdevs', { category: 'all' })).find((b) => b.name === 'raid1');
			watch.push({ at_ms: r1(msSince() - base), operational: r.num_base_bdevs_operational, discovered: r.num_base_bdevs_discovered,
				process: r.process ? { type: r.process.type, target: r.process.target, percent: r.process.progress?.percent ?? null } : null });
			if (r.num_base_bdevs_operational === r.num_base_bdevs && !r.process) break;
			await sleep(250);
		}
		rejoin = { watch, raid: (await probe.call('bdev_raid_get_bdevs', { category: 'all' })).find((b) => b.name === 'raid1') };
	}
	probe.close();
	await stopApp(hv);
	await stopApp(storage);
	return {
		fast_io_fail_timeout_sec: fastFail,
		attach_params: attach,
		outage: { listener_removed_at_ms: r1(steps.find((x) => x.method === 'nvmf_subsystem_remove_listener').at_ms),
			listener_readded_at_ms: r1(steps.find((x) => x.method === 'nvmf_subsystem_add_listener' && x.why).at_ms) },
		bdevperf: { queue_depth: 8, io_size: 4096, workload: 'write', seconds: RUN_S, perform_tests: perfReply ?? null },
		samples,
		after,
		rejoin,
		log_lines: hvLog.slice(0, 200),
		steps,
	};
}

// ---- 2. a JSON-RPC client that leaks connections ----
function openConn(sock) {
	return new Promise((resolve, reject) => {
		const c = net.createConnection(sock);
		c.once('connect', () => resolve(c));
		c.once('error', reject);
	});
}
// Sends spdk_get_version on a raw connection; resolves with the reply time in ms or null on
// timeout. A reply that arrives later still sets c.answered (the request stays in the socket).
function versionOn(c, timeoutMs) {
	return new Promise((resolve) => {
		const t = Date.now();
		let buf = '';
		let settled = false;
		const timer = setTimeout(() => { settled = true; resolve(null); }, timeoutMs);
		c.setEncoding('utf8');
		c.on('data', (d) => {
			buf += d;
			if (!c.answered && buf.includes('"result"')) {
				c.answered = true;
				c.answeredAt = Date.now();
				if (!settled) { settled = true; clearTimeout(timer); resolve(Date.now() - t); }
			}
		});
		c.write(JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'spdk_get_version' }));
	});
}

async function rpcLeak() {
	const steps = [];
	const base = msSince();
	const step = stepper(steps, base);
	const app = await startApp(spdk, 'build/bin/spdk_tgt', ['--no-huge', '--disable-cpumask-locks', '-s', '1024', '-m', '0x1', '-i', String(SHM.rpc), '-r', SOCK('rpc')],
		path.join(work, 'rpc.log'), 120, { rpcSock: SOCK('rpc') });
	const ctl = app.rpc; // connection #1: the "control plane" connection, opened before the leak
	await step('app', ctl, 'spdk_get_version');
	const leaks = [];
	const perConn = [];
	let firstStuck = null;
	for (let n = 2; n <= 200; n++) {
		const c = await openConn(SOCK('rpc'));
		leaks.push(c);
		const ms = await versionOn(c, 1500);
		perConn.push({ connection: n, connected: true, reply_ms: ms });
		if (ms === null) { firstStuck = n; break; }
	}
	if (firstStuck === null) throw new Error('the server never stopped answering new connections');
	// A fresh client (diskengine restarted, say) now: connect, then one trivial call.
	const fresh = await openConn(SOCK('rpc'));
	const freshAt = msSince();
	const freshReply = versionOn(fresh, 20000);
	await sleep(2000);
	const ctlStill = await step('app', ctl, 'bdev_get_bdevs', undefined, { why: 'the connection opened before the leak' });
	// Close five leaked connections; the queued ones are accepted in order.
	const closeAt = msSince();
	const closeWall = Date.now();
	for (const c of leaks.splice(0, 5)) c.destroy();
	const freshMs = await freshReply;
	const stuck = leaks[leaks.length - 1];
	for (let i = 0; i < 50 && !stuck.answered; i++) await sleep(100);
	const stuckAnswered = Boolean(stuck.answered);
	const result = {
		max_conns_expected_from_code: 64,
		connections_answered: perConn.filter((p) => p.reply_ms !== null).length + 1,
		first_unanswered_connection: firstStuck,
		per_connection: perConn.slice(-3),
		fresh_client: {
			connected: true,
			reply_ms_from_send: freshMs,
			waited_ms_before_leak_closed: r1(closeAt - freshAt),
			reply_ms_after_leak_closed: freshMs === null ? null : r1(freshAt + freshMs - closeAt),
		},
		established_connection_during_leak: { method: 'bdev_get_bdevs', replied: ctlStill !== undefined, ms: steps.at(-1).ms },
		first_unanswered_answered_after_close: stuckAnswered,
		first_unanswered_reply_ms_after_close: stuckAnswered ? stuck.answeredAt - closeWall : null,
		log_tail: readFileSync(path.join(work, 'rpc.log'), 'utf8').split('\n').filter((l) => /rpc|jsonrpc|conn/i.test(l)).slice(-10),
		steps,
	};
	for (const c of leaks) c.destroy();
	fresh.destroy();
	await stopApp(app);
	return result;
}

// ---- 3. a slow RPC handler stalls every RPC on the app thread ----
async function slowHandler() {
	const steps = [];
	const base = msSince();
	const step = stepper(steps, base);
	const app = await startApp(spdk, 'build/bin/spdk_tgt', ['--no-huge', '--disable-cpumask-locks', '-s', '3072', '-m', '0x1', '-i', String(SHM.slow), '-r', SOCK('slow')],
		path.join(work, 'slow.log'), 120, { rpcSock: SOCK('slow') });
	const a = app.rpc;
	const b = new Rpc(SOCK('slow'));
	await b.connect(5000);
	const baseline = [];
	for (let i = 0; i < 50; i++) { const t = msSince(); await b.call('spdk_get_version'); baseline.push(msSince() - t); }
	const pings = [];
	let stop = false;
	const pinger = (async () => {
		while (!stop) {
			const t = msSince();
			await b.call('spdk_get_version', undefined, 60000);
			pings.push({ at_ms: r1(t - base), ms: +(msSince() - t).toFixed(2) });
		}
	})();
	await sleep(200);
	const sizeMiB = 2048;
	await step('app', a, 'bdev_malloc_create', { name: 'big0', num_blocks: sizeMiB * 256, block_size: 4096 },
		{ why: 'the handler allocates (spdk_zmalloc) the whole buffer before it replies' });
	await sleep(200);
	await step('app', a, 'bdev_malloc_delete', { name: 'big0' },
		{ why: 'the bdev is unregistered and its buffer freed on the app thread before the reply' });
	await sleep(200);
	stop = true;
	await pinger;
	b.close();
	await stopApp(app);
	const sorted = (xs) => [...xs].sort((x, y) => x - y);
	const bl = sorted(baseline);
	// For each slow-candidate call: how long it took and the longest spdk_get_version that overlapped it.
	const overlap = (st) => {
		const ov = pings.filter((p) => p.at_ms < st.at_ms + st.ms && p.at_ms + p.ms > st.at_ms);
		return { method: st.method, ms: st.ms, overlapping_pings: ov.length, longest_overlapping_ping_ms: ov.length ? Math.max(...ov.map((p) => p.ms)) : null };
	};
	const calls = steps.filter((x) => /^bdev_malloc_/.test(x.method)).map(overlap);
	return {
		malloc_size_mib: sizeMiB,
		rpc_poll_interval_us_from_code: 4000,
		baseline_get_version_ms: { median: +bl[Math.floor(bl.length / 2)].toFixed(2), max: +bl.at(-1).toFixed(2), n: bl.length },
		calls,
		longest_get_version_ms: Math.max(...pings.map((p) => p.ms)),
		slowest_pings: [...pings].sort((x, y) => y.ms - x.ms).slice(0, 5),
		steps,
	};
}

// ---- 4. hot-remove of the base under a vbdev ----
async function hotRemove() {
	const steps = [];
	const base = msSince();
	const step = stepper(steps, base);
	const app = await startApp(spdk, 'build/bin/spdk_tgt', ['--no-huge', '--disable-cpumask-locks', '-s', '1024', '-m', '0x1', '-i', String(SHM.hot), '-r', SOCK('hot')],
		path.join(work, 'hot.log'), 120, { rpcSock: SOCK('hot') });
	const a = app.rpc;
	const nqn = 'nqn.2016-06.io.spdk:failures-hot';
	await step('app', a, 'bdev_malloc_create', { name: 'base0', num_blocks: 4096, block_size: 4096 });
	await step('app', a, 'bdev_passthru_create', { base_bdev_name: 'base0', name: 'pt0' });
	await step('app', a, 'nvmf_create_subsystem', { nqn, allow_any_host: true, serial_number: 'FAILHOT1' });
	await step('app', a, 'nvmf_subsystem_add_ns', { nqn, namespace: { bdev_name: 'pt0' } });
	const before = await step('app', a, 'bdev_get_bdevs');
	const nsBefore = await step('app', a, 'nvmf_get_subsystems', { nqn });
	await step('app', a, 'bdev_malloc_delete', { name: 'base0' }, { why: 'the base goes away under the passthru bdev and the namespace' });
	await sleep(300);
	const after = await step('app', a, 'bdev_get_bdevs');
	const nsAfter = await step('app', a, 'nvmf_get_subsystems', { nqn });
	await step('app', a, 'bdev_get_bdevs', { name: 'pt0' }, { expect: 'error' });
	const hotLog = readFileSync(path.join(work, 'hot.log'), 'utf8').split('\n').filter((l) => /ERROR|NOTICE|WARN|remov|hot/i.test(l) && !/Total cores|Reactor started|Starting SPDK|DPDK EAL/.test(l))
		.map((l) => l.replace(/^\[[^\]]*\]\s*/, ''));
	await stopApp(app);
	const names = (r) => r.map((b) => b.name);
	const ns = (r) => r[0].namespaces.map((n) => ({ nsid: n.nsid, bdev_name: n.bdev_name }));
	return {
		bdevs_before: names(before), bdevs_after: names(after),
		namespaces_before: ns(nsBefore), namespaces_after: ns(nsAfter),
		log_lines: hotLog.slice(0, 20),
		steps,
	};
}

// ---- 5. a thin lvol runs out of clusters: what the control plane can see ----
async function thinEnospc() {
	const steps = [];
	const base = msSince();
	const step = stepper(steps, base);
	const app = await startApp(spdk, 'build/examples/bdevperf', ['--no-huge', '--disable-cpumask-locks', '-s', '1024', '-m', '0x1', '-i', String(SHM.thin), '-r', SOCK('thin'),
		'-z', '-T', 'lvs0/thin0', '-f', '-q', '1', '-o', '4096', '-w', 'write', '-t', '1'],
		path.join(work, 'thin.log'), 120, { rpcSock: SOCK('thin') });
	const a = app.rpc;
	await step('app', a, 'bdev_malloc_create', { name: 'small0', num_blocks: 8192, block_size: 4096 });
	await step('app', a, 'bdev_lvol_create_lvstore', { bdev_name: 'small0', lvs_name: 'lvs0', cluster_sz: 4194304 });
	await step('app', a, 'bdev_lvol_create', { lvs_name: 'lvs0', lvol_name: 'thin0', size_in_mib: 64, thin_provision: true },
		{ why: 'a 64 MiB thin lvol on a 32 MiB store' });
	const lvsBefore = await step('app', a, 'bdev_lvol_get_lvstores', { lvs_name: 'lvs0' });
	const perf = await step('app', a, 'perform_tests', undefined, { expect: 'any', timeoutMs: 60000,
		why: 'bdevperf -f writes sequentially and keeps going past failures' });
	const lvsAfter = await step('app', a, 'bdev_lvol_get_lvstores', { lvs_name: 'lvs0' });
	const io = await step('app', a, 'bdev_get_iostat', { names: ['lvs0/thin0'] });
	const grow = await step('app', a, 'bdev_lvol_resize', { name: 'lvs0/thin0', size_in_mib: 128 }, { expect: 'any',
		why: 'growing the thin lvol is metadata only: it does not add clusters to the store' });
	const lvLog = readFileSync(path.join(work, 'thin.log'), 'utf8').split(/[\r\n]+/).filter((l) => /ERROR|WARN/.test(l))
		.map((l) => l.replace(/^\[[^\]]*\]\s*/, ''));
	await stopApp(app);
	const st = io.bdevs[0];
	return {
		store_mib: 32, cluster_mib: 4, lvol_mib: 64,
		free_clusters_before: lvsBefore[0].free_clusters, total_clusters: lvsBefore[0].total_data_clusters,
		free_clusters_after: lvsAfter[0].free_clusters,
		perform_tests: perf ?? null,
		iostat: { num_write_ops: st.num_write_ops, bytes_written: st.bytes_written, io_error: st.io_error ?? null },
		resize_reply: grow === undefined ? steps.at(-1).error : grow,
		error_log_lines: [...new Set(lvLog)].slice(0, 10),
		error_log_line_count: lvLog.length,
		steps,
	};
}

// --only NAME runs one experiment and prints it instead of writing the results file (for trying changes).
const only = process.argv.includes('--only') ? process.argv[process.argv.indexOf('--only') + 1] : null;
if (only) {
	const fns = { raid1: () => raid1Run(3), leak: rpcLeak, slow: slowHandler, hot: hotRemove, thin: thinEnospc };
	if (!fns[only]) { console.error(`${SCRIPT}: --only takes one of ${Object.keys(fns).join(', ')}`); process.exit(2); }
	try {
		console.log(JSON.stringify(await fns[only](), null, 1));
		await cleanup();
	} catch (e) {
		console.error(`${SCRIPT}: ${e.stack || e.message}`);
		await cleanup({ keepWork: true });
		process.exit(1);
	}
	process.exit(0);
}

try {
	log('raid1, fast_io_fail_timeout_sec 0');
	const a = await raid1Run(0);
	log('raid1, fast_io_fail_timeout_sec 3');
	const b = await raid1Run(3);
	doc.experiments.raid1_reconnect_forever = { runs: [a, b] };
	doc.loadavg_after_raid1 = loadavg();
	log('JSON-RPC connection leak');
	doc.experiments.rpc_connection_leak = await rpcLeak();
	log('slow RPC handler');
	doc.experiments.slow_rpc_handler = await slowHandler();
	log('hot-remove under a passthru');
	doc.experiments.hot_remove_base = await hotRemove();
	log('thin lvol out of clusters');
	doc.experiments.thin_enospc = await thinEnospc();
	doc.machine.loadavg_end = loadavg();
	doc.finished_utc = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
	writeJson(path.join(RESULTS_DIR, 'failures.json'), doc);
	await cleanup();
} catch (e) {
	console.error(`${SCRIPT}: ${e.stack || e.message}`);
	await cleanup({ keepWork: true });
	console.error(`${SCRIPT}: logs kept in ${work}`);
	process.exit(1);
}
