// Browser tests of the built site (dist/) in Debian's Chromium: every page loads clean, diagrams render,
// phones get no sideways scroll, axe finds nothing serious, search, theme and read marks work.
import test from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { siteSession } from '../helpers/site-session.mjs';
import { htmlPages } from '../helpers/dist.mjs';

const require = createRequire(import.meta.url);
const AXE = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
const site = siteSession();
const { missing } = site;
// Every page of the site: a failed request is a problem too.
const open = (url, opts) => site.open(url, { failedRequests: true, ...opts });

async function renderDiagrams(page) {
	await page.evaluate(async () => { await window.renderAllDiagrams?.(); });
	return page.$$eval('figure.diagram', (figs) => figs.map((f) => ({
		origin: f.dataset.origin, svg: !!f.querySelector('.diagram-canvas svg'), error: f.querySelector('.diagram-error')?.textContent ?? null,
	})));
}

const pages = missing ? [] : htmlPages().filter((p) => p.url !== '/404.html');

test('every page loads with no console error and no request to another host, and its diagrams render', { skip: missing ?? false }, async () => {
	const failures = [];
	for (const p of pages) {
		const { page, problems, requests, status } = await open(p.url);
		const diagrams = await renderDiagrams(page);
		await page.waitForTimeout(50);
		const foreign = requests.filter((u) => !u.startsWith(site.base) && !u.startsWith('data:') && !u.startsWith('blob:'));
		if (status !== 200) failures.push(`${p.url}: HTTP ${status}`);
		for (const x of problems) failures.push(`${p.url}: ${x}`);
		for (const u of foreign) failures.push(`${p.url}: request to another host: ${u}`);
		for (const d of diagrams) if (!d.svg || d.error) failures.push(`${p.url}: diagram at ${d.origin} did not render: ${d.error ?? 'no SVG'}`);
		if (!diagrams.length && requests.some((u) => /mermaid/i.test(u))) failures.push(`${p.url}: loads Mermaid without having a diagram`);
		await page.close();
	}
	assert.deepEqual(failures, [], failures.join('\n'));
});

test('no page scrolls sideways on a 375 px phone', { skip: missing ?? false }, async () => {
	const wide = [];
	for (const p of pages) {
		const { page } = await open(p.url, { width: 375, height: 800 });
		await renderDiagrams(page);
		const w = await page.evaluate(() => ({ scroll: document.documentElement.scrollWidth, client: document.documentElement.clientWidth }));
		if (w.scroll > w.client) wide.push(`${p.url}: ${w.scroll}px wide in a ${w.client}px viewport`);
		await page.close();
	}
	assert.deepEqual(wide, [], wide.join('\n'));
});

// Each page at a phone and a desktop width, in the light theme as loaded and then in the dark one the
// theme button switches to (diagrams re-rendered in it): one tab per width, no reload per theme.
test('axe-core finds no serious or critical violation, light and dark', { skip: missing ?? false }, async () => {
	const found = [];
	for (const [width, height] of [[375, 800], [1280, 900]]) {
		const page = await site.browser.context.newPage();
		await page.setViewportSize({ width, height });
		await page.addInitScript(() => localStorage.setItem('theme', 'light'));
		for (const p of pages) {
			await page.goto(site.base + p.url, { waitUntil: 'load' });
			for (const theme of ['light', 'dark']) {
				if (theme === 'dark') await page.evaluate(() => document.querySelector('.theme-btn').click());
				const state = await page.evaluate(async () => {
					await window.renderAllDiagrams?.();
					return { theme: document.documentElement.dataset.theme, stale: [...document.querySelectorAll('figure.diagram')].filter((f) => f.dataset.rendered !== document.documentElement.dataset.theme).length };
				});
				const where = `${p.url} [${width}px ${theme}]`;
				if (state.theme !== theme || state.stale) found.push(`${where}: page is in ${state.theme}, ${state.stale} diagram(s) not rendered in it`);
				if (theme === 'light') await page.addScriptTag({ content: AXE });
				const violations = await page.evaluate(async () => (await window.axe.run(document, { resultTypes: ['violations'] })).violations
					.filter((v) => v.impact === 'serious' || v.impact === 'critical')
					.map((v) => `${v.id} (${v.impact}, ${v.nodes.length} node${v.nodes.length === 1 ? '' : 's'}): ${v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(' | ')}`));
				for (const v of violations) found.push(`${where}: ${v}`);
			}
		}
		await page.close();
	}
	assert.deepEqual(found, [], found.join('\n'));
});

test('a diagram zooms with the wheel, pans by dragging, and goes fullscreen from its corner button', { skip: missing ?? false }, async (t) => {
	const withDiagram = pages.find((p) => p.html.includes('class="diagram"'));
	if (!withDiagram) { t.skip('no page of the site has a diagram yet'); return; }
	const { page } = await open(withDiagram.url);
	const fig = page.locator('figure.diagram').first();
	await fig.scrollIntoViewIfNeeded();
	await page.waitForSelector('figure.diagram.diagram-ready');
	const frame = fig.locator('.diagram-frame');
	await frame.evaluate((f) => window.scrollBy(0, f.getBoundingClientRect().top - 120));
	const box = await frame.boundingBox();
	const scale0 = Number(await fig.getAttribute('data-scale'));
	// A corner of the frame: inside the viewer, clear of the diagram's own (possibly clickable) nodes.
	const corner = [box.x + 4, box.y + 4];
	await page.mouse.move(...corner);
	await page.mouse.wheel(0, -300);
	await page.waitForTimeout(100);
	assert.equal(Number(await fig.getAttribute('data-scale')), scale0, 'plain wheel before a click must scroll the page, not zoom');
	await frame.evaluate((f) => window.scrollBy(0, f.getBoundingClientRect().top - 120));
	const box2 = await frame.boundingBox();
	await page.mouse.click(box2.x + 4, box2.y + 4);
	await page.mouse.wheel(0, -300);
	await page.waitForTimeout(100);
	const scale1 = Number(await fig.getAttribute('data-scale'));
	assert.ok(scale1 > scale0, `wheel after a click zooms in (${scale0} -> ${scale1})`);
	const before = await fig.locator('.diagram-canvas svg').evaluate((s) => s.style.transform);
	await page.mouse.move(box2.x + 6, box2.y + 6);
	await page.mouse.down();
	await page.mouse.move(box2.x + 66, box2.y + 26, { steps: 5 });
	await page.mouse.up();
	const after = await fig.locator('.diagram-canvas svg').evaluate((s) => s.style.transform);
	assert.notEqual(after, before, 'dragging pans');
	await fig.locator('button[data-act="full"]').click();
	await page.waitForFunction(() => !!document.fullscreenElement);
	assert.equal(await page.evaluate(() => document.fullscreenElement?.classList.contains('diagram')), true);
	await page.keyboard.press('Escape');
	await page.close();
});

test('search for "doorbell" finds the NVMe hardware explainer', { skip: missing ?? false }, async (t) => {
	if (!pages.some((p) => p.url === '/primer/nvme-hardware/')) { t.skip('primer/nvme-hardware is not written yet'); return; }
	const { page, problems } = await open('/');
	await page.click('.search-btn');
	await page.fill('#search-input', 'doorbell');
	await page.waitForSelector('.search-results a', { timeout: 10_000 });
	// Results are sections: the same page may appear with several #anchors.
	const urls = await page.$$eval('.search-results a', (as) => as.map((a) => new URL(a.href).pathname));
	assert.ok(urls.includes('/primer/nvme-hardware/'), urls.join(', '));
	const excerpts = await page.$$eval('.search-results span', (ss) => ss.map((x) => x.textContent));
	assert.ok(!excerpts.some((t) => /->>|-->/.test(t)), `diagram sources are not indexed: ${excerpts.join(' | ')}`);
	assert.deepEqual(problems, []);
	await page.close();
});

test('dark mode toggles, and the choice persists across pages and reloads', { skip: missing ?? false }, async () => {
	const { page } = await open('/');
	await page.evaluate(() => localStorage.setItem('theme', 'light'));
	await page.reload();
	assert.equal(await page.getAttribute('html', 'data-theme'), 'light');
	await page.click('.theme-btn');
	assert.equal(await page.getAttribute('html', 'data-theme'), 'dark');
	await page.goto(`${site.base}/glossary/`);
	assert.equal(await page.getAttribute('html', 'data-theme'), 'dark');
	await page.click('.theme-btn');
	await page.reload();
	assert.equal(await page.getAttribute('html', 'data-theme'), 'light');
	await page.close();
});

test('mark as read shows in the sidebar and on the home table, and survives a reload', { skip: missing ?? false }, async (t) => {
	const explainer = pages.find((p) => p.html.includes('class="read-btn"'));
	if (!explainer) { t.skip('no explainer is written yet'); return; }
	const id = explainer.url.replace(/^\/|\/$/g, '');
	const { page } = await open(explainer.url);
	await page.click('.read-btn');
	assert.equal(await page.getAttribute('.read-btn', 'aria-pressed'), 'true');
	await page.reload();
	assert.match(await page.getAttribute(`.sidebar li[data-page="${id}"]`, 'class'), /is-read/);
	await page.goto(`${site.base}/`);
	assert.match(await page.getAttribute(`.glance li[data-page="${id}"]`, 'class'), /is-read/);
	await page.close();
});

test('on a phone the sidebar is a menu that opens and closes', { skip: missing ?? false }, async () => {
	const { page } = await open('/', { width: 375, height: 800 });
	assert.equal(await page.isVisible('#sidebar'), false);
	await page.click('.menu-btn');
	await page.waitForTimeout(300);
	assert.equal(await page.isVisible('#sidebar'), true);
	assert.equal(await page.getAttribute('.menu-btn', 'aria-expanded'), 'true');
	assert.equal(await page.evaluate(() => document.getElementById('sidebar').contains(document.activeElement) && document.querySelector('main').inert), true, 'focus moves into the menu and the page behind is inert');
	await page.keyboard.press('Escape');
	await page.waitForTimeout(300);
	assert.equal(await page.isVisible('#sidebar'), false);
	assert.equal(await page.evaluate(() => document.activeElement?.classList.contains('menu-btn') && !document.querySelector('main').inert), true, 'focus returns to the menu button');
	await page.close();
});

test('an unknown address gets the 404 page', { skip: missing ?? false }, async () => {
	const { page, status } = await open('/no/such/page/');
	assert.equal(status, 404);
	assert.match(await page.textContent('h1'), /not here/);
	await page.close();
});
