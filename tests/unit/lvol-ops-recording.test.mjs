// SPDX-License-Identifier: BSD-3-Clause
// The committed lvol RPC recording (labs/results/lvol-ops.json): its shape, and the facts the
// lvol/diskengine-lvol-ops page states about it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { checkLvolOps, loadLvolOps, lvolOps, replyOf, replyText, bdevOf, lvolIn, latencySummary, STATED, SCHEMA } from '../../src/lib/lvol-ops-recording.js';

const doc = loadLvolOps();
const clone = (d) => JSON.parse(JSON.stringify(d));
const assertProblem = (d, re) => {
	const problems = checkLvolOps(d);
	assert.ok(problems.some((p) => re.test(p)), `expected a problem matching ${re}, got ${JSON.stringify(problems)}`);
};

test('the committed recording is valid and agrees with every reply the page states', () => {
	assert.deepEqual(checkLvolOps(doc), []);
	assert.equal(doc.schema, SCHEMA);
	assert.doesNotThrow(() => lvolOps(doc));
	assert.match(doc.spdk_version.version, /^SPDK v26\.01/);
	assert.equal(doc.config.hugepages, false);
});

test('every lvol RPC the page covers was called', () => {
	const methods = new Set(doc.steps.flatMap((s) => (s.pipelined ? s.requests.map((r) => r.method) : [s.request.method])));
	for (const m of ['bdev_lvol_create_lvstore', 'bdev_lvol_create', 'bdev_lvol_resize', 'bdev_lvol_snapshot', 'bdev_lvol_clone',
		'bdev_lvol_inflate', 'bdev_lvol_decouple_parent', 'bdev_lvol_rename', 'bdev_lvol_delete', 'bdev_lvol_set_read_only',
		'bdev_lvol_get_lvols', 'bdev_lvol_get_lvstores', 'bdev_lvol_delete_lvstore', 'bdev_lvol_clone_bdev']) {
		assert.ok(methods.has(m), `${m} was not recorded`);
	}
});

test('the facts the page states in prose', () => {
	// Synchronous failures carry the errno as the code; callback failures carry -32602 ...
	assert.equal(replyOf(doc, 'create.dup').error.code, -17);
	assert.equal(replyOf(doc, 'snapshot.dup').error.code, -32602);
	assert.equal(replyOf(doc, 'snapshot.dup').error.message, replyOf(doc, 'create.dup').error.message);
	// ... except bdev_lvol_delete's callback, which uses -32603.
	assert.equal(replyOf(doc, 'delete.snapshot_with_clones').error.code, -32603);
	assert.equal(replyOf(doc, 'delete.twice', 1).error.code, -32603);
	// One locked operation per blob: the second of two pipelined operations gets EBUSY text.
	assert.equal(replyText(doc, 'resize.locked', 1), '-32602 "Device or resource busy"');
	assert.equal(replyText(doc, 'snapshot.locked', 1), '-32602 "Device or resource busy"');
	// Sizes are rounded up to whole clusters: 5 MiB with 2 MiB clusters is 6 MiB; 11 MiB is 12 MiB.
	const cluster = replyOf(doc, 'lvs.get.all').result[0].cluster_size;
	assert.equal(cluster, 2 * 1048576);
	const thin = bdevOf(doc, 'create.thin_rounded.bdev');
	assert.equal(thin.num_blocks * thin.block_size, 6 * 1048576);
	const vol1 = bdevOf(doc, 'resize.grow.bdev');
	assert.equal(vol1.num_blocks * vol1.block_size, 12 * 1048576);
	// The refused shrink of an exported lvol: the bdev keeps its size, the blob has shrunk.
	const exp = bdevOf(doc, 'export.shrink.bdev');
	assert.equal(exp.num_blocks * exp.block_size, 12 * 1048576);
	const expLvol = lvolIn(doc, 'export.shrink.lvol', 'exp1');
	assert.equal(expLvol.is_thin_provisioned, false);
	assert.equal(expLvol.num_allocated_clusters * cluster, 4 * 1048576);
	// Delete of an exported lvol succeeds and the namespace is gone.
	assert.deepEqual(replyOf(doc, 'export.after').result[0].namespaces, []);
	// Rename keeps the bdev name (the UUID) and changes the alias.
	const renamed = bdevOf(doc, 'rename.bdev');
	assert.equal(renamed.name, replyOf(doc, 'create.thin_rounded').result);
	assert.deepEqual(renamed.aliases, ['lvs0/thin1b']);
	// After inflate clone2 is thick and no clone; after decouple clone1 is thin and no clone.
	const c1 = lvolIn(doc, 'lvols.after_inflate', 'clone1');
	const c2 = lvolIn(doc, 'lvols.after_inflate', 'clone2');
	assert.deepEqual([c1.is_thin_provisioned, c1.is_clone], [true, false]);
	assert.deepEqual([c2.is_thin_provisioned, c2.is_clone], [false, false]);
	assert.ok(latencySummary(doc).median > 0);
});

test('each check catches its corruption', () => {
	let d = clone(doc);
	d.steps.find((s) => s.id === 'create.dup').reply.error.code = -32602;
	assertProblem(d, /create\.dup: recorded -32602 "File exists", the page states -17/);
	d = clone(doc);
	d.steps.find((s) => s.id === 'resize.locked').replies[1] = { result: true };
	assertProblem(d, /resize\.locked reply 1/);
	d = clone(doc);
	d.steps = d.steps.filter((s) => s.id !== 'export.shrink');
	assertProblem(d, /export\.shrink: the page states its reply but the recording has no such step/);
	d = clone(doc);
	d.steps[0].reply = { result: 1, error: { code: 1, message: 'x' } };
	assertProblem(d, /exactly one of result and error/);
	d = clone(doc);
	d.steps.find((s) => s.pipelined).replies.pop();
	assertProblem(d, /requests but \d+ replies/);
	d = clone(doc);
	d.steps.push(clone(d.steps[0]));
	assertProblem(d, /duplicate id/);
	d = clone(doc);
	d.spdk_version.version = 'SPDK v25.09';
	assertProblem(d, /spdk_version/);
	d = clone(doc);
	delete d.machine;
	assertProblem(d, /machine block is missing/);
	d = clone(doc);
	d.build.release_build = !d.build.release_build;
	assertProblem(d, /release_build disagrees/);
	assert.throws(() => lvolOps({}), /lvol-ops\.json/);
});

test('STATED names only steps that exist, and the file is plain JSON with a final newline', () => {
	const ids = new Set(doc.steps.map((s) => s.id));
	for (const id of Object.keys(STATED)) assert.ok(ids.has(id), id);
	const text = readFileSync(new URL('../../labs/results/lvol-ops.json', import.meta.url), 'utf8');
	assert.ok(text.endsWith('}\n'));
});
