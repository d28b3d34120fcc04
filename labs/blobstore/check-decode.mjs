// SPDX-License-Identifier: BSD-3-Clause
// Copyright (C) 2026 the learning-site project authors.
//
// check-decode.mjs - the checks behind `make check` for bsdecode. Node built-ins only.
//
//   node blobstore/check-decode.mjs unpack IMG.gz OUT.img
//       gunzip the committed image
//   node blobstore/check-decode.mjs corrupt IN.img OUTDIR
//       write damaged copies (one fault each) and OUTDIR/cases.txt: "file<TAB>expected stderr text"
//   node blobstore/check-decode.mjs fuzz IN.img OUTDIR N
//       N copies with a few random bytes changed in the metadata (a fixed seed, so every run
//       makes the same files); the decoder must answer each with exit 0 or 1, never a crash
//   node blobstore/check-decode.mjs validate DECODE.json SPDK.json
//       the decoder's JSON has the expected shape and agrees with what SPDK reported
//       (labs/results/lvstore-image.json): every lvol's name, uuid, size in clusters,
//       num_allocated_clusters, thin/snapshot/clone, base_snapshot and clones; the lvstore's
//       name, uuid, cluster_size, total and free clusters.
// Exit 1 on any problem, one line per problem on stderr.
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';

const problems = [];
const bad = (m) => problems.push(m);
const [, , cmd, a, b] = process.argv;

function finish(what) {
	if (problems.length) {
		for (const p of problems) console.error(`check-decode: ${p}`);
		process.exit(1);
	}
	console.log(`check-decode: ${what}: ok`);
}

if (cmd === 'unpack') {
	writeFileSync(b, zlib.gunzipSync(readFileSync(a)));
	console.log(`check-decode: unpacked ${a} -> ${b}`);
} else if (cmd === 'corrupt') {
	const img = readFileSync(a);
	mkdirSync(b, { recursive: true });
	const u32 = (o) => img.readUInt32LE(o);
	const pg = u32(92) || 4096;
	const mdStart = u32(48);
	const cases = [];
	const make = (name, expect, mutate) => {
		const c = Buffer.from(img);
		const out = mutate(c) ?? c;
		writeFileSync(path.join(b, name), out);
		cases.push(`${name}\t${expect}`);
	};
	// A flipped byte in the stored CRC of md page 1 (the first lvol's first page).
	make('bad-page-crc.img', `CRC mismatch in md page 1 (offset ${(mdStart + 1) * pg}`, (c) => { c[(mdStart + 1) * pg + 4092] ^= 0xff; });
	// A flipped byte in the super block's CRC.
	make('bad-super-crc.img', 'super block CRC mismatch at offset 4092', (c) => { c[4092] ^= 0x01; });
	// Not a blobstore at all.
	make('no-signature.img', 'no blobstore signature "SPDKBLOB" at offset 0', (c) => { c.write('GARBAGE!', 0, 'latin1'); });
	// Cut inside the md region.
	make('truncated.img', 'truncated inside the metadata', (c) => c.subarray(0, (mdStart + 2) * pg));
	// Too short for a super block.
	make('tiny.img', 'shorter than a super block', (c) => c.subarray(0, 100));
	writeFileSync(path.join(b, 'cases.txt'), `${cases.join('\n')}\n`);
	console.log(`check-decode: ${cases.length} damaged copies in ${b}`);
} else if (cmd === 'fuzz') {
	const img = readFileSync(a);
	mkdirSync(b, { recursive: true });
	const n = Number(process.argv[5] ?? 40);
	let seed = 0x5eed1234;
	const rnd = (m) => { seed = (Math.imul(seed, 1103515245) + 12345) >>> 0; return (seed >>> 8) % m; };
	const mdStart = img.readUInt32LE(48), pg = img.readUInt32LE(92) || 4096;
	// The interesting bytes: the first 8 md pages (where the blobs are) and the headers before them.
	const hot = (mdStart + 8) * pg;
	for (let i = 0; i < n; i++) {
		const c = Buffer.from(img);
		const flips = 1 + rnd(4);
		for (let k = 0; k < flips; k++) {
			const off = rnd(hot);
			c[off] = rnd(256);
			// Most flips would only break a CRC; fixing the CRC of the page hit lets the
			// decoder's parsing behind the CRC be exercised too.
			if (rnd(4) !== 0) {
				const page = Math.floor(off / pg) * pg;
				c.writeUInt32LE(crc32c(c.subarray(page, page + 4092)), page + 4092);
			}
		}
		writeFileSync(path.join(b, `fuzz-${String(i).padStart(3, '0')}.img`), c);
	}
	console.log(`check-decode: ${n} fuzzed copies in ${b}`);
} else if (cmd === 'validate') {
	const d = JSON.parse(readFileSync(a, 'utf8'));
	const spdk = JSON.parse(readFileSync(b, 'utf8'));
	validateShape(d);
	compare(d, spdk);
	finish(`${a} agrees with ${b}`);
} else {
	console.error('usage: check-decode.mjs unpack|corrupt|validate ...');
	process.exit(2);
}

// CRC32C (reflected 0x82F63B78, seed and final xor all ones), as the decoder computes it.
function crc32c(buf) {
	let c = 0xffffffff;
	for (const byte of buf) {
		c ^= byte;
		for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0x82f63b78 : c >>> 1;
	}
	return (c ^ 0xffffffff) >>> 0;
}

function need(obj, keys, where) {
	for (const k of keys) if (!(k in (obj ?? {}))) bad(`${where}: missing "${k}"`);
}

function validateShape(d) {
	need(d, ['tool', 'input', 'super_block', 'derived', 'masks', 'blobs', 'lvstore', 'warnings'], 'top level');
	if (d.tool !== 'bsdecode') bad('tool is not "bsdecode"');
	const sb = d.super_block ?? {};
	need(sb, ['signature', 'version', 'clean', 'super_blob', 'cluster_size', 'size', 'md_page_size', 'bstype',
		'used_page_mask', 'used_cluster_mask', 'md', 'used_blobid_mask', 'crc', 'crc_ok'], 'super_block');
	if (sb.signature !== 'SPDKBLOB') bad('super_block.signature');
	if (sb.crc_ok !== true) bad('super_block.crc_ok');
	if (sb.clean !== 1) bad(`super_block.clean is ${sb.clean}, the image was made with a clean stop`);
	if (sb.bstype !== 'LVOLSTORE') bad('super_block.bstype');
	for (const m of ['used_pages', 'used_clusters', 'used_blobids']) {
		const mk = d.masks?.[m];
		need(mk, ['type', 'length_bits', 'set', 'ranges'], `masks.${m}`);
		const n = (mk?.ranges ?? []).reduce((s, [x, y]) => s + (y - x + 1), 0);
		if (mk && n !== mk.set) bad(`masks.${m}: ranges cover ${n} bits, set says ${mk.set}`);
	}
	if (d.input?.data_clusters_present !== false) bad('input: the committed image is trimmed, data clusters should be absent');
	let pages = 0;
	for (const bl of d.blobs ?? []) {
		need(bl, ['id', 'md_pages', 'flags', 'num_clusters', 'num_allocated_clusters', 'allocated', 'xattrs', 'internal_xattrs', 'clones'], `blob ${bl.id}`);
		const alloc = (bl.allocated ?? []).reduce((s, r) => s + r.count, 0);
		if (alloc !== bl.num_allocated_clusters) bad(`blob ${bl.id}: allocated runs sum to ${alloc}, not ${bl.num_allocated_clusters}`);
		bl.md_pages?.forEach((p, i) => { if (p.sequence_num !== i) bad(`blob ${bl.id}: page ${p.page} has sequence ${p.sequence_num}`); });
		pages += (bl.md_pages?.length ?? 0) + (bl.extent_pages?.length ?? 0);
	}
	if (pages !== d.masks?.used_pages?.set) bad(`blobs use ${pages} md pages, used_pages has ${d.masks?.used_pages?.set}`);
	if (d.blobs?.length !== d.masks?.used_blobids?.set) bad('blob count differs from used_blobids');
	if ((d.warnings ?? []).length) bad(`decoder warnings: ${d.warnings.join('; ')}`);
}

function compare(d, spdk) {
	const lvs = spdk.rpc?.bdev_lvol_get_lvstores?.[0];
	const L = d.lvstore;
	if (!lvs || !L) { bad('no lvstore on one side'); return; }
	for (const [mine, theirs] of [['name', 'name'], ['uuid', 'uuid'], ['cluster_size', 'cluster_size'],
		['total_data_clusters', 'total_data_clusters'], ['free_clusters', 'free_clusters']]) {
		if (L[mine] !== lvs[theirs]) bad(`lvstore ${mine}: decoder ${JSON.stringify(L[mine])}, SPDK ${JSON.stringify(lvs[theirs])}`);
	}
	const lvols = spdk.rpc.bdev_lvol_get_lvols ?? [];
	const bdevs = new Map((spdk.rpc.bdev_get_bdevs ?? []).map((x) => [x.uuid, x]));
	if (lvols.length !== L.lvols.length) bad(`lvol count: decoder ${L.lvols.length}, SPDK ${lvols.length}`);
	for (const v of lvols) {
		const m = L.lvols.find((x) => x.uuid === v.uuid);
		if (!m) { bad(`lvol ${v.name} (${v.uuid}) not decoded`); continue; }
		const bd = bdevs.get(v.uuid);
		const ds = bd?.driver_specific?.lvol ?? {};
		const clusters = bd ? (bd.num_blocks * bd.block_size) / lvs.cluster_size : undefined;
		const want = {
			name: v.name,
			num_clusters: clusters,
			num_allocated_clusters: v.num_allocated_clusters,
			is_thin_provisioned: v.is_thin_provisioned,
			is_snapshot: v.is_snapshot,
			is_clone: v.is_clone,
			is_esnap_clone: v.is_esnap_clone,
			base_snapshot: ds.base_snapshot ?? null,
			clones: [...(ds.clones ?? [])].sort(),
		};
		const got = { ...m, clones: [...m.clones].sort() };
		for (const k of Object.keys(want)) {
			if (JSON.stringify(got[k]) !== JSON.stringify(want[k])) {
				bad(`lvol ${v.name} ${k}: decoder ${JSON.stringify(got[k])}, SPDK ${JSON.stringify(want[k])}`);
			}
		}
	}
}
