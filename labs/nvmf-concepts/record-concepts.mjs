#!/usr/bin/env node
// SPDX-License-Identifier: BSD-3-Clause
// Copyright (C) 2026 the learning-site project authors.
//
// record-concepts.mjs - what an SPDK v26.01 NVMe-oF target really reports about its nouns
// (subsystem, namespace, host, listener, controller, discovery, ANA), recorded for the
// nvmf/nvmf-concepts page. It RUNS an already built SPDK (never builds it):
//   - one spdk_tgt (--no-huge, one core, RPC socket /tmp/nvmfcon.sock, NVMe/TCP on 127.0.0.1:4440);
//   - JSON-RPC calls over the socket: every request and reply is kept, with the target's log lines
//     that each call produced (the reason for a rejected NQN is only in that log);
//   - SPDK's own host tool spdk_nvme_identify against the discovery NQN and a subsystem;
//   - the same spdk_tgt as an NVMe/TCP host of itself (bdev_nvme_attach_controller over loopback),
//     to show what bdev_nvme reports for a path while the target changes the listener's ANA state.
// Writes labs/results/nvmf-concepts.json (RECORD_OUT overrides). Node built-ins only; the process
// handling and the JSON-RPC client come from iowatch/record/common.mjs.
// Without SPDK_BUILD_DIR it prints "SKIPPED: ..." and exits 0. Everything it starts runs under
// timeout(1) and is stopped on every exit path.
//
// Usage: SPDK_BUILD_DIR=/path/to/built/spdk node labs/nvmf-concepts/record-concepts.mjs
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
	Rpc, sleep, log, sh, loadavg, machineFacts, spdkConfig, makeWorkDir, cleanup, startTracked, runTool as runTracked, stopTracked, spdkLibEnv,
} from '../../iowatch/record/common.mjs';

const SCRIPT = 'labs/nvmf-concepts/record-concepts.mjs';
const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(HERE, '../..');
const OUT = process.env.RECORD_OUT || path.join(ROOT, 'labs/results/nvmf-concepts.json');
const SOCK = '/tmp/nvmfcon.sock';
const ADDR = '127.0.0.1';
const PORT = '4440';
const DISCOVERY_NQN = 'nqn.2014-08.org.nvmexpress.discovery';
const SUB1 = 'nqn.2016-06.io.spdk:cnode1';
const SUB2 = 'nqn.2016-06.io.spdk:ana1';
const HOST = 'nqn.2014-08.org.nvmexpress:uuid:11111111-2222-3333-4444-555555555555';
// NQNs the target is asked to accept as subsystem names; each row says which rule it tests.
const NQN_CASES = [
	{ nqn: 'nqn.2016-6.io.spdk:bad', rule: 'the date code must be yyyy-mm' },
	{ nqn: 'nqn.2016-06.io.spdk_bad:x', rule: 'domain labels hold only letters, digits and hyphens' },
	{ nqn: 'nqn.2016-06.io.spdk', rule: 'a user part after ":" is required' },
	{ nqn: 'iqn.2016-06.io.spdk:x', rule: 'the name must begin with "nqn."' },
	{ nqn: 'nqn.2016-06.io.1spdk:x', rule: 'each domain label starts with a letter' },
	{ nqn: 'nqn.2014-08.org.nvmexpress:uuid:1234', rule: 'the uuid form needs a 36-character UUID' },
	{ nqn: 'nqn.2014-08.org.nvmexpress:uuid:1111111x-2222-3333-4444-555555555555', rule: 'the uuid form needs a parseable UUID' },
	{ nqn: `nqn.2016-06.io.spdk:${'x'.repeat(204)}`, rule: 'at most 223 bytes' },
	{ nqn: `nqn.2016-06.io.spdk:${'x'.repeat(203)}`, rule: 'exactly 223 bytes is allowed' },
	{ nqn: 'nqn.2016-06.io.spdk:vm-disk/ü 1', rule: 'the user part is any valid UTF-8' },
	{ nqn: SUB1, rule: 'an NQN names one subsystem per target' },
];

const dir = process.env.SPDK_BUILD_DIR || '';
if (!dir) {
	console.log(`${SCRIPT}: SKIPPED: SPDK_BUILD_DIR is not set, so there is no spdk_tgt to run.`);
	console.log(`${SCRIPT}:   not run: nvmf_get_subsystems, the NQN checks, the discovery log page, the ANA states.`);
	console.log(`${SCRIPT}:   Nothing was started or written. Set SPDK_BUILD_DIR to a built SPDK v26.01 (--with-shared).`);
	process.exit(0);
}
const SPDK = path.resolve(dir);
const TGT = path.join(SPDK, 'build/bin/spdk_tgt');
const IDENTIFY = path.join(SPDK, 'build/bin/spdk_nvme_identify');
for (const f of [TGT, IDENTIFY]) {
	if (!existsSync(f)) {
		console.error(`${SCRIPT}: ${f} is missing: point SPDK_BUILD_DIR at a built SPDK tree (this script never builds SPDK)`);
		process.exit(2);
	}
}
const ENV = spdkLibEnv(SPDK);

// ---- processes: everything started is tracked (common.mjs) and stopped on every exit path ----
const work = makeWorkDir('nvmfcon-record-');
const GRACE_MS = 20000;
const startTgt = (args, logFile, maxLifeS) => startTracked(args, logFile, maxLifeS, { env: ENV, killAfterS: 5, graceMs: GRACE_MS });
// Runs a host tool to completion (bounded); returns its exit code and output.
const runTool = (args, maxLifeS = 60) => runTracked(args, maxLifeS, { env: ENV, killAfterS: 5 });

// ---- the target's log, read incrementally so each step keeps the lines it caused ----
let tgtLog = null;
let logOffset = 0;
const stripTs = (l) => l.replace(/^\[\d{4}-\d{2}-\d{2} [\d:.]+\] /, '');
function newLogLines() {
	const all = readFileSync(tgtLog, 'utf8');
	const fresh = all.slice(logOffset);
	logOffset = all.length;
	return fresh.split('\n').filter((l) => l.trim()).map(stripTs);
}

const steps = [];
let rpc;
async function step(id, method, params, { expectError = false } = {}) {
	const t0 = process.hrtime.bigint();
	const { req, reply } = await rpc.raw(method, params);
	const ms = Number(process.hrtime.bigint() - t0) / 1e6;
	await sleep(150); // let the target flush the log lines this call produced
	const entry = { id, method, request: req, ms: Math.round(ms * 1000) / 1000, log: newLogLines() };
	if (reply.error) entry.error = reply.error; else entry.result = reply.result;
	steps.push(entry);
	if (!!reply.error !== expectError) {
		throw new Error(`${id}: ${method} ${expectError ? 'unexpectedly succeeded' : `failed: ${JSON.stringify(reply.error)}`}`);
	}
	return entry;
}

const tools = [];
const REPORT_LINE = /^(Serial Number|Model Number|  May have multiple (subsystem ports|controllers)|Max Number of Namespaces|Max Number of I\/O Queues|NVMe Specification Version|Subsystem NQN|Asymmetric Namespace Access Log Page):/;
async function identify(id, subnqn, note) {
	const trid = `trtype:TCP adrfam:IPv4 traddr:${ADDR} trsvcid:${PORT} subnqn:${subnqn}`;
	const argv = [IDENTIFY, '--no-huge', '-s', '256', '-r', trid];
	const r = await runTool(argv);
	await sleep(200);
	const text = `${r.stdout}${r.stderr}`;
	const hostnqn = (text.match(/nqn\.2014-08\.org\.nvmexpress:uuid:[0-9a-f-]{36}/) || [])[0] ?? null;
	const disc = r.stdout.indexOf('Discovery Log Page\n');
	const entry = {
		id, note,
		argv: ['$SPDK_BUILD_DIR/build/bin/spdk_nvme_identify', ...argv.slice(1)],
		exit_code: r.exit_code,
		// The whole report is long; the page needs the discovery log page, or the failure text.
		discovery_log_page: disc >= 0 ? r.stdout.slice(disc).replace(/[ \t]+$/gm, '') : null,
		subsystem_nqn_line: (r.stdout.match(/^Subsystem NQN:.*$/m) || [null])[0]?.replace(/\s+$/, '') ?? null,
		// A few identify-controller lines that name the nouns (the rest of the report is not kept).
		report_lines: r.stdout.split('\n').filter((l) => REPORT_LINE.test(l)).map((l) => l.replace(/\s+$/, '')),
		stderr: r.stderr.split('\n').filter((l) => l.trim()).map(stripTs).map((l) => l.replace(/\s+$/, '')),
		host_side_hostnqn: hostnqn,
		target_log: newLogLines(),
	};
	tools.push(entry);
	return entry;
}

function describeMachine() {
	const config = spdkConfig(SPDK, ['DEBUG', 'SHARED', 'VFIO_USER']);
	return {
		machine: machineFacts(),
		build: {
			commit: sh('git', ['-C', SPDK, 'rev-parse', 'HEAD']),
			describe: sh('git', ['-C', SPDK, 'describe', '--tags', '--match', 'v*']),
			config,
			release_build: config.DEBUG === 'n',
		},
	};
}

async function main() {
	const t0 = Date.now();
	const meta = describeMachine();
	tgtLog = path.join(work, 'spdk_tgt.log');
	if (existsSync(SOCK)) throw new Error(`${SOCK} exists: another run is using it (or a stale socket is left; remove it)`);
	const tgtArgs = ['--no-huge', '-s', '1024', '-m', '0x1', '-r', SOCK];
	log(`starting spdk_tgt ${tgtArgs.join(' ')}`);
	const tgt = startTgt([TGT, ...tgtArgs], tgtLog, 240);
	// JSON-RPC over the Unix socket (one connection; replies matched by id); raw() gives {req, reply}.
	rpc = new Rpc(SOCK, { withRequest: true, timeoutMs: 30000 });
	await rpc.connect(60000, () => tgt.exitCode === null && tgt.signalCode === null);
	newLogLines();

	const version = (await step('version', 'spdk_get_version')).result;
	await step('subsystems_at_start', 'nvmf_get_subsystems');
	await step('transport', 'nvmf_create_transport', { trtype: 'TCP' });
	await step('bdev0', 'bdev_malloc_create', { name: 'Malloc0', num_blocks: 131072, block_size: 512 });
	await step('bdev1', 'bdev_malloc_create', { name: 'Malloc1', num_blocks: 131072, block_size: 512 });

	// A plain subsystem: default max_namespaces, one namespace, one listener, one host.
	await step('create_sub1', 'nvmf_create_subsystem', { nqn: SUB1, serial_number: 'SPDK00000000000001' });
	await step('add_ns_sub1', 'nvmf_subsystem_add_ns', { nqn: SUB1, namespace: { bdev_name: 'Malloc0' } });
	await step('add_listener_sub1', 'nvmf_subsystem_add_listener', { nqn: SUB1, listen_address: { trtype: 'TCP', adrfam: 'IPv4', traddr: ADDR, trsvcid: PORT } });
	await step('add_listener_discovery', 'nvmf_subsystem_add_listener', { nqn: DISCOVERY_NQN, listen_address: { trtype: 'TCP', adrfam: 'IPv4', traddr: ADDR, trsvcid: PORT } });
	await step('add_host_sub1', 'nvmf_subsystem_add_host', { nqn: SUB1, host: HOST });
	await step('add_host_sub1_again', 'nvmf_subsystem_add_host', { nqn: SUB1, host: HOST }, { expectError: true });
	await step('add_host_bad_nqn', 'nvmf_subsystem_add_host', { nqn: SUB1, host: 'nqn.bad' }, { expectError: true });
	await step('add_ns_bad_nsid', 'nvmf_subsystem_add_ns', { nqn: SUB1, namespace: { bdev_name: 'Malloc1', nsid: 33 } }, { expectError: true });

	// NQN rules: each case is one nvmf_create_subsystem; accepted ones are deleted again.
	const nqnChecks = [];
	for (const c of NQN_CASES) {
		const s = await rpc.raw('nvmf_create_subsystem', { nqn: c.nqn });
		await sleep(150);
		const row = { nqn: c.nqn, length: Buffer.byteLength(c.nqn), rule: c.rule, accepted: !s.reply.error, log: newLogLines() };
		if (s.reply.error) row.error = s.reply.error;
		else {
			await rpc.raw('nvmf_delete_subsystem', { nqn: c.nqn });
			await sleep(150);
			newLogLines();
		}
		nqnChecks.push(row);
	}

	await step('subsystems_configured', 'nvmf_get_subsystems');

	// Discovery as SPDK's own host tool sees it. Its host NQN is a random uuid NQN (not in the list).
	await identify('discovery_unknown_host', DISCOVERY_NQN, 'host NQN not in cnode1\'s hosts list, allow_any_host false');
	await identify('connect_denied', SUB1, 'the same kind of host connecting to cnode1 itself');
	await step('allow_any_host_sub1', 'nvmf_subsystem_allow_any_host', { nqn: SUB1, allow_any_host: true });
	await identify('discovery_any_host', DISCOVERY_NQN, 'after nvmf_subsystem_allow_any_host cnode1 true');
	const connected = await identify('connect_allowed', SUB1, 'cnode1 now allows any host');

	// ANA: a subsystem with ANA reporting; this same process attaches to it as an NVMe/TCP host.
	await step('create_sub2', 'nvmf_create_subsystem', { nqn: SUB2, ana_reporting: true, max_namespaces: 4 });
	await step('add_ns_sub2', 'nvmf_subsystem_add_ns', { nqn: SUB2, namespace: { bdev_name: 'Malloc1', uuid: '0c7a7e5c-1d2b-4c3a-9e8f-7a6b5c4d3e2f', nguid: '0C7A7E5C1D2B4C3A9E8F7A6B5C4D3E2F' } });
	await step('add_listener_sub2', 'nvmf_subsystem_add_listener', { nqn: SUB2, listen_address: { trtype: 'TCP', adrfam: 'IPv4', traddr: ADDR, trsvcid: PORT } });
	await step('add_host_sub2', 'nvmf_subsystem_add_host', { nqn: SUB2, host: HOST });
	await step('attach', 'bdev_nvme_attach_controller', { name: 'nvme0', trtype: 'tcp', adrfam: 'ipv4', traddr: ADDR, trsvcid: PORT, subnqn: SUB2, hostnqn: HOST });
	await step('bdev_initial', 'bdev_get_bdevs', { name: 'nvme0n1' });
	await step('controllers_sub2', 'nvmf_subsystem_get_controllers', { nqn: SUB2 });
	await step('ana_get_listeners', 'nvmf_subsystem_get_listeners', { nqn: SUB2 });
	const anaSeen = [];
	for (const state of ['non_optimized', 'inaccessible', 'optimized']) {
		await step(`ana_set_${state}`, 'nvmf_subsystem_listener_set_ana_state', { nqn: SUB2, listen_address: { trtype: 'TCP', adrfam: 'IPv4', traddr: ADDR, trsvcid: PORT }, ana_state: state, anagrpid: 1 });
		const t1 = Date.now();
		let seen = null;
		while (Date.now() - t1 < 5000) {
			const { reply } = await rpc.raw('bdev_get_bdevs', { name: 'nvme0n1' });
			const nv = reply.result?.[0]?.driver_specific?.nvme?.[0];
			if (nv?.ns_data?.ana_state === state) { seen = { ana_state: nv.ns_data.ana_state, ms: Date.now() - t1, ns_data: nv.ns_data }; break; }
			await sleep(20);
		}
		anaSeen.push({ set: state, seen_by_bdev_nvme: seen });
		if (!seen) throw new Error(`bdev_nvme never reported ana_state ${state}`);
	}
	await step('bdev_after', 'bdev_get_bdevs', { name: 'nvme0n1' });
	await step('ana_listeners_after', 'nvmf_subsystem_get_listeners', { nqn: SUB2 });
	await step('detach', 'bdev_nvme_detach_controller', { name: 'nvme0' });
	await step('subsystems_final', 'nvmf_get_subsystems');

	rpc.close();
	await stopTracked(tgt, { graceMs: GRACE_MS, removeTrace: true });
	const lastLines = newLogLines();

	meta.machine.loadavg_end = loadavg();
	meta.machine.wall_s = Math.round((Date.now() - t0) / 100) / 10;
	const doc = {
		schema: 'spdk-nvmf-concepts/1',
		script: SCRIPT,
		spdk_version: version.version,
		spdk_version_fields: version.fields,
		...meta,
		config: {
			spdk_tgt_args: tgtArgs,
			hugepages: false,
			listen: { trtype: 'TCP', adrfam: 'IPv4', traddr: ADDR, trsvcid: PORT },
			subsystems: [SUB1, SUB2],
			host_nqn: HOST,
		},
		steps,
		nqn_checks: nqnChecks,
		tools,
		ana: anaSeen,
		connect_allowed_exit: connected.exit_code,
		shutdown_log: lastLines.filter((l) => /ERROR|WARN/.test(l)),
	};
	writeFileSync(OUT, `${JSON.stringify(doc, null, '\t')}\n`);
	log(`wrote ${path.relative(process.cwd(), OUT)} (${steps.length} RPC steps, ${nqnChecks.length} NQN checks, ${tools.length} tool runs, ${meta.machine.wall_s} s)`);
}
main().then(() => cleanup()).catch(async (e) => {
	console.error(`${SCRIPT}: ${e.stack || e.message}`);
	await cleanup({ keepWork: true });
	if (tgtLog) console.error(`spdk_tgt log kept in ${tgtLog}`);
	process.exit(1);
});
