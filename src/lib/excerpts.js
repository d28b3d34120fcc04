// The source-excerpt system: turns a reference written in a page (path + symbol, optionally narrowed)
// into line ranges and text from an SPDK tree, and compares it with the pins in spdk.lock.
// Pages never hold SPDK code; the lock holds only paths, names, line numbers and hashes.
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync, mkdirSync, renameSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { cSymbols, isCFile } from './csymbols.js';

export const PROJECT_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const SPDK_TAG = 'v26.01';
export const SPDK_VERSION = '26.01';
export const LOCK_PATH = process.env.SPDK_LOCK ? path.resolve(process.env.SPDK_LOCK) : path.join(PROJECT_ROOT, 'spdk.lock');
export const PERMALINK_BASE = `https://github.com/spdk/spdk/blob/${SPDK_TAG}/`;
// libvfio-user at the commit SPDK v26.01 pins as its submodule (git ls-tree v26.01 libvfio-user):
// Layer 7 cites it with tree="libvfio-user", pinned and checked like SPDK code.
export const LVU_COMMIT = 'f922ada35b3ef47407687d19c63db1ea19c96550';
export const LVU_REPO = 'https://github.com/nutanix/libvfio-user';
export const LVU_PERMALINK_BASE = `${LVU_REPO}/blob/${LVU_COMMIT}/`;
export const TREES = ['spdk', 'project', 'libvfio-user'];
// What a reader sees in a chip's or excerpt's title for each tree.
export const TREE_LABEL = { spdk: `SPDK ${SPDK_TAG}`, 'libvfio-user': `libvfio-user ${LVU_COMMIT.slice(0, 7)}`, project: "the project's own code" };

export class ExcerptError extends Error {
	constructor(message, origin) {
		super(origin ? `${origin}: ${message}` : message);
		this.origin = origin;
		this.detail = message;
	}
}

export function defaultLvuDir() {
	return process.env.LIBVFIO_USER_DIR ? path.resolve(process.env.LIBVFIO_USER_DIR) : path.join(PROJECT_ROOT, `libvfio-user_${LVU_COMMIT.slice(0, 7)}`);
}

// What the libvfio-user tree at dir is: { present, dir, commit, reason }. A git checkout must be at
// LVU_COMMIT; a plain copy must carry a .libvfio-user-commit file naming it (npm run spdk:get writes one).
export function inspectLvuTree(dir = defaultLvuDir()) {
	if (process.env.SPDK_EXCERPTS === 'off') return { present: false, dir, reason: 'excerpt resolution is off (SPDK_EXCERPTS=off)' };
	if (!existsSync(path.join(dir, 'lib/libvfio-user.c'))) return { present: false, dir, reason: `no libvfio-user tree at ${dir}` };
	let commit = null;
	const marker = path.join(dir, '.libvfio-user-commit');
	if (existsSync(marker)) commit = readFileSync(marker, 'utf8').trim();
	else {
		try { commit = execFileSync('git', ['-C', dir, 'rev-parse', 'HEAD'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim(); } catch { /* not a git checkout */ }
	}
	return { present: true, dir, commit, commitOk: commit === LVU_COMMIT };
}

export function defaultTreeDir() {
	return process.env.SPDK_DIR ? path.resolve(process.env.SPDK_DIR) : path.join(PROJECT_ROOT, 'spdk_v26_01_migration');
}

// What the tree at dir is: { present, dir, version, reason }. A tree of another version is present but
// unusable for the build (the drift command is the way to compare versions).
export function inspectTree(dir = defaultTreeDir()) {
	if (process.env.SPDK_EXCERPTS === 'off') return { present: false, dir, reason: 'excerpt resolution is off (SPDK_EXCERPTS=off)' };
	if (!existsSync(path.join(dir, 'include/spdk/bdev.h'))) {
		return { present: false, dir, reason: `no SPDK tree at ${dir}` };
	}
	const versionFile = path.join(dir, 'VERSION');
	const version = existsSync(versionFile) ? readFileSync(versionFile, 'utf8').trim() : 'unknown';
	return { present: true, dir, version, versionOk: version === SPDK_VERSION || version.startsWith(`${SPDK_VERSION}.`) };
}

export function sha256(text) {
	return createHash('sha256').update(text).digest('hex');
}

// Eight hex digits per line: enough to say which lines of a pinned symbol changed, and no code.
export function lineHashes(lines) {
	return lines.map((l) => sha256(l).slice(0, 8)).join('');
}

// The C symbols of each parsed file, keyed by the sha256 of its text, shared between processes: the
// strict check (run by npm run build first) writes it, and the Astro build reads it, so a file is
// parsed once per change, not once per command. A different parser (csymbols.js, rpc-analysis.js) starts it afresh.
export const SYMBOL_CACHE = process.env.SPDK_SYMBOL_CACHE
	? path.resolve(process.env.SPDK_SYMBOL_CACHE)
	: path.join(PROJECT_ROOT, 'node_modules/.cache/spdk-excerpts/symbols.json');
// (Read by path from the project root: the Astro build bundles this module into another folder.)
const PARSER_ID = (() => {
	try { return sha256(['csymbols.js', 'rpc-analysis.js'].map((f) => readFileSync(path.join(PROJECT_ROOT, 'src/lib', f), 'utf8')).join('\n')).slice(0, 16); } catch { return 'unknown'; }
})();

export class SymbolCache {
	constructor(file = SYMBOL_CACHE) {
		this.file = file;
		this.map = new Map();
		this.hits = 0;
		this.dirty = false;
		try {
			const data = JSON.parse(readFileSync(file, 'utf8'));
			if (data.parser === PARSER_ID) this.map = new Map(Object.entries(data.files));
		} catch { /* no cache yet, or unreadable: parse */ }
	}

	get(sha) {
		const hit = this.map.get(sha);
		if (hit) this.hits += 1;
		return hit;
	}

	set(sha, symbols) {
		this.map.set(sha, symbols);
		this.dirty = true;
	}

	save() {
		if (!this.dirty) return;
		mkdirSync(path.dirname(this.file), { recursive: true });
		const tmp = `${this.file}.${process.pid}.tmp`;
		writeFileSync(tmp, JSON.stringify({ parser: PARSER_ID, files: Object.fromEntries(this.map) }));
		renameSync(tmp, this.file);
		this.dirty = false;
	}
}

// One parsed file per path per tree and process: a build parses each SPDK file at most once, and
// not at all when the symbol cache already knows its text.
export class SourceTree {
	constructor(dir, { name = 'spdk', permalinkBase = PERMALINK_BASE, cache = null } = {}) {
		this.dir = dir;
		this.name = name;
		this.permalinkBase = permalinkBase;
		this.cache = cache;
		this.files = new Map();
		this.parses = 0;
	}

	async file(rel) {
		let entry = this.files.get(rel);
		if (!entry) {
			entry = this.#load(rel);
			this.files.set(rel, entry);
		}
		return entry;
	}

	async #load(rel) {
		const abs = path.join(this.dir, rel);
		if (!existsSync(abs)) return null;
		const text = readFileSync(abs, 'utf8');
		const lines = text.split('\n');
		if (lines.at(-1) === '') lines.pop();
		let symbols = null;
		if (isCFile(rel)) {
			const sha = this.cache ? sha256(text) : null;
			symbols = sha ? this.cache.get(sha) : undefined;
			if (!symbols) {
				this.parses += 1;
				symbols = await cSymbols(text);
				if (sha) this.cache.set(sha, symbols);
			}
		}
		return { rel, lines, symbols };
	}

	permalink(rel, a, b) {
		if (!this.permalinkBase) return null;
		return `${this.permalinkBase}${rel}#L${a}${b && b !== a ? `-L${b}` : ''}`;
	}
}

// A reference as written in a page, normalised. Keys are the stable identity used in spdk.lock.
export function normalizeRef(raw) {
	const ref = {
		tree: raw.tree ?? 'spdk',
		path: raw.path,
		symbol: raw.symbol || undefined,
		occurrence: raw.occurrence ? Number(raw.occurrence) : undefined,
		from: raw.from || undefined,
		to: raw.to || undefined,
		lines: raw.lines ? String(raw.lines) : undefined,
		at: raw.at || undefined,
	};
	if (!TREES.includes(ref.tree)) throw new ExcerptError(`tree="${ref.tree}" is not a source tree (${TREES.join(', ')})`, raw.origin);
	if (!ref.path) throw new ExcerptError('an excerpt or chip needs a path', raw.origin);
	if (ref.at && (ref.from || ref.to || ref.lines)) throw new ExcerptError('use either at or from/to/lines, not both', raw.origin);
	if (!ref.symbol && !ref.lines && !ref.at && !ref.from) {
		throw new ExcerptError(`${ref.path}: name a symbol, or give lines="a-b" for a file that is not C`, raw.origin);
	}
	return ref;
}

export function refKey(ref) {
	let key = `${ref.tree === 'spdk' ? '' : `${ref.tree}:`}${ref.path}`;
	if (ref.symbol) key += `#${ref.symbol}`;
	if (ref.occurrence) key += `[${ref.occurrence}]`;
	if (ref.lines) key += `:${ref.lines}`;
	if (ref.from || ref.to) key += `@${ref.from ?? ''}..${ref.to ?? ''}`;
	if (ref.at) key += `!${ref.at}`;
	return key;
}

function parseRange(spec, origin) {
	const m = /^\s*(\d+)\s*(?:-\s*(\d+))?\s*$/.exec(spec);
	if (!m) throw new ExcerptError(`lines="${spec}" is not a line or a range like 5-20`, origin);
	const a = Number(m[1]);
	const b = m[2] ? Number(m[2]) : a;
	if (a < 1 || b < a) throw new ExcerptError(`lines="${spec}" is not a valid range`, origin);
	return [a, b];
}

// First line number in [a, b] whose text contains marker, counting the nth such line.
export function findMarker(lines, marker, a, b, nth = 1) {
	let seen = 0;
	for (let i = a; i <= b; i++) {
		if (lines[i - 1].includes(marker) && ++seen === nth) return i;
	}
	return 0;
}

function locateSymbol(file, ref, origin) {
	const { symbol } = ref;
	const matches = file.symbols.filter((s) => s.name === symbol);
	if (!matches.length) {
		const near = file.symbols.filter((s) => s.name.includes(symbol) || symbol.includes(s.name)).map((s) => s.name);
		const hint = near.length ? ` (similar: ${[...new Set(near)].slice(0, 4).join(', ')})` : '';
		throw new ExcerptError(`symbol ${symbol} is not defined in ${ref.path}${hint}`, origin);
	}
	if (ref.occurrence) {
		const m = matches[ref.occurrence - 1];
		if (!m) throw new ExcerptError(`${symbol} is defined ${matches.length} time(s) in ${ref.path}; occurrence=${ref.occurrence} does not exist`, origin);
		return m;
	}
	if (matches.length > 1) {
		throw new ExcerptError(
			`symbol ${symbol} is ambiguous in ${ref.path}: defined ${matches.length} times (lines ${matches.map((m) => m.start).join(', ')}); add occurrence={n} to pick one`,
			origin,
		);
	}
	return matches[0];
}

// Resolves one reference against a tree. Returns line numbers (1-based, inclusive) and hashes:
//   span  = the pinned unit (the whole symbol, or the given range for files that are not C)
//   shown = what the page displays (span narrowed by lines or markers; one line for a chip's `at`)
export async function resolveRef(tree, rawRef, { origin, expectedSha } = {}) {
	const ref = normalizeRef({ ...rawRef, origin });
	const file = await tree.file(ref.path);
	if (!file && tree.name === 'libvfio-user' && !existsSync(path.join(tree.dir, 'lib/libvfio-user.c'))) {
		throw new ExcerptError(`tree="libvfio-user" needs libvfio-user at ${LVU_COMMIT.slice(0, 7)} in ${tree.dir} (npm run spdk:get fetches it, or set LIBVFIO_USER_DIR)`, origin);
	}
	if (!file) throw new ExcerptError(`file ${ref.path} does not exist in the ${tree.name} tree at ${tree.dir}`, origin);
	let span;
	let symbolInfo = null;
	let moved = null;
	if (ref.symbol) {
		if (!file.symbols) throw new ExcerptError(`${ref.path} is not a C file: use lines="a-b" instead of symbol`, origin);
		symbolInfo = locateSymbol(file, ref, origin);
		span = [symbolInfo.start, symbolInfo.end];
	} else if (ref.lines) {
		span = parseRange(ref.lines, origin);
		const fits = span[1] <= file.lines.length;
		// A pinned plain range whose text moved: find the same text elsewhere in the file.
		if (expectedSha && (!fits || sha256(file.lines.slice(span[0] - 1, span[1]).join('\n')) !== expectedSha)) {
			const len = span[1] - span[0];
			for (let a = 1; a + len <= file.lines.length; a++) {
				if (sha256(file.lines.slice(a - 1, a + len).join('\n')) === expectedSha) {
					moved = { from: span, to: [a, a + len] };
					span = [a, a + len];
					break;
				}
			}
		}
		if (span[1] > file.lines.length) {
			throw new ExcerptError(`lines ${ref.lines} run past the end of ${ref.path} (${file.lines.length} lines)`, origin);
		}
	} else {
		span = [1, file.lines.length];
	}
	let shown = span;
	if (ref.symbol && ref.lines) {
		const [oa, ob] = parseRange(ref.lines, origin);
		const len = span[1] - span[0] + 1;
		if (ob > len) throw new ExcerptError(`lines="${ref.lines}" reaches past the end of ${ref.symbol} (${len} lines)`, origin);
		shown = [span[0] + oa - 1, span[0] + ob - 1];
	}
	if (ref.from || ref.to) {
		const a = ref.from ? findMarker(file.lines, ref.from, shown[0], shown[1]) : shown[0];
		if (!a) throw new ExcerptError(`marker from="${ref.from}" not found in ${where(ref)}`, origin);
		const b = ref.to ? findMarker(file.lines, ref.to, a, shown[1]) : shown[1];
		if (!b) throw new ExcerptError(`marker to="${ref.to}" not found after line ${a} in ${where(ref)}`, origin);
		shown = [a, b];
	}
	if (ref.at) {
		const a = findMarker(file.lines, ref.at, span[0], span[1]);
		if (!a) throw new ExcerptError(`marker at="${ref.at}" not found in ${where(ref)}`, origin);
		shown = [a, a];
	}
	// Without a symbol, the pinned unit is exactly what the markers select (not the whole file).
	if (!ref.symbol && !ref.lines) span = shown;
	const spanLines = file.lines.slice(span[0] - 1, span[1]);
	return {
		key: refKey(ref),
		ref,
		tree: tree.name,
		kind: symbolInfo?.kind ?? 'lines',
		span,
		shown,
		moved,
		sha256: sha256(spanLines.join('\n')),
		lineHashes: lineHashes(spanLines),
		file,
		permalink: tree.permalink(ref.path, shown[0], shown[1]),
	};
}

function where(ref) {
	return ref.symbol ? `${ref.symbol} (${ref.path})` : ref.path;
}

// Resolves a text marker or an offset inside a resolved excerpt to a file line number.
export function anchorLine(resolved, { at, nth, line }, origin) {
	const { file, shown, span } = resolved;
	if (at) {
		const n = findMarker(file.lines, at, shown[0], shown[1], nth ? Number(nth) : 1);
		if (!n) throw new ExcerptError(`note marker at="${at}"${nth ? ` (nth=${nth})` : ''} not found in the lines shown from ${where(resolved.ref)}`, origin);
		return n;
	}
	if (line != null) {
		const n = span[0] + Number(line) - 1;
		if (!(n >= shown[0] && n <= shown[1])) {
			throw new ExcerptError(`note line={${line}} is outside the lines shown from ${where(resolved.ref)}`, origin);
		}
		return n;
	}
	throw new ExcerptError('a note needs at="text" or line={n}', origin);
}

// ---- the lock ------------------------------------------------------------------------------------

export function readLock(file = LOCK_PATH) {
	if (!existsSync(file)) return { version: 1, spdk: SPDK_TAG, entries: {}, rpc: {}, paths: {} };
	try {
		const lock = JSON.parse(readFileSync(file, 'utf8'));
		lock.entries ??= {};
		lock.rpc ??= {};
		lock.paths ??= {};
		return lock;
	} catch (e) {
		throw new ExcerptError(`${path.relative(PROJECT_ROOT, file)} is not valid JSON: ${e.message}`);
	}
}

// spdk.lock as written: tab-indented JSON, except that each RPC method (and each fact the RPC
// reference cites) is one line, so a pin's diff shows one line per method that moved or changed.
export function stringifyLock(lock) {
	const oneLine = new Set(['rpc', 'rpcFacts']);
	const parts = Object.entries(lock).filter(([, v]) => v !== undefined).map(([k, v]) => {
		if (!oneLine.has(k) || !v || !Object.keys(v).length) return `\t${JSON.stringify(k)}: ${JSON.stringify(v, null, '\t').replace(/\n/g, '\n\t')}`;
		const rows = Object.entries(v).map(([name, e]) => `\t\t${JSON.stringify(name)}: ${JSON.stringify(e)}`);
		return `\t${JSON.stringify(k)}: {\n${rows.join(',\n')}\n\t}`;
	});
	return `{\n${parts.join(',\n')}\n}\n`;
}

export function lockEntry(resolved, anchors = {}) {
	const { ref } = resolved;
	const e = { tree: ref.tree, path: ref.path };
	for (const k of ['symbol', 'occurrence', 'lines', 'from', 'to', 'at']) if (ref[k] !== undefined) e[k] = ref[k];
	e.kind = resolved.kind;
	e.span = resolved.span;
	e.shown = resolved.shown;
	e.sha256 = resolved.sha256;
	e.lineHashes = resolved.lineHashes;
	if (Object.keys(anchors).length) e.anchors = anchors;
	return e;
}

// Compares a fresh resolution with its pin. Returns null when they agree, else a sentence that says
// what changed, line by line where it can.
export function compareWithPin(resolved, pin) {
	if (pin.sha256 === resolved.sha256) return null;
	const { file, span } = resolved;
	const old = pin.lineHashes?.match(/.{8}/g) ?? [];
	const now = resolved.lineHashes.match(/.{8}/g) ?? [];
	const name = resolved.ref.symbol ?? `lines ${pin.span?.join('-')}`;
	const changed = [];
	for (let i = 0; i < Math.max(old.length, now.length); i++) {
		if (old[i] !== now[i]) {
			const lineNo = span[0] + i;
			const text = i < now.length ? file.lines[lineNo - 1].trim() : '(line gone)';
			changed.push(`line ${i + 1} of ${name} (${resolved.ref.path}:${lineNo}) now reads: ${text.slice(0, 100)}`);
		}
		if (changed.length >= 3) break;
	}
	const sizeNote = old.length !== now.length ? ` It was ${old.length} lines and is now ${now.length}.` : '';
	return `the text of ${name} in ${resolved.ref.path} differs from its pin in spdk.lock.${sizeNote}${changed.length ? ` First difference: ${changed[0]}` : ''}${changed.length > 1 ? ` (and more: ${changed.length - 1}+ other lines)` : ''}. If the change is intended, run npm run spdk:pin.`;
}
