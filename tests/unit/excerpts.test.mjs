// The excerpt resolver on the project's own fixture trees (tests/fixtures/tree-a and tree-b).
import test from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { SourceTree, resolveRef, anchorLine, lockEntry, compareWithPin, refKey, normalizeRef, inspectTree } from '../../src/lib/excerpts.js';
import { cSymbols } from '../../src/lib/csymbols.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const A = path.join(here, '../fixtures/tree-a');
const B = path.join(here, '../fixtures/tree-b');
const treeA = () => new SourceTree(A);

test('every kind of C symbol is found, definitions only', async () => {
	const { readFileSync } = await import('node:fs');
	const syms = await cSymbols(readFileSync(path.join(A, 'lib/demo/demo.c'), 'utf8'));
	const names = syms.map((s) => `${s.kind}:${s.name}`);
	for (const want of ['macro:SPDK_DEMO_RING_SIZE', 'typedef:spdk_demo_count_t', 'struct:struct spdk_demo_widget', 'union:union spdk_demo_value',
		'enum:enum spdk_demo_state', 'enumerator:SPDK_DEMO_STATE_BUSY', 'variable:g_spdk_demo_ops', 'function:spdk_demo_widget_count', 'function:spdk_demo_tick']) {
		assert.ok(names.includes(want), `${want} missing from ${names.join(', ')}`);
	}
	// The prototypes of spdk_demo_start and spdk_demo_stop are not definitions.
	assert.equal(syms.filter((s) => s.name === 'spdk_demo_start').length, 1);
	const rpc = (await cSymbols(readFileSync(path.join(A, 'lib/demo/demo_rpc.c'), 'utf8'))).filter((s) => s.kind === 'rpc');
	assert.deepEqual(rpc.map((s) => [s.name, s.handler ?? s.aliasOf]), [['rpc:spdk_demo_widget_create', 'rpc_demo_widget_create'], ['rpc:construct_spdk_demo_widget', 'spdk_demo_widget_create']]);
});

test('a function resolves to its whole definition, and markers narrow it', async () => {
	const t = treeA();
	const whole = await resolveRef(t, { path: 'lib/demo/demo.c', symbol: 'spdk_demo_tick' });
	const lines = (await t.file('lib/demo/demo.c')).lines;
	assert.match(lines[whole.span[0] - 1], /^int$/);
	assert.equal(lines[whole.span[1] - 1], '}');
	const part = await resolveRef(t, { path: 'lib/demo/demo.c', symbol: 'spdk_demo_tick', from: 'rc = g_spdk_demo_ops.start', to: 'return rc;' });
	assert.match(lines[part.shown[0] - 1], /g_spdk_demo_ops\.start/);
	assert.match(lines[part.shown[1] - 1], /return rc;/);
	assert.deepEqual(part.span, whole.span, 'narrowing keeps the pinned unit whole');
	assert.equal(part.sha256, whole.sha256);
	const offs = await resolveRef(t, { path: 'lib/demo/demo.c', symbol: 'spdk_demo_tick', lines: '2-3' });
	assert.deepEqual(offs.shown, [whole.span[0] + 1, whole.span[0] + 2]);
	assert.equal(offs.permalink, `https://github.com/spdk/spdk/blob/v26.01/lib/demo/demo.c#L${offs.shown[0]}-L${offs.shown[1]}`);
});

test('structs, globals, macros and RPC registrations resolve', async () => {
	const t = treeA();
	for (const symbol of ['struct spdk_demo_widget', 'union spdk_demo_value', 'enum spdk_demo_state', 'g_spdk_demo_ops', 'SPDK_DEMO_RING_SIZE', 'spdk_demo_count_t']) {
		const r = await resolveRef(t, { path: 'lib/demo/demo.c', symbol });
		assert.ok(r.span[0] > 0 && r.span[1] >= r.span[0], symbol);
	}
	const table = await resolveRef(t, { path: 'lib/demo/demo.c', symbol: 'g_spdk_demo_ops' });
	assert.equal(table.span[1] - table.span[0], 3, 'the whole initialiser of the table');
	const rpc = await resolveRef(t, { path: 'lib/demo/demo_rpc.c', symbol: 'rpc:spdk_demo_widget_create' });
	assert.equal(rpc.kind, 'rpc');
	assert.equal(rpc.span[0], rpc.span[1]);
});

test('notes attach by marker or by offset inside the symbol', async () => {
	const r = await resolveRef(treeA(), { path: 'lib/demo/demo.c', symbol: 'spdk_demo_start' });
	const byMarker = anchorLine(r, { at: 'w->count++' });
	assert.equal(byMarker, r.span[0] + 4);
	assert.equal(anchorLine(r, { line: 5 }), byMarker);
	assert.throws(() => anchorLine(r, { at: 'nowhere' }, 'page.mdx:9'), /page\.mdx:9: note marker at="nowhere" not found/);
	assert.throws(() => anchorLine(r, { line: 99 }, 'page.mdx:9'), /outside the lines shown/);
});

test('errors name the page and line: missing file, missing symbol, ambiguity, markers', async () => {
	const t = treeA();
	const origin = 'src/pages/x/y.mdx:12';
	await assert.rejects(resolveRef(t, { path: 'lib/demo/nope.c', symbol: 'spdk_demo_start' }, { origin }), /^Error: src\/pages\/x\/y\.mdx:12: file lib\/demo\/nope\.c does not exist/);
	await assert.rejects(resolveRef(t, { path: 'lib/demo/demo.c', symbol: 'spdk_demo_gone' }, { origin }), /y\.mdx:12: symbol spdk_demo_gone is not defined in lib\/demo\/demo\.c/);
	await assert.rejects(resolveRef(t, { path: 'lib/demo/demo.c', symbol: 'spdk_demo_pick' }, { origin }), /ambiguous in lib\/demo\/demo\.c: defined 2 times .*occurrence=\{n\}/);
	const second = await resolveRef(t, { path: 'lib/demo/demo.c', symbol: 'spdk_demo_pick', occurrence: 2 });
	const first = await resolveRef(t, { path: 'lib/demo/demo.c', symbol: 'spdk_demo_pick', occurrence: 1 });
	assert.ok(second.span[0] > first.span[1]);
	await assert.rejects(resolveRef(t, { path: 'lib/demo/demo.c', symbol: 'spdk_demo_tick', from: 'zzz' }, { origin }), /marker from="zzz" not found in spdk_demo_tick/);
	await assert.rejects(resolveRef(t, { path: 'scripts/setup.sh', symbol: 'x' }, { origin }), /not a C file: use lines=/);
	assert.throws(() => normalizeRef({ path: 'a.c', origin }), /name a symbol, or give lines=/);
});

test('plain line ranges are pinned by hash and re-found when they move', async () => {
	const a = await resolveRef(treeA(), { path: 'scripts/setup.sh', lines: '3-4' });
	const b = await resolveRef(new SourceTree(B), { path: 'scripts/setup.sh', lines: '3-4' }, { expectedSha: a.sha256 });
	assert.deepEqual(b.span, [4, 5]);
	assert.deepEqual(b.moved, { from: [3, 4], to: [4, 5] });
	assert.equal(b.sha256, a.sha256);
});

test('a changed symbol fails against its pin and says which line changed', async () => {
	const pinned = lockEntry(await resolveRef(treeA(), { path: 'lib/demo/demo.c', symbol: 'spdk_demo_stop' }));
	const now = await resolveRef(new SourceTree(B), { path: 'lib/demo/demo.c', symbol: 'spdk_demo_stop' });
	const msg = compareWithPin(now, pinned);
	assert.match(msg, /text of spdk_demo_stop in lib\/demo\/demo\.c differs from its pin/);
	assert.match(msg, /line 4 of spdk_demo_stop \(lib\/demo\/demo\.c:\d+\) now reads: w->flags &= ~3;/);
	const moved = await resolveRef(new SourceTree(B), { path: 'lib/demo/demo.c', symbol: 'spdk_demo_widget_count' });
	const orig = lockEntry(await resolveRef(treeA(), { path: 'lib/demo/demo.c', symbol: 'spdk_demo_widget_count' }));
	assert.equal(compareWithPin(moved, orig), null, 'moving without changing is not a failure');
	assert.notDeepEqual(moved.span, orig.span);
});

test('each file is parsed once per tree however often it is cited', async () => {
	const t = treeA();
	for (let i = 0; i < 5; i++) await resolveRef(t, { path: 'lib/demo/demo.c', symbol: 'spdk_demo_tick' });
	await resolveRef(t, { path: 'lib/demo/demo.c', symbol: 'spdk_demo_start' });
	assert.equal(t.parses, 1);
});

test('the lock key is stable and carries every narrowing', () => {
	assert.equal(refKey(normalizeRef({ path: 'a.c', symbol: 'f', from: 'x', to: 'y' })), 'a.c#f@x..y');
	assert.equal(refKey(normalizeRef({ path: 'a.c', symbol: 'f', occurrence: 2, lines: '1-3' })), 'a.c#f[2]:1-3');
	assert.equal(refKey(normalizeRef({ path: 'm.sh', lines: '5-9' })), 'm.sh:5-9');
	assert.equal(refKey(normalizeRef({ tree: 'project', path: 'labs/x.c', symbol: 'main' })), 'project:labs/x.c#main');
});

test('a tree of another version is recognised, and a missing tree is reported', () => {
	assert.deepEqual([inspectTree(A).present, inspectTree(A).versionOk], [true, true]);
	assert.equal(inspectTree(B).versionOk, false);
	assert.match(inspectTree('/nonexistent-spdk').reason, /no SPDK tree at \/nonexistent-spdk/);
});
