// The remark step of the site on small MDX strings: chips stay inside their sentence.
import test from 'node:test';
import assert from 'node:assert/strict';
import { parseMdx } from '../../src/lib/pages.js';
import { inlineChips } from '../../src/lib/remark-spdk.js';

const shape = (n) => (n.type === 'text' ? n.value : n.type === 'mdxJsxTextElement' || n.type === 'mdxJsxFlowElement' ? `<${n.type === 'mdxJsxFlowElement' ? 'flow:' : ''}${n.name}>` : n.type === 'inlineCode' ? `\`${n.value}\`` : { [n.type]: n.children.map(shape) });

test('a chip alone on its line joins the sentence around it instead of becoming a block', () => {
	const tree = inlineChips(parseMdx('The mask is `0x1`\n<Chip path="a" symbol="x" />\n<Chip path="b" symbol="y" />:\none reactor.\n\nNext paragraph.\n'));
	assert.deepEqual(tree.children.map(shape), [
		{ paragraph: ['The mask is ', '`0x1`', '\n', '<Chip>', '\n', '<Chip>', ':\none reactor.'] },
		{ paragraph: ['Next paragraph.'] },
	]);
});

test('a chip on the last line of a paragraph, or on the first, stays in that paragraph', () => {
	const tree = inlineChips(parseMdx('Ends with a citation\n<Chip path="a" symbol="x" />\n\n<Chip path="b" symbol="y" />\nstarts a sentence.\n'));
	assert.deepEqual(tree.children.map(shape), [
		{ paragraph: ['Ends with a citation', '\n', '<Chip>'] },
		{ paragraph: ['<Chip>', '\n', 'starts a sentence.'] },
	]);
});

test('chips in list items join their item, and other components are left alone', () => {
	const tree = inlineChips(parseMdx('- an item\n  <Chip path="a" symbol="x" />\n\n<Callout kind="note">\nbody\n</Callout>\n'));
	const item = tree.children[0].children[0];
	assert.deepEqual(item.children.map(shape), [{ paragraph: ['an item', '\n', '<Chip>'] }]);
	assert.equal(tree.children[1].type, 'mdxJsxFlowElement');
	assert.equal(tree.children[1].name, 'Callout');
});

test('a chip with blank lines around it is wrapped in a paragraph, never left a block element', () => {
	const tree = inlineChips(parseMdx('Text.\n\n<Chip path="a" symbol="x" />\n\nMore.\n'));
	assert.deepEqual(tree.children.map(shape), [{ paragraph: ['Text.'] }, { paragraph: ['<Chip>'] }, { paragraph: ['More.'] }]);
});
