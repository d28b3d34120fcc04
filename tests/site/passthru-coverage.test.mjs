// The passthru walkthrough shows every non-blank line of module/bdev/passthru's two C files.
// Runs without an SPDK tree: what each <Source> shows comes from its pin in spdk.lock (entries[key].shown),
// and each covered file's line count and blank lines from spdk.lock's `files` section, which
// `npm run spdk:pin` writes for every path a page lists in its frontmatter `covers: [...]`.
// With a tree present, the recorded file record must also still match the file itself.
import test from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import { PROJECT_ROOT, readLock, refKey, normalizeRef, inspectTree, SourceTree } from '../../src/lib/excerpts.js';
import { parseMdx, collect } from '../../src/lib/pages.js';
import { covers, fileRecord } from '../../src/lib/verify.js';

const PAGE = 'src/pages/write-a-bdev/passthru-walkthrough.mdx';
const FILES = ['module/bdev/passthru/vbdev_passthru.c', 'module/bdev/passthru/vbdev_passthru_rpc.c'];

// Lines (1-based) of `file` shown by the page's excerpts, from their pins.
export function shownLines(pageText, lock, file, origin = PAGE) {
	const shown = new Set();
	const missing = [];
	for (const s of collect(parseMdx(pageText), origin).sources) {
		if ((s.ref.tree ?? 'spdk') !== 'spdk' || s.ref.path !== file) continue;
		const key = refKey(normalizeRef({ ...s.ref, origin: s.origin }));
		const pin = lock.entries[key];
		if (!pin) { missing.push(`${s.origin}: ${key}`); continue; }
		for (let n = pin.shown[0]; n <= pin.shown[1]; n++) shown.add(n);
	}
	return { shown, missing };
}

// Non-blank lines of a pinned file record that are not in `shown`, as compact ranges.
export function uncovered(record, shown) {
	const blank = new Set(record.blank);
	const out = [];
	for (let n = 1; n <= record.lines; n++) {
		if (blank.has(n) || shown.has(n)) continue;
		const last = out.at(-1);
		if (last && last[1] === n - 1) last[1] = n;
		else out.push([n, n]);
	}
	return out.map(([a, b]) => (a === b ? `${a}` : `${a}-${b}`));
}

const abs = path.join(PROJECT_ROOT, PAGE);
const lock = readLock();

test('the passthru page exists and declares both files in `covers`', () => {
	assert.ok(existsSync(abs), `${PAGE} is missing`);
	const declared = covers(readFileSync(abs, 'utf8'));
	for (const f of FILES) assert.ok(declared.includes(f), `${PAGE} does not list ${f} in its frontmatter covers`);
});

for (const file of FILES) {
	test(`the passthru page shows every non-blank line of ${file}`, () => {
		const record = lock.files?.[file];
		assert.ok(record, `spdk.lock has no files["${file}"]; run npm run spdk:pin`);
		assert.ok(Number.isInteger(record.lines) && record.lines > 0 && Array.isArray(record.blank), `spdk.lock files["${file}"] is malformed`);
		const { shown, missing } = shownLines(readFileSync(abs, 'utf8'), lock, file);
		assert.deepEqual(missing, [], `excerpts not pinned in spdk.lock (run npm run spdk:pin):\n${missing.join('\n')}`);
		const gaps = uncovered(record, shown);
		const nonBlank = record.lines - record.blank.length;
		const covered = [...shown].filter((n) => n <= record.lines && !record.blank.includes(n)).length;
		assert.deepEqual(gaps, [], `${file}: ${covered}/${nonBlank} non-blank lines shown; not shown: ${gaps.join(', ')}`);
	});
}

test('with an SPDK tree present, the pinned file records still match the files', { skip: !inspectTree().present && 'no SPDK tree' }, async () => {
	const tree = new SourceTree(inspectTree().dir);
	for (const file of FILES) {
		const f = await tree.file(file);
		assert.ok(f, `${file} is not in the tree`);
		const rec = fileRecord(f.lines);
		const pinned = lock.files?.[file];
		assert.ok(pinned, `spdk.lock has no files["${file}"]`);
		assert.equal(pinned.lines, rec.lines, `${file} is now ${rec.lines} lines, pinned ${pinned.lines}: re-check the page and run npm run spdk:pin`);
		assert.equal(pinned.sha256, rec.sha256, `${file} changed since it was pinned: re-check the page and run npm run spdk:pin`);
		assert.deepEqual(pinned.blank, rec.blank);
	}
});

test('the coverage helpers catch a missing line (self-check)', () => {
	const record = { lines: 6, blank: [3], sha256: 'x' };
	assert.deepEqual(uncovered(record, new Set([1, 2, 4, 5, 6])), []);
	assert.deepEqual(uncovered(record, new Set([1, 2, 5])), ['4', '6']);
	assert.deepEqual(uncovered(record, new Set([])), ['1-2', '4-6']);
});
