// SPDX-License-Identifier: BSD-3-Clause
// The committed nvmf target recording (labs/results/nvmf-tgt.json, written by
// labs/nvmf-tgt/record-nvmf-tgt.mjs against a real SPDK): its shape, every claim the nvmf/nvmf-tgt page
// draws from it (src/lib/nvmf-tgt-recording.js), and the script's behaviour without SPDK. Needs no SPDK.
// Run: node --test tests/unit/nvmf-tgt-recording.test.mjs
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, statSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { checkNvmfTgt, nvmfTgtFacts, median, NvmfTgtRecordingError, NVMF_TGT_SCHEMA, POLL_GROUP_RE } from '../../src/lib/nvmf-tgt-recording.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const FILE = path.join(ROOT, 'labs/results/nvmf-tgt.json');
const doc = JSON.parse(readFileSync(FILE, 'utf8'));
const clone = () => JSON.parse(JSON.stringify(doc));
const ex = (d, phase, method, pred = () => true) => d.exchanges.filter((e) => e.phase === phase && e.method === method && pred(e));

function assertProblem(d, re) {
	const problems = checkNvmfTgt(d);
	assert.ok(problems.some((p) => re.test(p)), `expected a problem matching ${re}, got ${JSON.stringify(problems)}`);
}

test('the committed recording is sound', () => {
	assert.equal(doc.schema, NVMF_TGT_SCHEMA);
	assert.deepEqual(checkNvmfTgt(doc), []);
});

test('median', () => {
	assert.equal(median([3, 1, 2]), 2);
	assert.equal(median([4, 1, 3, 2]), 2.5);
	assert.ok(Number.isNaN(median([])));
});

test('facts: two poll groups on two reactors, qpairs over both, pipelined replies in order', () => {
	const f = nvmfTgtFacts(doc);
	assert.equal(f.pollGroups.length, 2);
	assert.ok(f.pollGroups.every((g) => POLL_GROUP_RE.test(g.name) && g.cpumask === '3'));
	assert.notEqual(f.pollGroups[0].lcore, f.pollGroups[1].lcore);
	assert.deepEqual(f.qpairs.map((q) => q.qid), [0, 1, 2]);
	assert.equal(new Set(f.qpairs.map((q) => q.thread)).size, 2);
	assert.equal(f.stats.reduce((s, g) => s + g.admin, 0), 1);
	assert.equal(f.stats.reduce((s, g) => s + g.io, 0), 2);
	// The non-pausing call answers first; get_qpairs and remove_ns answer together, last.
	const order = Object.fromEntries(f.fifo.map((e) => [e.method, e.replyOrder]));
	assert.equal(order.nvmf_get_subsystems, 1);
	assert.ok(order.nvmf_subsystem_remove_ns >= 3 && order.nvmf_subsystem_get_qpairs >= 3);
	assert.equal(f.two.readsBefore, f.two.readsLater);
	for (const r of f.latencyRows) {
		assert.equal(r.idle.n, doc.config.idle_reps, r.method);
		assert.equal(r.load.n, doc.config.load_reps, r.method);
		assert.ok(r.idle.min <= r.idle.median && r.idle.median <= r.idle.max, r.method);
	}
});

test('latencies are reply minus send, and medians are recomputed from the exchanges', () => {
	for (const e of doc.exchanges) assert.ok(Math.abs(e.latency_ms - (e.reply_ms - e.sent_ms)) < 0.002, `${e.id} ${e.method}`);
	const f = nvmfTgtFacts(doc);
	const xs = ex(doc, 'idle', 'nvmf_get_subsystems').map((e) => e.latency_ms);
	assert.equal(f.latencyRows.find((r) => r.method === 'nvmf_get_subsystems').idle.median, median(xs));
});

test('each claim the page makes fails the check when the data stops supporting it', () => {
	let d = clone(); d.schema = 'x'; assertProblem(d, /schema/);
	d = clone(); d.spdk_version.version = 'SPDK v25.09'; assertProblem(d, /spdk_version/);
	d = clone(); ex(d, 'threads', 'framework_get_reactors')[0].reply.result.reactors[1].lw_threads = []; assertProblem(d, /2 nvmf poll-group threads/);
	d = clone(); ex(d, 'threads', 'framework_get_reactors')[0].reply.result.reactors.forEach((r) => r.lw_threads.forEach((t) => { t.cpumask = '1'; })); assertProblem(d, /cpumask 3/);
	d = clone(); ex(d, 'placement', 'nvmf_subsystem_get_qpairs').pop().reply.result.forEach((q) => { q.thread = 'nvmf_tgt_poll_group_000'; }); assertProblem(d, /both poll groups/);
	d = clone(); ex(d, 'fifo', 'nvmf_get_subsystems')[0].reply_ms = 1e9; assertProblem(d, /nvmf_get_subsystems should reply before/);
	d = clone(); ex(d, 'fifo', 'nvmf_subsystem_get_qpairs')[0].reply_ms += 500; assertProblem(d, /get_qpairs should reply together/);
	d = clone(); ex(d, 'two-removes', 'nvmf_subsystem_remove_ns', (e) => e.params.nsid === 2)[0].reply_ms += 900; assertProblem(d, /two replies should arrive together/);
	d = clone(); d.runs.two_removes.delay1_reads_later += 4; assertProblem(d, /Delay1 read count/);
	d = clone(); d.runs.perf2.exit.ended_by_itself = true; assertProblem(d, /perf run 2/);
	d = clone(); d.exchanges[3].reply = { error: { code: -32603, message: 'x' } }; assertProblem(d, /failed or timed out/);
	d = clone(); d.config.hugepages = true; assertProblem(d, /hugepages/);
	assert.throws(() => nvmfTgtFacts({ ...clone(), schema: 'x' }), NvmfTgtRecordingError);
});

test('the recording script without SPDK_BUILD_DIR prints SKIPPED, exits 0 and writes nothing', () => {
	const before = statSync(FILE).mtimeMs;
	const env = { ...process.env };
	delete env.SPDK_BUILD_DIR;
	const r = spawnSync(process.execPath, [path.join(ROOT, 'labs/nvmf-tgt/record-nvmf-tgt.mjs')], { env, encoding: 'utf8', timeout: 30000 });
	assert.equal(r.status, 0, r.stderr);
	assert.match(r.stdout, /SKIPPED: SPDK_BUILD_DIR is not set/);
	assert.equal(statSync(FILE).mtimeMs, before);
});
