// Reads explainer pages (MDX) as syntax trees: what they cite, draw and link, with file:line for each.
// Used by the build's remark plugin, the check/pin scripts and the tests, so all agree on what a page says.
import { readFileSync, readdirSync, existsSync } from 'node:fs';
import path from 'node:path';
import { unified } from 'unified';
import remarkParse from 'remark-parse';
import remarkMdx from 'remark-mdx';
import remarkGfm from 'remark-gfm';
import { visit } from 'unist-util-visit';
import { PROJECT_ROOT } from './excerpts.js';
import curriculum from '../data/curriculum.json' with { type: 'json' };

// SITE_SRC builds another site with the same machinery (the tests' fixture site).
export const SITE_SRC = process.env.SITE_SRC ? path.resolve(process.env.SITE_SRC) : path.join(PROJECT_ROOT, 'src');
export const PAGES_DIR = path.join(SITE_SRC, 'pages');

// Frontmatter is blanked out line for line, so positions in the tree stay the file's own lines.
export function parseMdx(text) {
	const fm = /^---\n[\s\S]*?\n---\n/.exec(text);
	const body = fm ? fm[0].replace(/[^\n]/g, '') + text.slice(fm[0].length) : text;
	return unified().use(remarkParse).use(remarkGfm).use(remarkMdx).parse(body);
}

// The value of a JSX attribute: a literal string, or a simple expression such as {3} or {"x"}.
export function attrValue(node, name) {
	const a = node.attributes?.find((x) => x.type === 'mdxJsxAttribute' && x.name === name);
	if (!a) return undefined;
	if (a.value == null) return true;
	if (typeof a.value === 'string') return a.value;
	const src = a.value.value.trim();
	try {
		return JSON.parse(src);
	} catch {
		return src.replace(/^`|`$/g, '');
	}
}

export function attrs(node) {
	const out = {};
	for (const a of node.attributes ?? []) if (a.type === 'mdxJsxAttribute') out[a.name] = attrValue(node, a.name);
	return out;
}

const isJsx = (n) => n.type === 'mdxJsxFlowElement' || n.type === 'mdxJsxTextElement';
const REF_ATTRS = ['tree', 'path', 'symbol', 'occurrence', 'from', 'to', 'lines', 'at'];

function pick(a, keys) {
	const o = {};
	for (const k of keys) if (a[k] !== undefined) o[k] = a[k];
	return o;
}

// Everything a page's syntax tree refers to. file is the page path relative to the project root.
export function collect(tree, file) {
	const origin = (node) => `${file}:${node.position?.start.line ?? '?'}`;
	const out = { sources: [], chips: [], diagrams: [], codeSpans: [], links: [], headings: [] };
	visit(tree, (node, _i, parent) => {
		if (isJsx(node) && node.name === 'Source') {
			const a = attrs(node);
			const notes = [];
			visit(node, (c) => {
				if (c !== node && isJsx(c) && c.name === 'Note') notes.push({ ...pick(attrs(c), ['at', 'nth', 'line']), origin: origin(c), node: c });
			});
			const highlight = typeof a.highlight === 'string' ? a.highlight.split('|').filter(Boolean) : [];
			out.sources.push({ ref: pick(a, REF_ATTRS), notes, highlight, origin: origin(node), node });
		} else if (isJsx(node) && node.name === 'Chip') {
			out.chips.push({ ref: pick(attrs(node), REF_ATTRS), origin: origin(node), node });
		} else if (isJsx(node) && node.name === 'Diagram') {
			const code = (node.children ?? []).find((c) => c.type === 'code');
			out.diagrams.push({ code: code?.value ?? '', lang: code?.lang, origin: origin(node), node, ...pick(attrs(node), ['caption', 'alt']) });
		} else if (node.type === 'inlineCode') {
			out.codeSpans.push({ value: node.value, origin: origin(node), node, parent });
		} else if (node.type === 'link') {
			out.links.push({ url: node.url, origin: origin(node) });
		} else if (isJsx(node) && typeof attrValue(node, 'href') === 'string') {
			out.links.push({ url: attrValue(node, 'href'), origin: origin(node) });
		} else if (node.type === 'heading') {
			out.headings.push({ depth: node.depth, text: textOf(node), origin: origin(node) });
		}
	});
	return out;
}

export function textOf(node) {
	if (node.type === 'text' || node.type === 'inlineCode') return node.value;
	return (node.children ?? []).map(textOf).join('');
}

// ---- the curriculum and its pages --------------------------------------------------------------

export function manifestPages() {
	const list = [];
	for (const layer of curriculum.layers) {
		for (const p of layer.pages) {
			const id = `${layer.id}/${p.slug}`;
			const file = path.join(PAGES_DIR, layer.id, `${p.slug}.mdx`);
			list.push({ ...p, id, layer, url: `/${id}/`, file, rel: path.relative(PROJECT_ROOT, file), ready: existsSync(file) });
		}
	}
	return list;
}

// Every explainer file on disk (src/pages/<layer>/<slug>.mdx), manifest or not.
export function explainerFiles() {
	const files = [];
	for (const d of readdirSync(PAGES_DIR, { withFileTypes: true })) {
		if (!d.isDirectory()) continue;
		for (const f of readdirSync(path.join(PAGES_DIR, d.name))) {
			if (f.endsWith('.mdx') || f.endsWith('.md')) files.push(path.join(PAGES_DIR, d.name, f));
		}
	}
	return files.sort();
}

// Words of prose a reader reads (code excerpts count by their notes only) and the diagrams drawn.
export function pageStats(text) {
	const tree = parseMdx(text);
	let words = 0;
	let diagrams = 0;
	visit(tree, (node) => {
		if (isJsx(node) && node.name === 'Diagram') diagrams += 1;
		if (node.type === 'text' || node.type === 'inlineCode') words += node.value.split(/\s+/).filter(Boolean).length;
		if (node.type === 'code' || node.type === 'mdxjsEsm' || node.type === 'yaml') return 'skip';
		return undefined;
	});
	const lede = /^lede:\s*>?-?\s*\n?([\s\S]*?)\n(?:\w+:|---)/m.exec(text);
	if (lede) words += lede[1].split(/\s+/).filter(Boolean).length;
	return { words, diagrams, minutes: Math.max(1, Math.round(words / 220)) };
}

const statsCache = new Map();
export function statsFor(file) {
	if (!statsCache.has(file)) statsCache.set(file, pageStats(readFileSync(file, 'utf8')));
	return statsCache.get(file);
}
