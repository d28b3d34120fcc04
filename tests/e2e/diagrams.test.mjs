// Browser tests of the diagram viewer on the built site: every label readable on a phone and on a
// desktop, full screen that works without the Fullscreen API, controls never on the drawing, paper
// that gets text instead of placeholders (and a light drawing from dark mode), no page error on hover,
// zoom kept across a theme change, text shown when JavaScript is off.
import test from 'node:test';
import assert from 'node:assert/strict';
import { siteSession } from '../helpers/site-session.mjs';
import { launch } from '../helpers/browser.mjs';
import { htmlPages } from '../helpers/dist.mjs';

const site = siteSession();
const { missing } = site;
const MIN_PX = 11;
const MAX_PX = 22;
const CAP = 0.7;

const pages = missing ? [] : htmlPages().filter((p) => p.url !== '/404.html' && p.html.includes('class="diagram"'));
const skip = missing ?? (pages.length ? false : 'no page has a diagram yet');

// Diagrams are measured in the light theme unless a test asks for dark.
const open = (url, { theme = 'light', ...opts } = {}) => site.open(url, { theme, ...opts });

// What a reader sees of one diagram: on-screen label size (font size in SVG units × the drawing's
// on-screen scale), the frame, the toolbar, the figure, the viewport.
function measure(fig) {
	const box = (el) => { const r = el.getBoundingClientRect(); return { x: r.x, y: r.y, w: r.width, h: r.height }; };
	const svg = fig.querySelector('.diagram-canvas svg');
	if (!svg) return { origin: fig.dataset.origin, svg: false };
	const k = svg.getBoundingClientRect().width / svg.viewBox.baseVal.width;
	const px = [...svg.querySelectorAll('text, foreignObject div, foreignObject span')]
		.filter((t) => t.textContent.trim())
		.map((t) => parseFloat(getComputedStyle(t).fontSize) * k);
	return {
		origin: fig.dataset.origin, svg: true, labels: px.length,
		min: Math.min(...px), max: Math.max(...px),
		frame: box(fig.querySelector('.diagram-frame')), tools: box(fig.querySelector('.diagram-tools')), fig: box(fig),
		vw: window.innerWidth, vh: window.innerHeight,
	};
}

const overlaps = (a, b) => a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h;
const fmt = (m) => `${m.origin}: labels ${m.min.toFixed(1)}–${m.max.toFixed(1)} px`;

test('at 375 and 1280 px every diagram shows its labels at a readable size, in a capped frame, with its controls off the drawing', { skip }, async () => {
	const bad = [];
	const seen = { 375: [], 1280: [] };
	for (const width of [375, 1280]) {
		for (const p of pages) {
			const { page, errors } = await open(p.url, { width, height: 800 });
			await page.evaluate(() => window.renderAllDiagrams());
			const ms = await page.$$eval('figure.diagram', (figs, fn) => figs.map(new Function(`return ${fn}`)()), measure.toString());
			for (const m of ms) {
				if (!m.svg) { bad.push(`${width}px ${m.origin}: no SVG`); continue; }
				seen[width].push(m.min, m.max);
				if (!m.labels) bad.push(`${width}px ${m.origin}: no label text found`);
				if (m.min < MIN_PX || m.max > MAX_PX) bad.push(`${width}px ${fmt(m)} (want ${MIN_PX}–${MAX_PX})`);
				if (m.frame.h > m.vh * CAP + 1) bad.push(`${width}px ${m.origin}: frame ${m.frame.h}px tall, over ${CAP * 100}% of ${m.vh}px`);
				if (overlaps(m.tools, m.frame)) bad.push(`${width}px ${m.origin}: the toolbar overlaps the drawing's frame`);
				if (m.frame.x < 0 || m.frame.x + m.frame.w > m.vw) bad.push(`${width}px ${m.origin}: frame wider than the viewport`);
			}
			for (const e of errors) bad.push(`${width}px ${p.url}: ${e}`);
			await page.close();
		}
	}
	for (const w of [375, 1280]) console.log(`# ${w}px: label px ${Math.min(...seen[w]).toFixed(1)}–${Math.max(...seen[w]).toFixed(1)}`);
	assert.deepEqual(bad, [], bad.join('\n'));
});

// The widest diagram of the site, where "fit everything" would be least readable.
let widestFound;
async function widest() {
	if (widestFound) return widestFound;
	let best = null;
	// Size is only known after rendering: render each page and keep the widest viewBox.
	let w = 0;
	for (const p of pages) {
		const { page } = await open(p.url);
		await page.evaluate(() => window.renderAllDiagrams());
		const figs = await page.$$eval('figure.diagram', (fs) => fs.map((f) => [f.dataset.origin, f.querySelector('svg')?.viewBox.baseVal.width ?? 0]));
		for (const [origin, vw] of figs) if (vw > w) { w = vw; best = { url: p.url, origin }; }
		await page.close();
	}
	widestFound = best;
	return best;
}

const modes = {
	'the Fullscreen API': null,
	'no requestFullscreen (iPhone Safari)': () => { delete Element.prototype.requestFullscreen; },
	'a requestFullscreen that rejects': () => { Element.prototype.requestFullscreen = function () { return Promise.reject(new TypeError('refused')); }; },
};

test('full screen at 375 px opens at a readable scale, filling the screen, with the API, without it, and when it refuses', { skip }, async () => {
	const target = await widest();
	const bad = [];
	for (const [mode, init] of Object.entries(modes)) {
		const { page, errors } = await open(target.url, { width: 375, height: 740, init });
		const fig = page.locator(`figure.diagram[data-origin="${target.origin}"]`);
		await page.evaluate(() => window.renderAllDiagrams());
		const button = fig.locator('button[data-act="full"]');
		await button.scrollIntoViewIfNeeded();
		await button.click();
		await page.waitForFunction((o) => document.querySelector(`figure.diagram[data-origin="${o}"]`)?.dataset.view === 'full', target.origin);
		const m = await fig.evaluate((f, fn) => new Function(`return ${fn}`)()(f), measure.toString());
		const state = await fig.evaluate((f) => ({
			api: document.fullscreenElement === f, max: f.classList.contains('diagram-max'),
			locked: getComputedStyle(document.documentElement).overflow === 'hidden', label: f.querySelector('button[data-act="full"]').getAttribute('aria-label'),
		}));
		if (init ? !state.max || state.api : !state.api) bad.push(`${mode}: api=${state.api} fallback=${state.max}`);
		if (init && !state.locked) bad.push(`${mode}: the page behind the overlay still scrolls`);
		if (state.label !== 'Exit full screen') bad.push(`${mode}: the button says "${state.label}"`);
		console.log(`# full screen, ${mode}: ${fmt(m)}, frame ${Math.round(m.frame.w)}×${Math.round(m.frame.h)} of ${m.vw}×${m.vh}`);
		if (m.min < MIN_PX || m.max > MAX_PX) bad.push(`${mode}: ${fmt(m)}`);
		if (Math.abs(m.fig.x) > 1 || Math.abs(m.fig.y) > 1 || Math.abs(m.fig.w - m.vw) > 1 || Math.abs(m.fig.h - m.vh) > 1) bad.push(`${mode}: the figure is ${JSON.stringify(m.fig)} in a ${m.vw}×${m.vh} viewport`);
		if (m.frame.w < m.vw - 32 || m.frame.h < m.vh * 0.6) bad.push(`${mode}: the frame is only ${m.frame.w}×${m.frame.h}`);
		if (overlaps(m.tools, m.frame)) bad.push(`${mode}: the toolbar overlaps the drawing`);
		// Out again: the button, then (for the overlay) Esc and double-click in and out.
		await button.click();
		await page.waitForFunction((o) => document.querySelector(`figure.diagram[data-origin="${o}"]`)?.dataset.view === 'inline', target.origin);
		if (init) {
			await fig.locator('.diagram-frame').dblclick({ position: { x: 5, y: 5 } });
			if (!(await fig.evaluate((f) => f.classList.contains('diagram-max')))) bad.push(`${mode}: double-click does not open the overlay`);
			await page.keyboard.press('Escape');
			if (await fig.evaluate((f) => f.classList.contains('diagram-max'))) bad.push(`${mode}: Esc does not close the overlay`);
			await fig.locator('.diagram-frame').dblclick({ position: { x: 5, y: 5 } });
			await fig.locator('.diagram-frame').dblclick({ position: { x: 5, y: 5 } });
			const after = await fig.evaluate((f) => ({ max: f.classList.contains('diagram-max'), locked: document.documentElement.classList.contains('diagram-locked'), label: f.querySelector('button[data-act="full"]').getAttribute('aria-label') }));
			if (after.max || after.locked || after.label !== 'Full screen') bad.push(`${mode}: a second double-click leaves ${JSON.stringify(after)}`);
		}
		for (const e of errors) bad.push(`${mode}: ${e}`);
		await page.close();
	}
	assert.deepEqual(bad, [], bad.join('\n'));
});

test('printing before the diagrams render shows their text, not "loads as you scroll"; a dark reader prints light drawings', { skip }, async () => {
	const url = pages[0].url;
	// Mermaid never arrives: nothing can render, as on a Ctrl+P straight after opening the page.
	const { page, errors } = await open(url, { width: 1280 });
	await page.route(/mermaid/i, () => {});
	await page.reload({ waitUntil: 'load' });
	await page.emulateMedia({ media: 'print' });
	const shown = await page.$$eval('figure.diagram', (figs) => figs.map((f) => {
		const visible = (el) => !!el && el.getClientRects().length > 0 && getComputedStyle(el).visibility !== 'hidden' && el.getBoundingClientRect().height > 0;
		return {
			origin: f.dataset.origin, ready: f.classList.contains('diagram-ready'),
			placeholder: [...f.querySelectorAll('*')].some((el) => /loads as you scroll/i.test(el.textContent) && !el.children.length && visible(el)),
			alt: visible(f.querySelector('.diagram-alt p')), caption: visible(f.querySelector('figcaption')),
		};
	}));
	assert.ok(shown.length > 0);
	for (const s of shown) {
		assert.equal(s.ready, false, `${s.origin} rendered although Mermaid was held back`);
		assert.equal(s.placeholder, false, `${s.origin}: the placeholder prints`);
		assert.equal(s.alt, true, `${s.origin}: the text description does not print`);
		assert.equal(s.caption, true, `${s.origin}: the caption does not print`);
	}
	await page.close();

	// Dark mode, everything rendered: on beforeprint each drawing is the light one, and back after.
	const dark = await open(url, { width: 1280, theme: 'dark' });
	await dark.page.evaluate(() => window.renderAllDiagrams());
	// Mermaid sets each theme's text colour on the <svg> itself: light text means the dark palette.
	const textLum = () => [...document.querySelectorAll('figure.diagram .diagram-canvas svg')].map((svg) => {
		const [r, g, b] = getComputedStyle(svg).fill.match(/[\d.]+/g).map(Number);
		return (0.2126 * r + 0.7152 * g + 0.0722 * b) / 255;
	});
	const onScreen = await dark.page.evaluate(textLum);
	assert.ok(onScreen.every((l) => l > 0.5), `dark drawings on screen have light text: ${onScreen}`);
	await dark.page.emulateMedia({ media: 'print' });
	await dark.page.evaluate(() => window.dispatchEvent(new Event('beforeprint')));
	const printed = await dark.page.evaluate(textLum);
	assert.ok(printed.every((l) => l < 0.4), `printed drawings have dark text on white: ${printed}`);
	const widths = await dark.page.$$eval('figure.diagram .diagram-canvas svg', (ss) => ss.map((s) => [s.getBoundingClientRect().width, s.closest('main').clientWidth]));
	for (const [w, mw] of widths) assert.ok(w <= mw + 1, `a printed drawing (${w}px) fits the page (${mw}px)`);
	await dark.page.evaluate(() => window.dispatchEvent(new Event('afterprint')));
	await dark.page.emulateMedia({ media: 'screen' });
	assert.ok((await dark.page.evaluate(textLum)).every((l) => l > 0.5), 'after printing the dark drawings are back');
	assert.deepEqual([...errors, ...dark.errors], []);
	await dark.page.close();
});

test('hovering a flowchart node and leaving it raises no page error', { skip }, async (t) => {
	let done = false;
	for (const p of pages) {
		const { page, errors } = await open(p.url);
		await page.evaluate(() => window.renderAllDiagrams());
		// A node in plain view: inside its frame, clear of the faded edges.
		const found = await page.evaluate(() => {
			for (const svg of document.querySelectorAll('figure.diagram svg[aria-roledescription^="flowchart"]')) {
				const frame = svg.closest('.diagram-frame');
				frame.scrollIntoView({ block: 'center' });
				const fr = frame.getBoundingClientRect();
				for (const n of svg.querySelectorAll('g.node')) {
					const r = n.getBoundingClientRect();
					const [cx, cy] = [r.x + r.width / 2, r.y + r.height / 2];
					if (cx > fr.left + 48 && cx < fr.right - 48 && cy > fr.top + 48 && cy < fr.bottom - 48 && cy > 80 && cy < innerHeight - 80) {
						n.setAttribute('data-test-hover', '');
						return true;
					}
				}
			}
			return false;
		});
		if (!found) { await page.close(); continue; }
		const node = page.locator('[data-test-hover]');
		await node.hover();
		await page.mouse.move(1, 1);
		await node.hover();
		await page.mouse.move(1, 300);
		await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => r())));
		assert.deepEqual(errors, [], `${p.url}: ${errors.join(' | ')}`);
		done = true;
		await page.close();
		break;
	}
	if (!done) t.skip('no flowchart on the site');
});

test('a theme change re-renders the diagram and keeps the reader\'s zoom and position', { skip }, async () => {
	const { page, errors } = await open(pages[0].url, { theme: 'light' });
	const fig = page.locator('figure.diagram').first();
	await fig.scrollIntoViewIfNeeded();
	await page.waitForSelector('figure.diagram.diagram-ready');
	await fig.locator('button[data-act="in"]').click();
	await fig.locator('button[data-act="in"]').click();
	await fig.locator('.diagram-frame').focus();
	await page.keyboard.press('ArrowLeft');
	const before = await fig.evaluate((f) => ({ scale: f.dataset.scale, t: f.querySelector('.diagram-canvas svg').style.transform }));
	await page.click('.theme-btn');
	await page.waitForFunction(() => document.querySelector('figure.diagram')?.dataset.rendered === 'dark');
	const after = await fig.evaluate((f) => ({ scale: f.dataset.scale, t: f.querySelector('.diagram-canvas svg').style.transform }));
	assert.deepEqual(after, before);
	assert.deepEqual(errors, []);
	await page.close();
});

test('with JavaScript off, each diagram shows its text description and no loading placeholder', { skip }, async () => {
	const nojs = await launch({ javaScriptEnabled: false });
	try {
		const page = await nojs.context.newPage();
		await page.goto(site.base + pages[0].url, { waitUntil: 'load' });
		const figs = await page.$$eval('figure.diagram', (fs) => fs.map((f) => {
			const visible = (el) => !!el && el.getClientRects().length > 0 && el.getBoundingClientRect().height > 0;
			return { loading: visible(f.querySelector('.diagram-loading')), text: visible(f.querySelector('.diagram-nojs')), caption: visible(f.querySelector('figcaption')) };
		}));
		assert.ok(figs.length > 0);
		for (const f of figs) assert.deepEqual(f, { loading: false, text: true, caption: true });
	} finally {
		await nojs.close();
	}
});

test('a diagram wider than its frame says so (a faded edge and the hint), and panning never loses it', { skip }, async () => {
	const target = await widest();
	const { page } = await open(target.url, { width: 375, height: 800 });
	await page.evaluate(() => window.renderAllDiagrams());
	const fig = page.locator(`figure.diagram[data-origin="${target.origin}"]`);
	const cue = await fig.evaluate((f) => ({
		cut: f.querySelector('.diagram-frame').dataset.cut,
		fades: Object.fromEntries([...f.querySelectorAll('.diagram-edge')].map((e) => [e.dataset.edge, Number(getComputedStyle(e).opacity)])),
		hint: getComputedStyle(f.querySelector('.hint-more')).display,
	}));
	assert.ok(cue.cut, 'the frame cuts the drawing somewhere');
	for (const edge of cue.cut.split(' ')) assert.ok(cue.fades[edge] > 0.5, `edge ${edge} fades (opacity ${cue.fades[edge]})`);
	for (const [edge, o] of Object.entries(cue.fades)) if (!cue.cut.split(' ').includes(edge)) assert.equal(o, 0, `edge ${edge} is not cut and does not fade`);
	assert.notEqual(cue.hint, 'none');
	// Panning far past the end never loses the drawing: a quarter of the frame still shows it.
	await fig.locator('.diagram-frame').focus();
	for (let i = 0; i < 120; i++) await page.keyboard.press('ArrowRight');
	for (let i = 0; i < 120; i++) await page.keyboard.press('ArrowDown');
	const [svg, frame] = await fig.evaluate((f) => [f.querySelector('.diagram-canvas svg'), f.querySelector('.diagram-frame')].map((e) => e.getBoundingClientRect().toJSON()));
	assert.ok(svg.right >= frame.left + frame.width / 4 - 1, `drawing ends at ${svg.right}, frame starts at ${frame.left}`);
	assert.ok(svg.bottom >= frame.top + frame.height / 4 - 1, `drawing ends at ${svg.bottom}, frame starts at ${frame.top}`);
	await page.close();
});
