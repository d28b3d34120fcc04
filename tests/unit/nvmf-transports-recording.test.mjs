// SPDX-License-Identifier: BSD-3-Clause
// The committed nvmf transports recording (labs/results/nvmf-transports.json, written by
// labs/nvmf-transports/record-transports.mjs against a real SPDK): its shape, the facts the
// nvmf/transports page derives from it, that each check can fail, and the script's behaviour
// without SPDK. Needs no SPDK. Run: node --test tests/unit/nvmf-transports-recording.test.mjs
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { checkTransportsRecording, transportsFacts, loadTransportsRecording } from '../../src/lib/nvmf-transports-recording.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const doc = loadTransportsRecording(ROOT);
const clone = () => JSON.parse(JSON.stringify(doc));

function assertProblem(mutate, re) {
	const d = clone();
	mutate(d);
	const problems = checkTransportsRecording(d);
	assert.ok(problems.some((p) => re.test(p)), `expected a problem matching ${re}, got ${JSON.stringify(problems)}`);
}

test('the committed recording is sound', () => {
	assert.deepEqual(checkTransportsRecording(doc), []);
});

test('facts the page quotes', () => {
	const f = transportsFacts(doc);
	assert.deepEqual(f.creates.filter((c) => c.ok).map((c) => c.trtype).sort(), ['TCP', 'VFIOUSER']);
	assert.match(f.creates.find((c) => c.trtype === 'FC').message, /^-32602: Invalid transport type 'FC'$/);
	assert.equal(f.vfuThread, doc.qpairs.vfiouser.find((q) => q.qid === 0).thread);
	assert.equal(f.vfuCtxPeriodUs, 1000);
	assert.equal(f.acceptPeriodUs, 10000);
	assert.equal(f.opt('VFIOUSER', 'num_shared_buffers'), 0);
	assert.ok(f.opt('TCP', 'num_shared_buffers') > 0);
});

test('every check can fail', () => {
	assertProblem((d) => { d.spdk_version = 'SPDK v26.05'; }, /not SPDK v26\.01/);
	assertProblem((d) => { delete d.machine.cpu_model; }, /machine\.cpu_model/);
	assertProblem((d) => { d.steps[0].ms = null; }, /no latency/);
	assertProblem((d) => { d.steps.find((s) => s.params?.trtype === 'FC').error.code = -1; }, /FC create/);
	assertProblem((d) => { d.transports.pop(); }, /nvmf_get_transports lists/);
	assertProblem((d) => { d.pollers_idle.nvmf_tgt_poll_group_001 = []; }, /has no nvmf_TCP poller/);
	assertProblem((d) => { d.pollers_connected.app_thread.push({ name: 'nvmf_vfio_user_accept', period_us: 10000 }); }, /still registered/);
	assertProblem((d) => { d.qpairs.vfiouser.find((q) => q.qid === 0).thread = 'elsewhere'; }, /admin queue on elsewhere/);
	assertProblem((d) => { d.perf.vfiouser.iops = 0; }, /vfiouser host did no I\/O/);
	assert.throws(() => transportsFacts({ ...clone(), steps: [] }), /nvmf-transports\.json: steps/);
});

test('without SPDK_BUILD_DIR the script says what it skipped and touches nothing', () => {
	const env = { ...process.env };
	delete env.SPDK_BUILD_DIR;
	delete env.SPDK_DIR;
	const r = spawnSync(process.execPath, [path.join(ROOT, 'labs/nvmf-transports/record-transports.mjs')], { env, encoding: 'utf8' });
	assert.equal(r.status, 0, r.stderr);
	assert.match(r.stdout, /SKIPPED: SPDK_BUILD_DIR/);
	assert.match(r.stdout, /nvmf-transports\.json was left as it is/);
});
