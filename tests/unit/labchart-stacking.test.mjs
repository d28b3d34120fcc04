// stackingChart (src/lib/labchart.js) against the committed bdev-stacking recording and broken copies.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { stackingChart, machineLabel, LabChartError } from '../../src/lib/labchart.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const load = () => JSON.parse(readFileSync(path.join(ROOT, 'labs/results/bdev-stacking.json'), 'utf8'));

test('stackingChart: a median bar and a spread whisker per stack and queue depth', () => {
	const doc = load();
	const svg = stackingChart(doc);
	assert.match(svg, /^<svg [^>]*role="img"/);
	assert.match(svg, /<title id="labchart-stacking-title">/);
	for (const qd of doc.config.queue_depths) {
		for (const s of doc.config.stacks) {
			const mode = `${s.id}@qd${qd}`.replace('+', '\\+');
			assert.match(svg, new RegExp(`data-mode="${mode}" data-series="median"`), `${s.id} qd${qd} bar`);
			assert.match(svg, new RegExp(`data-mode="${mode}" data-series="spread"`), `${s.id} qd${qd} whisker`);
		}
	}
	assert.equal((svg.match(/data-series="median"/g) ?? []).length, doc.config.stacks.length * doc.config.queue_depths.length);
});

test('stackingChart: bar widths follow the medians, and the text alternative spells them out', () => {
	const doc = load();
	const qd1 = doc.configurations.filter((c) => c.queue_depth === 1);
	const fast = qd1.reduce((a, b) => (a.median.avg_latency_us < b.median.avg_latency_us ? a : b));
	const slow = qd1.reduce((a, b) => (a.median.avg_latency_us > b.median.avg_latency_us ? a : b));
	const svg = stackingChart(doc);
	const width = (c) => Number(svg.match(new RegExp(`data-mode="${c.stack.replace('+', '\\+')}@qd1" data-series="median" x="[\\d.]+" y="[\\d.]+" width="([\\d.]+)"`))[1]);
	assert.ok(width(fast) < width(slow), 'the faster stack has the shorter bar');
	const desc = svg.match(/<desc [^>]*>([^<]*)<\/desc>/)[1];
	assert.match(desc, /Queue depth 1: malloc \d/);
	assert.match(desc, /Queue depth 32: /);
	assert.match(desc, /iowatch on passthru on malloc/);
});

test('stackingChart: an id prefix, and the machine label reads the recording machine block', () => {
	const doc = load();
	assert.match(stackingChart(doc, { id: 'x1' }), /aria-labelledby="x1-title x1-desc"/);
	const label = machineLabel(doc);
	assert.match(label, new RegExp(`^Measured ${doc.machine.started_utc.slice(0, 10)} on a ${doc.machine.cpus_online}-core`));
	assert.match(label, /load average/);
});

test('stackingChart: clear errors on the wrong file or a missing run', () => {
	assert.throws(() => stackingChart(null), LabChartError);
	assert.throws(() => stackingChart({ recording: 'bdev-inflight' }), /expected the parsed bdev-stacking recording/);
	const doc = load();
	doc.configurations = doc.configurations.filter((c) => !(c.stack === 'passthru' && c.queue_depth === 32));
	assert.throws(() => stackingChart(doc), /passthru at queue depth 32/);
	const doc2 = load();
	doc2.configurations[0].runs = [];
	assert.throws(() => stackingChart(doc2), LabChartError);
});
