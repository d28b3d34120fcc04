// Data for the generated RPC reference: every RPC method SPDK v26.01's libraries (lib/, module/)
// register, plus any other method a page names, all from spdk.lock (so a build without the tree shows
// the same registrations, handlers, states and reply facts); with the tree, parameters from v26.01's
// schema/schema.json. The pages that mention each method, and curated facts from src/data/rpc-facts.json.
// Sorted by group (first word of the name), canonical names before aliases; methods registered only
// outside the libraries come last, in their own group.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { readLock, inspectTree, PERMALINK_BASE, PROJECT_ROOT } from './excerpts.js';
import { readSchema } from './identifiers.js';
import { collect, parseMdx, manifestPages } from './pages.js';

export const OTHER_GROUP = 'other programs';
export const CURATED_FILE = path.join(PROJECT_ROOT, 'src/data/rpc-facts.json');
export const readCurated = () => JSON.parse(readFileSync(CURATED_FILE, 'utf8'));

// What each waiting call means, in the reference's words (checked against the pinned definitions in
// spdk.lock's rpcFacts: the link next to each explanation).
export const WAIT_TEXT = {
	spdk_nvmf_subsystem_pause: 'pauses the subsystem: each poll group waits for its outstanding admin commands and, when the pause names a namespace, for that namespace\'s outstanding I/O, before the RPC goes on',
	spdk_for_each_thread: 'sends a message to every SPDK thread, one after another, and completes back on the calling thread after the last one: the reply waits for every thread to get a turn',
	spdk_for_each_channel: 'visits, one after another, every thread holding an I/O channel of the device, then completes on the calling thread: the reply waits for each of those threads',
	spdk_bdev_for_each_channel: 'visits every channel of the bdev (spdk_for_each_channel underneath): the reply waits for each thread holding one',
};

export const WAIT_SHORT = {
	spdk_nvmf_subsystem_pause: 'pauses the subsystem',
	spdk_for_each_thread: 'visits every thread',
	spdk_for_each_channel: 'visits every thread with a channel',
	spdk_bdev_for_each_channel: 'visits every thread with a channel of the bdev',
};

export const REPLY_TEXT = {
	immediate: 'answers before the handler returns',
	callback: 'answers later, from a callback',
	mixed: 'answers at once on some paths, later from a callback on others',
	undetermined: 'not determined',
};

const link = (rel, a, b) => `${PERMALINK_BASE}${rel}#L${a}${b && b !== a ? `-L${b}` : ''}`;

export function isLibraryPath(rel) {
	return /^(lib|module)\//.test(rel ?? '');
}

export function rpcReference({ lock = readLock(), schemaDir } = {}) {
	const tree = schemaDir ? { present: true, versionOk: true, dir: schemaDir } : inspectTree();
	const schema = tree.present && tree.versionOk ? readSchema(tree.dir) : null;
	const facts = lock.rpcFacts ?? {};
	const pagesById = new Map(manifestPages().map((p) => [p.id, p]));
	const mentions = new Map();
	for (const p of manifestPages().filter((x) => x.ready)) {
		const found = collect(parseMdx(readFileSync(p.file, 'utf8')), path.relative(PROJECT_ROOT, p.file));
		for (const s of found.codeSpans) {
			if (!lock.rpc[s.value]) continue;
			if (!mentions.has(s.value)) mentions.set(s.value, new Map());
			mentions.get(s.value).set(p.id, p);
		}
	}
	const curated = readCurated();
	const factLink = (key) => (facts[key]?.span ? { label: `${facts[key].path.split('/').pop()}:${facts[key].span[0]}`, url: link(facts[key].path, facts[key].span[0], facts[key].span[1]), symbol: facts[key].symbol } : null);
	return Object.entries(lock.rpc).map(([name, r]) => {
		const hfile = r.handlerPath ?? r.path;
		const library = isLibraryPath(r.path);
		const notes = curated.filter((c) => c.method === name).map((c) => {
			const [id, anchor] = c.page.split('#');
			const page = pagesById.get(id);
			return { fact: c.fact, url: page ? `${page.url}${anchor ? `#${anchor}` : ''}` : null, title: page?.title ?? id };
		});
		return {
			name,
			...r,
			library,
			registration: r.path ? { label: `${r.path}:${r.line}`, url: link(r.path, r.line) } : null,
			handlerLink: r.handlerSpan ? { label: `${hfile.split('/').pop()}:${r.handlerSpan[0]}-${r.handlerSpan[1]}`, url: link(hfile, r.handlerSpan[0], r.handlerSpan[1]) } : null,
			stateLabel: Array.isArray(r.states) ? r.states.join(' and ') : 'not determined',
			replyLabel: REPLY_TEXT[r.reply ?? 'undetermined'] ?? REPLY_TEXT.undetermined,
			replyLinks: (r.replyVia ?? []).map((v) => ({ fn: v.fn, label: `${hfile.split('/').pop()}:${v.line}`, url: link(hfile, v.line) })),
			waitList: (r.waits ?? []).map((w) => ({ ...w, text: WAIT_TEXT[w.call] ?? null, label: `${hfile.split('/').pop()}:${w.line}`, url: link(hfile, w.line), why: factLink(`waits:${w.call}`) })),
			relaxedLink: r.relaxed ? { label: `${hfile.split('/').pop()}:${r.relaxed}`, url: link(hfile, r.relaxed), why: factLink('relaxed') } : null,
			alsoLinks: (r.also ?? []).map((a) => ({ label: `${a.path}:${a.line}`, url: link(a.path, a.line) })),
			params: schema ? (schema.get(r.aliasOf ?? name)?.params ?? null) : undefined,
			pages: [...(mentions.get(name)?.values() ?? [])],
			notes,
			group: library || !r.path ? (r.aliasOf ?? name).split('_')[0] : OTHER_GROUP,
		};
	}).sort((a, b) => Number(a.group === OTHER_GROUP) - Number(b.group === OTHER_GROUP) || a.group.localeCompare(b.group) || Number(!!a.aliasOf) - Number(!!b.aliasOf) || a.name.localeCompare(b.name));
}

// The links the page's "how it is decided" section cites, from the pinned facts.
export function rpcFactLinks(lock = readLock()) {
	const out = {};
	for (const [k, f] of Object.entries(lock.rpcFacts ?? {})) if (f.span) out[k] = { label: `${f.path}:${f.span[0]}`, url: link(f.path, f.span[0], f.span[1]), symbol: f.symbol };
	return out;
}

// The reference's index: methods grouped by the first word of their name (bdev_, nvmf_, thread_ ...),
// canonical names first and deprecated aliases after them, in the order rpcReference() returns.
export function rpcGroups(methods) {
	const groups = new Map();
	for (const m of methods) {
		if (!groups.has(m.group)) groups.set(m.group, []);
		groups.get(m.group).push(m);
	}
	return [...groups].map(([prefix, list]) => ({ prefix, id: prefix === OTHER_GROUP ? 'group-other' : `group-${prefix}`, other: prefix === OTHER_GROUP, methods: list }));
}
