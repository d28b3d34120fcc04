// Which names a tree defines, for the identifier check on prose code spans and for RPC method names.
// Text search only narrows the files to parse; whether a name is *defined* is decided by the C parser.
import { readdirSync, readFileSync, existsSync } from 'node:fs';
import path from 'node:path';

const C_DIRS = ['include', 'lib', 'module', 'app', 'examples', 'test/external_code', 'labs', 'iowatch'];
// Vendored trees sit at the top level and are never walked (C_DIRS); the names are skipped below it
// too, except ocf and xnvme: module/bdev/ocf and module/bdev/xnvme are SPDK's own modules.
const SKIP = new Set(['.git', 'node_modules', 'dpdk', 'isa-l', 'isa-l-crypto', 'intel-ipsec-mb', 'libvfio-user', 'build']);

// Code spans that claim to be SPDK identifiers: `spdk_foo`, `SPDK_FOO`, `struct spdk_bar`, `foo()`.
const PREFIX = /^(spdk_|SPDK_|bdev_|vbdev_|nvmf_|nvme_|blob|lvol|lvs_|rpc_|reactor_|thread_|poller|jsonrpc_|raid_|vhost_|vfu_|vfio_user_|accel_|iobuf_|framework_|msg_queue_|io_device|scheduler_|env_dpdk_|sock_|keyring_)/;

export function identifierOf(span) {
	const v = span.trim().replace(/\(\)$/, '');
	const m = /^(?:(struct|union|enum)\s+)?([A-Za-z_][A-Za-z0-9_]*)$/.exec(v);
	if (!m) return null;
	const [, tag, name] = m;
	if (!name.includes('_') && !tag) return null;
	if (!tag && !PREFIX.test(name)) return null;
	return { tag, name, text: tag ? `${tag} ${name}` : name, call: /\(\)$/.test(span.trim()) };
}

function* walk(dir) {
	if (!existsSync(dir)) return;
	for (const d of readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
		if (SKIP.has(d.name)) continue;
		const p = path.join(dir, d.name);
		if (d.isDirectory()) yield* walk(p);
		else if (/\.(c|h)$/.test(d.name)) yield p;
	}
}

// A word index over a tree's C files, read once: name -> files where it occurs at a place where a
// definition could start. The parser then confirms.
export class IdentifierIndex {
	constructor(sourceTree) {
		this.tree = sourceTree;
		this.texts = null; // [{ rel, text }] in walk order
		this.byRel = null;
	}

	#load() {
		if (this.texts) return;
		this.texts = [];
		for (const sub of C_DIRS) {
			for (const abs of walk(path.join(this.tree.dir, sub))) {
				this.texts.push({ rel: path.relative(this.tree.dir, abs), text: readFileSync(abs, 'utf8') });
			}
		}
		this.byRel = new Map(this.texts.map((t) => [t.rel, t.text]));
	}

	// Files that might define name: the name at the start of a line (SPDK puts a function's name in
	// column 0), after #define, or after a struct/union/enum keyword, or ending a typedef.
	#candidates(name, tag) {
		this.#load();
		const esc = name.replace(/[$]/g, '\\$');
		const re = tag
			? new RegExp(`\\b${tag}\\s+${esc}\\s*\\{`)
			: new RegExp(`(^${esc}\\s*\\(|#\\s*define\\s+${esc}\\b|\\b${esc}\\s*(=|,|\\[|;|\\))|\\}\\s*${esc}\\s*;|\\*?${esc}\\s*\\(|\\b(struct|union|enum)\\s+${esc}\\s*\\{)`, 'm');
		const out = [];
		for (const f of this.texts) if (f.text.includes(name) && re.test(f.text)) out.push(f.rel);
		return out;
	}

	// Programs of the tree (app/spdk_tgt, examples/nvme/perf, ...) may be named in code spans too.
	isProgram(name) {
		return ['app', 'examples', 'test/app'].some((d) => existsSync(path.join(this.tree.dir, d, name)))
			|| (existsSync(path.join(this.tree.dir, 'examples')) && readdirSync(path.join(this.tree.dir, 'examples')).some((d) => existsSync(path.join(this.tree.dir, 'examples', d, name))));
	}

	async defines(name, tag) {
		const want = tag ? `${tag} ${name}` : name;
		const files = this.#candidates(name, tag);
		// Definitions usually sit where the name starts a line; try those files first.
		const lead = new RegExp(`^(${name}\\s*\\(|#\\s*define\\s+${name}\\b)`, 'm');
		files.sort((a, b) => Number(!lead.test(this.#text(a))) - Number(!lead.test(this.#text(b))));
		for (const rel of files) {
			const file = await this.tree.file(rel);
			const hit = file?.symbols?.find((s) => s.name === want || (!tag && s.name.replace(/^(struct|union|enum) /, '') === name));
			if (hit) return { rel, line: hit.start, kind: hit.kind };
		}
		return null;
	}

	#text(rel) {
		return this.byRel.get(rel) ?? '';
	}

	// Every RPC method registered in C: name -> { rel, line, handler, aliasOf, states, reply, waits, also }.
	async rpcMethods() {
		if (this.rpcs) return this.rpcs;
		this.#load();
		this.rpcs = new Map();
		for (const f of this.texts) {
			if (!f.text.includes('SPDK_RPC_REGISTER') || f.rel.startsWith('include/')) continue;
			const file = await this.tree.file(f.rel);
			for (const s of file.symbols ?? []) {
				if (s.kind !== 'rpc') continue;
				const name = s.name.slice(4);
				// A name several programs register (perform_tests): the first in path order, the others listed.
				const first = this.rpcs.get(name);
				if (first) { (first.also ??= []).push({ rel: f.rel, line: s.start }); continue; }
				this.rpcs.set(name, { rel: f.rel, line: s.start, handler: s.handler, aliasOf: s.aliasOf, states: s.states, reply: s.reply, waits: s.waits, relaxed: s.relaxed });
			}
		}
		return this.rpcs;
	}
}

// v26.01's RPC schema (schema/schema.json): method name -> params.
export function readSchema(dir) {
	const file = path.join(dir, 'schema/schema.json');
	if (!existsSync(file)) return new Map();
	const json = JSON.parse(readFileSync(file, 'utf8'));
	return new Map((json.methods ?? []).map((m) => [m.name, m]));
}

// Code spans that look like RPC method names rather than C identifiers.
export const RPC_SHAPE = /^[a-z][a-z0-9]*(_[a-z0-9]+)+$/;
