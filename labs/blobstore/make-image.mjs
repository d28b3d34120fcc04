// SPDX-License-Identifier: BSD-3-Clause
// Copyright (C) 2026 the learning-site project authors.
//
// Makes the small lvstore image that bsdecode is tested on (labs/blobstore/lvstore.img.gz) and
// records what SPDK itself said about it (labs/results/lvstore-image.json).
//
// It RUNS an already built SPDK (found through SPDK_BUILD_DIR; it never builds one) against a
// temporary file:
//   1. spdk_tgt: an AIO bdev over a 64 MiB file (4096-byte blocks), an lvstore with 1 MiB
//      clusters, a thick lvol (8 MiB) and a thin lvol (16 MiB); stop.
//   2. spdk_dd (with a JSON config that re-creates the AIO bdev, so the lvstore is examined and
//      loaded): writes into the thick lvol (2 MiB at 0) and into the thin lvol (1 MiB at 0,
//      2 MiB at 5 MiB), one spdk_dd run per write.
//   3. spdk_tgt: a snapshot of the thick lvol and a clone of that snapshot; stop.
//   4. spdk_dd: 1 MiB into the clone at 3 MiB (copy-on-write allocates a cluster).
//   5. spdk_tgt: records spdk_get_version, bdev_lvol_get_lvstores, bdev_lvol_get_lvols and
//      bdev_get_bdevs for each lvol; stops cleanly (SIGINT: the blobstore is unloaded, which
//      writes the masks and the super block with clean = 1).
// Then the file is cut after the end of the metadata region. That end is read from the super
// block itself: the largest of (start + length) over the three masks and the md region
// (all in units of md_page_size, offsets 32..55 and 72..79 of the super block), times
// md_page_size. Everything past it is data clusters, which the decoder does not need.
// Why these sizes: a blobstore gives the md region one page per cluster by default
// (lvol's num_md_pages_per_cluster_ratio = 100), so 64 clusters of 1 MiB make a metadata region
// of a few hundred KiB that compresses to a few KiB, yet leave room for several lvols with
// more than one cluster each.
//
// Without SPDK_BUILD_DIR it prints SKIPPED and exits 0. Node built-ins only; the process
// handling and the JSON-RPC client come from iowatch/record/common.mjs.
// Knobs: RECORD_OUT (labs/results/lvstore-image.json), RECORD_IMAGE_OUT (labs/blobstore/lvstore.img.gz).
import { existsSync, readFileSync, writeFileSync, openSync, closeSync, ftruncateSync, unlinkSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { fileURLToPath } from 'node:url';
import {
	Rpc, sleep, log, sh, makeWorkDir, cleanup, onCleanup, startTracked, stopTracked, childPid, removeTraceShm, spdkLibEnv,
} from '../../iowatch/record/common.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const PROJECT_ROOT = path.resolve(HERE, '..', '..');
const IMAGE_OUT = process.env.RECORD_IMAGE_OUT ? path.resolve(process.env.RECORD_IMAGE_OUT) : path.join(HERE, 'lvstore.img.gz');
const JSON_OUT = process.env.RECORD_OUT ? path.resolve(process.env.RECORD_OUT) : path.join(PROJECT_ROOT, 'labs', 'results', 'lvstore-image.json');
const SOCK = '/tmp/bsdecode.sock';
const MiB = 1024 * 1024;

const FILE_MIB = 64;
const BLOCK = 4096;
const CLUSTER = 1 * MiB;
const LVS = 'lvs0';

const spdkDir = process.env.SPDK_BUILD_DIR || '';
if (!spdkDir) {
	console.log('make-image: SKIPPED: SPDK_BUILD_DIR is not set, so there is no spdk_tgt/spdk_dd to run.');
	console.log('make-image:   Nothing was started or written; the committed image and results are unchanged.');
	process.exit(0);
}
const SPDK = path.resolve(spdkDir);
for (const n of ['build/bin/spdk_tgt', 'build/bin/spdk_dd']) {
	if (!existsSync(path.join(SPDK, n))) {
		console.error(`make-image: ${SPDK} has no ${n}: point SPDK_BUILD_DIR at a built SPDK tree (this script never builds SPDK)`);
		process.exit(2);
	}
}
const ENV = spdkLibEnv(SPDK);
const APP_ARGS = ['--no-huge', '-s', '1024', '-m', '0x1', '--no-pci', '--disable-cpumask-locks'];
const GRACE_MS = 60000;

// ---- children: everything we start is stopped on every exit path (common.mjs tracks them)
const work = makeWorkDir('bsdecode-image-');
const steps = [];
const ourPids = new Set();
onCleanup(() => { for (const pid of ourPids) removeTraceShm(pid); });

function run(bin, args, logName, maxLifeS) {
	const logFile = path.join(work, logName);
	const child = startTracked([path.join(SPDK, 'build/bin', bin), ...args], logFile, maxLifeS, { env: ENV, graceMs: GRACE_MS });
	return { child, logFile };
}
function tail(f) { try { return readFileSync(f, 'utf8').slice(-3000); } catch { return ''; } }

// JSON-RPC client (common.mjs); every successful call is a step of the recording.
class StepRpc extends Rpc {
	async call(method, params) {
		const result = await super.call(method, params, 60000);
		steps.push({ tool: 'rpc', method, params: params ?? null });
		return result;
	}
}

async function withTarget(name, fn) {
	try { unlinkSync(SOCK); } catch { /* none */ }
	const args = [...APP_ARGS, '-r', SOCK];
	const t = run('spdk_tgt', args, `${name}.log`, 300);
	steps.push({ tool: 'spdk_tgt', args, phase: name });
	await sleep(300);
	const pid = childPid(t.child.pid); if (pid) ourPids.add(pid);
	const rpc = new StepRpc(SOCK);
	try {
		await rpc.connect(90000, () => t.child.exitCode === null);
		await rpc.call('framework_wait_init');
		const r = await fn(rpc);
		rpc.close();
		await stopTracked(t.child, { graceMs: GRACE_MS });
		const rc = t.child.exitCode;
		if (rc !== 0) throw new Error(`spdk_tgt (${name}) exited with ${rc ?? t.child.signalCode}\n${tail(t.logFile)}`);
		steps.push({ tool: 'spdk_tgt', stopped: 'SIGINT', exit_code: rc, phase: name });
		return r;
	} catch (e) {
		rpc.close();
		await stopTracked(t.child, { graceMs: GRACE_MS });
		throw new Error(`${e.message}\n--- ${t.logFile} ---\n${tail(t.logFile)}`);
	}
}

const AIO_PARAMS = (file) => ({ name: 'aio0', filename: file, block_size: BLOCK });

// One spdk_dd run: loads the lvstore through a JSON config, copies `count` 4 KiB units of a
// pattern file into the lvol at `seekUnits`.
async function dd(file, pattern, lvol, seekUnits, count, name) {
	const conf = path.join(work, `${name}.json`);
	const config = { subsystems: [{ subsystem: 'bdev', config: [
		{ method: 'bdev_aio_create', params: AIO_PARAMS(file) },
		{ method: 'bdev_wait_for_examine' },
	] }] };
	writeFileSync(conf, JSON.stringify(config, null, 1));
	const args = [...APP_ARGS, '--no-rpc-server', '--json', conf, '--if', pattern, '--ob', `${LVS}/${lvol}`, '--bs', '4096',
		'--seek', String(seekUnits), '--count', String(count)];
	const t = run('spdk_dd', args, `${name}.log`, 120);
	await sleep(300);
	const pid = childPid(t.child.pid); if (pid) ourPids.add(pid);
	while (t.child.exitCode === null && t.child.signalCode === null) await sleep(100);
	if (t.child.exitCode !== 0) throw new Error(`spdk_dd (${name}) exited with ${t.child.exitCode ?? t.child.signalCode}\n${tail(t.logFile)}`);
	steps.push({ tool: 'spdk_dd', phase: name, json_config: JSON.parse(JSON.stringify(config)), args,
		wrote: { lvol: `${LVS}/${lvol}`, offset_bytes: seekUnits * 4096, bytes: count * 4096 } });
}

// The end of the metadata region, in bytes, from the super block (little-endian fields).
function metadataEnd(buf) {
	if (buf.subarray(0, 8).toString('latin1') !== 'SPDKBLOB') throw new Error('no SPDKBLOB signature at offset 0');
	const u32 = (o) => buf.readUInt32LE(o);
	const pageSize = u32(92) || 4096;
	const regions = [[32, 36], [40, 44], [48, 52], [72, 76]].map(([s, l]) => u32(s) + u32(l));
	return { end: Math.max(...regions) * pageSize, pageSize };
}

async function main() {
	const file = path.join(work, 'lvstore.img');
	const fd = openSync(file, 'w'); ftruncateSync(fd, FILE_MIB * MiB); closeSync(fd);
	steps.push({ tool: 'file', what: `sparse file of ${FILE_MIB} MiB (truncate)`, path: '$WORK/lvstore.img' });
	const pattern = path.join(work, 'pattern.bin');
	const pat = Buffer.alloc(2 * MiB);
	for (let i = 0; i < pat.length; i += 4) pat.writeUInt32LE((i / 4) ^ 0x5bd1e995, i);
	writeFileSync(pattern, pat);
	steps.push({ tool: 'file', what: 'the data written: 2 MiB of little-endian u32 words, word i = i XOR 0x5bd1e995', path: '$WORK/pattern.bin' });

	log('phase 1: lvstore, thick and thin lvols');
	await withTarget('create', async (rpc) => {
		await rpc.call('bdev_aio_create', AIO_PARAMS(file));
		await rpc.call('bdev_lvol_create_lvstore', { bdev_name: 'aio0', lvs_name: LVS, cluster_sz: CLUSTER });
		await rpc.call('bdev_lvol_create', { lvs_name: LVS, lvol_name: 'thick', size_in_mib: 8 });
		await rpc.call('bdev_lvol_create', { lvs_name: LVS, lvol_name: 'thin', size_in_mib: 16, thin_provision: true });
	});
	log('phase 2: writes with spdk_dd');
	await dd(file, pattern, 'thick', 0, 512, 'dd-thick');
	await dd(file, pattern, 'thin', 0, 256, 'dd-thin-a');
	await dd(file, pattern, 'thin', 1280, 512, 'dd-thin-b');
	log('phase 3: snapshot and clone');
	await withTarget('snapshot', async (rpc) => {
		await rpc.call('bdev_aio_create', AIO_PARAMS(file));
		await rpc.call('bdev_wait_for_examine');
		await rpc.call('bdev_lvol_snapshot', { lvol_name: `${LVS}/thick`, snapshot_name: 'snap' });
		await rpc.call('bdev_lvol_clone', { snapshot_name: `${LVS}/snap`, clone_name: 'clone' });
	});
	log('phase 4: a write into the clone');
	await dd(file, pattern, 'clone', 768, 256, 'dd-clone');
	log('phase 5: record what SPDK reports');
	const replies = await withTarget('record', async (rpc) => {
		await rpc.call('bdev_aio_create', AIO_PARAMS(file));
		await rpc.call('bdev_wait_for_examine');
		const version = await rpc.call('spdk_get_version');
		const lvstores = await rpc.call('bdev_lvol_get_lvstores');
		const lvols = await rpc.call('bdev_lvol_get_lvols');
		const bdevs = [];
		for (const l of lvols) bdevs.push(...await rpc.call('bdev_get_bdevs', { name: l.uuid }));
		return { version, lvstores, lvols, bdevs };
	});

	const raw = readFileSync(file);
	const { end, pageSize } = metadataEnd(raw);
	const clean = raw.readUInt32LE(16);
	if (clean !== 1) throw new Error(`super block clean = ${clean} after a clean stop`);
	const trimmed = raw.subarray(0, end);
	const gz = zlib.gzipSync(trimmed, { level: 9 });
	writeFileSync(IMAGE_OUT, gz);
	log(`image: ${raw.length} bytes raw, ${trimmed.length} trimmed (md page ${pageSize}), ${gz.length} gzip -> ${path.relative(PROJECT_ROOT, IMAGE_OUT)}`);

	const cpuinfo = readFileSync('/proc/cpuinfo', 'utf8');
	const doc = {
		what: 'An lvstore made by a real SPDK for labs/blobstore/bsdecode: the steps, what SPDK reported, and the image figures.',
		script: 'labs/blobstore/make-image.mjs',
		date_utc: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
		machine: {
			cpu_model: (cpuinfo.match(/^model name\s*:\s*(.+)$/m) || [])[1] ?? null,
			cpus_online: os.cpus().length,
			kernel: `Linux ${os.release()}`,
		},
		spdk: { version: replies.version, build_commit: sh('git', ['-C', SPDK, 'rev-parse', 'HEAD']) },
		parameters: { file_mib: FILE_MIB, block_size: BLOCK, cluster_sz: CLUSTER, lvs_name: LVS },
		image: {
			file: 'labs/blobstore/lvstore.img.gz',
			raw_bytes: raw.length,
			trimmed_bytes: trimmed.length,
			gzip_bytes: gz.length,
			trim_rule: 'max(start + len) of used_page_mask, used_cluster_mask, md region, used_blobid_mask, times md_page_size (super block offsets 32..55, 72..79, 92)',
			md_page_size: pageSize,
			clean,
		},
		steps,
		rpc: {
			bdev_lvol_get_lvstores: replies.lvstores,
			bdev_lvol_get_lvols: replies.lvols,
			bdev_get_bdevs: replies.bdevs,
		},
	};
	writeFileSync(JSON_OUT, `${JSON.stringify(doc, null, 2).split(work).join('$WORK')}\n`);
	log(`wrote ${path.relative(PROJECT_ROOT, JSON_OUT)}`);
}

main().then(async () => { await cleanup(); }, async (e) => {
	console.error(`make-image: ${e.stack || e.message}`);
	await cleanup({ keepWork: true });
	console.error(`make-image: logs kept in ${work}`);
	process.exit(1);
});
