#!/usr/bin/env node
// Prints figures, asserts nothing: a missed goal is printed next to the figure, never a failure.
// Three parts; with no switch all three run, with one or more switches only those:
//   --build        build time with and without excerpt resolution (their ratio). Builds three times into
//                  SITE_OUT (default dist/), cache SITE_CACHE, then re-indexes it with Pagefind.
//   --pages        for each built page: raw and gzipped HTML, and the gzipped CSS and JS a reader's browser
//                  loads before any diagram is shown and after all of them are (needs Chromium).
//   --lighthouse   Lighthouse 12.2.3 (through npx, so it is no dependency of the site) against the build
//                  served gzipped, for the home page, the glossary, the two heaviest explainers (by HTML
//                  bytes) and /reference/rpc/: scores, LCP, TBT, CLS, bytes transferred.
//   --preset=mobile|desktop   Lighthouse with one preset only (default: both).
//   --runs=N       Lighthouse N times per page and preset, showing the run of median performance (default 1).
// The per-page and Lighthouse parts read SITE_DIST (else SITE_OUT, else dist/):
//   SITE_DIST=dist-x node scripts/bench.mjs --pages --lighthouse
// Lighthouse uses CHROME_PATH, else CHROMIUM_PATH, else /usr/bin/chromium; without Chromium or the npm
// registry that part says what it skipped and the bench still exits 0.
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import os from 'node:os';
import path from 'node:path';
import { inspectTree } from '../src/lib/excerpts.js';
import { serve } from '../tests/helpers/server.mjs';
import { launch, chromiumMissing, CHROMIUM } from '../tests/helpers/browser.mjs';
import { htmlPages, ROOT, DIST } from '../tests/helpers/dist.mjs';

const args = process.argv.slice(2);
const parts = ['--build', '--pages', '--lighthouse'].filter((s) => args.includes(s));
const run = (part) => parts.length === 0 || parts.includes(part);
const preset = args.find((a) => a.startsWith('--preset='))?.slice('--preset='.length);
const presets = preset ? [preset] : ['mobile', 'desktop'];
const runs = Math.max(1, Number(args.find((a) => a.startsWith('--runs='))?.slice('--runs='.length) ?? 1) || 1);
if (presets.some((p) => p !== 'mobile' && p !== 'desktop')) {
	console.error(`--preset is mobile or desktop, not ${preset}`);
	process.exit(2);
}
const OUT = process.env.SITE_OUT ?? 'dist';
const dist = process.env.SITE_DIST ? DIST : path.resolve(ROOT, OUT);
const kb = (n) => `${(n / 1024).toFixed(1)} KB`;
const gz = (file) => (existsSync(file) ? gzipSync(readFileSync(file)).length : 0);
// A page written as an explainer: an MDX file under src/pages/<layer>/.
const isExplainer = (url) => url.split('/').filter(Boolean).length === 2 && existsSync(path.join(ROOT, 'src/pages', `${url.slice(1, -1)}.mdx`));
const EXPLAINER_HTML_GOAL = 120 * 1024;

function timeBuild(env) {
	const t0 = process.hrtime.bigint();
	const r = spawnSync('npx', ['astro', 'build', '--silent'], { env: { ...process.env, ASTRO_TELEMETRY_DISABLED: '1', ...env }, stdio: 'inherit' });
	if (r.status !== 0) throw new Error('astro build failed');
	return Number(process.hrtime.bigint() - t0) / 1e9;
}

if (run('--build')) {
	const tree = inspectTree();
	console.log(`build benchmark into ${OUT}/ (${tree.present ? `SPDK tree at ${tree.dir}` : 'no SPDK tree: both runs use the lock'})`);
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
	spawnSync('npx', ['pagefind', '--site', OUT, '--silent'], { stdio: 'inherit' });
}

const pages = run('--pages') || run('--lighthouse') ? htmlPages(dist).filter((p) => p.url !== '/404.html') : [];
const why = chromiumMissing();

if (run('--pages')) {
	if (why) console.log(`\nper-page bytes skipped: ${why}`);
	else await pageBytes();
}

async function pageBytes() {
	const { server, url } = await serve(dist);
	const { context, close } = await launch();
	console.log(`\nper page (${path.relative(ROOT, dist) || dist}/), HTML raw and gzipped; CSS and JS gzipped: before any diagram is shown | after every diagram is rendered`);
	console.log(`${'page'.padEnd(44)} ${'HTML raw'.padStart(9)} ${'HTML gz'.padStart(8)} ${'CSS'.padStart(8)} ${'JS'.padStart(9)} | ${'JS after'.padStart(9)}  diagrams`);
	const over = [];
	for (const p of pages) {
		const page = await context.newPage();
		const loaded = new Set();
		page.on('request', (r) => loaded.add(new URL(r.url()).pathname));
		await page.goto(url + p.url, { waitUntil: 'networkidle' });
		const inline = await page.$$eval('script:not([src])', (s) => s.map((x) => x.textContent).join('\n'));
		const inlineGz = inline ? gzipSync(inline).length : 0;
		const bytes = (ext) => [...loaded].filter((f) => f.endsWith(ext)).reduce((n, f) => n + gz(path.join(dist, f)), 0);
		const before = { css: bytes('.css'), js: bytes('.js') + inlineGz };
		const diagrams = await page.$$eval('figure.diagram', (f) => f.length);
		await page.evaluate(async () => { await window.renderAllDiagrams?.(); });
		await page.waitForLoadState('networkidle');
		const afterJs = bytes('.js') + inlineGz;
		const raw = readFileSync(p.file).length;
		const mark = isExplainer(p.url) && raw > EXPLAINER_HTML_GOAL ? '  over goal' : '';
		if (mark) over.push(p.url);
		console.log(`${p.url.padEnd(44)} ${kb(raw).padStart(9)} ${kb(gz(p.file)).padStart(8)} ${kb(before.css).padStart(8)} ${kb(before.js).padStart(9)} | ${kb(afterJs).padStart(9)}  ${String(diagrams).padStart(8)}${mark}`);
		await page.close();
	}
	const explainers = pages.filter((p) => isExplainer(p.url)).length;
	console.log(`goal: explainer HTML <= ${kb(EXPLAINER_HTML_GOAL)} raw; ${explainers - over.length} of ${explainers} explainers within it`);
	await close();
	server.close();
}

if (run('--lighthouse')) {
	const chrome = process.env.CHROME_PATH || CHROMIUM;
	if (!existsSync(chrome)) console.log(`\nLighthouse skipped: no Chromium at ${chrome} (set CHROME_PATH)`);
	else await lighthouse(chrome);
}

// Runs a command without blocking this process, so the in-process server can answer Lighthouse.
function runAsync(cmd, argv, env) {
	return new Promise((resolve) => {
		const child = spawn(cmd, argv, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
		let out = '';
		child.stdout.on('data', (d) => { out += d; });
		child.stderr.on('data', (d) => { out += d; });
		child.on('error', (e) => resolve({ code: -1, out: String(e) }));
		child.on('close', (code) => resolve({ code, out }));
	});
}

async function lighthouse(chrome) {
	const LH = ['-y', 'lighthouse@12.2.3'];
	const env = { CHROME_PATH: chrome, npm_config_update_notifier: 'false' };
	const probe = await runAsync('npx', [...LH, '--version'], env);
	if (probe.code !== 0) {
		console.log(`\nLighthouse skipped: npx could not run lighthouse@12.2.3 (no npm registry?): ${probe.out.split('\n').filter((l) => /error/i.test(l)).slice(0, 2).join(' ') || probe.out.trim()}`);
		return;
	}
	const byHtml = (a, b) => b.html.length - a.html.length;
	const targets = [
		pages.find((p) => p.url === '/'),
		pages.find((p) => p.url === '/glossary/'),
		...pages.filter((p) => isExplainer(p.url)).sort(byHtml).slice(0, 2),
		pages.find((p) => p.url === '/reference/rpc/'),
	].filter(Boolean);
	// The network flags of tests/helpers/browser.mjs: nothing but 127.0.0.1 resolves.
	const flags = [
		'--headless=new', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
		'--disable-component-update', '--disable-sync', '--disable-dev-shm-usage', '--host-resolver-rules="MAP * ~NOTFOUND, EXCLUDE 127.0.0.1"',
	].join(' ');
	const { server, url } = await serve(dist, 0, { gzip: true });
	const tmp = mkdtempSync(path.join(os.tmpdir(), 'spdk-site-lighthouse-'));
	const score = (c) => (c?.score == null ? '  -' : String(Math.round(c.score * 100)).padStart(3));
	console.log(`\nLighthouse 12.2.3, ${path.relative(ROOT, dist) || dist}/ served gzipped (goal on every page: performance >= 98, accessibility 100)`);
	console.log(`${'page'.padEnd(34)} ${'preset'.padEnd(7)} perf a11y best ${'LCP'.padStart(7)} ${'TBT'.padStart(7)} ${'CLS'.padStart(6)} ${'transfer'.padStart(9)}  goal`);
	const warnings = [];
	const cpu = [];
	for (const p of targets) {
		for (const pr of presets) {
			const reports = [];
			let failure = '';
			for (let i = 0; i < runs; i++) {
				const file = path.join(tmp, `report-${i}.json`);
				const r = await runAsync('npx', [...LH, url + p.url, '--quiet', '--output=json', `--output-path=${file}`,
					'--only-categories=performance,accessibility,best-practices', `--chrome-flags=${flags}`,
					...(pr === 'desktop' ? ['--preset=desktop'] : [])], env);
				if (r.code !== 0 || !existsSync(file)) { failure = r.out.trim().split('\n').slice(-2).join(' '); continue; }
				reports.push(JSON.parse(readFileSync(file, 'utf8')));
				rmSync(file);
			}
			if (!reports.length) {
				console.log(`${p.url.padEnd(34)} ${pr.padEnd(7)} failed: ${failure}`);
				continue;
			}
			// With --runs=N, the run of median performance score stands for the page (as Lighthouse advises).
			reports.sort((x, y) => (x.categories.performance?.score ?? 0) - (y.categories.performance?.score ?? 0));
			const lhr = reports[Math.floor((reports.length - 1) / 2)];
			for (const x of reports) cpu.push(x.environment?.benchmarkIndex ?? 0);
			const c = lhr.categories;
			const a = (id) => lhr.audits[id]?.numericValue;
			const ms = (v) => (v == null ? '-' : `${Math.round(v)} ms`);
			const perf = Math.round((c.performance?.score ?? 0) * 100);
			const a11y = Math.round((c.accessibility?.score ?? 0) * 100);
			const missed = [perf < 98 && 'perf', a11y < 100 && 'a11y'].filter(Boolean);
			const failing = a11y < 100 ? Object.values(lhr.audits).filter((x) => x.score === 0 && c.accessibility.auditRefs.some((ref) => ref.id === x.id && ref.weight > 0)).map((x) => x.id) : [];
			const marks = (lhr.runWarnings ?? []).map((w) => {
				if (!warnings.includes(w)) warnings.push(w);
				return `w${warnings.indexOf(w) + 1}`;
			});
			const warn = marks.length ? `  (${marks.join(' ')})` : '';
			console.log(`${p.url.padEnd(34)} ${pr.padEnd(7)} ${score(c.performance)}  ${score(c.accessibility)}  ${score(c['best-practices'])} ${ms(a('largest-contentful-paint')).padStart(7)} ${ms(a('total-blocking-time')).padStart(7)} ${(a('cumulative-layout-shift') ?? 0).toFixed(3).padStart(6)} ${kb(a('total-byte-weight') ?? 0).padStart(9)}  ${missed.length ? `missed: ${missed.join(', ')}` : 'met'}${failing.length ? ` [${failing.join(', ')}]` : ''}${warn}`);
		}
	}
	if (cpu.length) console.log(`  Lighthouse's CPU benchmark index on this host: ${Math.min(...cpu)} to ${Math.max(...cpu)}; TBT and performance move with machine load${runs === 1 ? ' (--runs=N takes the median of N)' : `, median of ${runs} runs shown`}`);
	console.log("  Lighthouse's accessibility score covers a subset of axe's rules (not scrollable-region-focusable, for one); the axe test in tests/e2e/site.test.mjs runs them all, at 375 and 1280 px");
	warnings.forEach((w, i) => console.log(`  w${i + 1}: Lighthouse warned: ${w.replace(/\s+/g, ' ')}`));
	rmSync(tmp, { recursive: true, force: true });
	server.close();
}
