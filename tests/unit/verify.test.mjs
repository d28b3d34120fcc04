// The strict check, the pin, the drift report and the no-tree fallback, on fixture pages and trees.
import test from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import os from 'node:os';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { SourceTree, PROJECT_ROOT } from '../../src/lib/excerpts.js';
import { verify, makeTrees } from '../../src/lib/verify.js';
import { identifierOf } from '../../src/lib/identifiers.js';
import { driftReport } from '../../src/lib/drift.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const A = path.join(here, '../fixtures/tree-a');
const B = path.join(here, '../fixtures/tree-b');
const GOOD = path.join(here, '../fixtures/pages/good.mdx');
const BAD = path.join(here, '../fixtures/pages/bad.mdx');
const rel = (f) => path.relative(PROJECT_ROOT, f);
const empty = () => ({ entries: {}, rpc: {} });

async function pinGood() {
	const r = await verify({ files: [GOOD], trees: makeTrees(A), lock: empty(), mode: 'pin' });
	assert.deepEqual(r.errors, []);
	return { entries: r.entries, rpc: r.rpc };
}

test('identifier-looking code spans are recognised, other code is left alone', () => {
	assert.equal(identifierOf('spdk_thread_send_msg()').name, 'spdk_thread_send_msg');
	assert.equal(identifierOf('struct spdk_io_channel').tag, 'struct');
	assert.equal(identifierOf('SPDK_POLLER_BUSY').name, 'SPDK_POLLER_BUSY');
	for (const other of ['scripts/rpc.py bdev_get_bdevs', '--no-huge', 'poller', 'make -C labs', 'x = 1']) assert.equal(identifierOf(other), null, other);
});

test('a good page pins cleanly, notes and highlights included', async () => {
	const { entries, rpc } = await pinGood();
	const src = entries['lib/demo/demo.c#spdk_demo_start'];
	assert.ok(src, Object.keys(entries).join(', '));
	assert.ok(src.anchors['at:flags |= 1'] && src.anchors['line:6'] && src.anchors['at:count++']);
	assert.ok(entries['lib/demo/demo.c#spdk_demo_tick!g_spdk_demo_ops.stop']);
	assert.deepEqual(entries['scripts/setup.sh:3-4'].span, [3, 4]);
	// Every method a library directory registers is pinned, the deprecated alias too (with its target's handler).
	assert.deepEqual(Object.keys(rpc), ['construct_spdk_demo_widget', 'spdk_demo_widget_create']);
	assert.equal(rpc.spdk_demo_widget_create.handler, 'rpc_demo_widget_create');
	assert.deepEqual(rpc.spdk_demo_widget_create.states, ['runtime']);
	assert.equal(rpc.construct_spdk_demo_widget.aliasOf, 'spdk_demo_widget_create');
	assert.equal(rpc.construct_spdk_demo_widget.handler, 'rpc_demo_widget_create');
	assert.equal(JSON.stringify(entries).includes('w->count++'), false, 'the lock holds no code');
});

test('the strict check passes against its own pins and fails on a changed tree, naming the page', async () => {
	const lock = await pinGood();
	const ok = await verify({ files: [GOOD], trees: makeTrees(A), lock, mode: 'check' });
	assert.deepEqual(ok.errors, []);
	const tampered = structuredClone(lock);
	tampered.entries['lib/demo/demo.c#spdk_demo_start'].sha256 = '0'.repeat(64);
	tampered.entries['lib/demo/demo.c#spdk_demo_start'].lineHashes = tampered.entries['lib/demo/demo.c#spdk_demo_start'].lineHashes.replace(/^.{8}/, '00000000');
	const bad = await verify({ files: [GOOD], trees: makeTrees(A), lock: tampered, mode: 'check' });
	assert.equal(bad.errors.length, 1);
	assert.match(bad.errors[0].origin, new RegExp(`^${rel(GOOD).replace(/\./g, '\\.')}:\\d+$`));
	assert.match(bad.errors[0].message, /excerpt lib\/demo\/demo\.c#spdk_demo_start: the text of spdk_demo_start .* differs from its pin .*line 1 of spdk_demo_start/);
	const unpinned = await verify({ files: [GOOD], trees: makeTrees(A), lock: empty(), mode: 'check' });
	assert.ok(unpinned.errors.some((e) => /is not pinned in spdk\.lock; run npm run spdk:pin/.test(e.message)));
});

test('every broken reference on a page is reported with its file:line', async () => {
	const r = await verify({ files: [BAD], trees: makeTrees(A), lock: empty(), mode: 'pin' });
	const lines = r.errors.map((e) => `${e.origin}: ${e.message}`).join('\n');
	const f = rel(BAD);
	assert.match(lines, new RegExp(`${f}:6: \`spdk_demo_no_such_fn\` is not defined`));
	assert.match(lines, new RegExp(`${f}:6: \`spdk_demo_no_such_rpc\` is not defined .* nor registered as an RPC method`));
	assert.match(lines, new RegExp(`${f}:8: symbol spdk_demo_pick is ambiguous`));
	assert.match(lines, new RegExp(`${f}:12: file lib/demo/missing\\.c does not exist`));
	assert.match(lines, new RegExp(`${f}:14: symbol spdk_demo_absent is not defined`));
	assert.match(lines, new RegExp(`${f}:16: marker from="no such text" not found`));
	assert.match(lines, new RegExp(`${f}:18: marker at="not in the function" not found`));
	assert.equal(r.errors.length, 7, lines);
});

test('drift lists what changed, moved and vanished, and names that disappeared', async () => {
	const lock = await pinGood();
	lock.entries['lib/demo/demo.c#spdk_demo_widget_count'] = (await verify({ files: [GOOD], trees: makeTrees(A), lock: empty(), mode: 'pin' })).entries['lib/demo/demo.c#spdk_demo_start'];
	const { resolveRef, lockEntry } = await import('../../src/lib/excerpts.js');
	const tA = new SourceTree(A);
	for (const symbol of ['spdk_demo_widget_count', 'spdk_demo_stop']) lock.entries[`lib/demo/demo.c#${symbol}`] = lockEntry(await resolveRef(tA, { path: 'lib/demo/demo.c', symbol }));
	const rows = await driftReport({ lock, files: [GOOD], other: new SourceTree(B), base: new SourceTree(A) });
	const keys = (list) => list.map((r) => r.key);
	assert.ok(keys(rows.changed).includes('lib/demo/demo.c#spdk_demo_stop'));
	assert.ok(keys(rows.moved).includes('lib/demo/demo.c#spdk_demo_widget_count'));
	assert.ok(keys(rows.moved).includes('scripts/setup.sh:3-4'));
	assert.ok(keys(rows.vanished).includes('lib/demo/demo.c#spdk_demo_tick!g_spdk_demo_ops.stop'));
	assert.deepEqual(rows.gone, ['spdk_demo_tick']);
});

test('without a tree, excerpts render as cards from the lock (path, lines, permalink, notes)', async () => {
	const lock = await pinGood();
	const dir = mkdtempSync(path.join(os.tmpdir(), 'spdk-lock-'));
	try {
		writeFileSync(path.join(dir, 'spdk.lock'), JSON.stringify(lock));
		const script = `
			const { excerptFor, chipFor, treePresent } = await import(${JSON.stringify(path.join(PROJECT_ROOT, 'src/lib/render-excerpt.js'))});
			const x = await excerptFor({ path: 'lib/demo/demo.c', symbol: 'spdk_demo_start' }, [{ at: 'flags |= 1', slot: 'note-0' }], [], 'p.mdx:3');
			const c = await chipFor({ path: 'scripts/setup.sh', lines: '3-4' }, 'p.mdx:4');
			console.log(JSON.stringify({ present: treePresent(), mode: x.mode, shown: x.shown, permalink: x.permalink, note: x.notes[0].fileLine, chip: c.permalink }));
			try { await excerptFor({ path: 'lib/demo/demo.c', symbol: 'spdk_demo_stop' }, [], [], 'p.mdx:9'); } catch (e) { console.log(e.message); }`;
		const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
			env: { ...process.env, SPDK_DIR: path.join(dir, 'no-tree'), SPDK_LOCK: path.join(dir, 'spdk.lock') }, encoding: 'utf8',
		});
		assert.equal(r.status, 0, r.stderr);
		const [json, err] = r.stdout.trim().split('\n');
		const out = JSON.parse(json);
		assert.equal(out.present, false);
		assert.equal(out.mode, 'card');
		assert.equal(out.permalink, `https://github.com/spdk/spdk/blob/v26.01/lib/demo/demo.c#L${out.shown[0]}-L${out.shown[1]}`);
		assert.equal(out.note, lock.entries['lib/demo/demo.c#spdk_demo_start'].anchors['at:flags |= 1']);
		assert.equal(out.chip, 'https://github.com/spdk/spdk/blob/v26.01/scripts/setup.sh#L3-L4');
		assert.match(r.stderr, /no SPDK tree at .*excerpts render as cards/);
		assert.match(err, /p\.mdx:9: lib\/demo\/demo\.c#spdk_demo_stop is not pinned in spdk\.lock/);
	} finally {
		rmSync(dir, { recursive: true, force: true });
	}
});

test('code spans that are tree paths are pinned as links; a typo fails naming the page and line', async () => {
	const dir = mkdtempSync(path.join(os.tmpdir(), 'spdk-paths-'));
	const page = path.join(dir, 'paths.mdx');
	writeFileSync(page, 'Read `lib/demo/demo.c`, the `lib/demo/` folder and `include/spdk/bdev.h`.\n\nThe header `bdev.h` and `labs/x.c` are no tree paths.\n\nBut `lib/demo/demo_typo.c` is wrong.\n');
	try {
		const pinned = await verify({ files: [page], trees: makeTrees(A), lock: empty(), mode: 'pin' });
		assert.deepEqual(pinned.paths, { 'include/spdk/bdev.h': { to: 'include/spdk/bdev.h' }, 'lib/demo/': { to: 'lib/demo', dir: true }, 'lib/demo/demo.c': { to: 'lib/demo/demo.c' } });
		assert.equal(pinned.errors.length, 1);
		assert.equal(pinned.errors[0].origin, `${rel(page)}:5`);
		assert.match(pinned.errors[0].message, /`lib\/demo\/demo_typo\.c` looks like a path of the SPDK tree but is no file or directory/);
		const checked = await verify({ files: [page], trees: makeTrees(A), lock: { ...empty(), paths: { 'lib/demo/demo.c': { to: 'lib/demo/demo.c' } } }, mode: 'check' });
		const msgs = checked.errors.map((e) => `${e.origin} ${e.message}`);
		assert.ok(msgs.some((m) => m.startsWith(`${rel(page)}:1 the path \`lib/demo/\` is not pinned`)), msgs.join('\n'));
		assert.ok(!msgs.some((m) => m.includes('`lib/demo/demo.c`')), 'a pinned path passes');
	} finally {
		rmSync(dir, { recursive: true, force: true });
	}
});

test('the symbol cache: a second run parses nothing, and a changed file is parsed again', async () => {
	const { SymbolCache } = await import('../../src/lib/excerpts.js');
	const dir = mkdtempSync(path.join(os.tmpdir(), 'spdk-cache-'));
	const file = path.join(dir, 'symbols.json');
	try {
		const c1 = new SymbolCache(file);
		const t1 = new SourceTree(A, { cache: c1 });
		const f1 = await t1.file('lib/demo/demo.c');
		assert.equal(t1.parses, 1);
		c1.save();
		const t2 = new SourceTree(A, { cache: new SymbolCache(file) });
		const f2 = await t2.file('lib/demo/demo.c');
		assert.equal(t2.parses, 0, 'read from the cache');
		assert.deepEqual(f2.symbols, f1.symbols);
		const t3 = new SourceTree(B, { cache: new SymbolCache(file) });
		await t3.file('lib/demo/demo.c');
		assert.equal(t3.parses, 1, 'other text, parsed');
	} finally {
		rmSync(dir, { recursive: true, force: true });
	}
});
