#!/usr/bin/env node
// SPDX-License-Identifier: BSD-3-Clause
// Copyright (C) 2026 the learning-site project authors.
//
// Records what a JSON-RPC client really receives from the lvol RPCs of SPDK v26.01: every call the
// lvol/diskengine-lvol-ops page lists, each success and each error case (duplicate name, resize of a
// snapshot, delete of a snapshot with clones, decouple without a parent, inflate of a thick lvol,
// shrink and delete of an lvol exported as an NVMe-oF namespace, two locked operations at once, ...),
// with the exact reply object, the round-trip latency and the lines the target logged meanwhile.
//
// It starts an already built spdk_tgt (found through SPDK_BUILD_DIR; this script never builds SPDK)
// with no hugepages on one core, on its own socket, with malloc bdevs only, and stops it at the end.
// Without SPDK_BUILD_DIR it prints SKIPPED and exits 0. Node built-ins only; the process handling
// and the JSON-RPC client come from iowatch/record/common.mjs.
//
//   SPDK_BUILD_DIR=/path/to/spdk node labs/lvol-ops/record-lvol-ops.mjs [--out FILE]
//
// Writes labs/results/lvol-ops.json (or FILE).
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
	Rpc, describe, writeJson, log, sleep, loadavg, makeWorkDir, cleanup, startTracked, stopTracked, childPid, spdkLibEnv,
	alive as running,
} from '../../iowatch/record/common.mjs';

const SCRIPT = 'labs/lvol-ops/record-lvol-ops.mjs';
const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(HERE, '..', '..');
const MAX_LIFE_S = 300;

const args = process.argv.slice(2);
if (args.includes('--help')) {
	console.log(`usage: SPDK_BUILD_DIR=DIR node ${SCRIPT} [--out FILE]`);
	process.exit(0);
}
const outIdx = args.indexOf('--out');
const OUT = outIdx >= 0 ? path.resolve(args[outIdx + 1]) : path.join(ROOT, 'labs', 'results', 'lvol-ops.json');

const spdkDir = process.env.SPDK_BUILD_DIR || process.env.SPDK_DIR || '';
if (!spdkDir) {
	console.log(`${SCRIPT}: SKIPPED: SPDK_BUILD_DIR (or SPDK_DIR) is not set, so there is no spdk_tgt to run.`);
	console.log(`${SCRIPT}:   not run: the lvol RPC recording (labs/results/lvol-ops.json is left as it is).`);
	console.log(`${SCRIPT}:   Nothing was started or written. Set SPDK_BUILD_DIR to a built SPDK v26.01.`);
	process.exit(0);
}
const SPDK = path.resolve(spdkDir);
const TGT = path.join(SPDK, 'build/bin/spdk_tgt');
if (!existsSync(TGT)) {
	console.error(`${SCRIPT}: ${SPDK} has no build/bin/spdk_tgt: point SPDK_BUILD_DIR at a built SPDK tree (this script never builds SPDK)`);
	process.exit(2);
}

// --- the one process this script starts, and its cleanup on every exit path (common.mjs) ---
// Stop: SIGINT, 20 s, then SIGTERM to timeout(1), which forwards it to spdk_tgt; the process's
// trace shm file is removed. A signal to this script, an error or a crash stop it the same way.
const STOP = { graceMs: 20000, killSignal: 'SIGTERM', removeTrace: true };
let child = null;
let innerPid = null;
const work = makeWorkDir('lvsops-');
const sock = path.join(work, 'lvsops.sock');
const logFile = path.join(work, 'spdk_tgt.log');

function alive() { return child && running(child); }

async function stop() {
	if (!child) return null;
	const r = await stopTracked(child, { ...STOP, inner: innerPid });
	return r.code ?? r.signal;
}

const env = spdkLibEnv(SPDK);
// --disable-cpumask-locks: other SPDK processes may run on the same core; this run needs no core lock.
const tgtArgs = ['--no-huge', '-s', '1024', '-m', '0x1', '--disable-cpumask-locks', '-r', sock];

// --- recording helpers ---
const steps = [];
let logOffset = 0;
function newLogLines() {
	let text = '';
	try { text = readFileSync(logFile, 'utf8'); } catch { return []; }
	const fresh = text.slice(logOffset);
	logOffset = text.length;
	// Keep SPDK's own log lines, without the timestamp prefix, which differs per run.
	return fresh.split('\n').filter((l) => /\*(ERROR|WARNING|NOTICE)\*/.test(l))
		.map((l) => l.replace(/^\[[^\]]*\]\s*/, ''));
}

// One request on the connection; records request, whole reply, latency, log lines.
async function step(id, what, method, params, rpc) {
	newLogLines();
	const t0 = process.hrtime.bigint();
	const reply = await rpc.raw(method, params, 60000);
	const ms = Number(process.hrtime.bigint() - t0) / 1e6;
	await sleep(20);
	const rec = { id, what, request: { method, ...(params === undefined ? {} : { params }) }, reply: stripId(reply), latency_ms: round(ms), log: newLogLines() };
	steps.push(rec);
	log(`${id}: ${method} -> ${reply.error ? `error ${reply.error.code} "${reply.error.message}"` : JSON.stringify(reply.result).slice(0, 80)} (${rec.latency_ms} ms)`);
	return reply;
}

// Several requests written in one go (pipelined), so they are handled in the same server tick.
async function pipelined(id, what, calls, rpc) {
	newLogLines();
	const t0 = process.hrtime.bigint();
	const promises = calls.map(([method, params]) => {
		const p = rpc.raw(method, params, 60000);
		return p.then((r) => ({ r, ms: Number(process.hrtime.bigint() - t0) / 1e6 }));
	});
	const got = await Promise.all(promises);
	await sleep(20);
	const rec = {
		id, what, pipelined: true,
		requests: calls.map(([method, params]) => ({ method, params })),
		replies: got.map((g) => stripId(g.r)),
		latency_ms: got.map((g) => round(g.ms)),
		log: newLogLines(),
	};
	steps.push(rec);
	log(`${id}: pipelined ${calls.map((c) => c[0]).join(', ')} -> ${got.map((g) => (g.r.error ? `error ${g.r.error.code}` : 'ok')).join(', ')}`);
	return got.map((g) => g.r);
}
function stripId(m) { const { id, jsonrpc, ...rest } = m; return rest; }
function round(x) { return Math.round(x * 1000) / 1000; }
function must(reply, what) { if (reply.error) throw new Error(`${what} failed: ${JSON.stringify(reply.error)}`); return reply.result; }

// --- the run ---
async function main() {
	const desc = describe(SPDK);
	const startMs = Date.now();
	child = startTracked([TGT, ...tgtArgs], logFile, MAX_LIFE_S, { env, killAfterS: 10, ...STOP });
	log(`started spdk_tgt ${tgtArgs.join(' ')} (work dir ${work})`);
	const rpc = new Rpc(sock);
	try {
		await rpc.connect(90000, alive);
	} catch (e) {
		throw new Error(`${e.message}\n--- ${logFile} ---\n${readFileSync(logFile, 'utf8').slice(-3000)}`);
	}
	innerPid = childPid(child.pid);
	await rpc.call('framework_wait_init');
	const version = await rpc.call('spdk_get_version');
	newLogLines();

	// Base bdevs: two malloc bdevs (512-byte blocks), one for the lvstore and one as an esnap base.
	must(await step('setup.malloc0', 'base bdev for the lvstore: 96 MiB malloc, 4 KiB blocks', 'bdev_malloc_create', { name: 'm0', num_blocks: 24576, block_size: 4096 }, rpc), 'malloc0');
	must(await step('setup.malloc1', 'a second bdev (8 MiB), used as an esnap base and for a second lvstore', 'bdev_malloc_create', { name: 'm1', num_blocks: 2048, block_size: 4096 }, rpc), 'malloc1');

	// lvstore
	const lvsUuid = must(await step('lvs.create', 'create an lvstore with 2 MiB clusters (the default is 4 MiB)', 'bdev_lvol_create_lvstore', { bdev_name: 'm0', lvs_name: 'lvs0', cluster_sz: 2097152 }, rpc), 'lvs');
	await step('lvs.create.retry', 'the same create again (a retry after a timeout looks like this)', 'bdev_lvol_create_lvstore', { bdev_name: 'm0', lvs_name: 'lvs0', cluster_sz: 2097152 }, rpc);
	await step('lvs.create.same_bdev', 'a second lvstore on the same (now claimed) base bdev', 'bdev_lvol_create_lvstore', { bdev_name: 'm0', lvs_name: 'lvs1' }, rpc);
	await step('lvs.create.dup_name', 'an lvstore whose name is already used, on another bdev', 'bdev_lvol_create_lvstore', { bdev_name: 'm1', lvs_name: 'lvs0' }, rpc);
	await step('lvs.create.no_bdev', 'an lvstore on a bdev that does not exist', 'bdev_lvol_create_lvstore', { bdev_name: 'nosuch', lvs_name: 'lvs9' }, rpc);
	await step('lvs.create.bad_clear', 'an unknown clear_method', 'bdev_lvol_create_lvstore', { bdev_name: 'm1', lvs_name: 'lvs9', clear_method: 'shred' }, rpc);
	await step('lvs.get.all', 'list every lvstore', 'bdev_lvol_get_lvstores', undefined, rpc);
	await step('lvs.get.missing', 'ask for an lvstore that does not exist', 'bdev_lvol_get_lvstores', { lvs_name: 'nosuch' }, rpc);

	// create
	const vol1 = must(await step('create.thick', 'a thick 8 MiB lvol', 'bdev_lvol_create', { lvs_name: 'lvs0', lvol_name: 'vol1', size_in_mib: 8 }, rpc), 'vol1');
	await step('create.dup', 'the same create again (a retry after a timeout looks like this)', 'bdev_lvol_create', { lvs_name: 'lvs0', lvol_name: 'vol1', size_in_mib: 8 }, rpc);
	const thin = must(await step('create.thin_rounded', 'a thin lvol of 5 MiB: rounded up to whole 2 MiB clusters', 'bdev_lvol_create', { lvs_name: 'lvs0', lvol_name: 'thin1', size_in_mib: 5, thin_provision: true }, rpc), 'thin1');
	await step('create.thin_rounded.bdev', 'its size as the bdev layer reports it', 'bdev_get_bdevs', { name: thin }, rpc);
	await step('create.nospace', 'a thick lvol larger than the free space', 'bdev_lvol_create', { lvs_name: 'lvs0', lvol_name: 'huge', size_in_mib: 4096 }, rpc);
	await step('create.no_lvs', 'an lvstore name that does not exist', 'bdev_lvol_create', { lvs_name: 'nosuch', lvol_name: 'x', size_in_mib: 4 }, rpc);
	await step('create.both_ids', 'both uuid and lvs_name given', 'bdev_lvol_create', { uuid: lvsUuid, lvs_name: 'lvs0', lvol_name: 'x', size_in_mib: 4 }, rpc);
	await step('create.no_size', 'a required parameter missing', 'bdev_lvol_create', { lvs_name: 'lvs0', lvol_name: 'x' }, rpc);
	await step('create.long_name', 'a 64-byte lvol name (SPDK_LVOL_NAME_MAX is 64 including the NUL)', 'bdev_lvol_create', { lvs_name: 'lvs0', lvol_name: 'n'.repeat(64), size_in_mib: 4 }, rpc);

	// resize
	await step('resize.grow', 'grow vol1 from 8 to 11 MiB: rounded up to 12 MiB', 'bdev_lvol_resize', { name: vol1, size_in_mib: 11 }, rpc);
	await step('resize.grow.bdev', 'vol1 as the bdev layer reports it after the grow', 'bdev_get_bdevs', { name: vol1 }, rpc);
	await step('resize.same', 'resize to the size it already has', 'bdev_lvol_resize', { name: vol1, size_in_mib: 12 }, rpc);
	await step('resize.no_bdev', 'resize a name that does not exist', 'bdev_lvol_resize', { name: 'nosuch', size_in_mib: 8 }, rpc);
	await step('resize.not_lvol', 'resize a bdev that is not an lvol', 'bdev_lvol_resize', { name: 'm1', size_in_mib: 8 }, rpc);
	await pipelined('resize.locked', 'two resizes of the same lvol written in one go: the second finds the first holding the blob', [
		['bdev_lvol_resize', { name: vol1, size_in_mib: 16 }],
		['bdev_lvol_resize', { name: vol1, size_in_mib: 20 }],
	], rpc);

	// snapshot / clone
	const snap1 = must(await step('snapshot', 'snapshot vol1 (vol1 becomes a clone of it)', 'bdev_lvol_snapshot', { lvol_name: vol1, snapshot_name: 'snap1' }, rpc), 'snap1');
	await step('snapshot.dup', 'a snapshot with a name that is already used', 'bdev_lvol_snapshot', { lvol_name: vol1, snapshot_name: 'snap1' }, rpc);
	await step('snapshot.of_snapshot', 'snapshot a snapshot', 'bdev_lvol_snapshot', { lvol_name: snap1, snapshot_name: 'snap2' }, rpc);
	await step('snapshot.no_bdev', 'snapshot a name that does not exist', 'bdev_lvol_snapshot', { lvol_name: 'nosuch', snapshot_name: 'snap3' }, rpc);
	await step('resize.snapshot', 'resize a snapshot', 'bdev_lvol_resize', { name: snap1, size_in_mib: 32 }, rpc);
	await step('clone.not_snapshot', 'clone an ordinary (writable) lvol', 'bdev_lvol_clone', { snapshot_name: thin, clone_name: 'c0' }, rpc);
	const clone1 = must(await step('clone.1', 'first clone of snap1', 'bdev_lvol_clone', { snapshot_name: snap1, clone_name: 'clone1' }, rpc), 'clone1');
	const clone2 = must(await step('clone.2', 'second clone of snap1', 'bdev_lvol_clone', { snapshot_name: snap1, clone_name: 'clone2' }, rpc), 'clone2');
	await step('clone.dup', 'a clone with a name that is already used', 'bdev_lvol_clone', { snapshot_name: snap1, clone_name: 'clone1' }, rpc);
	await step('delete.snapshot_with_clones', 'delete snap1, which has three clones (vol1, clone1, clone2)', 'bdev_lvol_delete', { name: snap1 }, rpc);
	await pipelined('snapshot.locked', 'resize and snapshot of the same lvol written in one go', [
		['bdev_lvol_resize', { name: vol1, size_in_mib: 24 }],
		['bdev_lvol_snapshot', { lvol_name: vol1, snapshot_name: 'snap-busy' }],
	], rpc);

	// inflate / decouple
	const thick2 = must(await step('create.thick2', 'a thick lvol with no parent', 'bdev_lvol_create', { lvs_name: 'lvs0', lvol_name: 'thick2', size_in_mib: 4 }, rpc), 'thick2');
	await step('inflate.thick', 'inflate a thick lvol with no parent', 'bdev_lvol_inflate', { name: thick2 }, rpc);
	await step('decouple.no_parent', 'decouple an lvol that has no parent', 'bdev_lvol_decouple_parent', { name: thick2 }, rpc);
	await step('decouple.thin_no_parent', 'decouple a thin lvol that has no parent', 'bdev_lvol_decouple_parent', { name: thin }, rpc);
	await step('decouple.clone', 'decouple clone1 from snap1', 'bdev_lvol_decouple_parent', { name: clone1 }, rpc);
	await step('decouple.retry', 'decouple clone1 again (a retry)', 'bdev_lvol_decouple_parent', { name: clone1 }, rpc);
	await step('inflate.clone', 'inflate clone2: every cluster allocated, no parent', 'bdev_lvol_inflate', { name: clone2 }, rpc);
	await step('inflate.retry', 'inflate clone2 again (a retry)', 'bdev_lvol_inflate', { name: clone2 }, rpc);
	await step('inflate.no_bdev', 'inflate a name that does not exist', 'bdev_lvol_inflate', { name: 'nosuch' }, rpc);
	await step('lvols.after_inflate', 'the lvols after decouple and inflate', 'bdev_lvol_get_lvols', { lvs_name: 'lvs0' }, rpc);
	await step('delete.snapshot_one_clone', 'delete snap1 now that only vol1 is its clone', 'bdev_lvol_delete', { name: snap1 }, rpc);

	// rename
	await step('rename', 'rename thin1 to thin1b (the bdev name, the UUID, stays)', 'bdev_lvol_rename', { old_name: 'lvs0/thin1', new_name: 'thin1b' }, rpc);
	await step('rename.same', 'rename to the name it already has', 'bdev_lvol_rename', { old_name: thin, new_name: 'thin1b' }, rpc);
	await step('rename.taken', 'rename to a name another lvol has', 'bdev_lvol_rename', { old_name: thin, new_name: 'vol1' }, rpc);
	await step('rename.old_alias', 'use the old alias after the rename', 'bdev_lvol_resize', { name: 'lvs0/thin1', size_in_mib: 8 }, rpc);
	await step('rename.bdev', 'the renamed lvol as the bdev layer reports it', 'bdev_get_bdevs', { name: thin }, rpc);

	// set_read_only
	await step('set_read_only', 'make thick2 read-only', 'bdev_lvol_set_read_only', { name: thick2 }, rpc);
	await step('set_read_only.resize', 'resize the read-only lvol', 'bdev_lvol_resize', { name: thick2, size_in_mib: 8 }, rpc);
	await step('set_read_only.again', 'set read-only again', 'bdev_lvol_set_read_only', { name: thick2 }, rpc);
	const c3 = must(await step('set_read_only.clone', 'clone the read-only lvol', 'bdev_lvol_clone', { snapshot_name: thick2, clone_name: 'roclone' }, rpc), 'roclone');

	// esnap clone
	await step('clone_bdev', 'an esnap clone of the malloc bdev m1', 'bdev_lvol_clone_bdev', { bdev: 'm1', lvs_name: 'lvs0', clone_name: 'esnap1' }, rpc);
	await step('clone_bdev.no_bdev', 'an esnap clone of a bdev that does not exist', 'bdev_lvol_clone_bdev', { bdev: 'nosuch', lvs_name: 'lvs0', clone_name: 'esnap2' }, rpc);
	await step('clone_bdev.same_lvs', 'an esnap clone of an lvol in the same lvstore', 'bdev_lvol_clone_bdev', { bdev: vol1, lvs_name: 'lvs0', clone_name: 'esnap3' }, rpc);
	await step('clone_bdev.no_lvs', 'an esnap clone into an lvstore that does not exist', 'bdev_lvol_clone_bdev', { bdev: 'm1', lvs_name: 'nosuch', clone_name: 'esnap4' }, rpc);

	// exported lvol: shrink and delete while an NVMe-oF namespace holds it open
	const exp = must(await step('export.create', 'a thick 8 MiB lvol to export', 'bdev_lvol_create', { lvs_name: 'lvs0', lvol_name: 'exp1', size_in_mib: 8 }, rpc), 'exp1');
	must(await step('export.transport', 'an NVMe-oF TCP transport (no listener is needed for this)', 'nvmf_create_transport', { trtype: 'TCP' }, rpc), 'transport');
	must(await step('export.subsystem', 'a subsystem', 'nvmf_create_subsystem', { nqn: 'nqn.2016-06.io.spdk:lvsops', allow_any_host: true }, rpc), 'subsystem');
	must(await step('export.add_ns', 'export the lvol as namespace 1', 'nvmf_subsystem_add_ns', { nqn: 'nqn.2016-06.io.spdk:lvsops', namespace: { bdev_name: exp } }, rpc), 'add_ns');
	await step('export.grow', 'grow the exported lvol to 12 MiB', 'bdev_lvol_resize', { name: exp, size_in_mib: 12 }, rpc);
	await step('export.shrink', 'shrink the exported lvol to 4 MiB', 'bdev_lvol_resize', { name: exp, size_in_mib: 4 }, rpc);
	await step('export.shrink.bdev', 'the bdev after the refused shrink', 'bdev_get_bdevs', { name: exp }, rpc);
	await step('export.shrink.lvol', 'the lvol after the refused shrink', 'bdev_lvol_get_lvols', { lvs_name: 'lvs0' }, rpc);
	await step('export.delete', 'delete the lvol while it is namespace 1', 'bdev_lvol_delete', { name: exp }, rpc);
	await step('export.after', 'the subsystem after the delete', 'nvmf_get_subsystems', { nqn: 'nqn.2016-06.io.spdk:lvsops' }, rpc);

	// delete and its retries
	await pipelined('delete.twice', 'the same delete written twice in one go (a retry that overlaps the first attempt)', [
		['bdev_lvol_delete', { name: c3 }],
		['bdev_lvol_delete', { name: c3 }],
	], rpc);
	await step('delete.retry', 'the same delete once more, after it finished', 'bdev_lvol_delete', { name: c3 }, rpc);
	await step('delete.not_lvol', 'delete a bdev that is not an lvol', 'bdev_lvol_delete', { name: 'm1' }, rpc);
	await step('lvols.final', 'the lvols before the lvstore is deleted', 'bdev_lvol_get_lvols', undefined, rpc);

	// lvstore delete
	await step('lvs.delete', 'delete the lvstore with its lvols still in it', 'bdev_lvol_delete_lvstore', { lvs_name: 'lvs0' }, rpc);
	await step('lvs.delete.again', 'delete it again', 'bdev_lvol_delete_lvstore', { lvs_name: 'lvs0' }, rpc);
	await step('lvs.delete.after', 'the lvstores and lvols afterwards', 'bdev_lvol_get_lvols', undefined, rpc);

	rpc.close();
	const exit = await stop();
	const wallS = (Date.now() - startMs) / 1000;
	desc.machine.loadavg_end = loadavg();
	desc.machine.wall_s = round(wallS);
	const doc = {
		schema: 'spdk-primer-lvol-ops/1',
		script: SCRIPT,
		spdk_version: version,
		...desc,
		config: { spdk_tgt_args: tgtArgs.filter((a) => a !== sock).concat(['<socket>']), hugepages: false, reactors: 1, base_bdevs: 'malloc' },
		spdk_tgt_exit: exit,
		steps,
	};
	writeJson(OUT, doc);
}

main().then(async () => {
	await cleanup();
}).catch(async (e) => {
	console.error(`${SCRIPT}: ${e.stack || e.message}`);
	await stop();
	await cleanup({ keepWork: true });
	console.error(`${SCRIPT}: logs kept in ${work}`);
	process.exit(1);
});
