// MDX plugins of the site. The remark one gives <Source>, <Chip> and <Diagram> the page's file:line
// (so every error names it), turns a <Source>'s <Note> children into named slots, moves a diagram's
// Mermaid fence into a prop, and links RPC method names in code spans to the generated reference.
// The rehype one gives each section heading a copyable anchor link.
import path from 'node:path';
import { visit, SKIP } from 'unist-util-visit';
import { PROJECT_ROOT, readLock } from './excerpts.js';
import { attrs } from './pages.js';
import { identifierOf, RPC_SHAPE } from './identifiers.js';

const setAttr = (node, name, value) => {
	node.attributes = (node.attributes ?? []).filter((a) => a.name !== name);
	node.attributes.push({ type: 'mdxJsxAttribute', name, value: String(value) });
};

export function remarkSpdk() {
	const rpcNames = new Set(Object.keys(readLock().rpc ?? {}));
	return (tree, vfile) => {
		const file = path.relative(PROJECT_ROOT, vfile.path ?? vfile.history?.[0] ?? 'unknown.mdx');
		const origin = (node) => `${file}:${node.position?.start.line ?? '?'}`;
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
