// SPDX-License-Identifier: BSD-3-Clause
// The committed nvmf concepts recording passes its checker, the facts the page quotes come out of
// it, and the checker catches the mistakes a bad or hand-edited file would carry.
import test from 'node:test';
import assert from 'node:assert/strict';
import {
	loadConceptsRecording, checkConceptsRecording, conceptsFacts, discoveryField, discoveryNqns, DISCOVERY_NQN,
} from '../../src/lib/nvmf-concepts-recording.js';

const committed = loadConceptsRecording();
const copy = () => structuredClone(committed);
const step = (doc, id) => doc.steps.find((s) => s.id === id);
const tool = (doc, id) => doc.tools.find((t) => t.id === id);

test('the committed recording passes its checker', () => {
	assert.deepEqual(checkConceptsRecording(committed), []);
});

test('facts: defaults, limits and discovery figures come from the run', () => {
	const f = conceptsFacts(committed);
	assert.match(f.version, /^SPDK v26\.01\b/);
	assert.equal(f.defaultMaxNs, 32);
	assert.equal(f.maxCntlid, 0xffef);
	assert.equal(f.discUnknownRecords, 1);
	assert.equal(f.discAnyRecords, 2);
	assert.ok(f.genAfter > f.genBefore);
	assert.deepEqual(f.anaRows.map((r) => r.seen), ['non_optimized', 'inaccessible', 'optimized']);
	const rejected = f.nqnRows.filter((r) => !r.accepted);
	assert.ok(rejected.length >= 8);
	for (const r of rejected) assert.ok(r.reason.length > 0, `no reason for ${r.nqn}`);
	assert.ok(f.nqnRows.every((r) => r.nqn.length <= 48), 'long NQNs are shortened for the table');
});

test('discovery log page text helpers', () => {
	const text = 'Generation Counter:   7\nNumber of Records:  2\nNVM Subsystem Qualified Name:   a\nNVM Subsystem Qualified Name: b\n';
	assert.equal(discoveryField(text, 'Generation Counter'), 7);
	assert.equal(discoveryField(text, 'Number of Records'), 2);
	assert.equal(discoveryField(text, 'Missing'), null);
	assert.deepEqual(discoveryNqns(text), ['a', 'b']);
});

test('checker: a wrong version, schema or missing step is reported', () => {
	const d = copy();
	d.spdk_version = 'SPDK v25.09';
	d.schema = 'other/1';
	d.steps = d.steps.filter((s) => s.id !== 'add_host_sub1');
	const p = checkConceptsRecording(d).join('\n');
	assert.match(p, /not SPDK v26\.01/);
	assert.match(p, /schema/);
	assert.match(p, /step add_host_sub1 is missing/);
});

test('checker: a step must hold exactly one of result and error', () => {
	const d = copy();
	step(d, 'create_sub1').error = { code: -1, message: 'x' };
	assert.match(checkConceptsRecording(d).join('\n'), /create_sub1\) must hold exactly one/);
});

test('checker: the default namespace limit and the cntlid range are enforced', () => {
	const d = copy();
	const s1 = step(d, 'subsystems_configured').result.find((s) => s.nqn === d.config.subsystems[0]);
	s1.max_namespaces = 1024;
	s1.max_cntlid = 65535;
	const p = checkConceptsRecording(d).join('\n');
	assert.match(p, /should report 32/);
	assert.match(p, /cntlid range/);
});

test('checker: the NQN length boundary must be 223 accepted, 224 rejected', () => {
	const d = copy();
	const c = d.nqn_checks.find((x) => x.length === 223);
	c.accepted = false;
	c.error = { code: -32603, message: 'Unable to create subsystem x' };
	assert.match(checkConceptsRecording(d).join('\n'), /223-byte NQN should be accepted/);
});

test('checker: a rejected NQN without a logged reason is reported', () => {
	const d = copy();
	const c = d.nqn_checks.find((x) => !x.accepted);
	c.log = [];
	assert.match(checkConceptsRecording(d).join('\n'), /no target log line gives the reason/);
});

test('checker: discovery must hide a subsystem from a host it does not allow', () => {
	const d = copy();
	tool(d, 'discovery_unknown_host').discovery_log_page = tool(d, 'discovery_any_host').discovery_log_page;
	const p = checkConceptsRecording(d).join('\n');
	assert.match(p, /unknown host should see only the discovery subsystem/);
	assert.ok(discoveryNqns(tool(committed, 'discovery_unknown_host').discovery_log_page).every((n) => n === DISCOVERY_NQN));
});

test('checker: every ANA state set on the target must be seen by bdev_nvme', () => {
	const d = copy();
	d.ana[1].seen_by_bdev_nvme.ana_state = 'optimized';
	assert.match(checkConceptsRecording(d).join('\n'), /bdev_nvme did not report inaccessible/);
});

test('conceptsFacts throws on a broken recording', () => {
	const d = copy();
	d.steps = [];
	assert.throws(() => conceptsFacts(d), /nvmf-concepts\.json: .*steps is missing/);
});
