#!/usr/bin/env node
// The one test command (npm test): unit tests, the labs and module checks, the strict source check
// when an SPDK tree is present, a build of the site and of the fixture site, then the browser tests.
// Ends with one line "tests: N passed, N failed, N skipped".
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { inspectTree } from '../src/lib/excerpts.js';
import { CHROMIUM } from '../tests/helpers/browser.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
process.chdir(ROOT);
const totals = { passed: 0, failed: 0, skipped: 0 };
const failures = [];

// Runs a command, echoing its output, and returns { code, out }.
function run(cmd, args, env = {}) {
	return new Promise((resolve) => {
		const child = spawn(cmd, args, { env: { ...process.env, ASTRO_TELEMETRY_DISABLED: '1', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
		let out = '';
		child.stdout.on('data', (d) => { out += d; process.stdout.write(d); });
		child.stderr.on('data', (d) => { out += d; process.stderr.write(d); });
		child.on('close', (code) => resolve({ code, out }));
	});
}

function section(title) {
	console.log(`\n=== ${title} ===`);
}

async function nodeTests(label, files, env) {
	section(label);
	const { code, out } = await run(process.execPath, ['--test', '--test-concurrency=1', ...files], env);
	const n = (k) => Number(new RegExp(`^# ${k} (\\d+)$`, 'm').exec(out)?.[1] ?? 0);
	totals.passed += n('pass');
	totals.failed += n('fail') + n('cancelled');
	totals.skipped += n('skipped');
	if (code !== 0) failures.push(label);
	if (code !== 0 && n('fail') + n('cancelled') === 0) totals.failed += 1;
}

// A command that exits 0 after printing "SKIPPED" (the module's check without a built SPDK) counts as skipped.
async function step(label, cmd, args, env) {
	section(label);
	const { code, out } = await run(cmd, args, env);
	if (code === 0 && /\bSKIPPED\b/.test(out)) totals.skipped += 1;
	else if (code === 0) totals.passed += 1;
	else { totals.failed += 1; failures.push(label); }
	return code === 0;
}

function skip(label, why) {
	section(label);
	console.log(`skipped: ${why}`);
	totals.skipped += 1;
}

// Chromium for the browser tests: install it when we can (root with apt), else say exactly how.
function ensureChromium() {
	if (existsSync(CHROMIUM)) return true;
	const root = process.getuid?.() === 0;
	if (root && spawnSync('which', ['apt-get']).status === 0) {
		console.log('Chromium is missing: installing Debian\'s chromium package (apt-get install -y chromium) ...');
		spawnSync('apt-get', ['update', '-qq'], { stdio: 'inherit' });
		spawnSync('apt-get', ['install', '-y', '-qq', 'chromium'], { stdio: 'inherit', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
		if (existsSync(CHROMIUM)) return true;
	}
	console.error(`The browser tests need Debian's Chromium at ${CHROMIUM}. Install it with:\n    sudo apt-get install -y chromium\nthen run npm test again.`);
	return false;
}

const files = (dir) => readdirSync(dir).filter((f) => f.endsWith('.test.mjs')).map((f) => path.join(dir, f)).sort();

const haveChromium = ensureChromium();
if (!haveChromium) {
	process.exitCode = 1;
	console.log('\ntests: 0 passed, 1 failed, 0 skipped');
	process.exit(1);
}

await nodeTests('unit tests', files('tests/unit'));

if (existsSync('labs/Makefile')) await step('labs: make -C labs check', 'make', ['-s', '-C', 'labs', 'check']);
if (existsSync('iowatch/Makefile')) await step('iowatch module: make -C iowatch check', 'make', ['-s', '-C', 'iowatch', 'check']);

const tree = inspectTree();
if (tree.present) {
	const checker = path.resolve(ROOT, '../shared/tools/no-spdk-code');
	if (existsSync(checker)) await step('no SPDK code in the repository (no-spdk-code)', checker, ['--spdk', tree.dir]);
	else skip('no SPDK code in the repository', `${checker} is not here`);
} else {
	skip('strict source check and no-spdk-code', `${tree.reason}; get the tree with npm run spdk:get to run them`);
}

// npm run build runs the strict source check first whenever the tree is present.
const built = await step('build the site (npm run build)', 'npm', ['run', '-s', 'build']);
const fixtureEnv = { SITE_SRC: 'tests/fixtures/site', SITE_OUT: 'dist-fixture', SPDK_DIR: 'tests/fixtures/tree-a', SPDK_LOCK: 'tests/fixtures/site/spdk.lock' };
const fixtureBuilt = await step('check and build the fixture site', 'sh', ['-c', 'node scripts/spdk.mjs check && npx astro build --silent'], fixtureEnv);

if (built) await nodeTests('built site: links and anchors', files('tests/site'));
else skip('built site: links and anchors', 'the build failed');
if (built) await nodeTests('browser tests of the site', files('tests/e2e').filter((f) => !f.endsWith('fixture.test.mjs')));
else skip('browser tests of the site', 'the build failed');
if (fixtureBuilt) await nodeTests('browser tests of the excerpt UI (fixture site)', ['tests/e2e/fixture.test.mjs']);
else skip('browser tests of the excerpt UI', 'the fixture build failed');

if (failures.length) console.log(`\nfailed: ${failures.join('; ')}`);
console.log(`\ntests: ${totals.passed} passed, ${totals.failed} failed, ${totals.skipped} skipped`);
process.exit(totals.failed ? 1 : 0);
