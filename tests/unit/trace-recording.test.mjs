// SPDX-License-Identifier: BSD-3-Clause
// The committed trace recording (labs/results/trace-bdev.json, written by labs/tracing/record-trace.mjs
// against a real SPDK v26.01): the spdk_trace lines parse into their fields, each I/O's START and DONE
// pair up, the numbers the ops-debug/tracing-and-tools page quotes are recomputed from the lines, each
// check can fail, and the script without SPDK. Needs no SPDK.
// Run: node --test tests/unit/trace-recording.test.mjs
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { checkTraceRecording, traceFacts, loadTraceRecording, parseTraceLine, parseTrace } from '../../src/lib/trace-recording.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const doc = loadTraceRecording(ROOT);
const clone = () => JSON.parse(JSON.stringify(doc));
const lines = () => doc.trace.text.split('\n');

function assertProblem(mutate, re) {
	const d = clone();
	mutate(d);
	const problems = checkTraceRecording(d);
	assert.ok(problems.some((p) => re.test(p)), `expected a problem matching ${re}, got ${JSON.stringify(problems)}`);
}
// Edits the trace text line that contains `find` (the first one), with `fn(line) -> line | null`.
function editLine(d, find, fn) {
	const ls = d.trace.text.split('\n');
	const i = ls.findIndex((l) => l.includes(find));
	assert.ok(i >= 0, `no line contains ${find}`);
	const out = fn(ls[i]);
	if (out === null) ls.splice(i, 1); else ls[i] = out;
	d.trace.text = ls.join('\n');
}

test('the committed recording is sound', () => {
	assert.deepEqual(checkTraceRecording(doc), []);
});

test('a line parses into time, core, tpoint, object and fields', () => {
	const start = parseTraceLine(lines().find((l) => /bdev_Raid0\s+BDEV_IO_START/.test(l)));
	assert.equal(start.lcore, 0);
	assert.equal(start.tpoint, 'BDEV_IO_START');
	assert.equal(start.owner, 'bdev_Raid0');
	assert.equal(start.size, 1);
	assert.match(start.id, /^i\d+$/);
	assert.equal(start.related, null);
	assert.deepEqual(Object.keys(start.args), ['type', 'ctx', 'offset', 'qd']);
	assert.equal(typeof start.tsc, 'bigint');
	const child = parseTraceLine(lines().find((l) => /bdev_Malloc0\s+BDEV_IO_START.*\(R\d+\)/.test(l)));
	assert.match(child.related, /^R\d+$/);
	assert.equal(child.args.ctx, undefined, 'a related argument is shown as the object in parentheses, not as ctx');
	const done = parseTraceLine(lines().find((l) => /BDEV_IO_DONE/.test(l)));
	assert.ok(done.time > 0);
	assert.equal(parseTraceLine('TSC Rate: 2600000000'), null);
	const t = parseTrace(doc.trace.text);
	assert.equal(t.unparsed.length, 0);
	assert.equal(t.events.length, lines().filter((l) => /\(\d{6,}\)/.test(l)).length);
});

test('one I/O from submit to completion: START and DONE pair up and the latency is recomputed', () => {
	const f = traceFacts(doc);
	const [start, rStart, cStart, cDone, rDone, done] = f.chain;
	assert.equal(start.id, f.first.id);
	assert.equal(done.id, f.first.id);
	assert.equal(rStart.related, start.id);
	assert.equal(cStart.related, rStart.id);
	assert.equal(cDone.id, cStart.id);
	assert.equal(rDone.id, rStart.id);
	const ticks = BigInt(done.tsc) - BigInt(start.tsc);
	assert.equal(f.first.ticks, Number(ticks));
	assert.ok(Math.abs(f.first.latency_us - Number(ticks) / f.tscRate * 1e6) < 1e-9);
	assert.ok(Math.abs(done.time - f.first.latency_us) <= 0.01, 'spdk_trace prints the same latency');
	assert.ok(f.first.child_us < f.first.raid_us && f.first.raid_us < f.first.latency_us);
	assert.equal(f.reads.map((r) => r.child).join(), 'Malloc0,Malloc1,Malloc0,Malloc1');
	assert.equal(f.writes.length, 4);
	assert.ok(f.floatUs.distinct < f.floatUs.distinctTsc, 'the float microsecond column repeats values the TSC column tells apart');
	assert.equal(f.wrap.live.io_done + f.wrap.live.io_start, 16383);
	assert.ok(f.wrap.ios > 100 * f.wrap.live.io_done);
	assert.ok(f.groups.some((g) => g.name === 'bdev' && g.on));
	assert.ok(!f.groups.some((g) => /vfio|vhost|lvol|^nvmf$/.test(g.name)));
});

test('every check can fail', () => {
	assertProblem((d) => { d.spdk_version = 'SPDK v26.05'; }, /not SPDK v26\.01/);
	assertProblem((d) => { delete d.machine.cpu_model; }, /machine\.cpu_model/);
	assertProblem((d) => { d.commands[0].line = d.commands[0].line.replace('--qd 1', '--qd 8'); }, /app command/);
	assertProblem((d) => { editLine(d, 'bdev_Raid0', (l) => l.replace(/\((\d+)\)/, '(garbage)')); }, /do not parse/);
	assertProblem((d) => { editLine(d, 'BDEV_RAID_IO_DONE', () => null); }, /without BDEV_RAID_IO_DONE/);
	assertProblem((d) => { editLine(d, 'bdev_Malloc2                                                     BDEV_IO_DONE', () => null); }, /without BDEV_IO_DONE/);
	assertProblem((d) => { editLine(d, 'bdev_Raid0                                                       BDEV_IO_DONE', (l) => l.replace(/time:\s+[\d.]+/, 'time:  999.000')); }, /spdk_trace says 999/);
	assertProblem((d) => { editLine(d, 'BDEV_RAID_IO_START', (l) => l.replace(/\((\d+)\)/, (m, n) => `(${BigInt(n) - 10n ** 9n})`)); }, /back in time/);
	assertProblem((d) => { editLine(d, 'type:  2', (l) => l.replace('type:  2', 'type:  1')); }, /writes to Malloc2, expected 4/);
	assertProblem((d) => { d.trace.text = d.trace.text.replace('Trace Size of lcore (0): 32768', 'Trace Size of lcore (0): 4096'); }, /not the default 32768/);
	assertProblem((d) => { d.facts.trace_get_info.nvmf_vfio = { mask: '0x80000', tpoint_mask: '0x0' }; }, /lists a nvmf_vfio group/);
	assertProblem((d) => { delete d.facts.trace_get_info.blob; }, /no blob group/);
	assertProblem((d) => { d.facts.log_get_print_level = 'DEBUG'; }, /not the defaults/);
	assertProblem((d) => { d.wrap.live.io_start = 100; }, /two entries each/);
	assertProblem((d) => { d.wrap.recorded.io_done = d.wrap.live.io_done; }, /kept no more/);
	assert.throws(() => traceFacts({ ...clone(), trace: {} }), /trace-bdev\.json: trace\.text/);
});

test('without SPDK_BUILD_DIR the script says what it skipped and touches nothing', () => {
	const env = { ...process.env };
	delete env.SPDK_BUILD_DIR;
	delete env.SPDK_DIR;
	const r = spawnSync(process.execPath, [path.join(ROOT, 'labs/tracing/record-trace.mjs')], { env, encoding: 'utf8' });
	assert.equal(r.status, 0, r.stderr);
	assert.match(r.stdout, /SKIPPED: SPDK_BUILD_DIR/);
	assert.match(r.stdout, /trace-bdev\.json was left as it is/);
});
