// SPDX-License-Identifier: BSD-3-Clause
// Copyright (C) 2026 the learning-site project authors.
//
// The committed lvstore image and its three companions (labs/results/lvstore-image.json from SPDK,
// labs/results/lvstore-decode.{json,txt} from labs/blobstore/bsdecode) agree, and the loader
// src/lib/lvstore-image.js joins them as the lvol pages expect. Needs no SPDK and no compiler
// (make -C labs check runs the decoder itself). Run: node --test tests/unit/lvstore-image.test.mjs
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, statSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import zlib from 'node:zlib';
import { fileURLToPath } from 'node:url';
import {
	loadDecode, loadDecodeText, loadSpdkImage, checkLvstoreImage, lvstoreImageFacts, textSection, blobText,
	hexId, LvstoreImageError, FILES,
} from '../../src/lib/lvstore-image.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const clone = (o) => JSON.parse(JSON.stringify(o));
const decode = loadDecode(ROOT);
const text = loadDecodeText(ROOT);
const spdk = loadSpdkImage(ROOT);

function assertProblem(d, s, t, re) {
	const problems = checkLvstoreImage(d, s, t);
	assert.ok(problems.some((p) => re.test(p)), `expected a problem matching ${re}, got ${JSON.stringify(problems)}`);
}

test('the committed files agree', () => {
	assert.deepEqual(checkLvstoreImage(decode, spdk, text), []);
});

test('the image is small, trimmed to the metadata, and its super block matches the decode', () => {
	const gz = readFileSync(path.join(ROOT, FILES.image));
	assert.equal(gz.length, spdk.image.gzip_bytes);
	assert.ok(statSync(path.join(ROOT, FILES.image)).size < 100 * 1024);
	const img = zlib.gunzipSync(gz);
	assert.equal(img.length, spdk.image.trimmed_bytes);
	assert.equal(img.subarray(0, 8).toString('latin1'), 'SPDKBLOB');
	assert.equal(img.readUInt32LE(16), decode.super_block.clean);
	assert.equal(img.readUInt32LE(28), decode.super_block.cluster_size);
	assert.equal(img.readUInt32LE(48), decode.super_block.md.start);
	assert.equal(img.readUInt32LE(52), decode.super_block.md.len);
	assert.equal(`0x${img.readUInt32LE(4092).toString(16).padStart(8, '0')}`, decode.super_block.crc);
});

test('facts: lvstore and lvols joined with SPDK', () => {
	const f = lvstoreImageFacts(ROOT);
	assert.match(f.spdkVersion, /^SPDK v26\.01/);
	assert.equal(f.lvstore.name, spdk.rpc.bdev_lvol_get_lvstores[0].name);
	assert.equal(f.lvols.length, spdk.rpc.bdev_lvol_get_lvols.length);
	for (const l of f.lvols) {
		assert.equal(l.spdk.lvol.uuid, l.uuid);
		assert.equal(l.blob.id, l.blobId);
		assert.equal(f.blobById(l.blobId), l.blob);
		assert.equal(f.lvolByName(l.name), l);
		assert.ok(blobText(f.text, l.blobId).includes(`xattr name = "${l.name}"`));
	}
	// The scenario make-image.mjs builds: a snapshot with two clones, a thin lvol.
	const snap = f.lvolByName('snap');
	assert.equal(snap.snapshot, true);
	assert.equal(snap.readOnly, true);
	assert.deepEqual([...snap.clones].sort(), ['clone', 'thick']);
	assert.equal(f.lvolByName('thick').baseSnapshot, 'snap');
	assert.equal(f.lvolByName('thin').thin, true);
	assert.equal(f.lvolByName('thin').clone, false);
});

test('text sections and ids', () => {
	assert.match(textSection(text, 'super block'), /^super block \(offset 0\)\n {2}signature {5}SPDKBLOB/);
	assert.match(textSection(text, 'lvstore'), /lvols/);
	assert.equal(textSection(text, 'no such heading'), null);
	assert.equal(hexId(2 ** 32 + 5), '0x100000005');
	assert.equal(hexId('0x100000005'), '0x100000005');
	assert.equal(blobText(text, '0xdeadbeef'), null);
});

test('every check can fail', () => {
	let d = clone(decode);
	d.lvstore.free_clusters += 1;
	assertProblem(d, spdk, text, /lvstore free_clusters/);
	d = clone(decode);
	d.lvstore.lvols[0].num_allocated_clusters += 1;
	assertProblem(d, spdk, text, /numAllocatedClusters/);
	d = clone(decode);
	d.lvstore.lvols.find((l) => l.name === 'snap').clones.pop();
	assertProblem(d, spdk, text, /clones/);
	d = clone(decode);
	d.warnings.push('something');
	assertProblem(d, spdk, text, /warnings/);
	const s = clone(spdk);
	s.image.trimmed_bytes += 4096;
	assertProblem(decode, s, text, /trimmed image/);
	assertProblem(decode, spdk, text.replace(/^lvstore$/m, 'lvs'), /"lvstore" section/);
	const bad = clone(decode);
	bad.lvstore.uuid = 'x';
	assert.throws(() => {
		const problems = checkLvstoreImage(bad, spdk, text);
		if (problems.length) throw new LvstoreImageError(problems.join('; '));
	}, LvstoreImageError);
});

test('make-image.mjs without SPDK prints SKIPPED and writes nothing', () => {
	const env = { ...process.env };
	delete env.SPDK_BUILD_DIR;
	const before = readFileSync(path.join(ROOT, FILES.spdk), 'utf8');
	const r = spawnSync(process.execPath, [path.join(ROOT, 'labs/blobstore/make-image.mjs')], { env, encoding: 'utf8' });
	assert.equal(r.status, 0);
	assert.match(r.stdout, /SKIPPED: SPDK_BUILD_DIR is not set/);
	assert.equal(readFileSync(path.join(ROOT, FILES.spdk), 'utf8'), before);
});
