// SPDX-License-Identifier: BSD-3-Clause
// The committed provisioning recording (labs/results/provisioning-flow.json, written by
// labs/provisioning/record-provisioning.mjs against a real SPDK): its shape, the facts the
// nvmf/provisioning-flow page states, what src/lib/provisioning-recording.js derives from it, and the
// script's behaviour without SPDK. Needs no SPDK.
// Run: node --test tests/unit/provisioning-recording.test.mjs
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
	checkProvisioning, provisioningFacts, orderedSteps, knobsValid, SEQUENCE, SCHEMA, ProvisioningRecordingError,
} from '../../src/lib/provisioning-recording.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const FILE = path.join(ROOT, 'labs/results/provisioning-flow.json');
const rec = JSON.parse(readFileSync(FILE, 'utf8'));
const clone = (o) => JSON.parse(JSON.stringify(o));
const step = (doc, phase, method, nth = 1) => orderedSteps(doc).filter((s) => s.phase === phase && s.method === method)[nth - 1];

function assertProblem(doc, re) {
	const problems = checkProvisioning(doc);
	assert.ok(problems.some((p) => re.test(p)), `expected a problem matching ${re}, got ${JSON.stringify(problems)}`);
}

test('the committed recording is sound', () => {
	assert.equal(rec.schema, SCHEMA);
	assert.deepEqual(checkProvisioning(rec), []);
});

test('every step is present, in order, each with its process, timing and reply', () => {
	const steps = orderedSteps(rec);
	assert.equal(steps.length, SEQUENCE.length);
	steps.forEach((s, i) => {
		assert.deepEqual([s.phase, s.process, s.method, s.expect], SEQUENCE[i], `step ${i + 1}`);
		assert.equal(typeof s.latency_ms, 'number');
		assert.ok(s.latency_ms > 0 && Number.isFinite(s.latency_ms));
		assert.ok(!Number.isNaN(Date.parse(s.started_utc)));
		assert.ok('result' in s || 'error' in s);
	});
	// The target is provisioned bottom-up: base bdev, lvstore, lvol, snapshot, clone, then nvmf.
	const order = ['bdev_malloc_create', 'bdev_lvol_create_lvstore', 'bdev_lvol_create', 'bdev_lvol_snapshot', 'bdev_lvol_clone', 'nvmf_create_transport', 'nvmf_create_subsystem', 'nvmf_subsystem_add_ns', 'nvmf_subsystem_add_listener', 'nvmf_subsystem_add_host'];
	const idx = order.map((m) => steps.findIndex((s) => s.process === 'target' && s.method === m && !s.error));
	assert.ok(idx.every((v, i) => v >= 0 && (i === 0 || v > idx[i - 1])), `target order ${idx}`);
	// Teardown runs top-down: namespace, subsystem, clone, snapshot, lvol, lvstore, base.
	const down = steps.filter((s) => s.phase === 'teardown').map((s) => s.params?.name ?? s.params?.lvs_name ?? s.method);
	assert.deepEqual(down, ['nvmf_subsystem_remove_ns', 'nvmf_delete_subsystem', 'lvs0/clone0', 'lvs0/snap0', 'lvs0/vol0', 'lvs0', 'Malloc0', 'bdev_get_bdevs']);
});

test('the deliberate failures carry SPDK error objects', () => {
	const fails = orderedSteps(rec).filter((s) => s.expect === 'error');
	assert.ok(fails.length >= 4);
	for (const f of fails) {
		assert.ok(Number.isInteger(f.error.code), f.method);
		assert.ok(f.error.message.length > 0, f.method);
		assert.equal(typeof f.why, 'string');
	}
	const dup = step(rec, 'target-failure', 'nvmf_create_subsystem');
	assert.equal(dup.error.code, -32603);
	assert.match(dup.error.message, /Unable to create subsystem/);
	const ns = step(rec, 'target-failure', 'nvmf_subsystem_add_ns');
	assert.equal(ns.error.code, -32602);
	const knobs = step(rec, 'initiator-failure', 'bdev_nvme_attach_controller');
	assert.equal(knobs.error.code, -22);
	assert.equal(knobsValid(knobs.params), false);
	assert.equal(step(rec, 'teardown-failure', 'bdev_lvol_delete').params.name, 'lvs0/snap0');
});

test('the reconnect knobs are set explicitly and follow the bdev_nvme rules', () => {
	const k = rec.config.knobs;
	assert.ok(knobsValid(k));
	for (const phase of ['initiator-attach', 'target-gone']) {
		const a = step(rec, phase, 'bdev_nvme_attach_controller');
		for (const key of Object.keys(k)) assert.equal(a.params[key], k[key], `${phase} ${key}`);
	}
	// The rules, case by case (bdev_nvme_check_io_error_resiliency_params).
	const v = (l, d, f) => knobsValid({ ctrlr_loss_timeout_sec: l, reconnect_delay_sec: d, fast_io_fail_timeout_sec: f });
	assert.equal(v(0, 0, 0), true);
	assert.equal(v(0, 1, 0), false);
	assert.equal(v(-2, 1, 0), false);
	assert.equal(v(-1, 0, 0), false);
	assert.equal(v(-1, 5, 10), true);
	assert.equal(v(-1, 5, 3), false);
	assert.equal(v(5, 6, 0), false);
	assert.equal(v(5, 1, 6), false);
	assert.equal(v(5, 2, 1), false);
	assert.equal(v(5, 1, 2), true);
});

test('the outage: waiting to reconnect, I/O failed after fast_io_fail, then controller and bdev gone', () => {
	const f = provisioningFacts(rec);
	const states = f.timeline.map((t) => t.state);
	assert.equal(states[0], 'enabled');
	assert.ok(states.includes('reconnect_is_delayed'));
	assert.equal(states.at(-1), 'gone');
	assert.equal(f.timeline.at(-1).bdev, 'gone');
	const w = rec.watch;
	const k = rec.config.knobs;
	assert.ok(w.io_job_ended_t_ms - w.started_t_ms >= k.fast_io_fail_timeout_sec * 1000 - 500);
	assert.ok(w.controller_gone_t_ms - w.started_t_ms >= k.ctrlr_loss_timeout_sec * 1000 - 500);
	assert.ok(w.io_job_ended_t_ms < w.controller_gone_t_ms);
	assert.ok(f.attemptCount >= k.ctrlr_loss_timeout_sec, `reconnect attempts ${f.attempts}`);
});

test('I/O counts add up across the three processes', () => {
	const { cloneBefore, initiator, bdevperf, cloneAfter } = provisioningFacts(rec).iostat;
	assert.equal(cloneAfter.reads, cloneBefore.reads + initiator.reads + bdevperf.reads);
	assert.equal(cloneAfter.writes, cloneBefore.writes + initiator.writes + bdevperf.writes);
	assert.equal(initiator.writes, 0);
});

test('facts for the page are strings and one card per step', () => {
	const f = provisioningFacts(rec);
	assert.equal(f.steps.length, SEQUENCE.length);
	for (const s of f.steps) {
		assert.match(s.latency, /^[\d,.]+ ms$/);
		assert.equal(typeof s.reply, 'string');
		assert.equal(typeof s.params, 'string');
	}
	assert.ok(f.failures.every((x) => /^-?\d+$/.test(String(x.code)) && x.message));
	assert.match(f.machine, /core/);
	assert.match(f.build, /^SPDK v26\.01/);
});

test('corruptions are caught', () => {
	let d = clone(rec); d.steps.reverse(); d.steps[0].seq = 999; assertProblem(d, /seq|expected/);
	d = clone(rec); step(d, 'target-failure', 'nvmf_create_subsystem').result = true; delete step(d, 'target-failure', 'nvmf_create_subsystem').error; assertProblem(d, /deliberate failure succeeded/);
	d = clone(rec); step(d, 'target-provision', 'bdev_lvol_clone').latency_ms = '7'; assertProblem(d, /latency_ms/);
	d = clone(rec); d.steps = d.steps.filter((s) => s.method !== 'nvmf_subsystem_add_host'); assertProblem(d, /steps recorded/);
	d = clone(rec); d.config.knobs.fast_io_fail_timeout_sec = d.config.knobs.ctrlr_loss_timeout_sec + 1; assertProblem(d, /knobs/);
	d = clone(rec); d.watch.io_job_ended_t_ms = d.watch.controller_gone_t_ms + 1; assertProblem(d, /fast_io_fail/);
	d = clone(rec); d.spdk_version.version = 'SPDK v25.09'; assertProblem(d, /v26\.01/);
	d = clone(rec); d.processes.initiator.exit = 'SIGKILL'; assertProblem(d, /exit 0/);
	d = clone(rec); step(d, 'io', 'bdev_get_iostat', 4).result.bdevs[0].num_read_ops += 1; assertProblem(d, /reads/);
	assert.throws(() => provisioningFacts(d), ProvisioningRecordingError);
});

test('without SPDK the script says SKIPPED, lists what it did not run and exits 0', () => {
	const env = { ...process.env };
	delete env.SPDK_BUILD_DIR;
	delete env.SPDK_DIR;
	const r = spawnSync(process.execPath, [path.join(ROOT, 'labs/provisioning/record-provisioning.mjs')], { env, encoding: 'utf8' });
	assert.equal(r.status, 0);
	assert.match(r.stdout, /SKIPPED: SPDK_BUILD_DIR/);
	assert.match(r.stdout, /not run: .*nvmf_create_subsystem/);
	assert.match(r.stdout, /not run: .*bdev_nvme_attach_controller/);
	assert.match(r.stdout, /Nothing was started or written/);
});

test('bad options exit 2', () => {
	const r = spawnSync(process.execPath, [path.join(ROOT, 'labs/provisioning/record-provisioning.mjs'), '--port', 'x'], { encoding: 'utf8' });
	assert.equal(r.status, 2);
});
