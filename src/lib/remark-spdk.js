// MDX plugins of the site. The remark one gives <Source>, <Chip> and <Diagram> the page's file:line
// (so every error names it), turns a <Source>'s <Note> children into named slots, moves a diagram's
// Mermaid fence into a prop, and links RPC method names in code spans to the generated reference.
// The rehype one gives each section heading a copyable anchor link.
import path from 'node:path';
import { visit, SKIP } from 'unist-util-visit';
import { PROJECT_ROOT, readLock, SPDK_TAG } from './excerpts.js';
import { attrs } from './pages.js';
import { identifierOf, RPC_SHAPE } from './identifiers.js';

const setAttr = (node, name, value) => {
	node.attributes = (node.attributes ?? []).filter((a) => a.name !== name);
	node.attributes.push({ type: 'mdxJsxAttribute', name, value: String(value) });
};

// MDX reads a <Chip /> that stands alone on its line as a block: it ends the paragraph above and
// starts a new one below, so a sentence that cites on its own line breaks into three. A chip is always
// inline: one on its own line joins the paragraph(s) it touches (no blank line between them).
const isFlowChip = (n) => n?.type === 'mdxJsxFlowElement' && n.name === 'Chip';
const isPara = (n) => n?.type === 'paragraph';
export function inlineChips(tree) {
	visit(tree, (parent) => {
		const kids = parent.children;
		if (!kids?.some(isFlowChip)) return undefined;
		for (let i = 0; i < kids.length; i++) {
			const chip = kids[i];
			if (!isFlowChip(chip)) continue;
			const inline = { ...chip, type: 'mdxJsxTextElement' };
			const prev = kids[i - 1];
			const next = kids[i + 1];
			const touchesPrev = isPara(prev) && prev.position && chip.position && prev.position.end.line === chip.position.start.line - 1;
			const touchesNext = isPara(next) && next.position && chip.position && next.position.start.line === chip.position.end.line + 1;
			const nl = { type: 'text', value: '\n' };
			if (touchesPrev) {
				prev.children.push(nl, inline);
				prev.position = { ...prev.position, end: chip.position.end };
				if (touchesNext) {
					prev.children.push({ ...nl }, ...next.children);
					prev.position = { ...prev.position, end: next.position.end };
					kids.splice(i, 2);
				} else kids.splice(i, 1);
				i -= 1;
			} else if (touchesNext) {
				next.children.unshift(inline, nl);
				next.position = { ...next.position, start: chip.position.start };
				kids.splice(i, 1);
				i -= 1;
			} else {
				kids[i] = { type: 'paragraph', position: chip.position, children: [inline] };
			}
		}
		return undefined;
	});
	return tree;
}

export function remarkSpdk() {
	const lock = readLock();
	const rpcNames = new Set(Object.keys(lock.rpc ?? {}));
	// Paths of the tree named in code spans, as the strict check pinned them (so a build without the
	// tree links the same ones): `doc/bdev.md` becomes a link to that file at v26.01.
	const paths = lock.paths ?? {};
	return (tree, vfile) => {
		const file = path.relative(PROJECT_ROOT, vfile.path ?? vfile.history?.[0] ?? 'unknown.mdx');
		const origin = (node) => `${file}:${node.position?.start.line ?? '?'}`;
		inlineChips(tree);
		visit(tree, (node, index, parent) => {
			const isJsx = node.type === 'mdxJsxFlowElement' || node.type === 'mdxJsxTextElement';
			if (isJsx && node.name === 'Source') {
				// Each <Note> becomes a named slot, hoisted out of the paragraphs MDX wraps it in.
				const notes = [];
				const noteNodes = [];
				visit(node, (c) => {
					if (c === node || !(c.type === 'mdxJsxFlowElement' || c.type === 'mdxJsxTextElement') || c.name !== 'Note') return undefined;
					const slot = `note-${notes.length}`;
					const a = attrs(c);
					notes.push({ at: a.at, nth: a.nth, line: a.line, slot });
					setAttr(c, 'slot', slot);
					noteNodes.push({ ...c, type: 'mdxJsxFlowElement' });
					return SKIP;
				});
				node.children = noteNodes;
				setAttr(node, 'notes', JSON.stringify(notes));
				setAttr(node, 'origin', origin(node));
				return SKIP;
			}
			if (isJsx && node.name === 'Chip') {
				setAttr(node, 'origin', origin(node));
				return SKIP;
			}
			if (isJsx && node.name === 'Diagram') {
				const code = (node.children ?? []).find((c) => c.type === 'code');
				setAttr(node, 'code', code?.value ?? '');
				setAttr(node, 'lang', code?.lang ?? '');
				setAttr(node, 'origin', origin(node));
				node.children = [];
				return SKIP;
			}
			if (node.type === 'inlineCode' && parent?.type !== 'link') {
				const id = identifierOf(node.value);
				const name = id && !id.tag && !id.call ? id.name : RPC_SHAPE.test(node.value) ? node.value : null;
				if (name && rpcNames.has(name)) {
					parent.children[index] = { type: 'link', url: `/reference/rpc/#${name}`, title: `RPC method ${name}`, data: { hProperties: { className: ['rpc-link'] } }, children: [node] };
					return SKIP;
				}
				const p = Object.hasOwn(paths, node.value.trim()) ? paths[node.value.trim()] : null;
				if (p) {
					const title = p.to === node.value.trim().replace(/\/$/, '') ? `${p.to} at SPDK ${SPDK_TAG}` : `${p.to} at SPDK ${SPDK_TAG} (${/\.(jinja2|in)$/.test(p.to) ? 'the template it is generated from' : 'its place in the tree'})`;
					parent.children[index] = { type: 'link', url: `https://github.com/spdk/spdk/${p.dir ? 'tree' : 'blob'}/${SPDK_TAG}/${p.to}`, title, data: { hProperties: { className: ['path-link'], rel: 'noopener' } }, children: [node] };
					return SKIP;
				}
			}
			return undefined;
		});
	};
}

// Appends a small "#" link to each h2/h3 that has an id, for readers who copy section links.
export function rehypeHeadingAnchors() {
	return (tree) => {
		visit(tree, 'element', (node) => {
			if ((node.tagName === 'h2' || node.tagName === 'h3') && node.properties?.id) {
				node.children.push({
					type: 'element', tagName: 'a',
					properties: { className: ['anchor'], href: `#${node.properties.id}`, ariaLabel: 'Link to this section', dataPagefindIgnore: '' },
					children: [{ type: 'text', value: '#' }],
				});
			}
		});
	};
}
