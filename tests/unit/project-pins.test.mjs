// Project code shown on pages (tree="project": iowatch/, labs) is pinned in spdk.lock like SPDK code,
// and this check needs no SPDK tree, so it runs in CI: a change to iowatch/ under a pinned excerpt
// fails here, naming the MDX file and line of the excerpt.
import test from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, readFileSync, writeFileSync, cpSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PROJECT_ROOT, readLock } from '../../src/lib/excerpts.js';
import { explainerFiles } from '../../src/lib/pages.js';
import { checkProjectPins } from '../../src/lib/verify.js';

const lock = readLock();
const projectPins = Object.entries(lock.entries).filter(([, e]) => e.tree === 'project');

test('every tree="project" excerpt and chip on the pages matches its pin in spdk.lock', async () => {
	assert.ok(projectPins.length > 0, 'spdk.lock holds project pins');
	const errors = await checkProjectPins({ files: explainerFiles(), lock });
	assert.deepEqual(errors.map((e) => `${e.origin}: ${e.message}`), []);
});

test('a change to project code under a pinned excerpt fails, naming the MDX file and line', async () => {
	// A copy of the project's pinned files with one line changed inside a pinned symbol.
	const [key, pin] = projectPins.find(([, e]) => e.symbol && e.path.endsWith('.c'));
	const dir = mkdtempSync(path.join(tmpdir(), 'project-pins-'));
	try {
		for (const rel of new Set(projectPins.map(([, e]) => e.path))) {
			mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
			cpSync(path.join(PROJECT_ROOT, rel), path.join(dir, rel));
		}
		const file = path.join(dir, pin.path);
		const lines = readFileSync(file, 'utf8').split('\n');
		const at = pin.shown[0]; // the symbol's first shown line: keep it a definition, change its text
		lines.splice(at, 0, '\t/* an edit under a pinned excerpt */');
		writeFileSync(file, lines.join('\n'));
		const errors = await checkProjectPins({ files: explainerFiles(), lock, projectDir: dir });
		const hit = errors.find((e) => e.message.includes(key));
		assert.ok(hit, `no error for ${key}; got ${JSON.stringify(errors.slice(0, 3))}`);
		assert.match(hit.origin, /^src\/pages\/[\w-]+\/[\w-]+\.mdx:\d+$/);
		assert.match(hit.message, /differs from its pin in spdk\.lock/);
	} finally {
		rmSync(dir, { recursive: true, force: true });
	}
});

test('an unpinned project excerpt fails', async () => {
	const entries = Object.fromEntries(Object.entries(lock.entries).filter(([, e]) => e.tree !== 'project'));
	const errors = await checkProjectPins({ files: explainerFiles(), lock: { ...lock, entries } });
	assert.ok(errors.length >= 1);
	assert.ok(errors.every((e) => /is not pinned in spdk\.lock/.test(e.message) && /\.mdx:\d+$/.test(e.origin)));
});
