// Source chips are inline citations: in the built pages no paragraph, list item or block is only a
// chip, and no paragraph starts with a chip followed by punctuation (the sign of a sentence split
// where a <Chip /> stood alone on its MDX line).
import test from 'node:test';
import assert from 'node:assert/strict';
import { htmlPages } from '../helpers/dist.mjs';

const CHIP = /<(a|span) class="chip"[^>]*>(?:<span class="chip-icon"[^>]*>[^<]*<\/span>)?([^<]*)<\/\1>/g;
const BLOCK_END = /<\/(p|div|ul|ol|li|h[1-6]|figure|pre|table|details|blockquote|aside|section)>$/;
const BLOCK_START = /<(p|li|td|th|blockquote|dd)(\s[^>]*)?>$/;

export function chipProblems(html) {
	const out = [];
	const body = html.replace(/<figcaption[\s\S]*?<\/figcaption>/g, '');
	for (const m of body.matchAll(CHIP)) {
		const before = body.slice(Math.max(0, m.index - 300), m.index).trimEnd();
		const after = body.slice(m.index + m[0].length).trimStart();
		const where = `${m[2]} (…${body.slice(Math.max(0, m.index - 60), m.index).replace(/\s+/g, ' ')}|chip|${after.slice(0, 40).replace(/\s+/g, ' ')}…)`;
		if (BLOCK_END.test(before)) out.push(`a chip stands as its own block: ${where}`);
		else if (BLOCK_START.test(before)) {
			// A table cell may hold just a chip (a "where" column); a paragraph or list item may not.
			if (/^<\/(p|li|blockquote|dd)>/.test(after)) out.push(`a block holds only a chip: ${where}`);
			else if (/^[.,:;)]/.test(after)) out.push(`a block starts with a chip and punctuation: ${where}`);
		}
	}
	return out;
}

test('no chip is a paragraph of its own or opens one with punctuation', () => {
	const pages = htmlPages();
	const problems = [];
	let chips = 0;
	for (const p of pages) {
		chips += [...p.html.matchAll(CHIP)].length;
		for (const x of chipProblems(p.html)) problems.push(`${p.url}: ${x}`);
	}
	assert.ok(chips > 0, 'the built site has chips to check');
	assert.deepEqual(problems, []);
});

test('the check itself catches the broken shapes', () => {
	const chip = '<a class="chip" href="x"><span class="chip-icon" aria-hidden="true">&lt;/&gt;</span>app.c:33</a>';
	assert.equal(chipProblems(`<p>the mask is</p>\n${chip}\n<p>next</p>`).length, 1);
	assert.equal(chipProblems(`<p>${chip}</p>`).length, 1);
	assert.equal(chipProblems(`<p>${chip}: one reactor</p>`).length, 1);
	assert.deepEqual(chipProblems(`<p>the mask is <code>0x1</code>\n${chip}: one reactor</p>`), []);
	assert.deepEqual(chipProblems(`<p>${chip} shows the line</p>`), []);
	assert.deepEqual(chipProblems(`<td data-label="Where">${chip}</td>`), []);
	assert.equal(chipProblems('<p><a class="chip" href="x">app.c:33</a>. Next</p>').length, 1, 'chips without the icon span too');
});
