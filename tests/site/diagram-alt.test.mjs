// Each built diagram keeps a full text description that agrees with the drawing on what can be counted,
// and its labels write ranges and elisions as readable text rather than "..".
import test from 'node:test';
import assert from 'node:assert/strict';
import { htmlPages } from '../helpers/dist.mjs';

const decode = (s) => s.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&amp;/g, '&');
const NUM = { one: 1, two: 2, three: 3, four: 4, five: 5, six: 6, seven: 7, eight: 8 };

function diagrams() {
	const out = [];
	for (const p of htmlPages()) {
		for (const m of p.html.matchAll(/<figure class="diagram" id="([^"]+)" data-origin="([^"]+)">([\s\S]*?)<\/figure>/g)) {
			const src = /<pre class="diagram-src"[^>]*>([\s\S]*?)<\/pre>/.exec(m[3]);
			const alt = /<details class="diagram-alt"[^>]*>\s*<summary>[^<]*<\/summary>\s*<p>([\s\S]*?)<\/p>/.exec(m[3]);
			out.push({ page: p.url, origin: m[2], src: src ? decode(src[1]) : null, alt: alt ? decode(alt[1]).trim() : '' });
		}
	}
	return out;
}

test('every diagram has its Mermaid source and a text description of some substance', () => {
	const all = diagrams();
	assert.ok(all.length >= 20, `only ${all.length} diagrams found`);
	const bad = all.filter((d) => d.src == null || d.alt.length < 120).map((d) => `${d.origin}: ${d.src == null ? 'no source' : `description has ${d.alt.length} characters`}`);
	assert.deepEqual(bad, [], bad.join('\n'));
});

test('no diagram label uses ".." for a range or an elision', () => {
	const bad = diagrams().flatMap((d) => (d.src ?? '').split('\n').filter((l) => l.includes('..')).map((l) => `${d.origin}: ${l.trim()}`));
	assert.deepEqual(bad, [], bad.join('\n'));
});

test('a sequence diagram\'s description counts as many lifelines as it draws', () => {
	const bad = [];
	let counted = 0;
	for (const d of diagrams()) {
		if (!/^\s*sequenceDiagram/m.test(d.src ?? '')) continue;
		const drawn = (d.src.match(/^\s*(participant|actor)\s/gm) ?? []).length;
		const said = /\b(one|two|three|four|five|six|seven|eight) (lifelines|participants)\b/i.exec(d.alt);
		if (!said) continue;
		counted++;
		if (NUM[said[1].toLowerCase()] !== drawn) bad.push(`${d.origin}: the description says ${said[0]}, the diagram draws ${drawn}`);
	}
	assert.deepEqual(bad, [], bad.join('\n'));
	assert.ok(counted >= 5, `only ${counted} sequence diagrams state a count`);
});
