// Data for the generated RPC reference: every RPC method the pages mention (from spdk.lock), its C
// registration and handler, the pages that mention it, and, with the tree, its parameters from
// v26.01's schema/schema.json. Sorted by group (first word of the name), canonical names before aliases.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { readLock, inspectTree, PERMALINK_BASE, PROJECT_ROOT } from './excerpts.js';
import { readSchema } from './identifiers.js';
import { collect, parseMdx, manifestPages } from './pages.js';

export function rpcReference() {
	const lock = readLock();
	const tree = inspectTree();
	const schema = tree.present && tree.versionOk ? readSchema(tree.dir) : null;
	const mentions = new Map();
	for (const p of manifestPages().filter((x) => x.ready)) {
		const found = collect(parseMdx(readFileSync(p.file, 'utf8')), path.relative(PROJECT_ROOT, p.file));
		for (const s of found.codeSpans) {
			if (!lock.rpc[s.value]) continue;
			if (!mentions.has(s.value)) mentions.set(s.value, new Map());
			mentions.get(s.value).set(p.id, p);
		}
	}
	return Object.entries(lock.rpc).map(([name, r]) => ({
		name,
		...r,
		registration: r.path ? { label: `${r.path}:${r.line}`, url: `${PERMALINK_BASE}${r.path}#L${r.line}` } : null,
		handlerLink: r.handlerSpan ? { label: `${r.path.split('/').pop()}:${r.handlerSpan[0]}-${r.handlerSpan[1]}`, url: `${PERMALINK_BASE}${r.path}#L${r.handlerSpan[0]}-L${r.handlerSpan[1]}` } : null,
		params: schema ? (schema.get(name)?.params ?? null) : undefined,
		pages: [...(mentions.get(name)?.values() ?? [])],
		group: (r.aliasOf ?? name).split('_')[0],
	})).sort((a, b) => a.group.localeCompare(b.group) || Number(!!a.aliasOf) - Number(!!b.aliasOf) || a.name.localeCompare(b.name));
}

// The reference's index: methods grouped by the first word of their name (bdev_, nvmf_, thread_ ...),
// canonical names first and deprecated aliases after them, in the order rpcReference() returns.
export function rpcGroups(methods) {
	const groups = new Map();
	for (const m of methods) {
		if (!groups.has(m.group)) groups.set(m.group, []);
		groups.get(m.group).push(m);
	}
	return [...groups].map(([prefix, list]) => ({ prefix, id: `group-${prefix}`, methods: list }));
}
