// Cross-references rendered by PageRef agree with the manifest, and no page sends vfio-user or
// vhost-user readers to the wrong layer (they are Layer 7).
import test from 'node:test';
import assert from 'node:assert/strict';
import { htmlPages } from '../helpers/dist.mjs';
import { manifestPages } from '../../src/lib/pages.js';

const byTitle = new Map(manifestPages().map((p) => [`Layer ${p.layer.n} · ${p.title}`, p]));
const explainers = () => htmlPages().filter((p) => manifestPages().some((m) => m.url === p.url));
const plain = (html) => html.replace(/<script[\s\S]*?<\/script>|<style[\s\S]*?<\/style>/g, ' ').replace(/<[^>]+>/g, ' ').replace(/&amp;/g, '&').replace(/\s+/g, ' ');

test('each PageRef links a written page and marks a coming one, with the manifest layer and title', () => {
	const bad = [];
	let seen = 0;
	for (const p of explainers()) {
		for (const m of p.html.matchAll(/<(a|span) class="pageref( pageref-coming)?"(?: href="([^"]*)")?>([^<]*)</g)) {
			seen++;
			const [, tag, coming, href, raw] = m;
			const text = raw.replace(/ \(coming\)$/, '');
			const target = byTitle.get(text);
			if (!target) continue; // a label override or a layer reference
			if (coming && (tag !== 'span' || target.ready)) bad.push(`${p.url}: "${raw}" is marked coming but ${target.id} is written`);
			if (!coming && (tag !== 'a' || !target.ready || href.split('#')[0] !== target.url)) bad.push(`${p.url}: "${raw}" links ${href}, expected ${target.url}`);
		}
	}
	assert.deepEqual(bad, [], bad.join('\n'));
	assert.ok(seen >= 5, `only ${seen} PageRef renderings found`);
});

test('no page sends vfio-user or vhost-user readers to a layer other than 7', () => {
	const vLayer = manifestPages().find((p) => p.id === 'vhost-vfio/vfio-user').layer.n;
	const bad = [];
	for (const p of explainers()) {
		const text = plain(p.html);
		for (const m of text.matchAll(/Layer (\d+)/g)) {
			const near = text.slice(Math.max(0, m.index - 120), m.index + 60);
			if (Number(m[1]) !== vLayer && /vfio-user|vhost-user/.test(near) && !/Layer \d+ · (?!vhost|vfio)/.test(text.slice(m.index, m.index + 40))) {
				bad.push(`${p.url}: "…${near.trim()}…"`);
			}
		}
	}
	assert.deepEqual(bad, [], bad.join('\n'));
});
