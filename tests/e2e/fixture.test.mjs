// Browser tests of the excerpt UI and the diagram error box, on the fixture site built from the
// project's own fixture tree (dist-fixture/, or FIXTURE_DIST), so they run without SPDK.
import test from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { serve } from '../helpers/server.mjs';
import { launch, chromiumMissing } from '../helpers/browser.mjs';
import { FIXTURE_DIST, ROOT } from '../helpers/dist.mjs';

const missing = chromiumMissing();
const lock = JSON.parse(readFileSync(path.join(ROOT, 'tests/fixtures/site/spdk.lock'), 'utf8'));
const pin = Object.values(lock.entries).find((e) => e.symbol === 'spdk_demo_tick' && e.from);
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

const lineCount = pin.shown[1] - pin.shown[0] + 1;
const box = (loc) => loc.boundingBox();
const overlap = (a, b) => a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height;

test('at 1920 px the excerpt is one contiguous block of code with the notes in a column beside it', { skip: missing ?? false }, async () => {
	const page = await open('/primer/userspace-io/', 1920);
	const fig = page.locator('figure.excerpt').first();
	assert.equal(await fig.locator('.excerpt-body .excerpt-scroll').count(), 1, 'one scroller for the whole excerpt');
	const lines = fig.locator('.excerpt-body .xl');
	assert.equal(await fig.locator('.excerpt-body .xr:not(.xo) .xl').count(), lineCount);
	assert.equal(await fig.locator('.excerpt-body .xr:not(.xo)').first().getAttribute('style'), `counter-reset:ln ${pin.shown[0] - 1}`);
	const rects = await lines.evaluateAll((els) => els.filter((e) => e.getClientRects().length).map((e) => { const r = e.getBoundingClientRect(); return [r.top, r.bottom]; }));
	assert.equal(rects.length, lineCount, 'only the shown lines are on screen');
	for (let i = 1; i < rects.length; i++) assert.ok(Math.abs(rects[i][0] - rects[i - 1][1]) < 1, `line ${i + 1} follows line ${i} with no gap`);
	assert.equal(await fig.locator('.xl span[style]').count(), 0, 'tokens carry no inline styles');
	assert.ok(await fig.locator('.xl span[class^="l"]').count() > 3, 'tokens carry palette classes');
	const look = await lines.first().evaluate((e) => { const cs = getComputedStyle(e); return { size: parseFloat(cs.fontSize), tab: cs.tabSize }; });
	assert.ok(look.size >= 13.5, `code is ${look.size}px`);
	assert.equal(look.tab, '4');
	assert.equal(await fig.locator('.xl.h').count(), 1, 'one highlighted line');
	assert.equal(await fig.locator('.excerpt-legend').count(), 1, 'a highlighted line without a note gets the legend');
	const scroll = await box(fig.locator('.excerpt-body .excerpt-scroll'));
	const notes = fig.locator('.note');
	assert.equal(await notes.count(), 3);
	assert.deepEqual(await notes.locator('.note-n').allTextContents(), ['1', '2', '3']);
	const [numberColour, pageBackground] = await notes.first().locator('.note-n').evaluate((e) => [getComputedStyle(e).color, getComputedStyle(document.body).backgroundColor]);
	assert.equal(numberColour, pageBackground, 'note numbers keep their own colours (the code palette does not reach the notes)');
	assert.deepEqual(await fig.locator('.xm').evaluateAll((els) => els.map((e) => e.dataset.n)), ['1', '2', '3'], 'numbered markers in the gutter');
	let prevBottom = 0;
	for (let i = 0; i < 3; i++) {
		const note = await box(notes.nth(i));
		const id = await notes.nth(i).getAttribute('data-for');
		const line = await box(page.locator(`[id="${id}"]`));
		const marker = await box(page.locator(`[id="${id}"] .xm`));
		assert.ok(marker.x < scroll.x + 60, `marker ${i + 1} sits in the gutter`);
		assert.ok(note.x >= scroll.x + scroll.width - 1, `note ${i + 1} sits to the right of the code`);
		assert.ok(note.y >= prevBottom - 0.5, `note ${i + 1} does not overlap the note above`);
		assert.ok(Math.abs(note.y - line.y) < 10 || note.y >= prevBottom - 0.5, `note ${i + 1} is level with its line, or just below the note above`);
		prevBottom = note.y + note.height;
	}
	assert.ok(Math.abs((await box(notes.first())).y - (await box(fig.locator('.xl.n').first())).y) < 10, 'the first note is level with its line');
	const body = await box(fig.locator('.excerpt-body'));
	assert.ok(body.y + body.height >= prevBottom - 0.5, 'the excerpt is tall enough for its notes');
	await page.close();
});

test('a note and its line light up together, by hover or by keyboard focus', { skip: missing ?? false }, async () => {
	const page = await open('/primer/userspace-io/', 1920);
	const fig = page.locator('figure.excerpt').first();
	const note = fig.locator('.note').nth(1);
	const line = page.locator(`[id="${await note.getAttribute('data-for')}"]`);
	await note.hover();
	assert.match(await line.getAttribute('class'), /\bis-on\b/, 'hovering a note lights its line');
	await page.mouse.move(5, 5);
	assert.doesNotMatch(await line.getAttribute('class'), /\bis-on\b/);
	await line.hover();
	assert.match(await note.getAttribute('class'), /\bis-on\b/, 'hovering a noted line lights its note');
	await page.mouse.move(5, 5);
	await fig.locator('.xm').first().focus();
	assert.match(await fig.locator('.note').first().getAttribute('class'), /\bis-on\b/, 'focusing a marker lights its note');
	await page.close();
});

test('the annotated/plain switch applies to every excerpt and is remembered', { skip: missing ?? false }, async () => {
	const page = await open('/primer/userspace-io/', 1920);
	const fig = page.locator('figure.excerpt').first();
	const btn = fig.locator('.notes-btn');
	assert.equal(await btn.getAttribute('aria-pressed'), 'true');
	await btn.click();
	assert.equal(await fig.locator('.note').first().isVisible(), false, 'plain: notes hidden');
	assert.equal(await fig.locator('.xm').first().isVisible(), false, 'plain: markers hidden');
	assert.equal(await btn.getAttribute('aria-pressed'), 'false');
	const scroll = await box(fig.locator('.excerpt-body .excerpt-scroll'));
	const figBox = await box(fig);
	assert.ok(scroll.width > figBox.width - 4, 'plain: the code takes the whole width');
	await page.reload({ waitUntil: 'load' });
	assert.equal(await page.locator('figure.excerpt .note').first().isVisible(), false, 'still plain after a reload');
	assert.equal(await page.evaluate(() => localStorage.getItem('spdk-excerpt-notes')), 'plain');
	await page.locator('figure.excerpt .notes-btn').first().click();
	assert.equal(await page.locator('figure.excerpt .note').first().isVisible(), true, 'annotated again');
	await page.close();
});

// Under 54rem of excerpt (phones, and 1280 px where the page's contents rail takes the side) notes go under.
for (const width of [320, 375, 1280]) {
	test(`at ${width} px each note sits under its line, the header buttons leave the chip alone, and nothing scrolls sideways`, { skip: missing ?? false }, async () => {
		const page = await open('/primer/userspace-io/', width);
		const fig = page.locator('figure.excerpt').first();
		const scroll = await box(fig.locator('.excerpt-body .excerpt-scroll'));
		const notes = fig.locator('.note');
		for (let i = 0; i < await notes.count(); i++) {
			const line = await box(page.locator(`[id="${await notes.nth(i).getAttribute('data-for')}"]`));
			const note = await box(notes.nth(i));
			assert.ok(note.y >= line.y + line.height - 1, `note ${i + 1} is under its line`);
			assert.ok(note.x >= scroll.x - 1 && note.x + note.width <= scroll.x + scroll.width + 1, `note ${i + 1} fits the visible width`);
		}
		await fig.locator('.excerpt-body .excerpt-scroll').evaluate((el) => { el.scrollLeft = 200; });
		const moved = await box(notes.first());
		assert.ok(moved.x >= scroll.x - 1, 'a note stays in view while the code scrolls');
		if (width < 1000) {
			const code = await fig.locator('.xl').first().evaluate((e) => parseFloat(getComputedStyle(e).fontSize));
			assert.ok(code >= 13, `code is ${code}px on a phone`);
		}
		const chip = await box(fig.locator('.excerpt-head .chip'));
		for (const b of ['.copy-btn', '.notes-btn']) assert.equal(overlap(chip, await box(fig.locator(`.excerpt-head ${b}`))), false, `${b} does not cover the chip`);
		const sym = await box(fig.locator('.excerpt-symbol'));
		assert.equal(overlap(sym, await box(fig.locator('.excerpt-head .copy-btn'))), false, 'copy does not cover the symbol');
		const w = await page.evaluate(() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]);
		assert.ok(w[0] <= w[1], `page is ${w[0]}px wide in ${w[1]}px`);
		await page.close();
	});
}

test('the file:line chip is the v26.01 permalink, copy copies the shown code, and the whole function expands', { skip: missing ?? false }, async () => {
	const page = await open('/primer/userspace-io/', 1280);
	const fig = page.locator('figure.excerpt').first();
	const href = await fig.locator('.excerpt-head a.chip').getAttribute('href');
	assert.equal(href, `https://github.com/spdk/spdk/blob/v26.01/lib/demo/demo.c#L${pin.shown[0]}-L${pin.shown[1]}`);
	await fig.locator('.copy-btn').click();
	await page.waitForFunction(() => document.querySelector('.excerpt .copy-btn')?.textContent === 'Copied');
	const copied = await page.evaluate(() => navigator.clipboard.readText());
	assert.equal(copied, treeLines.slice(pin.shown[0] - 1, pin.shown[1]).join('\n'), 'the code as in the tree: no line numbers, no note numbers');
	const visible = () => fig.locator('.excerpt-body .xl').evaluateAll((els) => els.filter((e) => e.getClientRects().length).length);
	assert.equal(await visible(), lineCount, 'the rest of the function is hidden');
	await fig.locator('details.excerpt-whole summary').click();
	assert.equal(await visible(), pin.span[1] - pin.span[0] + 1, 'show whole: the whole function, in place');
	assert.equal(await fig.locator('.xo').first().getAttribute('style'), `counter-reset:ln ${pin.span[0] - 1}`);
	await fig.locator('.copy-btn').click();
	await page.waitForFunction(() => document.querySelector('.excerpt .copy-btn')?.textContent === 'Copied');
	assert.equal(await page.evaluate(() => navigator.clipboard.readText()), treeLines.slice(pin.span[0] - 1, pin.span[1]).join('\n'), 'copy follows what is shown');
	const chip = await page.locator('.prose p a.chip').first().getAttribute('href');
	assert.match(chip, /^https:\/\/github\.com\/spdk\/spdk\/blob\/v26\.01\/lib\/demo\/demo_rpc\.c#L\d+$/);
	assert.equal(await page.locator('a.rpc-link[href="/reference/rpc/#spdk_demo_widget_create"]').count(), 1, 'RPC names link to the reference');
	await page.close();
});

test('chips on their own MDX line stay in their sentence; tree paths in code spans link to v26.01', { skip: missing ?? false }, async () => {
	const page = await open('/primer/userspace-io/', 1280);
	const p = page.locator('.prose p', { hasText: 'A sentence that cites' });
	assert.equal(await p.count(), 1);
	assert.equal(await p.locator('a.chip').count(), 2);
	assert.match(await p.textContent(), /goes on after the citation/);
	const base = 'https://github.com/spdk/spdk';
	assert.equal(await page.locator(`a.path-link[href="${base}/blob/v26.01/lib/demo/demo.c"] code`).textContent(), 'lib/demo/demo.c');
	assert.equal(await page.locator(`a.path-link[href="${base}/tree/v26.01/lib/demo"]`).count(), 1, 'a folder links to the tree view');
	assert.equal(await page.locator(`a.path-link[href="${base}/blob/v26.01/scripts/setup.sh"]`).count(), 1);
	assert.equal(await page.locator('a[href="#an-excerpt"] code').textContent(), 'lib/demo/nothing.c', 'a code span already in a link is left alone');
	await page.close();
});

test('the excerpt is reachable by keyboard and labelled for screen readers', { skip: missing ?? false }, async () => {
	const page = await open('/primer/userspace-io/', 1280);
	const fig = page.locator('figure.excerpt').first();
	assert.match(await fig.getAttribute('aria-labelledby'), /-cap$/);
	const scroll = fig.locator('.excerpt-body .excerpt-scroll');
	assert.equal(await scroll.getAttribute('tabindex'), '0');
	assert.equal(await scroll.getAttribute('aria-label'), `demo.c lines ${pin.shown[0]} to ${pin.shown[1]}`);
	assert.match(await fig.locator('.note').first().getAttribute('aria-label'), /^Note 1 on line \d+$/);
	assert.match(await fig.locator('.xm').first().getAttribute('aria-label'), /^Note 1$/);
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
