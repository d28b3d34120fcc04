// SPDX-License-Identifier: BSD-3-Clause
// The committed vfio-user wedge recording (labs/results/vfio-user-wedge.json, written by
// labs/wedge/record-wedge.mjs against stock v26.01 and v26.01 + 77da9c9bc4): the mechanism the
// Layer 7 pages teach, re-checked on the data; that each check can fail; the script without SPDK.
// Needs no SPDK. Run: node --test tests/unit/wedge-recording.test.mjs
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { checkWedgeRecording, wedgeFacts, loadWedgeRecording, waited } from '../../src/lib/wedge-recording.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const doc = loadWedgeRecording(ROOT);
const clone = () => JSON.parse(JSON.stringify(doc));
const run = (d, label) => d.runs.find((r) => r.label === label);
const probe = (r, name) => r.probes.find((p) => p.name === name);

function assertProblem(mutate, re) {
	const d = clone();
	mutate(d);
	const problems = checkWedgeRecording(d);
	assert.ok(problems.some((p) => re.test(p)), `expected a problem matching ${re}, got ${JSON.stringify(problems)}`);
}

test('the committed recording is sound and has all three runs', () => {
	assert.deepEqual(checkWedgeRecording(doc), []);
	assert.deepEqual(doc.runs.map((r) => r.label).sort(), ['fixed-hugepages', 'stock-hugepages', 'stock-nohuge']);
});

test('stock answers the first probe at once, the fix holds it; remove_ns waits on both', () => {
	const f = wedgeFacts(doc);
	const first = 'get_controllers on A, before remove_ns';
	assert.ok(waited(probe(f.runs['stock-hugepages'], first)) < 2000);
	assert.ok(waited(probe(f.runs['fixed-hugepages'], first)) > doc.hold_s * 500);
	for (const l of ['stock-hugepages', 'fixed-hugepages']) assert.ok(waited(probe(f.runs[l], 'remove_ns on A')) > doc.hold_s * 500, l);
	assert.equal(f.runs['stock-nohuge'].crash.frames[0].function, 'post_completion');
});

test('every check can fail', () => {
	assertProblem((d) => { d.recording = 'x'; }, /recording is/);
	assertProblem((d) => { run(d, 'stock-hugepages').ctx_nsid_type = 'uint32_t'; }, /expected uint16_t/);
	assertProblem((d) => { const p = probe(run(d, 'stock-hugepages'), 'get_subsystems'); p.replied_ms = p.sent_ms + 9000; }, /"get_subsystems" should answer at once/);
	assertProblem((d) => { const p = probe(run(d, 'fixed-hugepages'), 'remove_ns on A'); p.replied_ms = p.sent_ms + 50; }, /"remove_ns on A" should wait/);
	assertProblem((d) => { const p = probe(run(d, 'fixed-hugepages'), 'get_controllers on A, before remove_ns'); p.replied_ms = p.sent_ms + 50; }, /wait behind the quiesce/);
	assertProblem((d) => { const p = probe(run(d, 'stock-hugepages'), 'get_controllers on A, before remove_ns'); p.replied_ms = p.sent_ms + 11000; }, /answer at once on stock/);
	assertProblem((d) => { run(d, 'stock-nohuge').target_exit = null; }, /SIGSEGV/);
	assertProblem((d) => { run(d, 'stock-hugepages').other_vm.iops = 0; }, /other VM did no I\/O/);
	assertProblem((d) => { probe(run(d, 'stock-hugepages'), 'get_qpairs on A').replied_ms += 3000; }, /arrive together/);
	assertProblem((d) => { run(d, 'stock-hugepages').probes.pop(); }, /probe ".*" is missing/);
	assert.throws(() => wedgeFacts({ ...clone(), runs: [] }), /vfio-user-wedge\.json: runs/);
});

test('without SPDK_BUILD_DIR the script says what it skipped and touches nothing', () => {
	const env = { ...process.env };
	delete env.SPDK_BUILD_DIR;
	delete env.SPDK_DIR;
	const r = spawnSync(process.execPath, [path.join(ROOT, 'labs/wedge/record-wedge.mjs')], { env, encoding: 'utf8' });
	assert.equal(r.status, 0, r.stderr);
	assert.match(r.stdout, /SKIPPED: SPDK_BUILD_DIR/);
	assert.match(r.stdout, /vfio-user-wedge\.json was left as it is/);
});
