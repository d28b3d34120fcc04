// Build-time side of <Source> and <Chip>: resolves a reference once per build (trees and files are
// cached for the whole process), checks it against spdk.lock, and highlights it with Shiki.
// Without an SPDK tree it falls back to the pins in spdk.lock, so the site still builds.
import { createHighlighter } from 'shiki';
import { SymbolCache, inspectTree, inspectLvuTree, readLock, refKey, normalizeRef, ExcerptError, compareWithPin, PERMALINK_BASE, LVU_PERMALINK_BASE, LVU_COMMIT, SPDK_VERSION, TREE_LABEL } from './excerpts.js';
import { makeTrees, resolveWithAnchors } from './verify.js';
import { THEMES, tokenClasses } from './code-colors.js';

let state;
function getState() {
	if (state) return state;
	const tree = inspectTree();
	if (tree.present && !tree.versionOk) {
		throw new ExcerptError(`the SPDK tree at ${tree.dir} is version ${tree.version}, not ${SPDK_VERSION}; point SPDK_DIR at a v${SPDK_VERSION} tree`);
	}
	const lvu = inspectLvuTree();
	if (lvu.present && !lvu.commitOk) {
		throw new ExcerptError(`the libvfio-user tree at ${lvu.dir} is at ${lvu.commit ?? 'an unknown commit'}, not ${LVU_COMMIT}; point LIBVFIO_USER_DIR at a checkout of that commit`);
	}
	// The strict check that npm run build runs first has parsed the cited files: reuse its symbols.
	state = { tree, lvu, trees: makeTrees(tree.dir, undefined, { cache: new SymbolCache(), lvuDir: lvu.dir }), lock: readLock(), noticed: false };
	if (!tree.present) {
		console.warn(`[spdk] ${tree.reason}: excerpts render as cards from spdk.lock (path, symbol, lines, permalink, notes). Run npm run spdk:get to see the code.`);
	}
	return state;
}

// Whether references into a tree resolve from files (else: cards and chips from spdk.lock).
function live(ref) {
	const { tree, lvu } = getState();
	if (ref.tree === 'project') return true;
	return ref.tree === 'libvfio-user' ? lvu.present : tree.present;
}
const PERMALINKS = { spdk: PERMALINK_BASE, 'libvfio-user': LVU_PERMALINK_BASE };

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
	const html = hl.codeToHtml(lines.join('\n'), { lang, themes: THEMES, defaultColor: false, transformers: [tokenClasses()] });
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
	const base = { key, path: ref.path, symbol: ref.symbol, project: ref.tree === 'project', treeLabel: TREE_LABEL[ref.tree] };
	if (!live(ref)) {
		if (!pin) throw new ExcerptError(`${key} is not pinned in spdk.lock (run npm run spdk:pin with the SPDK tree present)`, origin);
		return {
			...base, mode: 'card', shown: pin.shown, span: pin.span, kind: pin.kind,
			permalink: `${PERMALINKS[ref.tree]}${pin.path}#L${pin.shown[0]}-L${pin.shown[1]}`,
			notes: notes.map((n) => ({ ...n, fileLine: pin.anchors?.[noteKey(n)] })).sort((a, b) => (a.fileLine ?? 0) - (b.fileLine ?? 0)),
		};
	}
	const { resolved, anchors } = await resolveWithAnchors(trees, { ref, origin, notes: notes.map((n) => ({ ...n, origin })), highlight }, pin?.kind === 'lines' ? pin.sha256 : undefined);
	// Project excerpts (tree="project") are pinned and compared like SPDK ones: the repo is always here.
	if (!pin) throw new ExcerptError(`${key} is not pinned in spdk.lock; run npm run spdk:pin`, origin);
	const diff = compareWithPin(resolved, pin);
	if (diff) throw new ExcerptError(`excerpt ${key}: ${diff}`, origin);
	const { file, span, shown } = resolved;
	const allHtml = await highlightLines(file.lines.slice(span[0] - 1, span[1]), langOf(ref.path));
	const marked = new Set(highlight.map((h) => anchors[`at:${h}`]));
	const byLine = new Map();
	for (const n of notes) {
		const line = anchors[noteKey(n)];
		if (!byLine.has(line)) byLine.set(line, []);
		byLine.get(line).push(n.slot);
	}
	// Segments: runs of lines that end at a line carrying notes. The code stays one block; each
	// segment's notes follow its last line (beside it on wide screens, under it on phones).
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
	// The legend explains the highlight colour only where plain highlighted lines are shown.
	const legend = segments.some((g) => g.lines.some((l) => l.hl && !l.noted));
	return {
		...base, mode: 'code', shown, span, kind: resolved.kind, segments, numbers, legend,
		permalink: resolved.permalink,
		// A narrowed excerpt carries the rest of its symbol, hidden until the reader opens "show whole".
		whole: narrowed,
		before: allHtml.slice(0, shown[0] - span[0]).map((html, i) => ({ n: span[0] + i, html })),
		after: allHtml.slice(shown[1] - span[0] + 1).map((html, i) => ({ n: shown[1] + 1 + i, html })),
	};
}

// What <Chip> needs: the label and the permalink of a pinned place.
export async function chipFor(props, origin) {
	const { tree, trees, lock } = getState();
	const ref = normalizeRef({ ...props, origin });
	const key = refKey(ref);
	const pin = lock.entries[key];
	if (!live(ref)) {
		if (!pin) throw new ExcerptError(`${key} is not pinned in spdk.lock (run npm run spdk:pin with the ${ref.tree} tree present)`, origin);
		return { key, path: ref.path, symbol: ref.symbol, shown: pin.shown, treeLabel: TREE_LABEL[ref.tree], permalink: `${PERMALINKS[ref.tree]}${pin.path}#L${pin.shown[0]}${pin.shown[1] !== pin.shown[0] ? `-L${pin.shown[1]}` : ''}` };
	}
	const { resolved } = await resolveWithAnchors(trees, { ref, origin }, pin?.kind === 'lines' ? pin.sha256 : undefined);
	if (!pin) throw new ExcerptError(`${key} is not pinned in spdk.lock; run npm run spdk:pin`, origin);
	const diff = compareWithPin(resolved, pin);
	if (diff) throw new ExcerptError(`chip ${key}: ${diff}`, origin);
	return { key, path: ref.path, symbol: ref.symbol, shown: resolved.shown, permalink: resolved.permalink, project: ref.tree === 'project', treeLabel: TREE_LABEL[ref.tree] };
}

const esc = (t) => String(t).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

// One line of code: its number is a CSS counter (no bytes per line), h = highlighted, n = noted
// (with an id, and a gutter marker linking to its note(s)).
function lineHtml(l, id, numbers) {
	if (!l.noted) return `<div class="xl${l.hl ? ' h' : ''}">${l.html}</div>`;
	const ks = l.slots.map((s) => numbers[s]);
	return `<div class="xl n${l.hl ? ' h' : ''}" id="${id}-L${l.n}"><a class="xm" href="#${id}-n${ks[0]}" data-n="${ks.join(',')}" aria-label="Note ${ks.join(' and ')}"></a>${l.html}</div>`;
}

// The annotated excerpt as one block of code: runs of lines, each noted line followed by its notes,
// and the rest of a narrowed symbol before and after (.xo, shown with "show whole"). Each visible run
// that starts a numbering resets the line counter, so hidden lines never shift the numbers.
// noteHtml: slot -> rendered note body.
export function excerptBodyHtml(x, noteHtml, id) {
	// .shiki (the palette's scope) is on the runs of code only: the notes between them keep the page's colours.
	const run = (lines, reset, cls = 'xr shiki') => `<div class="${cls}" data-pagefind-ignore${reset === undefined ? '' : ` style="counter-reset:ln ${reset}"`}>${lines.map((l) => lineHtml(l, id, x.numbers)).join('')}</div>`;
	const out = [];
	if (x.before?.length) out.push(run(x.before, x.before[0].n - 1, 'xr xo shiki'));
	x.segments.forEach((seg, i) => {
		const last = seg.lines.at(-1);
		if (seg.notes.length) last.slots = seg.notes;
		out.push(run(seg.lines, i === 0 ? seg.lines[0].n - 1 : undefined));
		for (const slot of seg.notes) {
			const k = x.numbers[slot];
			out.push(`<div class="note" id="${id}-n${k}" role="note" aria-label="Note ${k} on line ${last.n}" data-for="${id}-L${last.n}"><span class="note-n" aria-hidden="true">${k}</span><a class="note-line" href="#${id}-L${last.n}">line ${last.n}</a><div class="note-body">${noteHtml[slot] ?? ''}</div></div>`);
		}
	});
	if (x.after?.length) out.push(run(x.after, x.after[0].n - 1, 'xr xo shiki'));
	return `<div class="xc">${out.join('')}</div>`;
}

// The card text of an excerpt when the site was built without an SPDK tree.
export function missingHtml(x, what, range) {
	const label = x.treeLabel ?? 'SPDK v26.01';
	return `The code of <code>${esc(what)}</code> (${esc(x.path)}, lines ${range}) is read from a local ${esc(label)} tree at build time, and this copy of the site was built without one. Read it <a href="${esc(x.permalink)}" rel="noopener">on GitHub at ${esc(label.replace(/^SPDK /, ''))}</a>, or run <code>npm run spdk:get</code> and rebuild.`;
}
