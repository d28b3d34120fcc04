#!/usr/bin/env node
// Prints figures, asserts nothing: build time with and without excerpt resolution (their ratio), and,
// for each built page, the gzipped HTML, CSS and JS a reader's browser loads before any diagram is
// shown and after all of them are. Run after npm install; needs Chromium for the per-page part.
//   npm run bench             both parts      npm run bench -- --pages   per-page part only (uses dist/)
import { spawnSync } from 'node:child_process';
import { readFileSync, existsSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import path from 'node:path';
import { inspectTree } from '../src/lib/excerpts.js';
import { serve } from '../tests/helpers/server.mjs';
import { launch, chromiumMissing } from '../tests/helpers/browser.mjs';
import { htmlPages, DIST } from '../tests/helpers/dist.mjs';

const onlyPages = process.argv.includes('--pages');
const kb = (n) => `${(n / 1024).toFixed(1)} KB`;

function timeBuild(env) {
	const t0 = process.hrtime.bigint();
	const r = spawnSync('npx', ['astro', 'build', '--silent'], { env: { ...process.env, ASTRO_TELEMETRY_DISABLED: '1', ...env }, stdio: 'inherit' });
	if (r.status !== 0) throw new Error('astro build failed');
	return Number(process.hrtime.bigint() - t0) / 1e9;
}

if (!onlyPages) {
	const tree = inspectTree();
	console.log(`build benchmark (${tree.present ? `SPDK tree at ${tree.dir}` : 'no SPDK tree: both runs use the lock'})`);
	// Warm the disk cache and Vite's dependency cache once so the two timed runs compare like with like.
	timeBuild({});
	const off = timeBuild({ SPDK_EXCERPTS: 'off' });
	const on = timeBuild({});
	console.log(`  astro build, excerpts resolved from the tree: ${on.toFixed(1)} s`);
	console.log(`  astro build, resolution off (cards from spdk.lock): ${off.toFixed(1)} s`);
	console.log(`  ratio: ${(on / off).toFixed(2)}x (goal <= 1.3x)`);
	const t0 = Date.now();
	spawnSync(process.execPath, ['scripts/spdk.mjs', 'check', '--if-tree'], { stdio: 'ignore' });
	console.log(`  strict source check alone: ${((Date.now() - t0) / 1000).toFixed(1)} s`);
	spawnSync('npx', ['pagefind', '--site', 'dist', '--silent'], { stdio: 'inherit' });
}

const why = chromiumMissing();
if (why) {
	console.log(`per-page bytes skipped: ${why}`);
	process.exit(0);
}
const gz = (file) => (existsSync(file) ? gzipSync(readFileSync(file)).length : 0);
const { server, url } = await serve(DIST);
const { context, close } = await launch();
console.log('\nper page, gzipped: before any diagram is shown | after every diagram is rendered');
console.log(`${'page'.padEnd(44)} ${'HTML'.padStart(8)} ${'CSS'.padStart(8)} ${'JS'.padStart(9)} | ${'JS after'.padStart(9)}  diagrams`);
for (const p of htmlPages()) {
	if (p.url === '/404.html') continue;
	const page = await context.newPage();
	const loaded = new Set();
	page.on('request', (r) => loaded.add(new URL(r.url()).pathname));
	await page.goto(url + p.url, { waitUntil: 'networkidle' });
	const inline = await page.$$eval('script:not([src])', (s) => s.map((x) => x.textContent).join('\n'));
	const inlineGz = inline ? gzipSync(inline).length : 0;
	const bytes = (ext) => [...loaded].filter((f) => f.endsWith(ext)).reduce((n, f) => n + gz(path.join(DIST, f)), 0);
	const before = { css: bytes('.css'), js: bytes('.js') + inlineGz };
	const diagrams = await page.$$eval('figure.diagram', (f) => f.length);
	await page.evaluate(async () => { await window.renderAllDiagrams?.(); });
	await page.waitForLoadState('networkidle');
	const afterJs = bytes('.js') + inlineGz;
	console.log(`${p.url.padEnd(44)} ${kb(gz(p.file)).padStart(8)} ${kb(before.css).padStart(8)} ${kb(before.js).padStart(9)} | ${kb(afterJs).padStart(9)}  ${diagrams}`);
	await page.close();
}
await close();
server.close();
