#!/usr/bin/env node
// SPDX-License-Identifier: BSD-3-Clause
// Copyright (C) 2026 the learning-site project authors.
//
// Records the "export an lvol, attach it on a hypervisor" flow against an already built SPDK
// v26.01, over NVMe/TCP on 127.0.0.1, and writes every JSON-RPC request, its reply (result or
// error), when it was sent and how long it took to labs/results/provisioning-flow.json.
//
// Processes (all started here, all stopped here on every exit path; each is also wrapped in
// timeout(1) so that nothing outlives a killed script by more than --max-life seconds):
//   target     spdk_tgt -m 0x1 -r /tmp/provflow-tgt.sock   the storage node
//   initiator  spdk_tgt -m 0x2 -r /tmp/provflow-ini.sock   the hypervisor side (bdev_nvme)
//   bdevperf   bdevperf -m 0x2 -z -r /tmp/provflow-perf.sock  a second host that only does I/O
//              (spdk_tgt has no RPC that issues bdev I/O, so a short bdevperf run stands in for a
//              VM; it attaches its own controller to the same subsystem)
//
// Phases: A target provisioning (malloc -> lvstore -> lvol -> snapshot -> clone -> transport ->
// subsystem -> ns -> listener -> host), with two deliberate failures; B initiator attach with
// explicit reconnect knobs, one deliberate failure (inconsistent knobs), I/O, iostat, detach;
// C "target goes away": attach again, remove the listener on the target, watch the initiator's
// controller state and bdev until the controller is given up; D target teardown.
//
// Node built-ins only; the process handling and the JSON-RPC client come from
// iowatch/record/common.mjs. Never builds anything. Without SPDK_BUILD_DIR it prints SKIPPED and exits 0.
import { existsSync, readFileSync, writeFileSync, unlinkSync, statSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
	Rpc, sleep, sh, loadavg, machineFacts, spdkConfig, alive, makeWorkDir, cleanup, onCleanup, configureCleanup, startTracked, stopTracked, childPid,
	spdkLibEnv,
} from '../../iowatch/record/common.mjs';

const SCRIPT = 'labs/provisioning/record-provisioning.mjs';
const HERE = path.dirname(fileURLToPath(import.meta.url));
const PROJECT_ROOT = path.resolve(HERE, '../..');

const USAGE = `usage: node ${SCRIPT} [options]
  --out FILE          where to write the recording (default labs/results/provisioning-flow.json)
  --port N            NVMe/TCP port on 127.0.0.1 (default 4450)
  --loss S            ctrlr_loss_timeout_sec for the attaches (default 5)
  --delay S           reconnect_delay_sec (default 1)
  --fast-fail S       fast_io_fail_timeout_sec (default 2)
  --io-seconds S      bdevperf run length (default 1)
  --watch-max S       longest the "target goes away" watch may run (default 15)
  --max-life S        hard limit on each SPDK process's life (default 180)
  --keep-logs         keep the SPDK logs directory
Needs SPDK_BUILD_DIR (or SPDK_DIR) pointing at a built SPDK v26.01; without it prints SKIPPED, exits 0.`;

const DEFAULTS = { out: 'labs/results/provisioning-flow.json', port: 4450, loss: 5, delay: 1, 'fast-fail': 2, 'io-seconds': 1, 'watch-max': 15, 'max-life': 180, 'keep-logs': false };

function parseArgs(argv) {
	const o = { ...DEFAULTS };
	for (let i = 0; i < argv.length; i++) {
		const a = argv[i];
		if (a === '--help' || a === '-h') { console.log(USAGE); process.exit(0); }
		if (a === '--keep-logs') { o['keep-logs'] = true; continue; }
		const k = a.replace(/^--/, '');
		if (!a.startsWith('--') || !(k in DEFAULTS) || i + 1 >= argv.length) { console.error(`${SCRIPT}: bad option ${a}\n${USAGE}`); process.exit(2); }
		const v = argv[++i];
		if (k === 'out') o.out = v;
		else {
			const n = Number(v);
			if (!Number.isInteger(n) || n < 0) { console.error(`${SCRIPT}: ${a} needs a non-negative integer`); process.exit(2); }
			o[k] = n;
		}
	}
	return o;
}

const STEPS_NOT_RUN = [
	'target spdk_tgt (-m 0x1, /tmp/provflow-tgt.sock): bdev_malloc_create, bdev_lvol_create_lvstore, bdev_lvol_create, bdev_lvol_snapshot, bdev_lvol_clone, nvmf_create_transport (TCP), nvmf_create_subsystem, nvmf_subsystem_add_ns, nvmf_subsystem_add_listener, nvmf_subsystem_add_host',
	'deliberate failures: nvmf_create_subsystem with a duplicate NQN, nvmf_subsystem_add_ns of a missing bdev, bdev_nvme_attach_controller with reconnect_delay_sec > ctrlr_loss_timeout_sec',
	'initiator spdk_tgt (-m 0x2, /tmp/provflow-ini.sock): bdev_nvme_attach_controller over TCP 127.0.0.1:4450, bdev_get_bdevs, bdev_nvme_get_controllers, bdev_get_iostat, bdev_nvme_detach_controller',
	'bdevperf (-z, /tmp/provflow-perf.sock): attach, perform_tests, bdev_get_iostat, detach',
	'"target goes away": nvmf_subsystem_remove_listener while attached, bdev_nvme_get_controllers/bdev_get_bdevs polled until the controller is deleted',
	'teardown: nvmf_subsystem_remove_ns, nvmf_delete_subsystem, bdev_lvol_delete (clone, snapshot, lvol), bdev_lvol_delete_lvstore, bdev_malloc_delete',
	`writing ${DEFAULTS.out}`,
];

const log = (...a) => console.error(`[${new Date().toISOString().slice(11, 23)}]`, ...a);
const round3 = (x) => Math.round(x * 1000) / 1000;

// ---- processes: everything started is tracked (common.mjs) and stopped on any exit path ----
// Hosts are stopped before the target (last started first); a forced stop SIGKILLs the SPDK
// process under timeout(1) too (timeout(1) forwards SIGKILL only as itself dying). Then the
// sockets go, then the logs directory (unless kept).
const SOCKETS = ['/tmp/provflow-tgt.sock', '/tmp/provflow-ini.sock', '/tmp/provflow-perf.sock'];
const STOP = { graceMs: 30000, killInner: true };
let workDir = null;
let keepLogs = false;
configureCleanup({ order: 'reverse' });
onCleanup(() => { for (const p of SOCKETS) try { if (statSync(p).isSocket()) unlinkSync(p); } catch { /* none */ } });

async function socketInUse(sock) {
	if (!existsSync(sock)) return false;
	return new Promise((resolve) => {
		const s = net.createConnection(sock);
		s.once('connect', () => { s.destroy(); resolve(true); });
		s.once('error', () => resolve(false));
	});
}

async function startApp(spdk, role, bin, args, maxLife) {
	const sock = args[args.indexOf('-r') + 1];
	if (await socketInUse(sock)) throw new Error(`${sock} already answers: another run is in progress; stop it first`);
	try { unlinkSync(sock); } catch { /* none */ }
	const logFile = path.join(workDir, `${role}.log`);
	const c = startTracked([bin, ...args], logFile, maxLife, { env: spdkLibEnv(spdk), killAfterS: 5, ...STOP });
	// JSON-RPC 2.0 over the socket, one connection, replies matched by id; a socket error only closes it.
	const rpc = new Rpc(sock, { ignoreSocketErrors: true });
	try {
		await rpc.connect(60000, () => alive(c));
	} catch (e) {
		throw new Error(`${role}: ${e.message}\n--- ${logFile} ---\n${readFileSync(logFile, 'utf8').slice(-3000)}`);
	}
	return { role, child: c, rpc, logFile, argv: [path.relative(spdk, bin), ...args], pid: childPid(c.pid) };
}

// selfStopping: the app is already shutting itself down (bdevperf after a failed run); give it time
// to finish before signalling, since a second stop request races its own shutdown.
async function stopApp(app, { selfStopping = false } = {}) {
	app.rpc.close();
	const inner = app.pid ?? childPid(app.child.pid);
	if (selfStopping) { const t = Date.now(); while (alive(app.child) && Date.now() - t < 30000) await sleep(100); }
	// An SPDK app may leave its trace shm file behind; remove only this process's.
	await stopTracked(app.child, { ...STOP, graceMs: 60000, inner, removeTrace: true, pollMs: 50 });
	return app.child.exitCode ?? app.child.signalCode;
}

// Lines of an SPDK log that match, without the log's own padding.
function logLines(file, keep, max) {
	let text = '';
	try { text = readFileSync(file, 'utf8'); } catch { return []; }
	return text.split(/\r?\n|\r/).map((l) => l.replace(/\s+$/, '').replace(/^\s+/, '')).filter((l) => l && keep(l)).slice(0, max);
}


function describe(spdk) {
	const config = spdkConfig(spdk, ['DEBUG', 'SHARED', 'ASAN', 'UBSAN', 'LTO', 'ARCH', 'VFIO_USER']);
	return {
		machine: machineFacts(),
		build: {
			spdk_dir: spdk,
			commit: sh('git', ['-C', spdk, 'rev-parse', 'HEAD']),
			describe: sh('git', ['-C', spdk, 'describe', '--tags', '--match', 'v*']),
			config,
			release_build: config.DEBUG === 'n',
		},
	};
}

// ---- the recorder ----
async function main() {
	const opts = parseArgs(process.argv.slice(2));
	const spdkDir = process.env.SPDK_BUILD_DIR || process.env.SPDK_DIR || '';
	if (!spdkDir) {
		console.log(`${SCRIPT}: SKIPPED: SPDK_BUILD_DIR (or SPDK_DIR) is not set, so there is no spdk_tgt to run.`);
		for (const s of STEPS_NOT_RUN) console.log(`${SCRIPT}:   not run: ${s}`);
		console.log(`${SCRIPT}:   Nothing was started or written. Set SPDK_BUILD_DIR to a built SPDK v26.01 (this script never builds SPDK).`);
		return 0;
	}
	const spdk = path.resolve(spdkDir);
	const tgtBin = path.join(spdk, 'build/bin/spdk_tgt');
	const perfBin = path.join(spdk, 'build/examples/bdevperf');
	for (const b of [tgtBin, perfBin]) if (!existsSync(b)) { console.error(`${SCRIPT}: ${b} does not exist: point SPDK_BUILD_DIR at a built SPDK tree (this script never builds SPDK)`); return 2; }
	keepLogs = opts['keep-logs'];
	workDir = makeWorkDir('provflow-');
	const outFile = path.resolve(PROJECT_ROOT, opts.out);

	const facts = describe(spdk);
	const t0 = performance.now();
	const rel = () => round3(performance.now() - t0);
	const steps = [];
	const watch = [];
	const procs = {};
	let seqNo = 0;

	// One request, recorded whole. expect: 'ok' or 'error' (a deliberate failure).
	async function rpc(app, phase, method, params, { expect = 'ok', why = null, list = steps, timeoutMs = 60000 } = {}) {
		const started = new Date().toISOString();
		const seq = ++seqNo;
		const at = rel();
		const reply = await app.rpc.raw(method, params, timeoutMs);
		const latency = round3(performance.now() - t0 - at);
		const rec = { seq, phase, process: app.role, method, params: params ?? null, started_utc: started, t_ms: at, latency_ms: latency, expect };
		if (why) rec.why = why;
		if (reply.error) rec.error = reply.error; else rec.result = reply.result;
		list.push(rec);
		const ok = expect === 'ok' ? !reply.error : !!reply.error;
		log(`${app.role.padEnd(9)} ${method} ${latency.toFixed(2)} ms ${reply.error ? `error ${reply.error.code} ${reply.error.message}` : 'ok'}${ok ? '' : '  <-- UNEXPECTED'}`);
		if (!ok) throw new Error(`${method} on ${app.role}: expected ${expect}, got ${JSON.stringify(reply.error ?? reply.result)}`);
		return reply.result;
	}

	const NQN = 'nqn.2016-06.io.spdk:provflow-vol0';
	const HOSTNQN = 'nqn.2016-06.io.spdk:provflow-hv1';
	const port = String(opts.port);
	const knobs = { ctrlr_loss_timeout_sec: opts.loss, reconnect_delay_sec: opts.delay, fast_io_fail_timeout_sec: opts['fast-fail'] };
	const attachBase = { trtype: 'tcp', adrfam: 'ipv4', traddr: '127.0.0.1', trsvcid: port, subnqn: NQN, hostnqn: HOSTNQN };
	// Other SPDK processes on this machine may hold the per-core lock files; this script never relies on them.
	const common = ['--no-huge', '-s', '1024', '--disable-cpumask-locks'];

	log(`work dir ${workDir}`);
	const tgt = await startApp(spdk, 'target', tgtBin, [...common, '-m', '0x1', '-r', '/tmp/provflow-tgt.sock'], opts['max-life']);
	const ini = await startApp(spdk, 'initiator', tgtBin, [...common, '-m', '0x2', '-r', '/tmp/provflow-ini.sock'], opts['max-life']);
	procs.target = { argv: tgt.argv };
	procs.initiator = { argv: ini.argv };
	const version = await tgt.rpc.raw('spdk_get_version');
	const iniVersion = await ini.rpc.raw('spdk_get_version');

	// ---- A: target provisioning ----
	await rpc(tgt, 'target-provision', 'bdev_malloc_create', { name: 'Malloc0', num_blocks: 32768, block_size: 4096 }, { why: 'base bdev: 128 MiB of RAM standing in for the storage node disk' });
	const lvsUuid = await rpc(tgt, 'target-provision', 'bdev_lvol_create_lvstore', { bdev_name: 'Malloc0', lvs_name: 'lvs0', cluster_sz: 4194304 });
	const volUuid = await rpc(tgt, 'target-provision', 'bdev_lvol_create', { lvs_name: 'lvs0', lvol_name: 'vol0', size_in_mib: 64, thin_provision: true });
	const snapUuid = await rpc(tgt, 'target-provision', 'bdev_lvol_snapshot', { lvol_name: 'lvs0/vol0', snapshot_name: 'snap0' });
	const cloneUuid = await rpc(tgt, 'target-provision', 'bdev_lvol_clone', { snapshot_name: 'lvs0/snap0', clone_name: 'clone0' });
	await rpc(tgt, 'target-provision', 'bdev_get_bdevs', { name: 'lvs0/clone0' }, { why: 'the clone as the target sees it before export' });
	await rpc(tgt, 'target-provision', 'nvmf_create_transport', { trtype: 'TCP' });
	await rpc(tgt, 'target-provision', 'nvmf_create_subsystem', { nqn: NQN, serial_number: 'PROVFLOW0001', model_number: 'provflow clone0', allow_any_host: false });
	await rpc(tgt, 'target-failure', 'nvmf_create_subsystem', { nqn: NQN }, { expect: 'error', why: 'deliberate: the same NQN twice' });
	await rpc(tgt, 'target-provision', 'nvmf_subsystem_add_ns', { nqn: NQN, namespace: { bdev_name: 'lvs0/clone0' } });
	await rpc(tgt, 'target-failure', 'nvmf_subsystem_add_ns', { nqn: NQN, namespace: { bdev_name: 'lvs0/no-such-lvol' } }, { expect: 'error', why: 'deliberate: a bdev that does not exist' });
	await rpc(tgt, 'target-provision', 'nvmf_subsystem_add_listener', { nqn: NQN, listen_address: { trtype: 'TCP', adrfam: 'IPv4', traddr: '127.0.0.1', trsvcid: port } });
	await rpc(tgt, 'target-provision', 'nvmf_subsystem_add_host', { nqn: NQN, host: HOSTNQN }, { why: 'allow_any_host is false, so only listed hosts may connect' });
	await rpc(tgt, 'target-provision', 'nvmf_get_subsystems', undefined);
	const iostatBefore = await rpc(tgt, 'target-provision', 'bdev_get_iostat', { names: ['lvs0/clone0'] }, { why: 'target-side counters of the clone before any host connected' });

	// ---- B: initiator attach, I/O, detach ----
	await rpc(ini, 'initiator-failure', 'bdev_nvme_attach_controller', { name: 'Bad0', ...attachBase, ctrlr_loss_timeout_sec: opts.loss, reconnect_delay_sec: opts.loss + 2, fast_io_fail_timeout_sec: 0 }, { expect: 'error', why: 'deliberate: reconnect_delay_sec larger than ctrlr_loss_timeout_sec' });
	const names = await rpc(ini, 'initiator-attach', 'bdev_nvme_attach_controller', { name: 'Nvme0', ...attachBase, ...knobs, multipath: 'failover' });
	const bdevName = names[0];
	await rpc(ini, 'initiator-attach', 'bdev_get_bdevs', { name: bdevName });
	await rpc(ini, 'initiator-attach', 'bdev_nvme_get_controllers', { name: 'Nvme0' });
	await rpc(ini, 'initiator-attach', 'bdev_nvme_get_io_paths', { name: bdevName });
	await rpc(tgt, 'initiator-attach', 'nvmf_subsystem_get_controllers', { nqn: NQN }, { why: 'the same connection as the target sees it' });

	const perf = await startApp(spdk, 'bdevperf', perfBin, [...common, '-m', '0x2', '-r', '/tmp/provflow-perf.sock', '-z', '-q', '4', '-o', '4096', '-w', 'randrw', '-M', '50', '-t', String(opts['io-seconds'])], opts['max-life']);
	procs.bdevperf = { argv: perf.argv };
	const perfNames = await rpc(perf, 'io', 'bdev_nvme_attach_controller', { name: 'Perf0', ...attachBase, ...knobs });
	await rpc(perf, 'io', 'bdev_get_iostat', { names: [perfNames[0]] }, { why: 'before the run' });
	await rpc(perf, 'io', 'perform_tests', undefined, { timeoutMs: (opts['io-seconds'] + 30) * 1000 });
	await rpc(perf, 'io', 'bdev_get_iostat', { names: [perfNames[0]] }, { why: 'after the run' });
	await rpc(ini, 'io', 'bdev_get_iostat', { names: [bdevName] }, { why: "the initiator's own bdev: only what attach itself read" });
	await rpc(tgt, 'io', 'bdev_get_iostat', { names: ['lvs0/clone0'] }, { why: 'everything both hosts sent, as the clone counted it' });
	await rpc(perf, 'io', 'bdev_nvme_detach_controller', { name: 'Perf0' });
	procs.bdevperf.exit = await stopApp(perf);

	await rpc(ini, 'initiator-detach', 'bdev_nvme_detach_controller', { name: 'Nvme0' });
	await rpc(ini, 'initiator-detach', 'bdev_get_bdevs', undefined, { why: 'the namespace bdev is gone with its controller' });

	// ---- C: the target goes away (listener removed) while the initiator is attached ----
	// The initiator only watches; a second bdevperf keeps I/O in flight on its own controller (same
	// knobs) so that what happens to I/O during the outage is recorded too. bdevperf runs without -f,
	// so its job ends at the first failed I/O: its runtime says when I/O started failing.
	const names2 = await rpc(ini, 'target-gone', 'bdev_nvme_attach_controller', { name: 'Nvme1', ...attachBase, ...knobs, multipath: 'failover' });
	await rpc(ini, 'target-gone', 'bdev_nvme_get_controllers', { name: 'Nvme1' });
	const perf2 = await startApp(spdk, 'bdevperf2', perfBin, [...common, '-m', '0x2', '-r', '/tmp/provflow-perf.sock', '-z', '-q', '4', '-o', '4096', '-w', 'randrw', '-M', '50', '-t', String(opts['watch-max'])], opts['max-life']);
	procs.bdevperf2 = { argv: perf2.argv };
	await rpc(perf2, 'target-gone', 'bdev_nvme_attach_controller', { name: 'Perf1', ...attachBase, ...knobs });
	const running = rpc(perf2, 'target-gone', 'perform_tests', undefined, { expect: 'error', timeoutMs: (opts['watch-max'] + 30) * 1000, why: 'I/O in flight while the path goes away; without -f the job stops at its first failed I/O and perform_tests returns an error' });
	await sleep(500);
	await rpc(tgt, 'target-gone', 'nvmf_subsystem_remove_listener', { nqn: NQN, listen_address: { trtype: 'TCP', adrfam: 'IPv4', traddr: '127.0.0.1', trsvcid: port } }, { why: 'the storage node stops serving this path' });
	const goneAt = steps[steps.length - 1].t_ms;
	let ctrlrGoneAt = null, bdevGoneAt = null, ioEndedAt = null;
	running.then(() => { ioEndedAt = rel(); }, () => { ioEndedAt = rel(); });
	while (rel() - goneAt < opts['watch-max'] * 1000) {
		const c = await rpc(ini, 'watch', 'bdev_nvme_get_controllers', undefined, { list: watch });
		const b = await rpc(ini, 'watch', 'bdev_get_bdevs', undefined, { list: watch });
		if (ctrlrGoneAt === null && !c.some((x) => x.name === 'Nvme1')) ctrlrGoneAt = watch[watch.length - 2].t_ms;
		if (bdevGoneAt === null && !b.some((x) => x.name === names2[0])) bdevGoneAt = watch[watch.length - 1].t_ms;
		if (ctrlrGoneAt !== null && bdevGoneAt !== null && ioEndedAt !== null) break;
		await sleep(200);
	}
	await running;
	// bdevperf stops its own app after a failed run (it exits non-zero), so nothing more is asked of it.
	procs.bdevperf2.exit = await stopApp(perf2, { selfStopping: true });
	await rpc(ini, 'target-gone', 'bdev_nvme_detach_controller', { name: 'Nvme1' }, { expect: ctrlrGoneAt === null ? 'ok' : 'error', why: 'the controller was already deleted by bdev_nvme itself' });

	// ---- D: target teardown, top down ----
	await rpc(tgt, 'teardown', 'nvmf_subsystem_remove_ns', { nqn: NQN, nsid: 1 });
	await rpc(tgt, 'teardown', 'nvmf_delete_subsystem', { nqn: NQN });
	await rpc(tgt, 'teardown-failure', 'bdev_lvol_delete', { name: 'lvs0/snap0' }, { expect: 'error', why: 'deliberate: a snapshot that still has a clone' });
	await rpc(tgt, 'teardown', 'bdev_lvol_delete', { name: 'lvs0/clone0' });
	await rpc(tgt, 'teardown', 'bdev_lvol_delete', { name: 'lvs0/snap0' });
	await rpc(tgt, 'teardown', 'bdev_lvol_delete', { name: 'lvs0/vol0' });
	await rpc(tgt, 'teardown', 'bdev_lvol_delete_lvstore', { lvs_name: 'lvs0' });
	await rpc(tgt, 'teardown', 'bdev_malloc_delete', { name: 'Malloc0' });
	await rpc(tgt, 'teardown', 'bdev_get_bdevs', undefined);

	procs.initiator.exit = await stopApp(ini);
	procs.target.exit = await stopApp(tgt);
	// What the SPDK processes themselves logged during the outage (their own output, filtered).
	const logs = {
		initiator: logLines(ini.logFile, (l) => /bdev_nvme\.c|nvme_ctrlr\.c:\d+:nvme_ctrlr_fail|connect\(\) failed/.test(l), 80),
		bdevperf2: logLines(perf2.logFile, (l) => /bdev_nvme\.c.*(Resetting|reset)|ended in about|Perf1n1\s+:|fails$|Fail\/s/.test(l), 40),
		target: logLines(tgt.logFile, (l) => /\*ERROR\*|\*WARNING\*/.test(l), 20),
	};
	facts.machine.loadavg_end = loadavg();
	facts.machine.wall_s = round3((performance.now() - t0) / 1000);

	const doc = {
		schema: 'spdk-primer-provisioning/1',
		recording: 'provisioning-flow',
		script: SCRIPT,
		args: process.argv.slice(2),
		options: opts,
		spdk_version: version.result,
		initiator_spdk_version: iniVersion.result,
		...facts,
		config: {
			hugepages: false,
			transport: 'TCP', traddr: '127.0.0.1', trsvcid: port,
			subnqn: NQN, hostnqn: HOSTNQN, allow_any_host: false,
			knobs, bdevperf: { queue_depth: 4, io_size: 4096, workload: 'randrw', rw_percentage: 50, time_in_sec: opts['io-seconds'] },
			uuids: { lvstore: lvsUuid, lvol: volUuid, snapshot: snapUuid, clone: cloneUuid },
		},
		processes: procs,
		steps,
		watch: { started_t_ms: goneAt, controller_gone_t_ms: ctrlrGoneAt, bdev_gone_t_ms: bdevGoneAt, io_job_ended_t_ms: ioEndedAt, requests: watch },
		iostat_before_hosts: iostatBefore,
		logs,
	};
	writeFileSync(outFile, `${JSON.stringify(doc, null, '\t')}\n`);
	log(`wrote ${path.relative(process.cwd(), outFile)}: ${steps.length} steps, ${watch.length} watch requests`);
	return 0;
}

let rc = 1;
try {
	rc = await main();
} catch (e) {
	console.error(`${SCRIPT}: ${e.stack || e.message}`);
	keepLogs = true;
	rc = 1;
} finally {
	await cleanup({ keepWork: keepLogs });
	if (keepLogs && workDir) log(`logs kept in ${workDir}`);
}
process.exit(rc);
