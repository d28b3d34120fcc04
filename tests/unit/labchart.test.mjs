// SPDX-License-Identifier: BSD-3-Clause
// Tests for src/lib/labchart.js against the committed lab results (labs/results/*.json).
// Run: node --test tests/unit/labchart.test.mjs
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ioPathChart, pollChart, msgRingChart, machineLabel, LabChartError } from '../../src/lib/labchart.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const load = (name) => JSON.parse(readFileSync(path.join(ROOT, 'labs/results', name), 'utf8'));

const io = load('io-path.json');
const poll = load('poll-vs-interrupt.json');
const msg = load('msg-ring.json');

const measuredIds = (doc) => doc.results.filter((e) => !e.skipped).map((e) => e.id);

// Counts elements carrying data-series="series" and returns the data-mode values in order.
function seriesModes(svg, series) {
	return [...svg.matchAll(new RegExp(`data-mode="([^"]+)" data-series="${series}"`, 'g'))].map((m) => m[1]);
}

function assertAccessibleSvg(svg) {
	assert.match(svg, /^<svg [^>]*role="img"/);
	assert.match(svg, /viewBox="0 0 \d+ \d+(\.\d+)?"/);
	assert.match(svg, /width="100%"/);
	assert.match(svg, /<title id="[^"]+-title">[^<]+<\/title>/);
	assert.match(svg, /<desc id="[^"]+-desc">[^<]+<\/desc>/);
	assert.match(svg, /aria-labelledby="[^"]+-title [^"]+-desc"/);
	assert.match(svg, /fill="currentColor"/);
	assert.match(svg, /var\(--chart-1, #[0-9a-f]{6}\)/);
	assert.doesNotMatch(svg, /NaN|undefined|Infinity|null/);
	assert.ok(svg.trimEnd().endsWith('</svg>'));
	// every width we emit is a non-negative number
	for (const m of svg.matchAll(/ width="([^"]+)"/g)) {
		if (m[1] === '100%') continue;
		assert.ok(Number(m[1]) >= 0, `bad width ${m[1]}`);
	}
}

test('committed results files are the three labs', () => {
	assert.equal(io.lab, 'io-path');
	assert.equal(poll.lab, 'poll-vs-interrupt');
	assert.equal(msg.lab, 'msg-ring');
});

test('ioPathChart: accessible SVG with a user, sys, p50 and p99 bar per measured mode', () => {
	const svg = ioPathChart(io);
	assertAccessibleSvg(svg);
	const ids = measuredIds(io);
	assert.ok(ids.length >= 1);
	for (const series of ['user', 'sys', 'p50', 'p99']) {
		assert.deepEqual(seriesModes(svg, series), ids, `series ${series}`);
	}
	for (const id of ids) assert.ok(svg.includes(`${id}:`), `desc mentions ${id}`);
});

test('pollChart: a p50, p99, p99.9 point and a CPU bar per mode and rate', () => {
	const svg = pollChart(poll);
	assertAccessibleSvg(svg);
	const ids = measuredIds(poll);
	assert.ok(ids.length >= 2);
	for (const series of ['p50', 'p99', 'p999', 'cpu']) {
		assert.deepEqual([...seriesModes(svg, series)].sort(), [...ids].sort(), `series ${series}`);
	}
	assert.match(svg, /log scale/);
});

test('msgRingChart: one bar per variant and producer count', () => {
	const svg = msgRingChart(msg);
	assertAccessibleSvg(svg);
	const ids = measuredIds(msg);
	const bars = [...svg.matchAll(/data-mode="([^"]+)" data-series="p\d+"/g)].map((m) => m[1]);
	assert.deepEqual([...bars].sort(), [...ids].sort());
});

test('charts accept an id prefix so several can share a page', () => {
	assert.match(ioPathChart(io, { id: 'x1' }), /<title id="x1-title">/);
	assert.match(pollChart(poll, { id: 'x2' }), /aria-labelledby="x2-title x2-desc"/);
});

test('machineLabel describes date, cores, VM, CPU, kernel and load', () => {
	const label = machineLabel(io);
	assert.match(label, /^Measured \d{4}-\d{2}-\d{2} on a \d+-core (VM|machine) \(.+\), Linux \d+\.\d+/);
	assert.ok(label.includes(io.config.filesystem), 'io-path label names the file system');
	assert.match(label, /load average [\d.]+ at start$/);
	assert.doesNotMatch(machineLabel(msg), /ext4|xfs|tmpfs/);
	assert.throws(() => machineLabel({}), LabChartError);
});

test('chart functions throw a clear error on malformed input', () => {
	const clone = (o) => JSON.parse(JSON.stringify(o));
	const cases = [
		[ioPathChart, null, /expected a parsed io-path results object/],
		[ioPathChart, 'text', /expected a parsed io-path results object/],
		[ioPathChart, poll, /results.lab is "poll-vs-interrupt", expected "io-path"/],
		[pollChart, { ...poll, results: [] }, /non-empty array/],
		[msgRingChart, { ...msg, results: msg.results.map((e) => ({ ...e, skipped: true })) }, /every result .* skipped/],
	];
	for (const [fn, input, re] of cases) {
		assert.throws(() => fn(input), (err) => err instanceof LabChartError && re.test(err.message), `${fn.name}`);
	}
	const noSummary = clone(io);
	delete noSummary.results.find((e) => !e.skipped).summary;
	assert.throws(() => ioPathChart(noSummary), /lacks a finite summary\.cpu_user_ns_per_io\.median/);

	const nanLatency = clone(poll);
	nanLatency.results.find((e) => !e.skipped).summary.lat_p99_ns.median = 'NaN';
	assert.throws(() => pollChart(nanLatency), /lacks a finite summary\.lat_p99_ns\.median/);

	const badProducers = clone(msg);
	badProducers.results.find((e) => !e.skipped).producers = 0;
	assert.throws(() => msgRingChart(badProducers), /no valid producers count/);
});

test('charts do not depend on the order of skipped entries', () => {
	const doc = JSON.parse(JSON.stringify(io));
	doc.results.push({ id: 'extra', mode: 'extra', skipped: true, skip_reason: 'test' });
	const svg = ioPathChart(doc);
	assert.ok(!svg.includes('data-mode="extra"'));
});
