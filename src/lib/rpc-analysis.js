// Static facts about each RPC handler in one parsed C file, for the RPC reference: whether the success
// reply is sent before the handler returns or later from a callback, and which known waiting calls the
// handler can reach. A heuristic over tree-sitter's syntax tree, limited to the file that registers the
// method; the reference page says how it decides (src/pages/reference/rpc.astro, "How these facts are
// derived"). Results are plain JSON, cached with the file's symbols (csymbols.js).

// Calls that send the success reply (the result object is closed, or a bare true/false is sent).
export const SUCCESS_REPLY = new Set(['spdk_jsonrpc_end_result', 'spdk_jsonrpc_send_bool_response']);
// Calls that only answer with an error, or only begin a result: they neither defer nor complete the success reply.
export const OTHER_REPLY = new Set(['spdk_jsonrpc_send_error_response', 'spdk_jsonrpc_send_error_response_fmt', 'spdk_jsonrpc_begin_result']);
// Calls whose presence on a handler's path is reported as waiting (the reference explains each one,
// with a pinned link to the code that makes it wait: see rpcFacts in verify.js).
// Each maps to the definition that shows why it waits (pinned in spdk.lock's rpcFacts).
export const WAITING_CALLS = {
	spdk_nvmf_subsystem_pause: { path: 'lib/nvmf/nvmf.c', symbol: 'nvmf_poll_group_pause_subsystem' },
	spdk_for_each_thread: { path: 'lib/thread/thread.c', symbol: '_on_thread' },
	spdk_for_each_channel: { path: 'lib/thread/thread.c', symbol: 'spdk_for_each_channel' },
	spdk_bdev_for_each_channel: { path: 'lib/bdev/bdev.c', symbol: 'spdk_bdev_for_each_channel' },
};
const WAITING = new Set(Object.keys(WAITING_CALLS));

function functionName(def) {
	let n = def.childForFieldName('declarator');
	while (n && n.type !== 'function_declarator') n = n.childForFieldName('declarator');
	return n?.childForFieldName('declarator')?.text ?? null;
}

// The names of a function's parameters, in order (null where a parameter has no name).
function paramNames(def) {
	let n = def.childForFieldName('declarator');
	while (n && n.type !== 'function_declarator') n = n.childForFieldName('declarator');
	const list = n?.childForFieldName('parameters');
	return (list?.namedChildren ?? []).filter((p) => p.type === 'parameter_declaration').map((p) => {
		let d = p.childForFieldName('declarator');
		while (d && d.type !== 'identifier') d = d.childForFieldName('declarator');
		return d?.text ?? null;
	});
}

// What one function body does, once: its calls (callee, argument texts, line), the file-local
// functions it names without calling them (callbacks handed on), and where a given name escapes.
function summarise(def, localNames) {
	const body = def.childForFieldName('body');
	const calls = [];
	const refs = new Set();
	for (const c of body?.descendantsOfType('call_expression') ?? []) {
		const fn = c.childForFieldName('function');
		if (fn?.type !== 'identifier') continue;
		calls.push({ callee: fn.text, args: (c.childForFieldName('arguments')?.namedChildren ?? []).map((a) => a.text), line: c.startPosition.row + 1 });
	}
	for (const id of body?.descendantsOfType('identifier') ?? []) {
		if (!localNames.has(id.text)) continue;
		const p = id.parent;
		if (p?.type === 'call_expression' && p.childForFieldName('function')?.id === id.id) continue;
		refs.add(id.text);
	}
	return { calls, refs, body };
}

// Does name leave the function other than as an argument of a call (stored in a struct, an
// initialiser, assigned to another variable)?
function stored(body, name) {
	for (const id of body?.descendantsOfType('identifier') ?? []) {
		if (id.text !== name) continue;
		const p = id.parent;
		if (!p) continue;
		if (p.type === 'assignment_expression' && p.childForFieldName('right')?.id === id.id) return true;
		if (p.type === 'initializer_pair' || p.type === 'initializer_list') return true;
		if (p.type === 'init_declarator' && p.childForFieldName('value')?.id === id.id) return true;
	}
	return false;
}

// For every function defined in the file: { reply: { kind, via }, waits: [{ call, fn, line }] }.
//   kind 'immediate'   the function (or a file-local helper it calls with the request) sends the
//                      success reply itself, and the request is never stored or handed to anything else;
//   kind 'callback'    it sends no success reply itself, the request is stored or handed on, and a
//                      function of this file that it hands on (directly or through others) sends it;
//   kind 'mixed'       both: some paths reply at once, others from a callback;
//   kind 'undetermined' anything else (the reply is sent from another file, by a macro, or not found).
export function analyseHandlers(root, handlerNames) {
	const defs = new Map();
	for (const d of root.descendantsOfType('function_definition')) {
		const name = functionName(d);
		if (name && !defs.has(name)) defs.set(name, d);
	}
	const localNames = new Set(defs.keys());
	const summaries = new Map();
	const summary = (name) => {
		if (!summaries.has(name)) summaries.set(name, summarise(defs.get(name), localNames));
		return summaries.get(name);
	};
	const out = {};
	for (const handler of handlerNames) {
		if (!defs.has(handler)) continue;
		let direct = false;
		let handedOn = false;
		const roots = new Set();
		const inlined = new Set();
		// The handler and the helpers it calls synchronously with the request, followed by the
		// parameter that receives it.
		const walk = (name, req, depth) => {
			const key = `${name}:${req}`;
			if (inlined.has(key) || depth > 4) return;
			inlined.add(key);
			const s = summary(name);
			for (const r of s.refs) roots.add(r);
			if (!req) return;
			if (stored(s.body, req)) handedOn = true;
			for (const c of s.calls) {
				if (SUCCESS_REPLY.has(c.callee)) { if (c.args[0] === req) direct = true; continue; }
				if (OTHER_REPLY.has(c.callee)) continue;
				const at = c.args.indexOf(req);
				if (at < 0) continue;
				if (defs.has(c.callee)) walk(c.callee, paramNames(defs.get(c.callee))[at] ?? null, depth + 1);
				else handedOn = true;
			}
		};
		walk(handler, paramNames(defs.get(handler))[0] ?? null, 0);
		// Everything reachable from what the handler hands on, by calls or by name, within the file.
		const seen = new Set();
		const queue = [...roots];
		while (queue.length) {
			const n = queue.shift();
			if (seen.has(n)) continue; // the handler itself may be reached: a retry re-runs it later
			seen.add(n);
			const s = summary(n);
			for (const c of s.calls) if (defs.has(c.callee)) queue.push(c.callee);
			for (const r of s.refs) queue.push(r);
		}
		const via = [];
		for (const n of [...seen].sort((a, b) => defs.get(a).startPosition.row - defs.get(b).startPosition.row)) {
			const c = summary(n).calls.find((x) => SUCCESS_REPLY.has(x.callee));
			if (c) via.push({ fn: n, line: c.line });
		}
		let kind = 'undetermined';
		if (direct && !handedOn) kind = 'immediate';
		else if (!direct && handedOn && via.length) kind = 'callback';
		else if (direct && handedOn && via.length) kind = 'mixed';
		// Known waiting calls on any path the handler can reach in this file.
		const waits = [];
		const scope = [...new Set([...[...inlined].map((k) => k.split(':')[0]), ...seen])];
		for (const n of scope) {
			for (const c of summary(n).calls) {
				if (WAITING.has(c.callee) && !waits.some((w) => w.call === c.callee && w.fn === n)) waits.push({ call: c.callee, fn: n, line: c.line });
			}
		}
		waits.sort((a, b) => a.line - b.line);
		// Decoded with the relaxed decoder (unknown keys are skipped) by the handler or a helper it calls.
		let relaxed;
		for (const k of inlined) {
			const c = summary(k.split(':')[0]).calls.find((x) => x.callee === 'spdk_json_decode_object_relaxed');
			if (c && !relaxed) relaxed = c.line;
		}
		out[handler] = { reply: kind === 'immediate' || kind === 'undetermined' ? { kind } : { kind, via: via.slice(0, 4) }, waits, ...(relaxed ? { relaxed } : {}) };
	}
	return out;
}

// The states a registration's mask allows ("startup", "runtime"), from its third argument's text;
// null when the mask is not made of the two flags.
export function statesOf(maskText) {
	if (!maskText) return null;
	const parts = maskText.split('|').map((p) => p.trim().replace(/^\(|\)$/g, ''));
	const states = [];
	for (const p of parts) {
		if (p === 'SPDK_RPC_STARTUP') states.push('startup');
		else if (p === 'SPDK_RPC_RUNTIME') states.push('runtime');
		else return null;
	}
	return ['startup', 'runtime'].filter((s) => states.includes(s));
}
