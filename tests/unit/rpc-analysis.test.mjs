// The RPC reference's extraction: states from the registration mask, aliases, the reply heuristic
// ("answers later") and the waiting calls, on a fixture written for it; the drift check of the pins;
// and, when the v26.01 tree is present, the count of methods its libraries register.
import test from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import { cSymbols } from '../../src/lib/csymbols.js';
import { statesOf } from '../../src/lib/rpc-analysis.js';
import { compareRpcPins } from '../../src/lib/verify.js';
import { readLock, inspectTree, PROJECT_ROOT } from '../../src/lib/excerpts.js';
import { rpcReference, rpcGroups, readCurated } from '../../src/lib/rpc-reference.js';
import { manifestPages } from '../../src/lib/pages.js';

const FIXTURE = path.join(PROJECT_ROOT, 'tests/fixtures/rpc-analysis/replies.c');
const rpcs = async () => Object.fromEntries((await cSymbols(readFileSync(FIXTURE, 'utf8'))).filter((s) => s.kind === 'rpc').map((s) => [s.name.slice(4), s]));

test('state masks become "startup", "runtime" or both; anything else is not determined', () => {
	assert.deepEqual(statesOf('SPDK_RPC_RUNTIME'), ['runtime']);
	assert.deepEqual(statesOf('SPDK_RPC_STARTUP'), ['startup']);
	assert.deepEqual(statesOf('SPDK_RPC_RUNTIME | SPDK_RPC_STARTUP'), ['startup', 'runtime']);
	assert.equal(statesOf('MY_MASK'), null);
	assert.equal(statesOf(undefined), null);
});

test('the reply heuristic tells immediate, callback, mixed and undetermined handlers apart', async () => {
	const r = await rpcs();
	assert.deepEqual(Object.keys(r).sort(), ['fx_both', 'fx_elsewhere', 'fx_helper', 'fx_later', 'fx_now', 'fx_old_later']);
	assert.equal(r.fx_now.reply.kind, 'immediate', 'an error reply on one path does not defer the success reply');
	assert.deepEqual(r.fx_now.states, ['runtime']);
	assert.equal(r.fx_helper.reply.kind, 'immediate', 'a same-file helper called with the request replies for it');
	assert.deepEqual(r.fx_helper.states, ['startup', 'runtime']);
	assert.equal(r.fx_later.reply.kind, 'callback');
	assert.deepEqual(r.fx_later.reply.via.map((v) => v.fn), ['fx_done']);
	assert.deepEqual(r.fx_later.waits.map((w) => w.call), ['spdk_for_each_thread']);
	assert.equal(r.fx_both.reply.kind, 'mixed');
	assert.equal(r.fx_elsewhere.reply.kind, 'undetermined', 'a reply sent from another file is not guessed');
	assert.equal(r.fx_old_later.aliasOf, 'fx_later');
});

test('the drift check names the method and its file when a registration moves or a handler changes', () => {
	const was = { rpc: { fx_now: { path: 'lib/fx/fx_rpc.c', line: 16, handler: 'rpc_now', handlerSpan: [7, 15], sha256: 'a', states: ['runtime'], reply: 'immediate' } }, rpcFacts: {} };
	assert.deepEqual(compareRpcPins(was, structuredClone(was.rpc), {}), []);
	const moved = structuredClone(was.rpc);
	moved.fx_now.line = 17;
	moved.fx_now.sha256 = 'b';
	const [e] = compareRpcPins(was, moved, {});
	assert.equal(e.origin, 'lib/fx/fx_rpc.c:17');
	assert.match(e.message, /RPC method fx_now \(lib\/fx\/fx_rpc\.c\) changed .*registration line 16 -> 17; handler text/);
	assert.match(compareRpcPins(was, {}, {})[0].message, /fx_now is pinned .* no longer registered at lib\/fx\/fx_rpc\.c/);
	assert.match(compareRpcPins({ rpc: {} }, was.rpc, {})[0].message, /fx_now is registered in lib\/fx\/fx_rpc\.c but not pinned/);
});

test('the reference lists every pinned method once, in its index too', () => {
	const lock = readLock();
	const methods = rpcReference({ lock });
	assert.deepEqual(methods.map((m) => m.name).sort(), Object.keys(lock.rpc).sort());
	const indexed = rpcGroups(methods).flatMap((g) => g.methods.map((m) => m.name));
	assert.deepEqual(indexed, methods.map((m) => m.name));
	for (const m of methods.filter((x) => x.path)) {
		assert.ok(m.registration && m.stateLabel, `${m.name}: registration and states`);
		assert.ok(m.handlerLink, `${m.name}: its handler's lines are pinned`);
	}
});

test('curated facts name pinned methods and pages that exist', () => {
	const lock = readLock();
	const pages = new Map(manifestPages().map((p) => [p.id, p]));
	for (const c of readCurated()) {
		assert.ok(lock.rpc[c.method], `${c.method} is pinned`);
		const page = pages.get(c.page.split('#')[0]);
		assert.ok(page?.ready, `${c.page} is a ready page`);
		assert.ok(c.fact.length > 20);
	}
});

const tree = inspectTree();
test('v26.01: lib/ and module/ register 293 methods and 2 deprecated aliases, all pinned', { skip: tree.present && tree.versionOk ? false : 'no SPDK v26.01 tree' }, () => {
	const lib = Object.entries(readLock().rpc).filter(([, r]) => /^(lib|module)\//.test(r.path ?? ''));
	assert.equal(lib.length, 295);
	assert.equal(lib.filter(([, r]) => r.aliasOf).length, 2);
	assert.deepEqual(lib.filter(([, r]) => r.aliasOf).map(([n]) => n).sort(), ['bdev_ftl_load', 'bdev_ftl_unload']);
	assert.ok(existsSync(path.join(tree.dir, 'schema/schema.json')));
});
