// SPDX-License-Identifier: BSD-3-Clause
// The committed bdev recordings (labs/results/bdev-*.json, written by iowatch/record/*.mjs against a
// real SPDK): their shape and internal consistency, the figures src/lib/recordings.js derives
// from them, and the scripts' behaviour without SPDK. Needs no SPDK.
// Run: node --test tests/unit/recordings.test.mjs
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
	checkRecording, stackingFigures, inflightFigures, stackingFacts, inflightFacts, median,
	RecordingError, RECORDINGS, STACK_IDS, SCHEMA,
} from '../../src/lib/recordings.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const RESULTS = path.join(ROOT, 'labs/results');
const load = (name) => JSON.parse(readFileSync(path.join(RESULTS, `${name}.json`), 'utf8'));
const clone = (o) => JSON.parse(JSON.stringify(o));
const stacking = load('bdev-stacking');
const inflight = load('bdev-inflight');

// Corrupting one thing must produce a problem matching re (so every check can fail).
function assertProblem(doc, re) {
	const problems = checkRecording(doc);
	assert.ok(problems.some((p) => re.test(p)), `expected a problem matching ${re}, got ${JSON.stringify(problems)}`);
}

test('every committed recording is present and sound', () => {
	const found = readdirSync(RESULTS).filter((f) => f.endsWith('.json'))
		.map((f) => JSON.parse(readFileSync(path.join(RESULTS, f), 'utf8')))
		.filter((d) => d.schema === SCHEMA);
	assert.deepEqual(found.map((d) => d.recording).sort(), [...RECORDINGS].sort());
	for (const d of found) assert.deepEqual(checkRecording(d), [], d.recording);
});

test('median of odd and even counts', () => {
	assert.equal(median([3, 1, 2]), 2);
	assert.equal(median([4, 1, 3, 2]), 2.5);
	assert.ok(Number.isNaN(median([])));
});

test('stacking: N runs per configuration, medians recomputed from the runs, qd1 below qd32', () => {
	const n = stacking.config.runs;
	assert.equal(stacking.configurations.length, STACK_IDS.length * 2);
	for (const c of stacking.configurations) {
		assert.equal(c.runs.length, n, c.id);
		const sorted = c.runs.map((r) => r.avg_latency_us).sort((a, b) => a - b);
		const mid = n % 2 ? sorted[(n - 1) / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
		assert.equal(c.median.avg_latency_us, mid, c.id);
		assert.ok(c.runs.every((r) => r.iops > 0 && r.bdevperf.results[0].queue_depth === c.queue_depth), c.id);
	}
	for (const id of STACK_IDS) {
		const lat = (qd) => stacking.configurations.find((c) => c.id === `${id}@qd${qd}`).median.avg_latency_us;
		assert.ok(lat(1) < lat(32), id);
	}
	assert.equal(stacking.config.hugepages, false);
	assert.equal(stacking.build.release_build, true);
});

test('stacking: each check catches its corruption', () => {
	let d = clone(stacking);
	d.configurations[0].runs.pop();
	assertProblem(d, /runs, config\.runs is/);
	d = clone(stacking);
	d.configurations[1].median.iops *= 1.01;
	assertProblem(d, /median\.iops is not the median/);
	d = clone(stacking);
	const q1 = d.configurations.find((c) => c.id === 'malloc@qd1');
	const q32 = d.configurations.find((c) => c.id === 'malloc@qd32');
	[q1.median.avg_latency_us, q32.median.avg_latency_us] = [q32.median.avg_latency_us, q1.median.avg_latency_us];
	assertProblem(d, /malloc: median latency at qd1/);
	d = clone(stacking);
	d.configurations[2].runs[0].iops = 0;
	assertProblem(d, /iops must be > 0/);
	d = clone(stacking);
	d.configurations[0].runs[0].bdevperf.results[0].queue_depth = 7;
	assertProblem(d, /queue depth 7/);
	d = clone(stacking);
	d.configurations[0].runs[0].avg_latency_us *= 1000;
	assertProblem(d, /differ from bdevperf's reply/);
	d = clone(stacking);
	delete d.configurations[0].runs[0].loadavg_after;
	assertProblem(d, /loadavg_before\/after missing/);
	d = clone(stacking);
	d.configurations.pop();
	assertProblem(d, /expected 8 configurations/);
	d = clone(stacking);
	delete d.machine;
	assertProblem(d, /machine block is missing/);
	d = clone(stacking);
	d.spdk_version.version = 'SPDK v25.09';
	assertProblem(d, /spdk_version/);
	assert.deepEqual(checkRecording({ schema: SCHEMA, recording: 'nope' }), ['unknown recording "nope"']);
});

test('inflight: stats add up, entries have threads and ages above the filter', () => {
	const c = inflight.config;
	for (const s of inflight.samples) {
		const stats = s.calls.find((x) => x.method === 'bdev_iowatch_get_stats').reply.result.total;
		assert.equal(stats.submitted, stats.completed + stats.failed + stats.inflight, `t=${s.at_s}`);
		const old = s.calls.find((x) => x.method === 'bdev_iowatch_get_inflight' && x.params.min_age_ms === c.min_age_ms).reply.result;
		assert.ok(old.ios.every((io) => io.thread_name && io.age_us >= c.min_age_ms * 1000), `t=${s.at_s}`);
	}
	const after = inflight.after_run.calls.find((x) => x.method === 'bdev_iowatch_get_stats').reply.result.total;
	assert.equal(after.inflight, 0);
	assert.equal(after.submitted, after.completed + after.failed);
});

test('inflight: each check catches its corruption', () => {
	const sample = (d, i, method, filtered) => d.samples[i].calls.find((x) => x.method === method && (filtered === undefined || ('min_age_ms' in x.params) === filtered));
	let d = clone(inflight);
	sample(d, 0, 'bdev_iowatch_get_stats').reply.result.total.submitted += 1;
	assertProblem(d, /submitted \d+ != completed/);
	d = clone(inflight);
	sample(d, 0, 'bdev_iowatch_get_stats').reply.result.threads[0].completed += 1;
	assertProblem(d, /threads \+ retired completed|thread job/);
	d = clone(inflight);
	const listed = d.samples.map((_, i) => sample(d, i, 'bdev_iowatch_get_inflight', true).reply.result).find((r) => r.count > 0);
	listed.ios[0].age_us = d.config.min_age_ms * 1000 - 1;
	assertProblem(d, /below the \d+ ms filter/);
	d = clone(inflight);
	sample(d, 1, 'bdev_iowatch_get_inflight', false).reply.result.ios[0].thread_name = '';
	assertProblem(d, /no thread name/);
	d = clone(inflight);
	sample(d, 1, 'bdev_iowatch_get_inflight', false).reply.result.count += 1;
	assertProblem(d, /count \d+ but \d+ entries/);
	d = clone(inflight);
	d.after_run.calls.find((x) => x.method === 'bdev_get_iostat').reply.result.bdevs[0].num_read_ops += 1;
	assertProblem(d, /after the run: bdev_get_iostat/);
	d = clone(inflight);
	d.log.stall_warnings += 1;
	assertProblem(d, /stall warnings/);
	d = clone(inflight);
	d.perform_tests.results.pop();
	assertProblem(d, /perform_tests must report every job/);
	d = clone(inflight);
	d.machine.cpus_online = 0;
	assertProblem(d, /cpus_online/);
});

test('stackingFigures: costs are differences of medians, in µs and %', () => {
	const f = stackingFigures(stacking);
	const med = (id, qd) => stacking.configurations.find((c) => c.id === `${id}@qd${qd}`).median;
	for (const qd of [1, 32]) {
		const base = med('malloc', qd).avg_latency_us;
		for (const [key, id] of [['passthru', 'passthru'], ['iowatch', 'iowatch'], ['both', 'iowatch+passthru']]) {
			const us = med(id, qd).avg_latency_us - base;
			assert.equal(f.qd[qd].cost[key].us, us, `${key}@qd${qd}`);
			assert.ok(Math.abs(f.qd[qd].cost[key].pct - (100 * us) / base) < 1e-9);
		}
		assert.equal(f.qd[qd].cost.iowatchOnPassthru.us, med('iowatch+passthru', qd).avg_latency_us - med('passthru', qd).avg_latency_us);
		assert.equal(f.qd[qd].cost.perLayerOfTwo.us, f.qd[qd].cost.both.us / 2);
		assert.equal(f.qd[qd].median.malloc.iops, med('malloc', qd).iops);
		const m = f.qd[qd].median.passthru;
		assert.ok(m.latencyMinUs <= m.latencyUs && m.latencyUs <= m.latencyMaxUs);
	}
	const broken = clone(stacking);
	broken.configurations[0].runs.pop();
	assert.throws(() => stackingFigures(broken), RecordingError);
	assert.throws(() => stackingFigures(inflight), /expected the bdev-stacking recording/);
});

test('stackingFacts: strings for prose', () => {
	const t = stackingFacts();
	assert.match(t.date, /^\d{4}-\d{2}-\d{2}$/);
	assert.match(t.qd1_malloc_latency, /^[\d.,]+ (µs|ms)$/);
	assert.match(t.qd32_iowatch_passthru_iops, /^[\d,.]+$/);
	assert.match(t.qd1_iowatch_cost, /^[+−]?[\d.,]+ (µs|ms)$/);
	assert.match(t.qd1_iowatch_cost_pct, /^[+−]?\d+%$/);
	for (const v of Object.values(t)) assert.doesNotMatch(v, /NaN|undefined|Infinity/);
});

test('inflightFigures and inflightFacts: what was caught in flight', () => {
	const f = inflightFigures(inflight);
	assert.equal(f.threads.length, inflight.config.jobs);
	assert.ok(f.maxInFlight >= 1 && f.maxInFlight <= inflight.config.jobs * inflight.config.queue_depth_per_job);
	assert.ok(f.olderThanFilter.some((n) => n > 0));
	assert.ok(f.oldest.ageMs >= f.delayAvgMs * 0.5);
	assert.ok(f.p50Ms >= f.delayAvgMs * 0.95 && f.p50Ms <= f.p99Ms);
	assert.ok(f.iops > 0 && f.meanLatencyMs >= f.delayAvgMs * 0.95);
	const hist = inflight.after_run.calls.find((x) => x.method === 'bdev_iowatch_get_stats').reply.result.total.histogram;
	assert.equal(f.overThreshold, hist.filter((b) => b.start_us >= f.stallThresholdMs * 1000).reduce((a, b) => a + b.count, 0));
	assert.ok(f.overThreshold <= f.completed + f.failed);
	const t = inflightFacts();
	assert.match(t.delayAvg, /^\d+ ms$/);
	assert.match(t.threads, /^\S+ and \S+$/);
	for (const v of Object.values(t)) assert.doesNotMatch(v, /NaN|undefined|Infinity/);
	assert.throws(() => inflightFigures({ ...clone(inflight), samples: [] }), RecordingError);
});

test('the recording scripts without SPDK_BUILD_DIR say what they skipped and exit 0', () => {
	const env = { ...process.env };
	delete env.SPDK_BUILD_DIR;
	delete env.SPDK_DIR;
	for (const script of ['stacking.mjs', 'inflight.mjs']) {
		const r = spawnSync(process.execPath, [path.join(ROOT, 'iowatch/record', script)], { env, encoding: 'utf8', timeout: 30000 });
		assert.equal(r.status, 0, `${script}: ${r.stderr}`);
		assert.match(r.stdout, new RegExp(`^${script}: SKIPPED: SPDK_BUILD_DIR`));
		assert.match(r.stdout, /not run: bdevperf/);
		assert.match(r.stdout, /Nothing was built, started or written/);
	}
});
