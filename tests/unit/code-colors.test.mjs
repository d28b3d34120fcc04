// Code colours as palette classes: the committed stylesheet matches the themes, and every token of a
// highlighted sample gets a class (or keeps its style when the palette cannot say it).
import test from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { createHighlighter } from 'shiki';
import { paletteCss, tokenClass, tokenClasses, THEMES } from '../../src/lib/code-colors.js';
import { ROOT } from '../helpers/dist.mjs';

test('src/styles/code-colors.css is what the themes give (else: node scripts/spdk.mjs colors)', () => {
	assert.equal(readFileSync(path.join(ROOT, 'src/styles/code-colors.css'), 'utf8'), paletteCss());
});

test('a token style becomes palette classes; the default colour none; an unknown colour keeps its style', () => {
	assert.equal(tokenClass('--shiki-light:#0E1116;--shiki-dark:#F0F3F6'), '');
	assert.match(tokenClass('--shiki-light:#A0111F;--shiki-dark:#FF9492'), /^l\d+ d\d+$/);
	assert.match(tokenClass('--shiki-light:#A0111F;--shiki-dark:#F0F3F6'), /^l\d+ d0$/);
	assert.match(tokenClass('--shiki-light:#66707B;--shiki-dark:#BDC4CC;--shiki-light-font-style:italic;--shiki-dark-font-style:italic'), /^l\d+ d\d+ fi$/);
	assert.equal(tokenClass('--shiki-light:#123456;--shiki-dark:#F0F3F6'), null);
	assert.equal(tokenClass('--shiki-light:#A0111F;--shiki-dark:#FF9492;--shiki-dark-font-style:italic'), null);
});

test('highlighted C carries no inline colour styles and keeps its text', async () => {
	const h = await createHighlighter({ themes: Object.values(THEMES), langs: ['c', 'go', 'json'] });
	const src = 'static int\ncount(struct item *it)\n{\n\t/* walk */\n\treturn it->n + 0x10 + strlen("ab");\n}';
	for (const lang of ['c', 'go', 'json']) {
		const html = h.codeToHtml(src, { lang, themes: THEMES, defaultColor: false, transformers: [tokenClasses()] });
		const code = html.replace(/^<pre[^>]*>/, '');
		assert.doesNotMatch(code, /<span style=/, `${lang}: no token keeps a style`);
		const text = code.replace(/<[^>]+>/g, '').replace(/&#x3C;/g, '<').replace(/&gt;/g, '>').replace(/&lt;/g, '<').replace(/&quot;/g, '"').replace(/&#x26;/g, '&').replace(/&amp;/g, '&');
		assert.equal(text, src, `${lang}: text unchanged`);
	}
	const c = h.codeToHtml(src, { lang: 'c', themes: THEMES, defaultColor: false, transformers: [tokenClasses()] });
	assert.ok((c.match(/class="l\d+ d\d+/g) ?? []).length >= 4, 'keywords, comments and literals are coloured');
});
