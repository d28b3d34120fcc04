// SPDX-License-Identifier: BSD-3-Clause
// The committed failures recording (labs/results/failures.json, written by
// labs/failures/record-failures.mjs against a real SPDK v26.01): that it shows what the
// ops-debug/failure-modes page says it shows, that each check can fail, and the script's behaviour
// without SPDK. Needs no SPDK. Run: node --test tests/unit/failures-recording.test.mjs
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { checkFailuresRecording, failuresFacts, loadFailuresRecording, logTime, groupRows } from '../../src/lib/failures-recording.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const doc = loadFailuresRecording(ROOT);
const clone = () => JSON.parse(JSON.stringify(doc));
const run = (d, ff) => d.experiments.raid1_reconnect_forever.runs.find((r) => (ff ? r.fast_io_fail_timeout_sec > 0 : r.fast_io_fail_timeout_sec === 0));

function assertProblem(mutate, re) {
	const d = clone();
	mutate(d);
	const problems = checkFailuresRecording(d);
	assert.ok(problems.some((p) => re.test(p)), `expected a problem matching ${re}, got ${JSON.stringify(problems)}`);
}

test('the committed recording is sound', () => {
	assert.deepEqual(checkFailuresRecording(doc), []);
});

test('log timestamps parse', () => {
	assert.equal(logTime('[2026-12-02 08:01:48.269222] bdev_nvme.c:1: x'), Date.parse('2026-12-02T08:01:48.269Z'));
	assert.equal(logTime('no stamp'), null);
});

test('equal consecutive samples fold into one row', () => {
	const r = (t, ctrlr, writes, during = false) => ({ t, ctrlr, operational: 2, legs: 'a, b', during, writes });
	const g = groupRows([r(0, 'enabled', null), r(1, 'enabled', 5), r(2, 'enabled', 9), r(3, 'reconnect_is_delayed', 0, true), r(4, 'reconnect_is_delayed', 0, true), r(5, 'reconnect_is_delayed', 3, true)]);
	assert.deepEqual(g.map((x) => [x.from, x.to, x.kind, x.min, x.max, x.n]), [[0, 0, 'first', null, null, 1], [1, 2, 'some', 5, 9, 2], [3, 4, 'none', 0, 0, 2], [5, 5, 'some', 3, 3, 1]]);
});

test('facts the page quotes', () => {
	const f = failuresFacts(doc);
	assert.equal(f.raid.forever.fastFail, 0);
	assert.ok(f.raid.fast.fastFail > 0);
	assert.ok(f.raid.forever.rows.some((r) => r.during && r.writes === 0));
	assert.ok(f.raid.fast.rows.some((r) => r.during && r.operational === 1));
	assert.equal(f.leak.max, 64);
	assert.equal(f.leak.first, 65);
	assert.match(f.slow.deleteMs, /^\d+(\.\d+)? (s|ms)$/);
	assert.deepEqual(f.hot.namespaces_after, []);
	assert.equal(f.thin.failed, f.thin.ioError.failed);
	assert.match(f.build, /^SPDK v26\.01/);
});

test('every check can fail', () => {
	assertProblem((d) => { d.recording = 'x'; }, /recording is/);
	assertProblem((d) => { d.spdk_version = 'SPDK v26.05'; }, /not SPDK v26\.01/);
	assertProblem((d) => { delete d.machine.kernel; }, /machine\.kernel/);
	assertProblem((d) => { delete d.experiments.thin_enospc; }, /thin_enospc is missing/);
	assertProblem((d) => { d.experiments.hot_remove_base.steps[0].ms = null; }, /no duration/);
	assertProblem((d) => { d.experiments.hot_remove_base.steps[0].error = {}; }, /exactly one of/);
	assertProblem((d) => { run(d, false).attach_params.ctrlr_loss_timeout_sec = 5; }, /not -1/);
	assertProblem((d) => {
		const r = run(d, false);
		const rm = r.steps.find((s) => s.method === 'nvmf_subsystem_remove_listener').at_ms;
		r.samples.find((s) => s.at_ms > rm + 2000).raid_writes_delta = 5;
	}, /completed writes during the outage/);
	assertProblem((d) => { run(d, false).samples[3].base_bdevs_operational = 1; }, /a leg left the raid/);
	assertProblem((d) => { run(d, false).bdevperf.perform_tests.results[0].io_failed = 3; }, /forever\): bdevperf saw 3/);
	assertProblem((d) => { run(d, false).bdevperf.perform_tests.results[0].max_latency_us = 1000; }, /shorter than the outage/);
	assertProblem((d) => { const r = run(d, true); r.log_lines = r.log_lines.filter((l) => !/Failing base bdev/.test(l)); }, /no "Failing base bdev"/);
	assertProblem((d) => { run(d, true).samples.forEach((s) => { s.base_bdevs_operational = 2; }); }, /carry on degraded/);
	assertProblem((d) => { run(d, true).after.raid.num_base_bdevs_operational = 2; }, /rejoined by itself/);
	assertProblem((d) => { run(d, true).rejoin.raid.num_base_bdevs_operational = 1; }, /did not rejoin/);
	assertProblem((d) => { d.experiments.rpc_connection_leak.first_unanswered_connection = 70; }, /first unanswered connection is 70/);
	assertProblem((d) => { d.experiments.rpc_connection_leak.established_connection_during_leak.replied = false; }, /opened before the leak/);
	assertProblem((d) => { d.experiments.rpc_connection_leak.first_unanswered_answered_after_close = false; }, /never answered/);
	assertProblem((d) => { d.experiments.slow_rpc_handler.calls.find((c) => c.method === 'bdev_malloc_delete').longest_overlapping_ping_ms = 1; }, /did not wait for the delete/);
	assertProblem((d) => { d.experiments.hot_remove_base.bdevs_after = ['pt0']; }, /survived the removal of its base/);
	assertProblem((d) => { d.experiments.hot_remove_base.namespaces_after = [{ nsid: 1 }]; }, /namespace survived/);
	assertProblem((d) => { d.experiments.thin_enospc.free_clusters_after = 2; }, /still had free clusters/);
	assertProblem((d) => { d.experiments.thin_enospc.iostat.io_error.failed += 1; }, /does not match/);
	assertProblem((d) => { d.experiments.thin_enospc.error_log_lines.push('blobstore.c: x: *ERROR*: No space left'); }, /write failure was logged/);
	assert.throws(() => failuresFacts({ ...clone(), recording: 'nope' }), /failures\.json: recording/);
});

test('without SPDK_BUILD_DIR the script says what it skipped and touches nothing', () => {
	const env = { ...process.env };
	delete env.SPDK_BUILD_DIR;
	delete env.SPDK_DIR;
	const r = spawnSync(process.execPath, [path.join(ROOT, 'labs/failures/record-failures.mjs')], { env, encoding: 'utf8' });
	assert.equal(r.status, 0, r.stderr);
	assert.match(r.stdout, /SKIPPED: SPDK_BUILD_DIR/);
	assert.match(r.stdout, /failures\.json was left as it is/);
});
