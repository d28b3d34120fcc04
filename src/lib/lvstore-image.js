// SPDX-License-Identifier: BSD-3-Clause
// Copyright (C) 2026 the learning-site project authors.
//
// The committed lvstore image and what was said about it, for the lvol pages:
//   labs/blobstore/lvstore.img.gz    the image (made by labs/blobstore/make-image.mjs against a real
//                                    SPDK v26.01, trimmed to its metadata, gzip)
//   labs/results/lvstore-image.json  what SPDK said: the steps with parameters, the RPC replies
//                                    (bdev_lvol_get_lvstores, bdev_lvol_get_lvols, bdev_get_bdevs),
//                                    spdk_get_version, machine facts, the image sizes
//   labs/results/lvstore-decode.json labs/blobstore/bsdecode --json on the image
//   labs/results/lvstore-decode.txt  labs/blobstore/bsdecode (text) on the image
// `make -C labs check` fails when the decoder's current output differs from the two decode files,
// and when the decode disagrees with SPDK's replies, so what a page quotes from here is true.
//
// API (root defaults to the project root; every loader reads the committed file):
//   loadDecode(root)            -> the parsed decode JSON
//   loadDecodeText(root)        -> the decoder's text output (string)
//   loadSpdkImage(root)         -> the parsed lvstore-image.json (steps, rpc replies, machine)
//   checkLvstoreImage(decode, spdk, text) -> [problem strings]; [] when the three agree
//   lvstoreImageFacts(root)     -> everything checked and joined (throws LvstoreImageError on any
//                                  problem, so a broken file fails the build):
//       { decode, text, spdk, superBlock, masks, blobs, lvstore, lvols, lvolByName(name),
//         blobById(id), image: {raw_bytes, trimmed_bytes, gzip_bytes, md_page_size, clean},
//         spdkVersion, machine, date, steps, rpc }
//     lvols[i] = { name, uuid, blobId, numClusters, sizeBytes, numAllocatedClusters, thin,
//                  snapshot, clone, readOnly, baseSnapshot, clones, blob (the decoded blob),
//                  spdk: {lvol (get_lvols entry), bdev (get_bdevs entry)} }
//   textSection(text, heading)  -> one top-level section of the text output, heading line
//                                  included: 'super block', 'masks', 'blobs', 'lvstore'
//   blobText(text, id)          -> the lines of one blob in the text output ('0x100000001')
//   hexId(id)                   -> '0x100000001' for a number or a string id
import { readFileSync } from 'node:fs';
import path from 'node:path';
// The project root as the excerpt system knows it (a path computed from this module's own URL is
// wrong once Astro bundles the module into a page).
import { PROJECT_ROOT as ROOT } from './excerpts.js';

export const FILES = {
	image: 'labs/blobstore/lvstore.img.gz',
	spdk: 'labs/results/lvstore-image.json',
	decodeJson: 'labs/results/lvstore-decode.json',
	decodeText: 'labs/results/lvstore-decode.txt',
};

export class LvstoreImageError extends Error {
	constructor(message) {
		super(message);
		this.name = 'LvstoreImageError';
	}
}

export function loadDecode(root = ROOT) {
	return JSON.parse(readFileSync(path.join(root, FILES.decodeJson), 'utf8'));
}

export function loadDecodeText(root = ROOT) {
	return readFileSync(path.join(root, FILES.decodeText), 'utf8');
}

export function loadSpdkImage(root = ROOT) {
	return JSON.parse(readFileSync(path.join(root, FILES.spdk), 'utf8'));
}

export function hexId(id) {
	if (typeof id === 'string') return id.toLowerCase();
	return `0x${BigInt(id).toString(16)}`;
}

// The lvols of the decode joined with SPDK's replies (by uuid).
function joinLvols(decode, spdk) {
	const cl = decode?.lvstore?.cluster_size;
	const lvolsRpc = spdk?.rpc?.bdev_lvol_get_lvols ?? [];
	const bdevs = spdk?.rpc?.bdev_get_bdevs ?? [];
	return (decode?.lvstore?.lvols ?? []).map((l) => ({
		name: l.name,
		uuid: l.uuid,
		blobId: l.blob_id,
		numClusters: l.num_clusters,
		sizeBytes: l.size_bytes,
		numAllocatedClusters: l.num_allocated_clusters,
		thin: l.is_thin_provisioned,
		snapshot: l.is_snapshot,
		clone: l.is_clone,
		readOnly: l.read_only,
		baseSnapshot: l.base_snapshot,
		clones: l.clones,
		blob: (decode.blobs ?? []).find((b) => b.id === l.blob_id) ?? null,
		clusterSize: cl,
		spdk: {
			lvol: lvolsRpc.find((x) => x.uuid === l.uuid) ?? null,
			bdev: bdevs.find((x) => x.uuid === l.uuid) ?? null,
		},
	}));
}

export function checkLvstoreImage(decode, spdk, text) {
	const problems = [];
	const p = (m) => problems.push(m);
	if (decode?.tool !== 'bsdecode') p('decode: tool is not "bsdecode"');
	if (decode?.super_block?.signature !== 'SPDKBLOB') p('decode: super block signature is not SPDKBLOB');
	if (decode?.super_block?.crc_ok !== true) p('decode: super block CRC not ok');
	if ((decode?.warnings ?? []).length) p(`decode: warnings: ${decode.warnings.join('; ')}`);
	if (!/^SPDK v26\.01\b/.test(spdk?.spdk?.version?.version ?? '')) p(`spdk: version is ${JSON.stringify(spdk?.spdk?.version?.version)}, expected SPDK v26.01`);
	if (spdk?.script !== 'labs/blobstore/make-image.mjs') p('spdk: script must be labs/blobstore/make-image.mjs');
	const img = spdk?.image ?? {};
	for (const k of ['raw_bytes', 'trimmed_bytes', 'gzip_bytes']) if (!Number.isInteger(img[k]) || img[k] <= 0) p(`spdk: image.${k} must be a positive integer`);
	if (img.trimmed_bytes !== decode?.input?.bytes) p(`trimmed image is ${img.trimmed_bytes} bytes but the decoder read ${decode?.input?.bytes}`);
	if (img.raw_bytes !== decode?.super_block?.size) p(`raw image is ${img.raw_bytes} bytes but the super block says size ${decode?.super_block?.size}`);
	if (img.trimmed_bytes !== decode?.input?.metadata_end) p('the image was not trimmed exactly at the end of the metadata');
	const lvs = spdk?.rpc?.bdev_lvol_get_lvstores?.[0];
	const L = decode?.lvstore;
	if (!lvs || !L) p('no lvstore in the decode or in the SPDK replies');
	else {
		for (const k of ['name', 'uuid', 'cluster_size', 'total_data_clusters', 'free_clusters']) {
			if (L[k] !== lvs[k]) p(`lvstore ${k}: decode ${JSON.stringify(L[k])}, SPDK ${JSON.stringify(lvs[k])}`);
		}
		const lvols = joinLvols(decode, spdk);
		if (lvols.length !== (spdk.rpc.bdev_lvol_get_lvols ?? []).length) p('lvol count differs between decode and SPDK');
		for (const l of lvols) {
			const r = l.spdk.lvol, bd = l.spdk.bdev;
			if (!r || !bd) { p(`lvol ${l.name}: no SPDK reply for uuid ${l.uuid}`); continue; }
			const ds = bd.driver_specific?.lvol ?? {};
			const want = {
				name: r.name, numAllocatedClusters: r.num_allocated_clusters, thin: r.is_thin_provisioned,
				snapshot: r.is_snapshot, clone: r.is_clone, numClusters: (bd.num_blocks * bd.block_size) / lvs.cluster_size,
				baseSnapshot: ds.base_snapshot ?? null, clones: [...(ds.clones ?? [])].sort(),
			};
			const got = { ...l, clones: [...l.clones].sort() };
			for (const k of Object.keys(want)) {
				if (JSON.stringify(got[k]) !== JSON.stringify(want[k])) p(`lvol ${l.name} ${k}: decode ${JSON.stringify(got[k])}, SPDK ${JSON.stringify(want[k])}`);
			}
			if (!l.blob) p(`lvol ${l.name}: blob ${l.blobId} missing from decode.blobs`);
		}
	}
	if (typeof text !== 'string' || !text.startsWith('image ')) p('text output does not start with the image line');
	else {
		for (const h of ['super block', 'masks', 'blobs', 'lvstore']) if (!textSection(text, h)) p(`text output has no "${h}" section`);
		for (const b of decode?.blobs ?? []) if (!blobText(text, b.id)) p(`text output has no lines for blob ${b.id}`);
		if (L && !text.includes(`uuid ${L.uuid}`)) p('text output does not show the lvstore uuid');
	}
	return problems;
}

export function textSection(text, heading) {
	const lines = text.split('\n');
	const start = lines.findIndex((l) => l === heading || l.startsWith(`${heading} `));
	if (start < 0) return null;
	let end = start + 1;
	while (end < lines.length && lines[end] !== '') end++;
	return lines.slice(start, end).join('\n');
}

export function blobText(text, id) {
	const lines = text.split('\n');
	const want = `  blob ${hexId(id)} `;
	const start = lines.findIndex((l) => l.startsWith(want));
	if (start < 0) return null;
	let end = start + 1;
	while (end < lines.length && lines[end].startsWith('    ')) end++;
	return lines.slice(start, end).join('\n');
}

export function lvstoreImageFacts(root = ROOT) {
	const decode = loadDecode(root);
	const text = loadDecodeText(root);
	const spdk = loadSpdkImage(root);
	const problems = checkLvstoreImage(decode, spdk, text);
	if (problems.length) throw new LvstoreImageError(`lvstore image files disagree:\n  ${problems.join('\n  ')}`);
	const lvols = joinLvols(decode, spdk);
	return {
		decode,
		text,
		spdk,
		superBlock: decode.super_block,
		masks: decode.masks,
		blobs: decode.blobs,
		derived: decode.derived,
		lvstore: decode.lvstore,
		lvols,
		lvolByName: (name) => lvols.find((l) => l.name === name) ?? null,
		blobById: (id) => decode.blobs.find((b) => b.id === hexId(id)) ?? null,
		image: spdk.image,
		spdkVersion: spdk.spdk.version.version,
		machine: spdk.machine,
		date: spdk.date_utc,
		steps: spdk.steps,
		rpc: spdk.rpc,
	};
}
