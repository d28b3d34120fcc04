// Every internal link and #anchor of the built site resolves (dist/, after npm run build).
import test from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { htmlPages, DIST } from '../helpers/dist.mjs';

const ids = (html) => new Set([...html.matchAll(/\sid="([^"]+)"/g)].map((m) => m[1]));
const hrefs = (html) => [...html.matchAll(/<a\s[^>]*href="([^"]*)"/g)].map((m) => m[1].replace(/&amp;/g, '&'));

function target(url) {
	const clean = url.split('#')[0].split('?')[0];
	const file = clean.endsWith('/') ? path.join(DIST, clean, 'index.html') : path.join(DIST, clean);
	if (existsSync(file)) return file;
	if (existsSync(path.join(DIST, clean, 'index.html'))) return path.join(DIST, clean, 'index.html');
	return null;
}

test('every internal link and anchor resolves', () => {
	const pages = htmlPages();
	assert.ok(pages.length >= 5, `expected a built site in ${DIST}`);
	const byFile = new Map(pages.map((p) => [p.file, p]));
	const broken = [];
	let checked = 0;
	for (const p of pages) {
		if (p.url === '/404.html') continue;
		for (const href of hrefs(p.html)) {
			if (/^(https?:|mailto:)/.test(href)) continue;
			checked++;
			const [pathPart, hash] = href.split('#');
			const file = pathPart ? target(new URL(pathPart, `http://x${p.url}`).pathname) : p.file;
			if (!file) { broken.push(`${p.url}: link to ${href} has no page`); continue; }
			if (hash && !ids(byFile.get(file)?.html ?? '').has(decodeURIComponent(hash))) broken.push(`${p.url}: link to ${href}: no element with id "${hash}"`);
		}
	}
	assert.deepEqual(broken, [], broken.join('\n'));
	assert.ok(checked > 50, `only ${checked} links checked`);
});

test('external links to SPDK point at the v26.01 tag with line anchors', () => {
	const bad = [];
	for (const p of htmlPages()) {
		for (const href of hrefs(p.html)) {
			if (href.startsWith('https://github.com/spdk/spdk/blob/') && !/^https:\/\/github\.com\/spdk\/spdk\/blob\/v26\.01\/[^#]+(#L\d+(-L\d+)?)?$/.test(href)) bad.push(`${p.url}: ${href}`);
		}
	}
	assert.deepEqual(bad, []);
});

test('every page has exactly one h1, a title and a favicon link', () => {
	for (const p of htmlPages()) {
		assert.equal((p.html.match(/<h1[\s>]/g) ?? []).length, 1, `${p.url} h1 count`);
		assert.match(p.html, /<title>[^<]+<\/title>/, p.url);
		assert.match(p.html, /rel="icon"/, p.url);
	}
});

test('no page has two elements with the same id (anchors and note links would go to the wrong one)', () => {
	const dupes = [];
	for (const p of htmlPages()) {
		const seen = new Map();
		for (const m of p.html.matchAll(/\sid="([^"]+)"/g)) seen.set(m[1], (seen.get(m[1]) ?? 0) + 1);
		for (const [id, n] of seen) if (n > 1) dupes.push(`${p.url}: id "${id}" ${n} times`);
	}
	assert.deepEqual(dupes, [], dupes.slice(0, 20).join('\n'));
});
