// SPDX-License-Identifier: BSD-3-Clause
// The committed copy-on-write recording (labs/results/lvol-cow.json, written by
// labs/cow/record-cow.mjs against a real SPDK v26.01): its shape and consistency, the figures
// src/lib/cow-recording.js derives for lvol/cow-internals, and the script without SPDK.
// Needs no SPDK. Run: node --test tests/unit/cow-recording.test.mjs
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
	checkCowRecording, cowFigures, enospcFacts, cowFacts, cowMachine, CowRecordingError, COW_SCHEMA, COW_SCENARIOS,
} from '../../src/lib/cow-recording.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const FILE = path.join(ROOT, 'labs/results/lvol-cow.json');
const doc = JSON.parse(readFileSync(FILE, 'utf8'));
const clone = (o) => JSON.parse(JSON.stringify(o));

function assertProblem(d, re) {
	const problems = checkCowRecording(d);
	assert.ok(problems.some((p) => re.test(p)), `expected a problem matching ${re}, got ${JSON.stringify(problems)}`);
}

test('the committed recording is sound', () => {
	assert.equal(doc.schema, COW_SCHEMA);
	assert.deepEqual(checkCowRecording(doc), []);
	assert.deepEqual(doc.scenarios.map((s) => s.id), COW_SCENARIOS);
});

test('figures: thin copies nothing, clone copies each cluster once, rewrites add nothing', () => {
	const f = cowFigures(doc);
	for (const id of ['thin-4m', 'thin-1m']) {
		assert.equal(f[id].copies, 0);
		assert.equal(f[id].mibRead, 0);
	}
	assert.equal(f['clone-4m'].copies, 16);
	assert.equal(f['clone-1m'].copies, 64);
	assert.equal(f['clone-4m'].mibCopied, 64);
	assert.equal(f['clone-4m-aio'].baseSupportsCopy, false);
	assert.equal(f['clone-4m-aio'].mibRead, f['clone-4m-aio'].lvolMib);
	for (const id of COW_SCENARIOS) {
		assert.equal(f[id].rewriteExtraBytes, 0, id);
		assert.ok(f[id].metadataWrites >= f[id].clusters, id);
	}
	// Cluster size changes the number of metadata writes, not the amount copied.
	assert.ok(f['thin-1m'].metadataWrites > f['thin-4m'].metadataWrites);
	assert.equal(f['clone-1m'].mibCopied, f['clone-4m'].mibCopied);
});

test('enospc facts: overcommitted create succeeds, the lvstore fills, writes fail', () => {
	const e = enospcFacts(doc);
	assert.ok(e.lvolMib > e.mallocMib);
	assert.equal(e.freeAfter, 0);
	assert.equal(e.allocatedAfter, e.dataClusters);
	assert.ok(e.failed > 0);
	assert.match(e.thickError.message, /space/i);
	assert.ok(Array.isArray(e.writeLogLines));
});

test('machine label names the machine and build', () => {
	const m = cowMachine(doc);
	assert.match(m, /SPDK v26\.01/);
	assert.match(m, /CPUs/);
	assert.match(m, /recorded \d{4}-\d{2}-\d{2}/);
});

test('every check can fail', () => {
	let d = clone(doc); d.schema = 'x'; assertProblem(d, /schema/);
	d = clone(doc); d.scenarios.pop(); assertProblem(d, /scenarios are/);
	d = clone(doc); d.scenarios[0].rounds[0].passes[1].iostat_delta.base.num_write_ops += 1;
	d.scenarios[0].rounds[0].passes[1].iostat_delta.base.bytes_written += 4096; assertProblem(d, /pass 2/);
	d = clone(doc); d.scenarios[0].rounds[0].passes[0].lvol_after.num_allocated_clusters = 3; assertProblem(d, /allocate every cluster/);
	d = clone(doc); d.scenarios[1].rounds[0].passes[0].iostat_delta.base.num_copy_ops = 1; assertProblem(d, /copy each cluster once/);
	d = clone(doc); d.scenarios[0].rounds[0].passes[0].iostat_delta.base.bytes_copied = 4096; d.scenarios[0].rounds[0].passes[0].iostat_delta.base.num_copy_ops = 1; assertProblem(d, /must not copy/);
	d = clone(doc); d.scenarios[4].rounds[0].base_supports_copy = true; assertProblem(d, /aio must not/);
	d = clone(doc); d.scenarios[2].rounds[1].passes[0].iostat_delta.base.bytes_written += 4096; d.scenarios[2].rounds[1].passes[0].iostat_delta.base.num_write_ops += 1; assertProblem(d, /rounds disagree/);
	d = clone(doc); d.enospc.lvol_after.lvs_free_clusters = 1; assertProblem(d, /lvstore must end full/);
	d = clone(doc); d.machine.kernel = 'Windows'; assertProblem(d, /kernel/);
	d = clone(doc); d.spdk_version.version = 'SPDK v25.09'; assertProblem(d, /v26\.01/);
	d = clone(doc); d.scenarios[0].rounds[0].passes[0].iostat_delta.lvol.num_write_ops = -1; assertProblem(d, /integer counters/);
	assert.throws(() => cowFacts(Object.assign(clone(doc), { schema: 'nope' })), CowRecordingError);
});

test('the script prints SKIPPED and exits 0 without SPDK', () => {
	const env = { ...process.env };
	delete env.SPDK_BUILD_DIR;
	delete env.SPDK_DIR;
	const r = spawnSync(process.execPath, [path.join(ROOT, 'labs/cow/record-cow.mjs')], { env, encoding: 'utf8' });
	assert.equal(r.status, 0, r.stderr);
	assert.match(r.stdout, /SKIPPED:/);
});
