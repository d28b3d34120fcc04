// Finds where C symbols are defined, with tree-sitter's C grammar (WebAssembly, so nothing is compiled
// at install time). A symbol is a definition only: a prototype or a forward declaration never counts.
import { createRequire } from 'node:module';
import { Parser, Language } from 'web-tree-sitter';
import { analyseHandlers, statesOf } from './rpc-analysis.js';

const require = createRequire(import.meta.url);
let parserPromise;

async function makeParser() {
	await Parser.init();
	const lang = await Language.load(require.resolve('tree-sitter-c/tree-sitter-c.wasm'));
	const parser = new Parser();
	parser.setLanguage(lang);
	return parser;
}

export function getParser() {
	parserPromise ??= makeParser();
	return parserPromise;
}

// The identifier a declarator finally names: `*foo`, `foo[]`, `foo(void)`, `(*foo)(int)` all name foo.
function declaredName(node) {
	let n = node;
	while (n) {
		if (n.type === 'identifier' || n.type === 'type_identifier' || n.type === 'field_identifier') return n.text;
		n = n.childForFieldName('declarator') ?? n.namedChildren.find((c) => c.type.endsWith('declarator') || c.type === 'identifier');
	}
	return null;
}

// Rows are 0-based in tree-sitter; a preprocessor definition's node swallows the newline that ends it.
function lastRow(node) {
	const end = node.endPosition;
	return end.column === 0 && end.row > node.startPosition.row ? end.row - 1 : end.row;
}

function add(out, name, kind, node, rangeNode = node, extra = undefined) {
	if (!name) return;
	out.push({ name, kind, start: rangeNode.startPosition.row + 1, end: lastRow(rangeNode) + 1, ...extra });
}

const RPC_MACROS = new Set(['SPDK_RPC_REGISTER', 'SPDK_RPC_REGISTER_ALIAS_DEPRECATED']);

function visit(node, out, statement) {
	switch (node.type) {
		case 'function_definition':
			add(out, declaredName(node.childForFieldName('declarator')), 'function', node);
			return; // nothing inside a body is a top-level symbol
		case 'preproc_def':
		case 'preproc_function_def':
			add(out, node.childForFieldName('name')?.text, 'macro', node);
			return;
		case 'struct_specifier':
		case 'union_specifier':
		case 'enum_specifier': {
			const body = node.childForFieldName('body');
			const name = node.childForFieldName('name')?.text;
			if (body && name) add(out, `${node.type.split('_')[0]} ${name}`, node.type.split('_')[0], node, statement ?? node);
			if (body && node.type === 'enum_specifier') {
				for (const e of body.namedChildren) {
					if (e.type === 'enumerator') add(out, e.childForFieldName('name')?.text, 'enumerator', e);
				}
			}
			if (body) for (const c of body.namedChildren) visit(c, out, null);
			return;
		}
		case 'type_definition':
			for (const d of node.childrenForFieldName('declarator')) add(out, declaredName(d), 'typedef', node);
			for (const c of node.namedChildren) if (!c.type.endsWith('declarator')) visit(c, out, node);
			return;
		case 'declaration':
			// A global: a declaration with an initialiser (tables such as an fn_table), or a plain
			// non-extern one. `extern` lines and prototypes are declarations, not definitions.
			if (!node.namedChildren.some((c) => c.type === 'storage_class_specifier' && c.text === 'extern')) {
				for (const d of node.childrenForFieldName('declarator')) {
					if (d.type === 'init_declarator' || (d.type !== 'function_declarator' && !d.descendantsOfType('function_declarator').length)) {
						add(out, declaredName(d), 'variable', node);
					}
				}
			}
			for (const c of node.namedChildren) if (c.type.endsWith('_specifier')) visit(c, out, node);
			return;
		case 'call_expression': {
			const fn = node.childForFieldName('function')?.text;
			if (RPC_MACROS.has(fn)) {
				const [first, second, third] = node.childForFieldName('arguments')?.namedChildren ?? [];
				if (fn === 'SPDK_RPC_REGISTER' && first?.type === 'string_literal') {
					add(out, `rpc:${first.text.slice(1, -1)}`, 'rpc', node, statement ?? node, { handler: second?.text, states: statesOf(third?.text) });
				} else if (fn !== 'SPDK_RPC_REGISTER' && second?.type === 'identifier') {
					// SPDK_RPC_REGISTER_ALIAS_DEPRECATED(method, alias): the old name still answers.
					add(out, `rpc:${second.text}`, 'rpc', node, statement ?? node, { aliasOf: first?.text });
				}
			}
			return;
		}
		case 'expression_statement':
			for (const c of node.namedChildren) visit(c, out, node);
			return;
		case 'compound_statement':
		case 'field_declaration_list':
			return;
		default:
			for (const c of node.namedChildren) visit(c, out, null);
	}
}

// Every symbol defined in one C source text: [{ name, kind, start, end }], lines 1-based and inclusive.
export async function cSymbols(text) {
	const parser = await getParser();
	const tree = parser.parse(text);
	const out = [];
	try {
		visit(tree.rootNode, out, null);
		// For the RPC reference: how each handler registered here replies, and what it can wait for.
		const handlers = out.filter((s) => s.kind === 'rpc' && s.handler).map((s) => s.handler);
		if (handlers.length) {
			const facts = analyseHandlers(tree.rootNode, handlers);
			for (const s of out) if (s.kind === 'rpc' && facts[s.handler]) Object.assign(s, facts[s.handler]);
		}
	} finally {
		tree.delete();
	}
	return out;
}

export function isCFile(path) {
	return /\.(c|h)$/.test(path);
}
