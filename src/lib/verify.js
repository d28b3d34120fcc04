// The strict source check and the pin: every excerpt, chip, identifier and RPC name in the pages,
// against an SPDK tree (and the project's own C), compared with or written to spdk.lock.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import {
	PROJECT_ROOT, SourceTree, ExcerptError, resolveRef, anchorLine, lockEntry, compareWithPin, refKey, normalizeRef,
} from './excerpts.js';
import { IdentifierIndex, identifierOf, readSchema, RPC_SHAPE } from './identifiers.js';
import { parseMdx, collect } from './pages.js';

export function makeTrees(spdkDir, projectDir = PROJECT_ROOT) {
	return {
		spdk: new SourceTree(spdkDir, { name: 'spdk' }),
		project: new SourceTree(projectDir, { name: 'project', permalinkBase: null }),
	};
}

// Resolves one <Source>/<Chip> reference plus the lines its notes and highlights point at.
export async function resolveWithAnchors(trees, item, expectedSha) {
	const ref = normalizeRef({ ...item.ref, origin: item.origin });
	const resolved = await resolveRef(trees[ref.tree], ref, { origin: item.origin, expectedSha });
	const anchors = {};
	for (const n of item.notes ?? []) {
		const line = anchorLine(resolved, n, n.origin);
		if (n.at) anchors[`at:${n.at}${n.nth ? `#${n.nth}` : ''}`] = line;
		else anchors[`line:${n.line}`] = line;
	}
	for (const h of item.highlight ?? []) {
		const line = anchorLine(resolved, { at: h }, item.origin);
		anchors[`at:${h}`] = line;
	}
	return { resolved, anchors };
}

// Runs over pages. mode 'check' compares with lock; mode 'pin' builds a fresh lock.
export async function verify({ files, trees, lock, mode = 'check' }) {
	const errors = [];
	const info = [];
	const entries = {};
	const usedRpc = new Map();
	const spdkIds = new IdentifierIndex(trees.spdk);
	const projectIds = new IdentifierIndex(trees.project);
	const rpcs = await spdkIds.rpcMethods();
	const schema = readSchema(trees.spdk.dir);
	const fail = (origin, e) => errors.push({ origin: e?.origin ?? origin, message: e instanceof ExcerptError ? e.detail : String(e?.stack ?? e) });

	for (const abs of files) {
		const rel = path.relative(PROJECT_ROOT, abs);
		const text = readFileSync(abs, 'utf8');
		const found = collect(parseMdx(text), rel);
		const declared = new Set(runtimeNames(text));
		for (const item of [...found.sources, ...found.chips]) {
			let key;
			try {
				key = refKey(normalizeRef({ ...item.ref, origin: item.origin }));
				const pin = lock.entries[key];
				const { resolved, anchors } = await resolveWithAnchors(trees, item, pin?.kind === 'lines' ? pin.sha256 : undefined);
				const entry = lockEntry(resolved, { ...(entries[key]?.anchors ?? {}), ...anchors });
				entries[key] = entry;
				if (mode === 'check') {
					if (!pin) {
						fail(item.origin, new ExcerptError(`${key} is not pinned in spdk.lock; run npm run spdk:pin`));
					} else {
						const diff = compareWithPin(resolved, pin);
						if (diff) fail(item.origin, new ExcerptError(`excerpt ${key}: ${diff}`));
						else if (pin.span?.join() !== resolved.span.join()) {
							info.push(`${item.origin}: ${key} moved from lines ${pin.span.join('-')} to ${resolved.span.join('-')} (text unchanged; npm run spdk:pin updates the lock)`);
						}
						for (const [k, line] of Object.entries(anchors)) {
							if (pin.anchors?.[k] === undefined) fail(item.origin, new ExcerptError(`${key}: the anchor ${k} is not pinned; run npm run spdk:pin`));
							else if (pin.anchors[k] !== line) info.push(`${item.origin}: ${key} anchor ${k} moved to line ${line}`);
						}
					}
				}
			} catch (e) {
				fail(item.origin, e);
			}
		}
		for (const span of found.codeSpans) {
			const value = span.value.trim();
			if (RPC_SHAPE.test(value) && (rpcs.has(value) || schema.has(value))) {
				usedRpc.set(value, span.origin);
				continue;
			}
			const id = identifierOf(value);
			if (!id) continue;
			if (!id.tag && (declared.has(id.name) || spdkIds.isProgram(id.name))) continue;
			const hit = (await spdkIds.defines(id.name, id.tag)) ?? (await projectIds.defines(id.name, id.tag));
			if (!hit) {
				const rpcHint = RPC_SHAPE.test(id.name) ? ' nor registered as an RPC method' : '';
				fail(span.origin, new ExcerptError(`\`${span.value}\` is not defined in SPDK ${path.basename(trees.spdk.dir)} or the project's C${rpcHint}`));
			}
		}
		for (const d of found.diagrams) {
			if (d.lang !== 'mermaid' || !d.code.trim()) fail(d.origin, new ExcerptError('a <Diagram> needs a ```mermaid fenced block inside it'));
			if (!d.caption) fail(d.origin, new ExcerptError('a <Diagram> needs a caption'));
			if (!d.alt) fail(d.origin, new ExcerptError('a <Diagram> needs a text alternative (alt)'));
		}
	}

	const rpc = {};
	for (const [name] of [...usedRpc].sort()) {
		const reg = rpcs.get(name);
		if (!reg) {
			// Listed in the schema but registered nowhere in C: still a name SPDK documents.
			rpc[name] = { schemaOnly: true };
			continue;
		}
		const target = reg.aliasOf ? rpcs.get(reg.aliasOf) : reg;
		const file = await trees.spdk.file(reg.rel);
		const handler = file.symbols.find((s) => s.name === target?.handler && s.kind === 'function');
		rpc[name] = { path: reg.rel, line: reg.line, handler: target?.handler, aliasOf: reg.aliasOf, handlerSpan: handler ? [handler.start, handler.end] : undefined };
	}
	return { errors, info, entries, rpc, parses: trees.spdk.parses };
}

// Names a page declares in its frontmatter as runtime names rather than C identifiers (thread names
// such as nvmf_tgt_poll_group_000, bdev names): `runtimeNames: [a, b]`.
export function runtimeNames(text) {
	const fm = /^---\n([\s\S]*?)\n---/.exec(text)?.[1] ?? '';
	const m = /^runtimeNames:\s*\[([^\]]*)\]/m.exec(fm);
	return m ? m[1].split(',').map((x) => x.trim().replace(/^['"]|['"]$/g, '')).filter(Boolean) : [];
}

export function formatErrors(errors) {
	return errors.map((e) => `${e.origin}: ${e.message}`).join('\n');
}
