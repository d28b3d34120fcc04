// Browser tests of the reading experience on the built site: phones never scroll sideways, tables reflow,
// paper is light even from dark mode, the "On this page" rail and the phone Contents control work,
// search lands on sections and works from the keyboard, the phone menu holds focus, print restores state.
import test from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { siteSession } from '../helpers/site-session.mjs';
import { htmlPages, DIST } from '../helpers/dist.mjs';
import { manifestPages } from '../../src/lib/pages.js';

const site = siteSession();
const { missing } = site;
const open = (url, opts) => site.open(url, opts);

const all = missing ? [] : htmlPages().filter((p) => p.url !== '/404.html');
const explainers = all.filter((p) => p.html.includes('class="explainer"'));
const idsOf = (html) => new Set([...html.matchAll(/\sid="([^"]+)"/g)].map((m) => m[1]));
const firstExplainer = (pred = () => true) => explainers.find(pred) ?? explainers[0];

test('no page scrolls sideways on a 320 px phone', { skip: missing ?? false }, async () => {
	const wide = [];
	for (const p of all) {
		const { page } = await open(p.url, { width: 320, height: 700 });
		await page.evaluate(async () => { await window.renderAllDiagrams?.(); });
		const w = await page.evaluate(() => {
			const W = document.documentElement.clientWidth;
			// Name the widest element that sticks out, so a failure says where to look.
			let worst = null;
			for (const el of document.querySelectorAll('body *')) {
				const r = el.getBoundingClientRect().right;
				if (r > W + 0.5 && (!worst || r > worst.r)) worst = { r: Math.round(r), what: `${el.tagName.toLowerCase()}${el.classList.length ? `.${[...el.classList].join('.')}` : ''}` };
			}
			return { scroll: document.documentElement.scrollWidth, W, worst };
		});
		if (w.scroll > w.W) wide.push(`${p.url}: ${w.scroll}px wide in ${w.W}px (e.g. ${w.worst?.what} ends at ${w.worst?.r}px)`);
		await page.close();
	}
	assert.deepEqual(wide, [], wide.join('\n'));
});

test('RPC parameter rows are readable on a 375 px phone', { skip: missing ?? false }, async (t) => {
	const { page } = await open('/reference/rpc/', { width: 375, height: 800 });
	const cells = await page.$$eval('.params tbody tr', (rows) => rows.map((tr) => {
		const d = tr.querySelector('.param-desc');
		const name = tr.querySelector('.param-name');
		return {
			name: name.textContent,
			width: d.getBoundingClientRect().width,
			right: Math.max(...[...tr.children].map((c) => c.getBoundingClientRect().right)),
			clipped: d.scrollWidth > d.clientWidth + 1 || name.scrollWidth > name.clientWidth + 1,
		};
	}));
	if (!cells.length) { t.skip('built without the SPDK tree: no parameter tables'); await page.close(); return; }
	const bad = cells.filter((c) => c.width < 200 || c.right > 375 || c.clipped).map((c) => `${c.name}: description ${Math.round(c.width)}px wide, row ends at ${Math.round(c.right)}px${c.clipped ? ', clipped' : ''}`);
	assert.deepEqual(bad, [], bad.join('\n'));
	await page.close();
});

test('the RPC reference opens with an index by subsystem, canonical names before aliases', { skip: missing ?? false }, async () => {
	const { page } = await open('/reference/rpc/');
	const groups = await page.$$eval('.rpc-index-group', (gs) => gs.map((g) => ({
		href: g.querySelector('h3 a').getAttribute('href'),
		items: [...g.querySelectorAll('li')].map((li) => ({ href: li.querySelector('a').getAttribute('href'), alias: li.classList.contains('rpc-index-alias') })),
	})));
	const methods = await page.$$eval('.rpc-method h3', (hs) => hs.map((h) => `#${h.id}`));
	assert.ok(groups.length > 1, 'the index has groups');
	const indexed = groups.flatMap((g) => g.items.map((i) => i.href));
	assert.deepEqual([...indexed].sort(), [...methods].sort(), 'every method is in the index once');
	assert.deepEqual(indexed, methods, 'sections follow the index order');
	for (const g of groups) {
		const firstAlias = g.items.findIndex((i) => i.alias);
		if (firstAlias >= 0) assert.ok(g.items.slice(firstAlias).every((i) => i.alias), `${g.href}: an alias is listed before a canonical name`);
		assert.equal(await page.locator(g.href).count(), 1, `${g.href} exists`);
	}
	await page.close();
});

test('the home table never clips a title on a 375 px phone, and the page says how much is written', { skip: missing ?? false }, async () => {
	const { page } = await open('/', { width: 375, height: 800 });
	const clipped = await page.$$eval('.glance tbody th, .glance td, .glance a, .glance li', (els) => els
		.filter((e) => e.scrollWidth > e.clientWidth + 1 || e.getBoundingClientRect().right > document.documentElement.clientWidth)
		.map((e) => `${e.tagName} "${e.textContent.trim().slice(0, 40)}" (${e.scrollWidth} > ${e.clientWidth})`));
	assert.deepEqual(clipped, [], clipped.join('\n'));
	const pages = manifestPages();
	const ready = pages.filter((p) => p.ready).length;
	assert.match(await page.textContent('.badges'), new RegExp(`\\b${ready} of ${pages.length} explainers written`));
	// The first call to action comes before the first section, not only at the bottom.
	const startAbove = await page.evaluate(() => {
		const a = document.querySelector('.start-link');
		const h = document.querySelector('#how-to-use');
		return !!a && !!(a.compareDocumentPosition(h) & Node.DOCUMENT_POSITION_FOLLOWING);
	});
	assert.ok(startAbove, 'a start link sits above "How to use this site"');
	await page.close();
});

// Contrast of every code token against the background it is painted on, computed in the page.
async function tokenContrast(page) {
	return page.evaluate(() => {
		const rgb = (s) => {
			const m = /rgba?\(([\d.]+),?\s*([\d.]+),?\s*([\d.]+)(?:\s*[,/]\s*([\d.]+))?\)/.exec(s);
			return m ? { r: +m[1], g: +m[2], b: +m[3], a: m[4] === undefined ? 1 : +m[4] } : null;
		};
		const lum = ({ r, g, b }) => {
			const f = (c) => { c /= 255; return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4; };
			return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
		};
		const bgOf = (el) => {
			for (let e = el; e; e = e.parentElement) {
				const c = rgb(getComputedStyle(e).backgroundColor);
				if (c && c.a > 0.5) return c;
			}
			return { r: 255, g: 255, b: 255, a: 1 };
		};
		const out = { checked: 0, worst: null, unparsed: [] };
		// Tokens: the coloured spans inside a code line (.xl in excerpts, .line in Markdown code blocks).
		const spans = [...document.querySelectorAll(':is(.astro-code, .shiki) :is(.xl, .line) span')].filter((s) => !s.children.length && s.textContent.trim());
		for (const s of spans.slice(0, 3000)) {
			const fg = rgb(getComputedStyle(s).color);
			if (!fg) { out.unparsed.push(getComputedStyle(s).color); continue; }
			const bg = bgOf(s);
			const [a, b] = [lum(fg), lum(bg)].sort((x, y) => y - x);
			const ratio = (a + 0.05) / (b + 0.05);
			out.checked += 1;
			if (!out.worst || ratio < out.worst.ratio) out.worst = { ratio: Math.round(ratio * 100) / 100, text: s.textContent.slice(0, 30), fg: getComputedStyle(s).color, bg: `rgb(${bg.r}, ${bg.g}, ${bg.b})` };
		}
		return { ...out, body: getComputedStyle(document.body).backgroundColor };
	});
}

test('printing from dark mode gives white paper and readable code', { skip: missing ?? false }, async () => {
	// Highlighted code only: a plain output block (a recording's text in a <pre>) has no tokens to check.
	const withCode = explainers.filter((p) => /class="[^"]*(astro-code|shiki)[^"]*"[^>]*>(<code>)?<(span|div)/.test(p.html)).slice(0, 3);
	assert.ok(withCode.length, 'some explainer shows code');
	for (const p of withCode) {
		const { page } = await open(p.url, { theme: 'dark' });
		const screen = await tokenContrast(page);
		// The print stylesheet alone (no script) already gives white paper ...
		await page.emulateMedia({ media: 'print' });
		assert.equal((await tokenContrast(page)).body, 'rgb(255, 255, 255)', `${p.url}: the page is white on paper`);
		// ... and a real print, which fires beforeprint first, gets light code colours.
		await page.evaluate(() => dispatchEvent(new Event('beforeprint')));
		const paper = await tokenContrast(page);
		assert.deepEqual(paper.unparsed.slice(0, 3), [], `${p.url}: token colours are plain rgb()`);
		assert.ok(paper.checked > 0 && paper.checked === screen.checked, `${p.url}: tokens checked (${paper.checked})`);
		assert.ok(paper.worst.ratio >= 4.5, `${p.url}: worst token on paper ${JSON.stringify(paper.worst)}`);
		await page.evaluate(() => dispatchEvent(new Event('afterprint')));
		assert.equal(await page.getAttribute('html', 'data-theme'), 'dark', `${p.url}: the screen theme comes back after printing`);
		await page.close();
	}
});

test('the print button opens Deeper blocks only, and every <details> goes back as it was', { skip: missing ?? false }, async (t) => {
	const p = explainers.find((x) => x.html.includes('class="deeper"') && x.html.includes('excerpt-whole')) ?? explainers.find((x) => x.html.includes('class="deeper"'));
	if (!p) { t.skip('no explainer has a Deeper block'); return; }
	const { page } = await open(p.url);
	const state = () => page.$$eval('details', (ds) => ds.map((d) => `${d.className}:${d.open}`));
	await page.evaluate(() => { const d = document.querySelector('details.deeper'); d.open = true; d.dataset.mine = '1'; });
	const before = await state();
	await page.evaluate(() => {
		// A stand-in for the print dialog: the browser fires beforeprint, prints, fires afterprint.
		window.print = () => {
			dispatchEvent(new Event('beforeprint'));
			window.duringPrint = [...document.querySelectorAll('details')].map((d) => ({ cls: d.className, open: d.open }));
			dispatchEvent(new Event('afterprint'));
		};
	});
	await page.click('.print-btn');
	await page.waitForFunction(() => window.duringPrint);
	const during = await page.evaluate(() => window.duringPrint);
	assert.ok(during.filter((d) => /\bdeeper\b/.test(d.cls)).every((d) => d.open), 'every Deeper block is open on paper');
	assert.ok(during.filter((d) => /excerpt-whole/.test(d.cls)).every((d) => !d.open), 'the whole-function excerpts stay closed');
	assert.deepEqual(await state(), before, 'afterwards every <details> is as it was');
	await page.close();
});

test('at 1280 px a sticky rail lists the sections and marks the one being read', { skip: missing ?? false }, async () => {
	const p = firstExplainer((x) => (x.html.match(/<h2 id=/g) ?? []).length > 6);
	const { page } = await open(p.url);
	assert.ok(await page.isVisible('#rail'), 'the rail shows');
	const ids = await page.$$eval('.prose h2[id]', (hs) => hs.map((h) => h.id));
	for (const id of [ids[3], ids[ids.length - 3]]) {
		await page.evaluate((x) => document.getElementById(x).scrollIntoView(), id);
		await page.waitForFunction((x) => document.querySelector('#rail a[aria-current]')?.getAttribute('href') === `#${x}`, id, { timeout: 5000 });
		const box = await page.locator('#rail').boundingBox();
		assert.ok(box.y >= 0 && box.y < 200, `the rail stays in view (top at ${box.y})`);
	}
	assert.equal(await page.locator('#rail a[aria-current]').count(), 1, 'one section is marked');
	// At the very bottom of the page the last section is marked, however short it is.
	await page.evaluate(() => window.scrollTo(0, document.documentElement.scrollHeight));
	await page.waitForFunction((x) => document.querySelector('#rail a[aria-current]')?.getAttribute('href') === `#${x}`, ids.at(-1), { timeout: 5000 });
	await page.close();
});

test('on a phone a Contents button opens the section list and jumps to a section', { skip: missing ?? false }, async () => {
	const p = firstExplainer((x) => (x.html.match(/<h2 id=/g) ?? []).length > 6);
	const { page } = await open(p.url, { width: 375, height: 800 });
	assert.equal(await page.isVisible('.contents-btn'), false, 'hidden while the numbered contents are on screen');
	const ids = await page.$$eval('.prose h2[id]', (hs) => hs.map((h) => h.id));
	await page.evaluate((x) => document.getElementById(x).scrollIntoView(), ids[2]);
	await page.waitForSelector('.contents-btn', { state: 'visible' });
	await page.click('.contents-btn');
	assert.ok(await page.isVisible('#rail'), 'the list opens');
	assert.equal(await page.getAttribute('.contents-btn', 'aria-expanded'), 'true');
	assert.ok(await page.evaluate(() => document.getElementById('rail').contains(document.activeElement)), 'focus moves into the list');
	const target = ids[ids.length - 2];
	await page.click(`#rail a[href="#${target}"]`);
	await page.waitForFunction((x) => location.hash === `#${x}`, target);
	assert.equal(await page.isVisible('#rail'), false, 'the list closes after a jump');
	const top = await page.evaluate((x) => document.getElementById(x).getBoundingClientRect().top, target);
	assert.ok(top >= 0 && top < 200, `the section is at the top (${top}px)`);
	await page.click('.contents-btn');
	await page.keyboard.press('Escape');
	assert.equal(await page.isVisible('#rail'), false, 'Esc closes the list');
	assert.equal(await page.evaluate(() => document.activeElement?.className), 'contents-btn is-shown', 'focus returns to the button');
	await page.close();
});

test('search lists sections (more than 8), links to anchors that exist, and works from the keyboard', { skip: missing ?? false }, async () => {
	const ids = new Map(all.map((p) => [p.url, idsOf(p.html)]));
	const { page, problems } = await open('/');
	await page.keyboard.press('/');
	await page.keyboard.type('thread');
	await page.waitForFunction(() => document.querySelectorAll('.search-results a').length > 8, null, { timeout: 10_000 });
	const hrefs = await page.$$eval('.search-results a', (as) => as.map((a) => a.getAttribute('href')));
	const withHash = hrefs.filter((h) => h.includes('#'));
	assert.ok(withHash.length >= hrefs.length / 2, `most results point at a section: ${hrefs.join(' ')}`);
	const broken = withHash.filter((h) => { const u = new URL(h, site.base); return !ids.get(u.pathname)?.has(decodeURIComponent(u.hash.slice(1))); });
	assert.deepEqual(broken, [], `anchors that do not exist: ${broken.join(' ')}`);
	if (await page.isVisible('.search-more')) {
		const n = hrefs.length;
		await page.click('.search-more');
		await page.waitForFunction((k) => document.querySelectorAll('.search-results a').length > k, n);
	}
	// Arrow keys move through the results; Enter opens the one with focus.
	await page.focus('#search-input');
	await page.keyboard.press('ArrowDown');
	await page.keyboard.press('ArrowDown');
	await page.keyboard.press('ArrowUp');
	await page.keyboard.press('ArrowDown');
	const focused = await page.evaluate(() => {
		const as = [...document.querySelectorAll('.search-results a')];
		return { i: as.indexOf(document.activeElement), href: document.activeElement.getAttribute('href') };
	});
	assert.equal(focused.i, 1, 'Down, Down, Up, Down lands on the second result');
	await page.keyboard.press('Enter');
	await page.waitForURL((u) => `${u.pathname}${u.hash}` === new URL(focused.href, site.base).pathname + new URL(focused.href, site.base).hash);
	assert.deepEqual(problems, []);
	await page.close();
});

// Chips and note line labels are kept out of the index by pagefind.yml (exclude_selectors).
test('search results carry no chip or line-number noise', { skip: missing ?? false }, async () => {
	const { page } = await open('/');
	await page.click('.search-btn');
	await page.fill('#search-input', 'vbdev_lvol');
	await page.waitForSelector('.search-results a', { timeout: 10_000 });
	const texts = await page.$$eval('.search-results span', (ss) => ss.map((s) => s.textContent));
	const noisy = texts.filter((x) => /<\/>|\b\w+\.[ch]:\d+|\bline \d+\b/.test(x));
	assert.deepEqual(noisy, [], noisy.join('\n'));
	await page.close();
});

test('the phone menu takes focus, makes the page inert, and gives focus back', { skip: missing ?? false }, async () => {
	const { page } = await open(firstExplainer().url, { width: 375, height: 800 });
	await page.click('.menu-btn');
	await page.waitForSelector('#sidebar', { state: 'visible' });
	assert.ok(await page.evaluate(() => document.getElementById('sidebar').contains(document.activeElement)), 'focus is in the menu');
	assert.deepEqual(await page.evaluate(() => [document.querySelector('main').inert, document.querySelector('.site-footer').inert]), [true, true]);
	const top = await page.$$eval('#sidebar a', (as) => as.slice(0, 4).map((a) => a.getAttribute('href')));
	assert.deepEqual(top, ['/', '/glossary/', '/reference/rpc/', '/about/'], 'reference pages head the menu');
	await page.keyboard.press('Tab');
	assert.ok(await page.evaluate(() => !document.querySelector('main').contains(document.activeElement)), 'Tab does not reach the page behind');
	await page.keyboard.press('Escape');
	await page.waitForSelector('#sidebar', { state: 'hidden' });
	assert.equal(await page.evaluate(() => document.activeElement?.classList.contains('menu-btn')), true, 'focus returns to the menu button');
	assert.equal(await page.evaluate(() => document.querySelector('main').inert), false);
	await page.close();
});

test('reference pages are one click away on desktop', { skip: missing ?? false }, async () => {
	const { page } = await open('/');
	for (const href of ['/glossary/', '/reference/rpc/', '/about/']) assert.ok(await page.isVisible(`.topbar a[href="${href}"]`), `${href} in the top bar`);
	await page.close();
});

test('glossary: an A-Z index and a link to every term', { skip: missing ?? false }, async () => {
	const g = all.find((p) => p.url === '/glossary/');
	const ids = idsOf(g.html);
	const az = [...g.html.matchAll(/<nav class="az"[\s\S]*?<\/nav>/g)][0]?.[0] ?? '';
	const letters = [...az.matchAll(/href="#([^"]+)"/g)].map((m) => m[1]);
	assert.ok(letters.length > 5, 'the index links letters');
	for (const l of letters) assert.ok(ids.has(l), `#${l} exists`);
	const terms = [...g.html.matchAll(/<dt id="([^"]+)"[\s\S]*?<\/dt>/g)];
	assert.ok(terms.length > 10);
	for (const [dt, id] of terms) assert.ok(dt.includes(`href="#${id}"`), `${id} links to itself`);
});

test('scrollable tables and figures are named, focusable regions', { skip: missing ?? false }, async () => {
	const bad = [];
	for (const p of explainers) {
		for (const m of p.html.matchAll(/<div class="(figure-body|table-scroll)"([^>]*)>/g)) {
			if (!/tabindex="0"/.test(m[2]) || !/aria-label="[^"]+"/.test(m[2]) || !/role="region"/.test(m[2])) bad.push(`${p.url}: ${m[0]}`);
		}
		if (/<table(?![^>]*class="[^"]*(table-cards|params|glance))/.test(p.html)) bad.push(`${p.url}: a table the reflow step missed`);
	}
	assert.deepEqual(bad, [], bad.join('\n'));
});

test('a page without diagrams ships under 6 KB of JavaScript (gzip)', { skip: missing ?? false }, () => {
	const textPage = explainers.find((p) => !p.html.includes('class="diagram"')) ?? all.find((p) => p.url === '/glossary/');
	const seen = new Set();
	let bytes = 0;
	const add = (file) => {
		if (seen.has(file) || !existsSync(file)) return;
		seen.add(file);
		const js = readFileSync(file);
		bytes += gzipSync(js).length;
		for (const m of js.toString().matchAll(/(?:import|from)\s*["'](\.\/[^"']+\.js)["']/g)) add(path.join(path.dirname(file), m[1]));
	};
	for (const m of textPage.html.matchAll(/<script[^>]+src="([^"]+)"/g)) add(path.join(DIST, m[1]));
	for (const m of textPage.html.matchAll(/<script(?![^>]*src=)[^>]*>([\s\S]*?)<\/script>/g)) bytes += gzipSync(m[1]).length;
	assert.ok(bytes < 6144, `${textPage.url}: ${bytes} bytes of gzipped JS`);
});
