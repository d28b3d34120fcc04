// SPDX-License-Identifier: BSD-3-Clause
// The recorded bdev runs (labs/results/bdev-inflight.json, labs/results/bdev-stacking.json, written
// by iowatch/record/*.mjs against a real SPDK build): a checker for their shape and internal
// consistency, and the figures the bdev pages quote, so prose always matches the committed run.
// Pure functions take a parsed recording; the *Facts() helpers load the committed file, check it
// (a broken file fails the build) and format.
import { readFileSync } from 'node:fs';
import path from 'node:path';
// The project root as the excerpt system knows it (as labfacts.js does): a path computed from this
// module's own URL is wrong once Astro bundles the module into a page.
import { PROJECT_ROOT as ROOT } from './excerpts.js';

export const SCHEMA = 'spdk-primer-recording/1';
export const RECORDINGS = ['bdev-inflight', 'bdev-stacking'];
export const STACK_IDS = ['malloc', 'passthru', 'iowatch', 'iowatch+passthru'];

export class RecordingError extends Error {
	constructor(message) {
		super(message);
		this.name = 'RecordingError';
	}
}

export function loadRecording(name, root = ROOT) {
	return JSON.parse(readFileSync(path.join(root, 'labs/results', `${name}.json`), 'utf8'));
}

// Median of a list of numbers (mean of the middle two for an even count).
export function median(xs) {
	const s = [...xs].sort((a, b) => a - b);
	const n = s.length;
	if (n === 0) return NaN;
	return n % 2 ? s[(n - 1) / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
}

const isNum = (v) => typeof v === 'number' && Number.isFinite(v);
const isInt = (v) => Number.isInteger(v);
const isLoad = (v) => Array.isArray(v) && v.length === 3 && v.every((x) => isNum(x) && x >= 0);
const close = (a, b) => isNum(a) && isNum(b) && Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(a), Math.abs(b));

function checkCommon(doc, problems) {
	const p = (m) => problems.push(m);
	if (doc?.schema !== SCHEMA) p(`schema is ${JSON.stringify(doc?.schema)}, expected "${SCHEMA}"`);
	if (typeof doc?.script !== 'string' || !doc.script.startsWith('iowatch/record/')) p('script must name the iowatch/record/ script that wrote the file');
	if (typeof doc?.spdk_version?.version !== 'string' || !/^SPDK v26\.01\b/.test(doc.spdk_version.version)) p(`spdk_version.version is ${JSON.stringify(doc?.spdk_version?.version)}, expected "SPDK v26.01 ..."`);
	const b = doc?.build;
	if (!b || typeof b !== 'object') p('build block is missing');
	else {
		if (!/^[0-9a-f]{40}$/.test(b.commit ?? '')) p('build.commit must be a 40-digit commit hash');
		if (typeof b.release_build !== 'boolean') p('build.release_build must be true or false');
		if (b.release_build !== (b.config?.DEBUG === 'n')) p('build.release_build disagrees with build.config.DEBUG');
	}
	const m = doc?.machine;
	if (!m || typeof m !== 'object') { p('machine block is missing'); return; }
	if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/.test(m.started_utc ?? '')) p('machine.started_utc must be an ISO UTC time');
	if (typeof m.cpu_model !== 'string' || !m.cpu_model) p('machine.cpu_model is missing');
	if (!isInt(m.cpus_online) || m.cpus_online < 1) p('machine.cpus_online must be a positive integer');
	if (typeof m.kernel !== 'string' || !/^Linux \d+\.\d+/.test(m.kernel)) p('machine.kernel must read "Linux X.Y..."');
	if (typeof m.virtualized !== 'boolean') p('machine.virtualized must be true or false');
	if (!isLoad(m.loadavg_start) || !isLoad(m.loadavg_end)) p('machine.loadavg_start and loadavg_end must be three load averages');
	if (!isNum(m.wall_s) || m.wall_s <= 0) p('machine.wall_s must be > 0');
	if (doc?.config?.hugepages !== false && doc?.config?.hugepages !== true) p('config.hugepages must say whether hugepages were used');
}

function checkStacking(doc, problems) {
	const p = (m) => problems.push(m);
	const c = doc.config ?? {};
	if (!isInt(c.runs) || c.runs < 1) { p('config.runs must be a positive integer'); return; }
	if (!Array.isArray(c.queue_depths) || c.queue_depths.join() !== '1,32') p('config.queue_depths must be [1, 32]');
	const ids = (c.stacks ?? []).map((s) => s.id);
	if (ids.join() !== STACK_IDS.join()) p(`config.stacks must be ${STACK_IDS.join(', ')} (got ${ids.join(', ')})`);
	const confs = Array.isArray(doc.configurations) ? doc.configurations : [];
	const qds = Array.isArray(c.queue_depths) ? c.queue_depths : [];
	if (confs.length !== STACK_IDS.length * qds.length) p(`expected ${STACK_IDS.length * qds.length} configurations, got ${confs.length}`);
	for (const qd of qds) {
		for (const id of STACK_IDS) {
			const cf = confs.find((x) => x.stack === id && x.queue_depth === qd);
			const where = `${id}@qd${qd}`;
			if (!cf) { p(`${where}: missing`); continue; }
			if (cf.id !== where) p(`${where}: id is ${JSON.stringify(cf.id)}`);
			const runs = Array.isArray(cf.runs) ? cf.runs : [];
			if (runs.length !== c.runs) p(`${where}: ${runs.length} runs, config.runs is ${c.runs}`);
			const rounds = runs.map((r) => r.round).sort((a, b) => a - b).join();
			if (rounds !== Array.from({ length: c.runs }, (_, i) => i + 1).join()) p(`${where}: rounds must be 1..${c.runs}, each once`);
			for (const [i, r] of runs.entries()) {
				const w = `${where} run ${i + 1}`;
				if (!(isNum(r.iops) && r.iops > 0)) p(`${w}: iops must be > 0`);
				if (!(isNum(r.avg_latency_us) && r.avg_latency_us > 0)) p(`${w}: avg_latency_us must be > 0`);
				if (!isLoad(r.loadavg_before) || !isLoad(r.loadavg_after)) p(`${w}: loadavg_before/after missing`);
				const job = r.bdevperf?.results?.[0];
				if (!job || r.bdevperf.results.length !== 1) { p(`${w}: bdevperf reply must hold exactly one job`); continue; }
				if (!close(job.iops, r.iops) || !close(job.avg_latency_us, r.avg_latency_us)) p(`${w}: iops/avg_latency_us differ from bdevperf's reply`);
				if (job.queue_depth !== qd) p(`${w}: bdevperf ran at queue depth ${job.queue_depth}`);
				if (job.io_size !== c.io_size || job.workload !== c.workload) p(`${w}: bdevperf ran ${job.workload} ${job.io_size}, config says ${c.workload} ${c.io_size}`);
				if (job.status !== 'finished' || job.io_failed !== 0) p(`${w}: bdevperf job ${job.status} with ${job.io_failed} failed I/Os`);
				if (!(Math.abs(job.runtime - c.seconds_per_run) <= 0.5)) p(`${w}: runtime ${job.runtime} s, config says ${c.seconds_per_run} s`);
				// Little's law: outstanding I/Os = IOPS x latency, at most the queue depth.
				const L = (r.iops * r.avg_latency_us) / 1e6;
				if (!(L > 0.25 * qd && L <= 1.05 * qd)) p(`${w}: IOPS x latency = ${L.toFixed(2)} does not fit queue depth ${qd}`);
			}
			if (runs.length) {
				if (!close(cf.median?.iops, median(runs.map((r) => r.iops)))) p(`${where}: median.iops is not the median of its runs`);
				if (!close(cf.median?.avg_latency_us, median(runs.map((r) => r.avg_latency_us)))) p(`${where}: median.avg_latency_us is not the median of its runs`);
			}
		}
	}
	for (const id of STACK_IDS) {
		const a = confs.find((x) => x.stack === id && x.queue_depth === 1)?.median?.avg_latency_us;
		const b = confs.find((x) => x.stack === id && x.queue_depth === 32)?.median?.avg_latency_us;
		if (isNum(a) && isNum(b) && !(a < b)) p(`${id}: median latency at qd1 (${a}) is not below qd32 (${b})`);
	}
}

const statKeys = ['submitted', 'completed', 'failed', 'inflight', 'stalled', 'nomem_retries'];

function checkStats(s, where, p) {
	if (!s || !s.total) { p(`${where}: no stats`); return; }
	const t = s.total;
	for (const x of [t, s.retired_channels, ...(s.threads ?? [])]) {
		if (!x || !statKeys.every((k) => isInt(x[k]) && x[k] >= 0)) { p(`${where}: a counter is missing or negative`); return; }
		if (x.submitted !== x.completed + x.failed + x.inflight) p(`${where}: submitted ${x.submitted} != completed ${x.completed} + failed ${x.failed} + inflight ${x.inflight}${x.thread_name ? ` (thread ${x.thread_name})` : ''}`);
	}
	for (const k of statKeys) {
		const sum = (s.threads ?? []).reduce((acc, th) => acc + th[k], 0) + s.retired_channels[k];
		if (sum !== t[k]) p(`${where}: threads + retired ${k} = ${sum}, total says ${t[k]}`);
	}
	for (const th of s.threads ?? []) if (typeof th.thread_name !== 'string' || !th.thread_name) p(`${where}: a thread has no name`);
	const lat = t.latency_us ?? {};
	const order = ['p50', 'p90', 'p99', 'p99.9', 'max_bucket'].map((k) => lat[k]);
	if (!order.every(isNum) || order.some((v, i) => i && v < order[i - 1])) p(`${where}: latency percentiles must be numbers in order p50 <= p90 <= p99 <= p99.9 <= max_bucket`);
	const hist = (t.histogram ?? []).reduce((acc, h) => acc + h.count, 0);
	if (hist !== lat.samples || lat.samples !== t.completed + t.failed) p(`${where}: histogram holds ${hist}, samples ${lat.samples}, finished I/Os ${t.completed + t.failed}`);
}

function checkInflightList(r, where, c, minAge, p) {
	if (!r || !Array.isArray(r.ios)) { p(`${where}: no in-flight list`); return; }
	if (r.count !== r.ios.length) p(`${where}: count ${r.count} but ${r.ios.length} entries`);
	if (r.min_age_ms !== minAge) p(`${where}: min_age_ms ${r.min_age_ms}, asked ${minAge}`);
	if (r.count > c.jobs * c.queue_depth_per_job) p(`${where}: ${r.count} in flight, more than ${c.jobs} jobs x ${c.queue_depth_per_job}`);
	const blocks = c.bdev_json?.subsystems?.[0]?.config?.find((x) => x.method === 'bdev_malloc_create')?.params?.num_blocks;
	for (const io of r.ios) {
		if (typeof io.thread_name !== 'string' || !io.thread_name || !(io.thread_id > 0)) p(`${where}: an entry has no thread name or id`);
		if (!(isInt(io.age_us) && io.age_us >= minAge * 1000)) p(`${where}: an entry is ${io.age_us} us old, below the ${minAge} ms filter`);
		if (!['read', 'write'].includes(io.type) || io.num_blocks !== 1 || !(io.offset_blocks < blocks)) p(`${where}: entry ${JSON.stringify(io)} is not a one-block read/write inside the bdev`);
	}
}

function checkInflight(doc, problems) {
	const p = (m) => problems.push(m);
	const c = doc.config ?? {};
	for (const k of ['jobs', 'queue_depth_per_job', 'min_age_ms', 'stall_threshold_ms']) if (!isInt(c[k]) || c[k] < 1) p(`config.${k} must be a positive integer`);
	if (!isNum(c.delay_us?.avg) || !(c.delay_us.p99 >= c.delay_us.avg)) p('config.delay_us must give avg and p99 >= avg');
	const samples = Array.isArray(doc.samples) ? doc.samples : [];
	if (samples.length < 2) p('need at least two samples taken during the run');
	const threadsSeen = new Set();
	let sawOld = false;
	for (const s of samples) {
		const where = `sample at ${s.at_s} s`;
		if (!isLoad(s.loadavg)) p(`${where}: loadavg missing`);
		const get = (method, filtered) => s.calls?.find((x) => x.method === method && (filtered === undefined || ('min_age_ms' in (x.params ?? {})) === filtered));
		for (const x of s.calls ?? []) {
			if (x.reply?.error || !x.reply?.result) p(`${where}: ${x.method} has no result`);
			if (!(x.answered_ms >= x.sent_ms)) p(`${where}: ${x.method} answered before it was sent`);
		}
		const all = get('bdev_iowatch_get_inflight', false)?.reply?.result;
		const old = get('bdev_iowatch_get_inflight', true);
		checkInflightList(all, `${where}, all`, c, 0, p);
		checkInflightList(old?.reply?.result, `${where}, min_age_ms`, c, old?.params?.min_age_ms, p);
		if (old?.params?.min_age_ms !== c.min_age_ms) p(`${where}: filtered call used min_age_ms ${old?.params?.min_age_ms}, config says ${c.min_age_ms}`);
		for (const io of all?.ios ?? []) threadsSeen.add(io.thread_name);
		if ((old?.reply?.result?.count ?? 0) > 0) sawOld = true;
		if (all && !(all.count > 0)) p(`${where}: nothing in flight during the run`);
		const stats = get('bdev_iowatch_get_stats')?.reply?.result;
		checkStats(stats, `${where}, stats`, p);
		const ios = get('bdev_get_iostat')?.reply?.result?.bdevs?.[0];
		// iostat is asked after get_stats: it has seen at least the I/Os iowatch had completed.
		if (!ios || !(ios.num_read_ops + ios.num_write_ops >= stats?.total?.completed)) p(`${where}: bdev_get_iostat counts fewer I/Os than iowatch had completed before it`);
	}
	if (threadsSeen.size !== c.jobs) p(`in-flight I/O came from ${threadsSeen.size} thread(s), config has ${c.jobs} jobs`);
	if (!sawOld) p(`no sample caught an I/O older than min_age_ms ${c.min_age_ms}`);
	const a = doc.after_run ?? {};
	const aget = (m) => a.calls?.find((x) => x.method === m)?.reply?.result;
	const aInf = aget('bdev_iowatch_get_inflight');
	const aStats = aget('bdev_iowatch_get_stats');
	const aIos = aget('bdev_get_iostat')?.bdevs?.[0];
	if (!aInf || aInf.count !== 0) p('after the run: in-flight list must be empty');
	checkStats(aStats, 'after the run, stats', p);
	if (aStats && aStats.total.inflight !== 0) p('after the run: stats still count I/O in flight');
	if (!aIos || aStats?.total?.failed !== 0 || aIos.num_read_ops + aIos.num_write_ops !== aStats?.total?.completed) p('after the run: bdev_get_iostat read+write ops must equal iowatch completed (nothing failed)');
	if (aStats && !(aStats.total.latency_us.p50 >= 0.95 * c.delay_us.avg)) p('after the run: median latency is below the configured delay');
	const jobs = doc.perform_tests?.results ?? [];
	if (jobs.length !== c.jobs || jobs.some((j) => j.status !== 'finished' || j.io_failed !== 0 || j.queue_depth !== c.queue_depth_per_job)) p('perform_tests must report every job finished, at its queue depth, with no failed I/O');
	const done = jobs.reduce((acc, j) => acc + j.iops * j.runtime, 0);
	if (aStats && !(Math.abs(done - aStats.total.completed) <= c.jobs * c.queue_depth_per_job + 64)) p(`bdevperf counted ${Math.round(done)} I/Os, iowatch ${aStats.total.completed}`);
	if (aStats && doc.log?.stall_warnings !== aStats.total.stalled) p(`the log holds ${doc.log?.stall_warnings} stall warnings, stats count ${aStats.total.stalled} stalled I/Os`);
}

// Every problem found in a parsed recording, as sentences; [] when it is sound.
export function checkRecording(doc) {
	const problems = [];
	if (!doc || typeof doc !== 'object') return ['not a JSON object'];
	if (!RECORDINGS.includes(doc.recording)) return [`unknown recording ${JSON.stringify(doc.recording)}`];
	checkCommon(doc, problems);
	(doc.recording === 'bdev-stacking' ? checkStacking : checkInflight)(doc, problems);
	return problems;
}

function checked(doc, name) {
	if (doc?.recording !== name) throw new RecordingError(`expected the ${name} recording, got ${JSON.stringify(doc?.recording)}`);
	const problems = checkRecording(doc);
	if (problems.length) throw new RecordingError(`labs/results/${name}.json: ${problems.join('; ')}`);
	return doc;
}

// Medians per stack and queue depth, and what each layer adds over plain malloc.
export function stackingFigures(doc) {
	checked(doc, 'bdev-stacking');
	const out = { runs: doc.config.runs, seconds: doc.config.seconds_per_run, date: doc.machine.started_utc.slice(0, 10), qd: {} };
	for (const qd of doc.config.queue_depths) {
		const m = Object.fromEntries(STACK_IDS.map((id) => {
			const cf = doc.configurations.find((x) => x.stack === id && x.queue_depth === qd);
			const lat = cf.runs.map((r) => r.avg_latency_us);
			return [id, { iops: cf.median.iops, latencyUs: cf.median.avg_latency_us, latencyMinUs: Math.min(...lat), latencyMaxUs: Math.max(...lat) }];
		}));
		const cost = (top, base) => {
			const us = m[top].latencyUs - m[base].latencyUs;
			return { us, pct: (us / m[base].latencyUs) * 100, iopsPct: (m[top].iops / m[base].iops - 1) * 100 };
		};
		out.qd[qd] = {
			median: m,
			cost: {
				passthru: cost('passthru', 'malloc'),
				iowatch: cost('iowatch', 'malloc'),
				both: cost('iowatch+passthru', 'malloc'),
				iowatchOnPassthru: cost('iowatch+passthru', 'passthru'),
			},
		};
		const both = out.qd[qd].cost.both;
		out.qd[qd].cost.perLayerOfTwo = { us: both.us / 2, pct: both.pct / 2 };
	}
	return out;
}

// What the recording caught in flight.
export function inflightFigures(doc) {
	checked(doc, 'bdev-inflight');
	const lists = doc.samples.map((s) => s.calls.find((x) => x.method === 'bdev_iowatch_get_inflight' && !('min_age_ms' in x.params)).reply.result);
	const filtered = doc.samples.map((s) => s.calls.find((x) => x.method === 'bdev_iowatch_get_inflight' && 'min_age_ms' in x.params).reply.result);
	const every = lists.flatMap((l) => l.ios);
	const oldest = every.reduce((a, b) => (b.age_us > a.age_us ? b : a));
	const after = doc.after_run.calls.find((x) => x.method === 'bdev_iowatch_get_stats').reply.result.total;
	const jobs = doc.perform_tests.results;
	const iops = jobs.reduce((a, j) => a + j.iops, 0);
	return {
		date: doc.machine.started_utc.slice(0, 10),
		jobs: doc.config.jobs, queueDepth: doc.config.queue_depth_per_job,
		delayAvgMs: doc.config.delay_us.avg / 1000, delayP99Ms: doc.config.delay_us.p99 / 1000,
		minAgeMs: doc.config.min_age_ms, stallThresholdMs: doc.config.stall_threshold_ms,
		samples: doc.samples.length,
		maxInFlight: Math.max(...lists.map((l) => l.count)),
		threads: [...new Set(every.map((io) => io.thread_name))].sort(),
		olderThanFilter: filtered.map((l) => l.count),
		oldest: { ...oldest, ageMs: oldest.age_us / 1000 },
		completed: after.completed, failed: after.failed, stalled: after.stalled,
		// I/Os whose whole latency reached the stall threshold (histogram buckets starting at or
		// above it: a lower bound), to set beside the few the stall poller caught outstanding.
		overThreshold: after.histogram.filter((b) => b.start_us >= doc.config.stall_threshold_ms * 1000).reduce((a, b) => a + b.count, 0),
		p50Ms: after.latency_us.p50 / 1000, p99Ms: after.latency_us.p99 / 1000,
		iops,
		meanLatencyMs: jobs.reduce((a, j) => a + j.avg_latency_us * j.iops, 0) / iops / 1000,
	};
}

const sig = (v, digits = 2) => Number(Number(v).toPrecision(digits)).toLocaleString('en-US');
const usText = (v) => (Math.abs(v) >= 1000 ? `${sig(v / 1000, 3)} ms` : `${sig(v, Math.abs(v) < 10 ? 2 : 3)} µs`);
const signed = (v, text) => `${v > 0 ? '+' : v < 0 ? '−' : ''}${text(Math.abs(v))}`;
const pctText = (v) => `${Math.round(v)}%`;

// Strings for prose, from the committed labs/results/bdev-stacking.json.
export function stackingFacts(doc = loadRecording('bdev-stacking')) {
	const f = stackingFigures(doc);
	const out = { date: f.date, runs: String(f.runs), seconds: `${f.seconds} s`, loadStart: sig(doc.machine.loadavg_start[0], 2) };
	for (const [qd, q] of Object.entries(f.qd)) {
		for (const [id, m] of Object.entries(q.median)) {
			const key = id.replace('+', '_');
			out[`qd${qd}_${key}_latency`] = usText(m.latencyUs);
			out[`qd${qd}_${key}_iops`] = sig(m.iops, 3);
		}
		for (const [id, c] of Object.entries(q.cost)) {
			out[`qd${qd}_${id}_cost`] = signed(c.us, usText);
			out[`qd${qd}_${id}_cost_pct`] = signed(c.pct, pctText);
		}
	}
	return out;
}

// Strings for prose, from the committed labs/results/bdev-inflight.json.
export function inflightFacts(doc = loadRecording('bdev-inflight')) {
	const f = inflightFigures(doc);
	return {
		date: f.date, jobs: String(f.jobs), queueDepth: String(f.queueDepth),
		delayAvg: `${sig(f.delayAvgMs, 3)} ms`, delayP99: `${sig(f.delayP99Ms, 3)} ms`, minAge: `${f.minAgeMs} ms`,
		stallThreshold: `${f.stallThresholdMs} ms`, maxInFlight: String(f.maxInFlight), threads: f.threads.join(' and '),
		oldest: `${sig(f.oldest.ageMs, 3)} ms`, oldestThread: f.oldest.thread_name, oldestType: f.oldest.type,
		completed: f.completed.toLocaleString('en-US'), stalled: String(f.stalled), overThreshold: f.overThreshold.toLocaleString('en-US'),
		p50: `${sig(f.p50Ms, 3)} ms`, p99: `${sig(f.p99Ms, 3)} ms`,
		iops: sig(f.iops, 3), meanLatency: `${sig(f.meanLatencyMs, 3)} ms`,
	};
}
