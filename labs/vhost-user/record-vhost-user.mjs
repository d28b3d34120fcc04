#!/usr/bin/env node
// SPDX-License-Identifier: BSD-3-Clause
// Copyright (C) 2026 the learning-site project authors.
//
// Records SPDK's vhost-user target (build/bin/vhost) talking to a real vhost-user initiator:
// SPDK's own virtio-user driver inside bdevperf, attached with bdev_virtio_attach_controller
// (trtype "user"). No QEMU is involved: bdevperf plays the VM, its hugepage memory plays guest
// memory. The script records, as labs/results/vhost-user.json:
//   1. the socket: a stale socket at the path is replaced, a regular file there is refused;
//   2. controller creation: the socket appears and the controller gets its own SPDK thread;
//   3. the connection: sessions, the controller thread's pollers, the target's threads in /proc;
//   4. a little I/O (bdevperf randread over virtio-blk and virtio-scsi) and the bdev's counters;
//   5. a hot-remove of the blk controller's bdev under the live session;
//   6. vhost_delete_controller while connected (when does it answer?) and after the client dies;
//   7. a client killed with reads held by a delay bdev: the stop semaphore and the stop poller.
//
//   SPDK_BUILD_DIR=/path/to/built/spdk node labs/vhost-user/record-vhost-user.mjs
//
// Needs free hugepages (the initiator's memory must be a hugetlbfs file it can pass to the
// target). Builds nothing; every process it starts is stopped on every exit path.
import { existsSync, readFileSync, readdirSync, statSync, writeFileSync, mkdirSync, unlinkSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import {
	RESULTS_DIR, sleep, log, spdkOrSkip, makeWorkDir, cleanup, startApp, stopApp, describe, writeJson, Rpc,
} from '../../iowatch/record/common.mjs';

const SCRIPT = 'record-vhost-user';
const HOLD_US = Number(process.env.VHOSTU_HOLD_S ?? 60) * 1e6; // the delay bdev's read latency in phase 7 (default 60 s)

const spdk = spdkOrSkip(SCRIPT, [
	'the vhost target (build/bin/vhost) with a vhost-blk and a vhost-scsi controller',
	'bdevperf as a virtio-user initiator (bdev_virtio_attach_controller trtype user), a short randread',
	'a bdev hot-remove under a live session, vhost_delete_controller while connected and after',
	`a client killed with reads held ${HOLD_US / 1e6} s by a delay bdev (the stop timeout path)`,
	'labs/results/vhost-user.json was left as it is',
]);
if (!spdk) process.exit(0);
for (const bin of ['build/bin/vhost', 'build/examples/bdevperf']) {
	if (!existsSync(path.join(spdk, bin))) { console.error(`${SCRIPT}: ${spdk} has no ${bin}`); process.exit(2); }
}
const meminfo = readFileSync('/proc/meminfo', 'utf8');
const hugeFree = Number(meminfo.match(/^HugePages_Free:\s+(\d+)/m)?.[1] ?? 0);
const hugeSizeKb = Number(meminfo.match(/^Hugepagesize:\s+(\d+)/m)?.[1] ?? 0);
if (hugeFree * hugeSizeKb < 3 * 256 * 1024) {
	console.log(`${SCRIPT}: SKIPPED: ${hugeFree} free hugepages of ${hugeSizeKb} kB; this recording needs 768 MiB of them (three apps with -s 256).`);
	process.exit(0);
}

const work = makeWorkDir();
const sockDir = path.join(work, 'sockets');
mkdirSync(sockDir);
const tgtSock = path.join(work, 'vhostu-tgt.sock');
const tgtLog = path.join(work, 'vhost.log');
const t0 = Date.now();
const rel = () => Date.now() - t0;

const doc = {
	recording: 'vhost-user',
	script: 'labs/vhost-user/record-vhost-user.mjs',
	...describe(spdk),
	hugepages: { free_at_start: hugeFree, size_kb: hugeSizeKb },
	hold_us: HOLD_US,
	rpcs: [],
	phases: {},
};
const started = new Set();

// One RPC, recorded with its phase, reply or error and latency.
async function call(phase, rpc, who, method, params, timeoutMs = 30000) {
	const at = rel();
	const a = Date.now();
	let reply = null, error = null, transport = null;
	try {
		const m = await rpc.raw(method, params, timeoutMs);
		if (m.error) error = m.error; else reply = m.result;
	} catch (e) { transport = e.message; }
	const rec = { phase, app: who, method, params: params ?? null, at_ms: at, ms: Date.now() - a, reply, error, transport };
	doc.rpcs.push(rec);
	return rec;
}

function innerPid(app) {
	try { return Number(readFileSync(`/proc/${app.pid}/task/${app.pid}/children`, 'utf8').trim().split(/\s+/)[0]) || null; } catch { return null; }
}
function procThreads(pid) {
	try { return readdirSync(`/proc/${pid}/task`).map((t) => readFileSync(`/proc/${pid}/task/${t}/comm`, 'utf8').trim()).sort(); } catch { return null; }
}
function fileType(p) {
	try { const s = statSync(p); return s.isSocket() ? 'socket' : s.isFile() ? 'file' : 'other'; } catch { return 'absent'; }
}
function pollersOf(reply, thread) {
	const t = reply?.threads?.find((x) => x.name === thread);
	if (!t) return null;
	return { active: t.active_pollers.map((p) => p.name), timed: t.timed_pollers.map((p) => p.name), paused: t.paused_pollers.map((p) => p.name) };
}
function threadTicks(reply, name) {
	const t = reply?.threads?.find((x) => x.name === name);
	return t ? { busy: t.busy, idle: t.idle } : null;
}
function targetLog() { try { return readFileSync(tgtLog, 'utf8').split('\n'); } catch { return []; } }
async function waitLog(re, ms) {
	const a = Date.now();
	while (Date.now() - a < ms) { if (targetLog().some((l) => re.test(l))) return Date.now() - a; await sleep(50); }
	return null;
}
// The crashed target's stack, if it left a core in its working directory and gdb is installed.
function backtrace() {
	const core = readdirSync(work).find((n) => /^core(\.\d+)?$/.test(n));
	if (!core) return { core: false };
	const r = spawnSync('gdb', ['-q', '-batch', '-ex', 'bt', path.join(spdk, 'build/bin/vhost'), path.join(work, core)], { encoding: 'utf8', timeout: 120000 });
	const frames = [];
	for (const l of (r.stdout ?? '').split('\n')) {
		const m = l.match(/^#(\d+)\s+(?:0x[0-9a-f]+ in )?(\S+) \(.*\) at (\S+):(\d+)$/);
		if (m && !frames.some((f) => f.n === Number(m[1]))) frames.push({ n: Number(m[1]), function: m[2], file: m[3], line: Number(m[4]) });
	}
	return { core: true, gdb: r.status === 0, frames: frames.slice(0, 8) };
}
function alive(app) { return app.child.exitCode === null && app.child.signalCode === null; }
// A stale Unix socket: a child process binds it and dies by SIGKILL, so nobody unlinks it.
function staleSocket(p) {
	spawnSync(process.execPath, ['-e', `require('node:net').createServer().listen(${JSON.stringify(p)}, () => process.kill(process.pid, 'SIGKILL'))`]);
	return fileType(p);
}

async function startInitiator(name) {
	const sock = path.join(work, `vhostu-${name}.sock`);
	// -g: one hugetlbfs file for all memory, so virtio-user can hand it to the target (it passes at most 8).
	const app = await startApp(spdk, 'build/examples/bdevperf',
		['-z', '-g', '-m', '0x2', '-s', '256', '-r', sock, '-q', '4', '-o', '4096', '-w', 'randread', '-t', name === 'bp2' ? '300' : '2'],
		path.join(work, `${name}.log`), 400, { rpcSock: sock });
	app.inner = innerPid(app);
	started.add(app.inner);
	return app;
}
async function killInitiator(app) {
	const pid = app.inner;
	try { process.kill(pid, 'SIGKILL'); } catch { /* gone */ }
	const a = Date.now();
	while (alive(app) && Date.now() - a < 15000) await sleep(20);
	app.rpc?.close();
	return Date.now() - a;
}

let tgt = null;
try {
	log('starting the vhost target');
	tgt = await startApp(spdk, 'build/bin/vhost', ['-m', '0x1', '-s', '256', '-r', tgtSock, '-S', sockDir, '-L', 'vhost'], tgtLog, 900, { rpcSock: tgtSock, cwd: work });
	tgt.inner = innerPid(tgt);
	started.add(tgt.inner);
	const R = tgt.rpc;
	doc.spdk_version = (await call('setup', R, 'vhost', 'spdk_get_version')).reply;

	// 1. The socket path.
	const blkPath = path.join(sockDir, 'vhost.0');
	const badPath = path.join(sockDir, 'vhost.bad');
	await call('setup', R, 'vhost', 'bdev_malloc_create', { name: 'Malloc0', num_blocks: 131072, block_size: 512 });
	await call('setup', R, 'vhost', 'bdev_malloc_create', { name: 'Malloc1', num_blocks: 131072, block_size: 512 });
	await call('setup', R, 'vhost', 'bdev_malloc_create', { name: 'Malloc2', num_blocks: 131072, block_size: 512 });
	await call('setup', R, 'vhost', 'bdev_malloc_create', { name: 'Malloc3', num_blocks: 131072, block_size: 512 });
	writeFileSync(badPath, 'not a socket\n');
	const bad = await call('socket', R, 'vhost', 'vhost_create_blk_controller', { ctrlr: 'vhost.bad', dev_name: 'Malloc3' });
	const stale = staleSocket(blkPath);
	const threadsBefore = await call('socket', R, 'vhost', 'thread_get_stats');
	const mk = await call('create', R, 'vhost', 'vhost_create_blk_controller', { ctrlr: 'vhost.0', dev_name: 'Malloc0' });
	const threadsAfter = await call('create', R, 'vhost', 'thread_get_stats');
	await call('create', R, 'vhost', 'vhost_create_scsi_controller', { ctrlr: 'vhost.1' });
	await call('create', R, 'vhost', 'vhost_scsi_controller_add_target', { ctrlr: 'vhost.1', scsi_target_num: 0, bdev_name: 'Malloc1' });
	const ctrls0 = await call('create', R, 'vhost', 'vhost_get_controllers');
	doc.phases.socket = {
		regular_file: { path_type_before: 'file', error: bad.error, path_type_after: fileType(badPath) },
		stale_socket: { path_type_before: stale, created: mk.reply === true, path_type_after: fileType(blkPath) },
	};
	doc.phases.create = {
		threads_before: threadsBefore.reply?.threads?.map((t) => t.name) ?? null,
		threads_after: threadsAfter.reply?.threads?.map((t) => t.name) ?? null,
		controller_thread_cpumask: threadsAfter.reply?.threads?.find((t) => t.name === 'vhost.0')?.cpumask ?? null,
		socket_paths: ctrls0.reply?.map((c) => ({ ctrlr: c.ctrlr, socket: path.basename(c.socket), type: fileType(c.socket), sessions: c.sessions.length })) ?? null,
		scsi_socket_type: fileType(path.join(sockDir, 'vhost.1')),
	};

	// 2-3. Connect an initiator to each controller.
	log('starting bdevperf as the virtio-user initiator');
	const bp = await startInitiator('bp1');
	const B = bp.rpc;
	const att1 = await call('connect', B, 'bdevperf', 'bdev_virtio_attach_controller', { name: 'VirtioBlk0', trtype: 'user', traddr: blkPath, dev_type: 'blk' });
	const att2 = await call('connect', B, 'bdevperf', 'bdev_virtio_attach_controller', { name: 'VirtioScsi0', trtype: 'user', traddr: path.join(sockDir, 'vhost.1'), dev_type: 'scsi' });
	await waitLog(/vhost\.1s\d+: started poller/, 5000);
	await sleep(300);
	const ctrls1 = await call('connect', R, 'vhost', 'vhost_get_controllers');
	const pollers1 = await call('connect', R, 'vhost', 'thread_get_pollers');
	doc.phases.connect = {
		initiator_bdevs: [att1.reply, att2.reply],
		sessions: Object.fromEntries((ctrls1.reply ?? []).map((c) => [c.ctrlr, c.sessions])),
		pollers: { 'vhost.0': pollersOf(pollers1.reply, 'vhost.0'), 'vhost.1': pollersOf(pollers1.reply, 'vhost.1'), app_thread: pollersOf(pollers1.reply, 'app_thread') },
		target_os_threads: procThreads(tgt.inner),
	};

	// 4. A little I/O through both.
	log('a short randread through vhost-blk and vhost-scsi');
	const io = await call('io', B, 'bdevperf', 'perform_tests', undefined, 60000);
	const iostat = await call('io', R, 'vhost', 'bdev_get_iostat');
	const initStat = await call('io', B, 'bdevperf', 'bdev_get_iostat');
	const perCh = await call('io', R, 'vhost', 'bdev_get_iostat', { name: 'Malloc1', per_channel: true });
	doc.phases.io = {
		results: io.reply?.results?.map((r) => ({ job: r.job, workload: r.workload, queue_depth: r.queue_depth, io_size: r.io_size, runtime_s: r.runtime, iops: r.iops, io_failed: r.io_failed, avg_latency_us: r.avg_latency_us })) ?? null,
		target_reads: Object.fromEntries((iostat.reply?.bdevs ?? []).filter((b) => /^Malloc[01]$/.test(b.name)).map((b) => [b.name, { num_read_ops: b.num_read_ops, bytes_read: b.bytes_read }])),
		malloc1_per_channel: perCh.reply?.channels?.map((c) => ({ thread: c.thread_id, num_read_ops: c.num_read_ops })) ?? perCh.error,
		initiator_reads: Object.fromEntries((initStat.reply?.bdevs ?? []).map((b) => [b.name, { num_read_ops: b.num_read_ops, bytes_read: b.bytes_read }])),
	};

	// 5. Hot-remove the blk controller's bdev under the live session.
	log('hot-removing Malloc0 under vhost.0');
	const rm = await call('hotremove', R, 'vhost', 'bdev_malloc_delete', { name: 'Malloc0' });
	await waitLog(/hot-removing bdev/, 5000);
	await sleep(300);
	const ctrls2 = await call('hotremove', R, 'vhost', 'vhost_get_controllers', { name: 'vhost.0' });
	const pollers2 = await call('hotremove', R, 'vhost', 'thread_get_pollers');
	doc.phases.hotremove = {
		delete_reply: rm.reply ?? rm.error,
		session_after: ctrls2.reply?.[0]?.sessions ?? null,
		bdev_after: ctrls2.reply?.[0]?.backend_specific?.block?.bdev ?? null,
		pollers_after: pollersOf(pollers2.reply, 'vhost.0'),
	};

	// 6. Delete a controller while its client is connected, then kill the client.
	log('vhost_delete_controller vhost.0 while connected');
	const probeBefore = await call('delete', R, 'vhost', 'vhost_get_controllers', { name: 'vhost.1' });
	const stats0 = await call('delete', R, 'vhost', 'thread_get_stats');
	const D = new Rpc(tgtSock);
	await D.connect();
	const linesBefore = targetLog().filter((l) => /has still valid connection/.test(l)).length;
	const delStart = Date.now();
	const delP = call('delete', D, 'vhost', 'vhost_delete_controller', { ctrlr: 'vhost.0' }, 120000);
	let delDone = null;
	delP.then(() => { delDone = Date.now(); });
	await sleep(2000);
	const probeDuring = await call('delete', R, 'vhost', 'vhost_get_controllers', { name: 'vhost.1' });
	const stats1 = await call('delete', R, 'vhost', 'thread_get_stats');
	const pendingAt = Date.now() - delStart;
	const answeredBeforeKill = delDone !== null;
	const killAt = Date.now();
	const killMs = await killInitiator(bp);
	const del = await delP;
	D.close();
	await sleep(200);
	const stats2 = await call('delete', R, 'vhost', 'thread_get_stats');
	const linesAfter = targetLog().filter((l) => /has still valid connection/.test(l)).length;
	const tick = (r) => r.reply?.tick_rate;
	const busyMs = (a, b) => {
		const x = threadTicks(a.reply, 'app_thread'), y = threadTicks(b.reply, 'app_thread');
		return x && y ? Math.round((y.busy - x.busy) / tick(b) * 1000) : null;
	};
	doc.phases.delete = {
		answered_before_kill: answeredBeforeKill,
		pending_ms_when_killed: pendingAt,
		reply: del.reply, error: del.error, transport: del.transport,
		reply_ms_after_kill: delDone ? delDone - killAt : null,
		initiator_exit_ms: killMs,
		probe_ms_before: probeBefore.ms,
		probe_ms_during: probeDuring.ms,
		app_thread_busy_ms: { during: busyMs(stats0, stats1), window_ms: stats1.at_ms - stats0.at_ms },
		still_valid_connection_lines: linesAfter - linesBefore,
		socket_after: fileType(blkPath),
	};
	const ctrls3 = await call('delete', R, 'vhost', 'vhost_get_controllers');
	doc.phases.delete.controllers_after = ctrls3.reply?.map((c) => ({ ctrlr: c.ctrlr, sessions: c.sessions.length })) ?? null;
	// vhost.1's session also went with the client; delete it now that nobody is connected.
	await waitLog(/vhost\.1s\d+: stopping poller/, 5000);
	await sleep(300);
	const del1 = await call('delete', R, 'vhost', 'vhost_delete_controller', { ctrlr: 'vhost.1' }, 10000);
	doc.phases.delete.idle_delete = { reply: del1.reply, error: del1.error, ms: del1.ms, socket_after: fileType(path.join(sockDir, 'vhost.1')) };
	void stats2;

	// 7. The stop timeout: reads held longer than the stop bound when the client dies.
	log(`phase 7: reads held ${HOLD_US / 1e6} s by a delay bdev, client killed`);
	doc.machine.loadavg_phase7 = readFileSync('/proc/loadavg', 'utf8').trim().split(/\s+/).slice(0, 3).map(Number);
	const d = await call('timeout', R, 'vhost', 'bdev_delay_create', { base_bdev_name: 'Malloc2', name: 'Delay0', avg_read_latency: HOLD_US, p99_read_latency: HOLD_US, avg_write_latency: HOLD_US, p99_write_latency: HOLD_US });
	await call('timeout', R, 'vhost', 'vhost_create_blk_controller', { ctrlr: 'vhost.2', dev_name: 'Delay0' });
	const bp2 = await startInitiator('bp2');
	await call('timeout', bp2.rpc, 'bdevperf', 'bdev_virtio_attach_controller', { name: 'VirtioBlk2', trtype: 'user', traddr: path.join(sockDir, 'vhost.2'), dev_type: 'blk' });
	const ioStart = Date.now();
	void bp2.rpc.raw('perform_tests', undefined, 300000).catch(() => {});
	await sleep(1500);
	const held = await call('timeout', R, 'vhost', 'vhost_get_controllers', { name: 'vhost.2' });
	const logMark = targetLog().length;
	const kill2 = Date.now();
	await killInitiator(bp2);
	// The target's log clock is UTC wall time, like Date.now().
	const stamp = (l) => { const m = l.match(/^\[(\d{4}-\d\d-\d\d) (\d\d:\d\d:\d\d\.\d+)\]/); return m ? Date.parse(`${m[1]}T${m[2]}Z`) : null; };
	const newLines = () => targetLog().slice(logMark);
	const find = (re) => newLines().find((l) => re.test(l)) ?? null;
	const outcomeRe = /vhost\.2s\d+: (Timedout when destroy session|stopping poller)/;
	// Sample the stop poller's run count until the stop ends one way or the other.
	const samples = [];
	while (!find(outcomeRe) && Date.now() - kill2 < HOLD_US / 1000 + 20000) {
		const a = Date.now();
		const pr = await call('timeout', R, 'vhost', 'thread_get_pollers', undefined, 60000);
		const t = pr.reply?.threads?.find((x) => x.name === 'vhost.2');
		const sp = t?.timed_pollers?.find((p) => p.name === 'destroy_session_poller_cb');
		// The reply reflects the thread somewhere between sending and answering: take the midpoint.
		samples.push({ ms_after_kill: Math.round((a + Date.now()) / 2 - kill2), rpc_ms: pr.ms, stop_poller_runs: sp ? sp.run_count : null, period_ticks: sp ? sp.period_ticks : null, tick_rate: pr.reply?.tick_rate ?? null });
		await sleep(1000);
	}
	const semLine = find(/Timeout waiting for event: stop session/);
	const pollLine = find(/vhost\.2s\d+: Timedout when destroy session/);
	const okLine = find(/vhost\.2s\d+: stopping poller/);
	const afterStop = await call('timeout', R, 'vhost', 'vhost_get_controllers', { name: 'vhost.2' });
	const iostatAtStop = await call('timeout', R, 'vhost', 'bdev_get_iostat', { name: 'Delay0' });
	// Let the held reads complete (they were submitted at about ioStart), then look again.
	await sleep(Math.max(0, ioStart + HOLD_US / 1000 + 3000 - Date.now()));
	const tgtAlive = alive(tgt);
	let afterHold = null, delHeld = null, afterHoldIostat = null;
	if (tgtAlive) {
		afterHold = await call('timeout', R, 'vhost', 'vhost_get_controllers', { name: 'vhost.2' }, 60000);
		afterHoldIostat = await call('timeout', R, 'vhost', 'bdev_get_iostat', { name: 'Delay0' }, 60000);
		delHeld = await call('timeout', R, 'vhost', 'vhost_delete_controller', { ctrlr: 'vhost.2' }, 8000);
	}
	const at = (l) => (l && stamp(l) !== null ? stamp(l) - kill2 : null);
	doc.phases.timeout = {
		delay_create: d.reply ?? d.error,
		held_session: held.reply?.[0]?.sessions ?? null,
		// Milliseconds from the SIGKILL of the client to each line, by the target's log clock.
		log_ms_after_kill: { sem_timeout: at(semLine), poller_timeout: at(pollLine), couldnt_stop: at(find(/Couldn't stop device with vid/)), stopping_poller: at(okLine) },
		// Every occurrence: DPDK's destroy_device and then destroy_connection each try to stop the session.
		all_ms_after_kill: Object.fromEntries([['sem_timeout', /Timeout waiting for event: stop session/], ['poller_timeout', /vhost\.2s\d+: Timedout when destroy session/], ['couldnt_stop', /Couldn't stop device with vid/]]
			.map(([name, re]) => [name, newLines().filter((l) => re.test(l)).map(at)])),
		reads_complete_ms_after_kill: ioStart + HOLD_US / 1000 - kill2,
		stop_poller_samples: samples,
		outcome: pollLine ? 'etimedout' : okLine ? 'stopped' : 'none',
		log_lines: newLines().filter((l) => /Timeout waiting|Timedout when destroy|Couldn't stop|peer closed|stopping poller|removed/.test(l)).map((l) => l.replace(/^\[[^\]]+\] /, '')),
		session_after_stop: afterStop.reply?.[0]?.sessions ?? null,
		delay_reads_at_stop: iostatAtStop.reply?.bdevs?.[0]?.num_read_ops ?? null,
		target_alive_after_hold: tgtAlive,
		target_exit: tgtAlive ? null : (tgt.child.exitCode ?? tgt.child.signalCode),
		crash: tgtAlive ? null : backtrace(),
		session_after_hold: afterHold?.reply?.[0]?.sessions ?? null,
		delay_reads_after_hold: afterHoldIostat?.reply?.bdevs?.[0]?.num_read_ops ?? null,
		delete_after: delHeld ? { reply: delHeld.reply, error: delHeld.error, transport: delHeld.transport, ms: delHeld.ms } : null,
		log_after_hold: newLines().filter((l) => l && !/still valid connection|deprecated/.test(l)).slice(-10).map((l) => l.replace(/^\[[^\]]+\] /, '')),
		still_valid_connection_lines: newLines().filter((l) => /vhost\.2 has still valid connection/.test(l)).length,
	};
	// Selected target log lines for the page (timestamps dropped; first occurrence of each kind).
	const wanted = [/socket created/, /new vhost user connection/, /negotiated Virtio features/, /Registering VM memory/, /guest memory region size/, /is scheduled to start/, /Starting new session/, /started poller on lcore/, /start in progress/, /hot-removing bdev/, /has still valid connection/, /stopping poller on lcore/, /Controller vhost\.0: removed/];
	const all = targetLog();
	doc.log_lines = wanted.map((re) => all.find((l) => re.test(l))).filter(Boolean).map((l) => l.replace(/^\[[^\]]+\] /, '').replace(work, '<work>'));
	doc.target_log_line_count = all.length;
	doc.machine.loadavg_end = readFileSync('/proc/loadavg', 'utf8').trim().split(/\s+/).slice(0, 3).map(Number);

	log('stopping the target');
	const code = await stopApp(tgt, 20000);
	doc.target_stop = { exit: code };
	doc.duration_ms = rel();
	// Paths in the JSON name the work directory generically.
	const text = JSON.stringify(doc).split(work).join('<work>');
	writeJson(path.join(RESULTS_DIR, 'vhost-user.json'), JSON.parse(text));
} catch (e) {
	log(`failed: ${e.stack || e.message}`);
	await cleanup({ keepWork: true });
	log(`logs kept in ${work}`);
	process.exitCode = 1;
} finally {
	await cleanup({ keepWork: process.exitCode === 1 });
	// Files our (possibly SIGKILLed) SPDK processes leave behind; only ours, by pid.
	for (const pid of started) {
		if (!pid) continue;
		for (const [dir, re] of [['/dev/hugepages', new RegExp(`^spdk_pid${pid}map_`)], ['/dev/shm', new RegExp(`_trace\\.pid${pid}$`)]]) {
			let names = [];
			try { names = readdirSync(dir); } catch { /* none */ }
			for (const n of names) if (re.test(n)) try { unlinkSync(path.join(dir, n)); } catch { /* gone */ }
		}
	}
}
