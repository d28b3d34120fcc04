// Browser tests of the excerpt UI and the diagram error box, on the fixture site built from the
// project's own fixture tree (dist-fixture/), so they run without SPDK.
import test from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { serve } from '../helpers/server.mjs';
import { launch, chromiumMissing } from '../helpers/browser.mjs';
import { FIXTURE_DIST, ROOT } from '../helpers/dist.mjs';

const missing = chromiumMissing();
const lock = JSON.parse(readFileSync(path.join(ROOT, 'tests/fixtures/site/spdk.lock'), 'utf8'));
const pin = Object.values(lock.entries).find((e) => e.symbol === 'spdk_demo_tick');
const treeLines = readFileSync(path.join(ROOT, 'tests/fixtures/tree-a/lib/demo/demo.c'), 'utf8').split('\n');
let server;
let base;
let browser;

test.before(async () => {
	if (missing) return;
	({ server, url: base } = await serve(FIXTURE_DIST));
	browser = await launch({ permissions: ['clipboard-read', 'clipboard-write'] });
});
test.after(async () => {
	await browser?.close();
	server?.close();
});

async function open(url, width) {
	const page = await browser.context.newPage();
	await page.setViewportSize({ width, height: 900 });
	await page.goto(base + url, { waitUntil: 'load' });
	return page;
}

test('an excerpt shows highlighted code with notes beside it at 1280 px', { skip: missing ?? false }, async () => {
	const page = await open('/primer/userspace-io/', 1280);
	const fig = page.locator('figure.excerpt').first();
	const lines = await fig.locator('.excerpt-body .xl').evaluateAll((els) => els.map((e) => Number(e.dataset.line)));
	assert.deepEqual([lines[0], lines.at(-1)], pin.shown);
	assert.ok(await fig.locator('.lc span[style*="--shiki-light"]').count() > 3, 'tokens carry highlight colours');
	assert.equal(await fig.locator('.xl-hl').count(), 1, 'one highlighted line');
	const notes = fig.locator('.note');
	assert.equal(await notes.count(), 3);
	for (let i = 0; i < 3; i++) {
		const note = await notes.nth(i).boundingBox();
		const seg = notes.nth(i).locator('xpath=ancestor::div[contains(concat(" ", @class, " "), " seg ")][1]');
		const noted = await seg.locator('.xl-noted').boundingBox();
		const code = await seg.locator('.seg-code').boundingBox();
		assert.ok(note.x >= code.x + code.width - 1, `note ${i + 1} sits to the right of the code`);
		assert.ok(note.y < noted.y + noted.height && note.y + note.height > code.y, `note ${i + 1} is level with its segment`);
	}
	assert.deepEqual(await notes.locator('.note-n').allTextContents(), ['1', '2', '3']);
	await page.close();
});

test('at 375 px each note sits under the line it explains, and the page does not scroll sideways', { skip: missing ?? false }, async () => {
	const page = await open('/primer/userspace-io/', 375);
	const fig = page.locator('figure.excerpt').first();
	const notes = fig.locator('.note');
	for (let i = 0; i < await notes.count(); i++) {
		const seg = notes.nth(i).locator('xpath=ancestor::div[contains(concat(" ", @class, " "), " seg ")][1]');
		const noted = await seg.locator('.xl-noted').boundingBox();
		const note = await notes.nth(i).boundingBox();
		assert.ok(note.y >= noted.y + noted.height - 1, `note ${i + 1} is under its line`);
	}
	const w = await page.evaluate(() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]);
	assert.ok(w[0] <= w[1], `page is ${w[0]}px wide in ${w[1]}px`);
	await page.close();
});

test('the file:line chip is the v26.01 permalink, copy copies the shown code, and the whole function expands', { skip: missing ?? false }, async () => {
	const page = await open('/primer/userspace-io/', 1280);
	const fig = page.locator('figure.excerpt').first();
	const href = await fig.locator('.excerpt-head a.chip').getAttribute('href');
	assert.equal(href, `https://github.com/spdk/spdk/blob/v26.01/lib/demo/demo.c#L${pin.shown[0]}-L${pin.shown[1]}`);
	await fig.locator('.copy-btn').click();
	await page.waitForFunction(() => document.querySelector('.copy-btn')?.textContent === 'Copied');
	const copied = await page.evaluate(() => navigator.clipboard.readText());
	assert.equal(copied, treeLines.slice(pin.shown[0] - 1, pin.shown[1]).join('\n'));
	const whole = fig.locator('details.excerpt-whole');
	await whole.locator('summary').click();
	const wholeLines = await whole.locator('.xl').evaluateAll((els) => els.map((e) => Number(e.dataset.line)));
	assert.deepEqual([wholeLines[0], wholeLines.at(-1)], pin.span);
	const chip = await page.locator('.prose p a.chip').first().getAttribute('href');
	assert.match(chip, /^https:\/\/github\.com\/spdk\/spdk\/blob\/v26\.01\/lib\/demo\/demo_rpc\.c#L\d+$/);
	assert.equal(await page.locator('a.rpc-link[href="/reference/rpc/#spdk_demo_widget_create"]').count(), 1, 'RPC names link to the reference');
	await page.close();
});

test('the excerpt is reachable by keyboard and labelled for screen readers', { skip: missing ?? false }, async () => {
	const page = await open('/primer/userspace-io/', 1280);
	const fig = page.locator('figure.excerpt').first();
	assert.match(await fig.getAttribute('aria-labelledby'), /-cap$/);
	assert.equal(await fig.locator('pre.seg-code').first().getAttribute('tabindex'), '0');
	assert.match(await fig.locator('.note').first().getAttribute('aria-label'), /^Note 1 on line \d+$/);
	await page.close();
});

test('the diagram viewer: keyboard zoom, reset, wheel after click, fullscreen by double-click', { skip: missing ?? false }, async () => {
	const page = await open('/primer/userspace-io/', 1280);
	const fig = page.locator('figure.diagram').first();
	await fig.scrollIntoViewIfNeeded();
	await page.waitForSelector('figure.diagram.diagram-ready');
	const scale = async () => Number(await fig.getAttribute('data-scale'));
	const s0 = await scale();
	await fig.locator('.diagram-frame').focus();
	await page.keyboard.press('+');
	assert.ok(await scale() > s0, '+ zooms in');
	await page.keyboard.press('0');
	assert.equal(await scale(), s0, '0 resets');
	await page.keyboard.press('-');
	assert.ok(await scale() < s0, '- zooms out');
	await fig.locator('.diagram-frame').dblclick({ position: { x: 20, y: 20 } });
	await page.waitForFunction(() => document.fullscreenElement?.classList.contains('diagram'));
	await page.evaluate(() => document.exitFullscreen());
	await page.close();
});

test('a Mermaid syntax error shows a visible error box naming the page and line', { skip: missing ?? false }, async () => {
	const page = await browser.context.newPage();
	const errors = [];
	page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
	await page.goto(`${base}/primer/nvme-hardware/`, { waitUntil: 'load' });
	await page.evaluate(async () => { await window.renderAllDiagrams?.(); });
	const box = page.locator('.diagram-error');
	await box.waitFor();
	assert.ok(await box.isVisible());
	assert.match(await box.textContent(), /Diagram error in tests\/fixtures\/site\/pages\/primer\/nvme-hardware\.mdx:\d+/);
	assert.ok(errors.some((e) => e.includes('Diagram error')), 'the error reaches the console, so the site test fails on it');
	await page.close();
});
