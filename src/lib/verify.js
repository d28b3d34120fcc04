// The strict source check and the pin: every excerpt, chip, identifier and RPC name in the pages,
// against an SPDK tree (and the project's own C), compared with or written to spdk.lock.
import { readFileSync, existsSync, statSync, readdirSync } from 'node:fs';
import path from 'node:path';
import {
	PROJECT_ROOT, SourceTree, ExcerptError, resolveRef, anchorLine, lockEntry, compareWithPin, refKey, normalizeRef, sha256,
	defaultLvuDir, LVU_PERMALINK_BASE,
} from './excerpts.js';
import { IdentifierIndex, identifierOf, readSchema, RPC_SHAPE } from './identifiers.js';
import { WAITING_CALLS } from './rpc-analysis.js';
import { parseMdx, collect } from './pages.js';

// cache: a SymbolCache shared by both trees (the check writes it, the build reads it), or none.
export function makeTrees(spdkDir, projectDir = PROJECT_ROOT, { cache = null, lvuDir = defaultLvuDir() } = {}) {
	return {
		spdk: new SourceTree(spdkDir, { name: 'spdk', cache }),
		project: new SourceTree(projectDir, { name: 'project', permalinkBase: null, cache }),
		'libvfio-user': new SourceTree(lvuDir, { name: 'libvfio-user', permalinkBase: LVU_PERMALINK_BASE, cache }),
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

// A code span that is a path of the tree (`doc/jsonrpc.md.jinja2`, `lib/event/`, `CHANGELOG.md`):
// no glob, no leading / or .., a / or a dot in it, and its first part a top-level entry of the tree.
const PATH_SHAPE = /^[A-Za-z0-9_][\w.+-]*(?:\/[\w.+-]+)*\/?$/;
export function pathClaim(value, topLevel) {
	if (!PATH_SHAPE.test(value) || !topLevel.has(value.split('/')[0])) return false;
	return value.includes('/') || value.includes('.');
}

// Where a claimed path is in the tree: itself; a header named by its include path (include/spdk/…);
// or, for a file the build generates, its template (doc/jsonrpc.md from doc/jsonrpc.md.jinja2).
// Returns { to, dir } or null.
export function resolvePath(dir, value) {
	const clean = value.replace(/\/$/, '');
	const candidates = [clean];
	if (clean.endsWith('.h')) candidates.push(`include/spdk/${clean}`, `include/${clean}`);
	candidates.push(`${clean}.jinja2`, `${clean}.in`);
	for (const c of candidates) {
		const abs = path.join(dir, c);
		if (existsSync(abs)) {
			const isDir = statSync(abs).isDirectory();
			if (value.endsWith('/') && !isDir) continue;
			return isDir ? { to: c, dir: true } : { to: c };
		}
	}
	return null;
}

// Runs over pages. mode 'check' compares with lock; mode 'pin' builds a fresh lock.
export async function verify({ files, trees, lock, mode = 'check' }) {
	const errors = [];
	const info = [];
	const entries = {};
	const usedRpc = new Map();
	const paths = {};
	const covered = {};
	const topLevel = new Set(existsSync(trees.spdk.dir) ? readdirSync(trees.spdk.dir) : []);
	const spdkIds = new IdentifierIndex(trees.spdk);
	const projectIds = new IdentifierIndex(trees.project);
	const lvuIds = trees['libvfio-user'] && existsSync(trees['libvfio-user'].dir) ? new IdentifierIndex(trees['libvfio-user']) : null;
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
			if (span.parent?.type !== 'link' && pathClaim(value, topLevel)) {
				const hit = resolvePath(trees.spdk.dir, value);
				if (!hit) {
					fail(span.origin, new ExcerptError(`\`${value}\` looks like a path of the SPDK tree but is no file or directory of ${path.basename(trees.spdk.dir)} (nor a header under include/spdk/, nor generated from a template)`));
				} else {
					paths[value] = hit;
					const pinned = lock.paths?.[value];
					if (mode === 'check' && (!pinned || pinned.to !== hit.to || !!pinned.dir !== !!hit.dir)) {
						fail(span.origin, new ExcerptError(`the path \`${value}\` is not pinned in spdk.lock (it becomes a link to v26.01); run npm run spdk:pin`));
					}
				}
				continue;
			}
			if (RPC_SHAPE.test(value) && (rpcs.has(value) || schema.has(value))) {
				usedRpc.set(value, span.origin);
				continue;
			}
			const id = identifierOf(value);
			if (!id) continue;
			if (!id.tag && (declared.has(id.name) || spdkIds.isProgram(id.name))) continue;
			const hit = (await spdkIds.defines(id.name, id.tag)) ?? (await projectIds.defines(id.name, id.tag))
				?? (lvuIds && /^vfu_/.test(id.name) ? await lvuIds.defines(id.name, id.tag) : null);
			if (!hit) {
				const rpcHint = RPC_SHAPE.test(id.name) ? ' nor registered as an RPC method' : '';
				const lvuHint = /^vfu_/.test(id.name) ? (lvuIds ? ', nor in libvfio-user' : ' (a libvfio-user name? its tree is absent: npm run spdk:get)') : '';
				fail(span.origin, new ExcerptError(`\`${span.value}\` is not defined in SPDK ${path.basename(trees.spdk.dir)} or the project's C${rpcHint}${lvuHint}`));
			}
		}
		// Files the page says it shows in full (frontmatter `covers: [path, …]`): pinned by hash, line
		// count and blank lines, so a coverage test can run without the tree (tests/site/passthru-coverage).
		for (const rel of covers(text)) {
			try {
				const f = await trees.spdk.file(rel);
				if (!f) throw new ExcerptError(`covers: ${rel} is not a file of the SPDK tree`);
				const rec = fileRecord(f.lines);
				covered[rel] = rec;
				const pinned = lock.files?.[rel];
				if (mode === 'check') {
					if (!pinned) fail(`${path.relative(PROJECT_ROOT, abs)}:1`, new ExcerptError(`covers: ${rel} is not pinned in spdk.lock; run npm run spdk:pin`));
					else if (pinned.sha256 !== rec.sha256 || pinned.lines !== rec.lines) fail(`${path.relative(PROJECT_ROOT, abs)}:1`, new ExcerptError(`covers: ${rel} changed (it was ${pinned.lines} lines, sha256 ${pinned.sha256.slice(0, 12)}; it is now ${rec.lines} lines, ${rec.sha256.slice(0, 12)}); re-check the page's coverage and run npm run spdk:pin`));
				}
			} catch (e) {
				fail(`${path.relative(PROJECT_ROOT, abs)}:1`, e);
			}
		}
		for (const d of found.diagrams) {
			if (d.lang !== 'mermaid' || !d.code.trim()) fail(d.origin, new ExcerptError('a <Diagram> needs a ```mermaid fenced block inside it'));
			if (!d.caption) fail(d.origin, new ExcerptError('a <Diagram> needs a caption'));
			if (!d.alt) fail(d.origin, new ExcerptError('a <Diagram> needs a text alternative (alt)'));
		}
	}

	const { rpc, facts } = await rpcPins(trees.spdk, rpcs, [...usedRpc.keys()]);
	if (mode === 'check') {
		for (const e of compareRpcPins(lock, rpc, facts)) errors.push(e);
	}
	return { errors, info, entries, rpc, rpcFacts: facts, paths: Object.fromEntries(Object.keys(paths).sort().map((k) => [k, paths[k]])), files: Object.fromEntries(Object.keys(covered).sort().map((k) => [k, covered[k]])), parses: trees.spdk.parses };
}

// A covered file as pinned: its line count, the sha256 of its lines joined by newlines, and which
// lines are blank (1-based). No code.
export function fileRecord(lines) {
	const blank = [];
	lines.forEach((l, i) => { if (!l.trim()) blank.push(i + 1); });
	return { lines: lines.length, sha256: sha256(lines.join('\n')), blank };
}

// The SPDK files a page declares it shows every non-blank line of: frontmatter `covers: [a, b]`.
export function covers(text) {
	const fm = /^---\n([\s\S]*?)\n---/.exec(text)?.[1] ?? '';
	const m = /^covers:\s*\[([^\]]*)\]/m.exec(fm);
	return m ? m[1].split(',').map((x) => x.trim().replace(/^['"]|['"]$/g, '')).filter(Boolean) : [];
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

// The project's own code shown by pages (tree="project": iowatch/, labs) against its pins in
// spdk.lock, with no SPDK tree needed: every such excerpt and chip is re-resolved from projectDir
// and compared by hash. Returns [{ origin: 'src/pages/…mdx:line', message }].
export async function checkProjectPins({ files, lock, projectDir = PROJECT_ROOT }) {
	const project = new SourceTree(projectDir, { name: 'project', permalinkBase: null });
	const errors = [];
	for (const abs of files) {
		const found = collect(parseMdx(readFileSync(abs, 'utf8')), path.relative(PROJECT_ROOT, abs));
		for (const item of [...found.sources, ...found.chips]) {
			if (item.ref.tree !== 'project') continue;
			try {
				const key = refKey(normalizeRef({ ...item.ref, origin: item.origin }));
				const pin = lock.entries[key];
				if (!pin) throw new ExcerptError(`${key} is not pinned in spdk.lock; run npm run spdk:pin`);
				const { resolved } = await resolveWithAnchors({ project }, item, pin.kind === 'lines' ? pin.sha256 : undefined);
				const diff = compareWithPin(resolved, pin);
				if (diff) throw new ExcerptError(`excerpt ${key}: ${diff}`);
			} catch (e) {
				errors.push({ origin: e?.origin ?? item.origin, message: e instanceof ExcerptError ? e.detail : String(e?.stack ?? e) });
			}
		}
	}
	return errors;
}

// ---- the RPC reference's pins -------------------------------------------------------------------

// Where the methods the reference lists are registered: the libraries every SPDK application links
// (lib/, module/). examples/ and test/ register methods of their own programs (bdevperf's
// perform_tests ...); those are pinned only when a page names them.
export const RPC_LIBRARY_DIRS = ['lib/', 'module/'];
export const isLibraryRpc = (rel) => RPC_LIBRARY_DIRS.some((d) => rel?.startsWith(d));

// The definitions the reference's explanations rest on: the state flags, the dispatcher that checks
// them, and, for each waiting call, the code that makes it wait.
export const RPC_FACT_SYMBOLS = {
	'state:startup': { path: 'include/spdk/rpc.h', symbol: 'SPDK_RPC_STARTUP' },
	'state:runtime': { path: 'include/spdk/rpc.h', symbol: 'SPDK_RPC_RUNTIME' },
	dispatch: { path: 'lib/rpc/rpc.c', symbol: 'jsonrpc_handler' },
	alias: { path: 'lib/rpc/rpc.c', symbol: 'spdk_rpc_register_alias_deprecated' },
	relaxed: { path: 'lib/json/json_util.c', symbol: '_json_decode_object' },
	...Object.fromEntries(Object.entries(WAITING_CALLS).map(([call, def]) => [`waits:${call}`, def])),
};

const short = (text) => sha256(text).slice(0, 16);

// One lock record per method: registration, handler (span and a hash of its text), states, how it
// replies and what it can wait for. Every library method, plus the others `mentioned` names.
export async function rpcPins(tree, rpcs, mentioned = []) {
	const rpc = {};
	const names = new Set([...[...rpcs].filter(([, r]) => isLibraryRpc(r.rel)).map(([n]) => n), ...mentioned]);
	for (const name of [...names].sort()) {
		const reg = rpcs.get(name);
		if (!reg) { rpc[name] = { schemaOnly: true }; continue; } // in the schema, registered nowhere in C
		const target = reg.aliasOf ? rpcs.get(reg.aliasOf) : reg;
		const file = target ? await tree.file(target.rel) : null;
		const handler = file?.symbols.find((s) => s.name === target.handler && s.kind === 'function');
		const e = { path: reg.rel, line: reg.line };
		if (reg.aliasOf) e.aliasOf = reg.aliasOf;
		e.handler = target?.handler;
		if (handler) {
			if (target.rel !== reg.rel) e.handlerPath = target.rel;
			e.handlerSpan = [handler.start, handler.end];
			e.sha256 = short(file.lines.slice(handler.start - 1, handler.end).join('\n'));
		}
		e.states = target?.states ?? null;
		e.reply = target?.reply?.kind ?? 'undetermined';
		if (target?.reply?.via?.length) e.replyVia = target.reply.via;
		if (target?.waits?.length) e.waits = target.waits;
		if (target?.relaxed) e.relaxed = target.relaxed;
		if (reg.also) e.also = reg.also.map((a) => ({ path: a.rel, line: a.line }));
		rpc[name] = e;
	}
	const facts = {};
	for (const [key, def] of Object.entries(RPC_FACT_SYMBOLS)) {
		const file = await tree.file(def.path);
		const s = file?.symbols?.find((x) => x.name === def.symbol && (x.kind === 'function' || x.kind === 'macro'));
		facts[key] = s ? { path: def.path, symbol: def.symbol, span: [s.start, s.end], sha256: short(file.lines.slice(s.start - 1, s.end).join('\n')) } : { path: def.path, symbol: def.symbol, missing: true };
	}
	return { rpc, facts };
}

const FIELD_NAMES = {
	path: 'registration file', line: 'registration line', aliasOf: 'alias target', handler: 'handler', handlerPath: 'handler file',
	handlerSpan: 'handler lines', sha256: 'handler text', states: 'allowed states', reply: 'reply analysis',
	replyVia: 'reply callbacks', waits: 'waiting calls', relaxed: 'relaxed decode line', also: 'other registrations', schemaOnly: 'schema-only flag',
};

// What differs between the pinned RPC records and the tree's: one error per method, naming it and its file.
export function compareRpcPins(lock, rpc, facts) {
	const errors = [];
	const pinned = lock.rpc ?? {};
	const hint = 'check the reference entry (and the pages that explain it), then run npm run spdk:pin';
	for (const name of [...new Set([...Object.keys(pinned), ...Object.keys(rpc)])].sort()) {
		const was = pinned[name];
		const now = rpc[name];
		if (!now) {
			errors.push({ origin: was.path ? `${was.path}:${was.line}` : 'spdk.lock', message: `RPC method ${name} is pinned in spdk.lock but ${was.path ? `no longer registered at ${was.path}` : 'not in the tree'}; ${hint}` });
			continue;
		}
		if (!was) {
			errors.push({ origin: now.path ? `${now.path}:${now.line}` : 'spdk.lock', message: `RPC method ${name} is registered${now.path ? ` in ${now.path}` : ''} but not pinned in spdk.lock; run npm run spdk:pin` });
			continue;
		}
		const changed = Object.keys(FIELD_NAMES).filter((k) => JSON.stringify(was[k]) !== JSON.stringify(now[k]));
		if (changed.length) {
			const detail = changed.map((k) => (k === 'sha256' ? FIELD_NAMES[k] : `${FIELD_NAMES[k]} ${JSON.stringify(was[k]) ?? 'none'} -> ${JSON.stringify(now[k]) ?? 'none'}`)).join('; ');
			errors.push({ origin: `${now.path ?? was.path}:${now.line ?? was.line}`, message: `RPC method ${name} (${now.handlerPath ?? now.path}) changed since it was pinned: ${detail}; ${hint}` });
		}
	}
	for (const [key, f] of Object.entries(facts)) {
		const was = lock.rpcFacts?.[key];
		if (f.missing && (!was || was.missing)) continue; // a tree without it (the test fixtures): nothing to check
		if (f.missing) errors.push({ origin: f.path, message: `the RPC reference explains ${key} with ${f.symbol} in ${f.path}, which the tree no longer defines` });
		else if (!was) errors.push({ origin: `${f.path}:${f.span[0]}`, message: `the RPC reference's fact ${key} (${f.symbol}) is not pinned; run npm run spdk:pin` });
		else if (was.sha256 !== f.sha256 || was.span.join() !== f.span.join()) errors.push({ origin: `${f.path}:${f.span[0]}`, message: `${f.symbol} (${f.path}), which the RPC reference cites for ${key}, changed or moved since it was pinned (lines ${was.span.join('-')} -> ${f.span.join('-')}); re-read it, then run npm run spdk:pin` });
	}
	return errors;
}
