// Build-time side of <Source> and <Chip>: resolves a reference once per build (trees and files are
// cached for the whole process), checks it against spdk.lock, and highlights it with Shiki.
// Without an SPDK tree it falls back to the pins in spdk.lock, so the site still builds.
import { createHighlighter } from 'shiki';
import { inspectTree, readLock, refKey, normalizeRef, ExcerptError, compareWithPin, PERMALINK_BASE, SPDK_VERSION } from './excerpts.js';
import { makeTrees, resolveWithAnchors } from './verify.js';

let state;
function getState() {
	if (state) return state;
	const tree = inspectTree();
	if (tree.present && !tree.versionOk) {
		throw new ExcerptError(`the SPDK tree at ${tree.dir} is version ${tree.version}, not ${SPDK_VERSION}; point SPDK_DIR at a v${SPDK_VERSION} tree`);
	}
	state = { tree, trees: makeTrees(tree.dir), lock: readLock(), noticed: false };
	if (!tree.present) {
		console.warn(`[spdk] ${tree.reason}: excerpts render as cards from spdk.lock (path, symbol, lines, permalink, notes). Run npm run spdk:get to see the code.`);
	}
	return state;
}

export function treePresent() {
	return getState().tree.present;
}

let highlighter;
const LANGS = { c: 'c', h: 'c', mk: 'makefile', Makefile: 'makefile', sh: 'shellscript', json: 'json', py: 'python', go: 'go', md: 'markdown', mjs: 'javascript', js: 'javascript' };
function langOf(path) {
	const base = path.split('/').pop();
	if (base === 'Makefile' || base.endsWith('.mk')) return 'makefile';
	return LANGS[base.split('.').pop()] ?? 'text';
}

async function highlightLines(lines, lang) {
	highlighter ??= createHighlighter({ themes: ['github-light-high-contrast', 'github-dark-high-contrast'], langs: ['c', 'makefile', 'shellscript', 'json', 'python', 'go', 'markdown', 'javascript'] });
	const hl = await highlighter;
	const html = hl.codeToHtml(lines.join('\n'), { lang, themes: { light: 'github-light-high-contrast', dark: 'github-dark-high-contrast' }, defaultColor: false });
	const inner = html.replace(/^<pre[^>]*><code>/, '').replace(/<\/code><\/pre>$/, '');
	return inner.split('\n').map((l) => l.replace(/^<span class="line">/, '').replace(/<\/span>$/, ''));
}

function noteKey(n) {
	return n.at ? `at:${n.at}${n.nth ? `#${n.nth}` : ''}` : `line:${n.line}`;
}

// Everything <Source> needs to draw one excerpt. notes: [{ at|line, nth, slot }], highlight: [marker].
export async function excerptFor(props, notes, highlight, origin) {
	const { tree, trees, lock } = getState();
	const ref = normalizeRef({ ...props, origin });
	const key = refKey(ref);
	const pin = lock.entries[key];
	const base = { key, path: ref.path, symbol: ref.symbol, project: ref.tree === 'project' };
	const useTree = ref.tree === 'project' || tree.present;
	if (!useTree) {
		if (!pin) throw new ExcerptError(`${key} is not pinned in spdk.lock (run npm run spdk:pin with the SPDK tree present)`, origin);
		return {
			...base, mode: 'card', shown: pin.shown, span: pin.span, kind: pin.kind,
			permalink: `${PERMALINK_BASE}${pin.path}#L${pin.shown[0]}-L${pin.shown[1]}`,
			notes: notes.map((n) => ({ ...n, fileLine: pin.anchors?.[noteKey(n)] })).sort((a, b) => (a.fileLine ?? 0) - (b.fileLine ?? 0)),
		};
	}
	const { resolved, anchors } = await resolveWithAnchors(trees, { ref, origin, notes: notes.map((n) => ({ ...n, origin })), highlight }, pin?.kind === 'lines' ? pin.sha256 : undefined);
	if (ref.tree === 'spdk') {
		if (!pin) throw new ExcerptError(`${key} is not pinned in spdk.lock; run npm run spdk:pin`, origin);
		const diff = compareWithPin(resolved, pin);
		if (diff) throw new ExcerptError(`excerpt ${key}: ${diff}`, origin);
	}
	const { file, span, shown } = resolved;
	const allHtml = await highlightLines(file.lines.slice(span[0] - 1, span[1]), langOf(ref.path));
	const marked = new Set(highlight.map((h) => anchors[`at:${h}`]));
	const byLine = new Map();
	for (const n of notes) {
		const line = anchors[noteKey(n)];
		if (!byLine.has(line)) byLine.set(line, []);
		byLine.get(line).push(n.slot);
	}
	// Segments: runs of lines that end at a line carrying notes; the notes sit beside (or under) them.
	const segments = [];
	let cur = { lines: [], notes: [] };
	for (let n = shown[0]; n <= shown[1]; n++) {
		cur.lines.push({ n, html: allHtml[n - span[0]], hl: marked.has(n), noted: byLine.has(n) });
		if (byLine.has(n)) {
			cur.notes = byLine.get(n);
			segments.push(cur);
			cur = { lines: [], notes: [] };
		}
	}
	if (cur.lines.length) segments.push(cur);
	// Notes are numbered in reading order (by line), whatever order the page lists them in.
	const numbers = Object.fromEntries(segments.flatMap((g) => g.notes).map((slot, i) => [slot, i + 1]));
	const narrowed = shown[0] !== span[0] || shown[1] !== span[1];
	return {
		...base, mode: 'code', shown, span, kind: resolved.kind, segments, numbers,
		permalink: resolved.permalink,
		whole: narrowed ? allHtml.map((html, i) => ({ n: span[0] + i, html })) : null,
	};
}

// What <Chip> needs: the label and the permalink of a pinned place.
export async function chipFor(props, origin) {
	const { tree, trees, lock } = getState();
	const ref = normalizeRef({ ...props, origin });
	const key = refKey(ref);
	const pin = lock.entries[key];
	if (ref.tree === 'spdk' && !tree.present) {
		if (!pin) throw new ExcerptError(`${key} is not pinned in spdk.lock (run npm run spdk:pin with the SPDK tree present)`, origin);
		return { key, path: ref.path, symbol: ref.symbol, shown: pin.shown, permalink: `${PERMALINK_BASE}${pin.path}#L${pin.shown[0]}${pin.shown[1] !== pin.shown[0] ? `-L${pin.shown[1]}` : ''}` };
	}
	const { resolved } = await resolveWithAnchors(trees, { ref, origin }, pin?.kind === 'lines' ? pin.sha256 : undefined);
	if (ref.tree === 'spdk') {
		if (!pin) throw new ExcerptError(`${key} is not pinned in spdk.lock; run npm run spdk:pin`, origin);
		const diff = compareWithPin(resolved, pin);
		if (diff) throw new ExcerptError(`chip ${key}: ${diff}`, origin);
	}
	return { key, path: ref.path, symbol: ref.symbol, shown: resolved.shown, permalink: resolved.permalink, project: ref.tree === 'project' };
}

const esc = (t) => String(t).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

// Code lines as one string: whitespace between the lines of a <pre> would show.
export function codeHtml(lines) {
	const rows = lines.map((l) => `<span class="xl${l.hl ? ' xl-hl' : ''}${l.noted ? ' xl-noted' : ''}" data-line="${l.n}"><span class="ln" aria-hidden="true">${l.n}</span><span class="lc">${l.html || ' '}</span>\n</span>`);
	return `<code>${rows.join('')}</code>`;
}

// The card text of an excerpt when the site was built without an SPDK tree.
export function missingHtml(x, what, range) {
	return `The code of <code>${esc(what)}</code> (${esc(x.path)}, lines ${range}) is read from a local SPDK v26.01 tree at build time, and this copy of the site was built without one. Read it <a href="${esc(x.permalink)}" rel="noopener">on GitHub at v26.01</a>, or run <code>npm run spdk:get</code> and rebuild.`;
}
