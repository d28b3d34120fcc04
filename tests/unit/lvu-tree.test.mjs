// SPDX-License-Identifier: BSD-3-Clause
// tree="libvfio-user": references into libvfio-user at the commit SPDK v26.01 pins resolve like SPDK
// ones, get their own lock keys and permalinks, and a missing or wrong tree says what to do.
// Uses the project's own stand-in tree (tests/fixtures/lvu-tree), never libvfio-user code.
import test from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, cpSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { SourceTree, resolveRef, refKey, normalizeRef, inspectLvuTree, LVU_COMMIT, LVU_PERMALINK_BASE, ExcerptError } from '../../src/lib/excerpts.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const FIX = path.join(here, '../fixtures/lvu-tree');
const tree = (dir = FIX) => new SourceTree(dir, { name: 'libvfio-user', permalinkBase: LVU_PERMALINK_BASE });

test('a libvfio-user reference resolves, with its own key and a permalink at the pinned commit', async () => {
	const r = await resolveRef(tree(), { tree: 'libvfio-user', path: 'lib/libvfio-user.c', symbol: 'vfu_demo_poll', at: 'return -1;' });
	assert.equal(r.key, 'libvfio-user:lib/libvfio-user.c#vfu_demo_poll!return -1;');
	assert.equal(r.permalink, `https://github.com/nutanix/libvfio-user/blob/${LVU_COMMIT}/lib/libvfio-user.c#L${r.shown[0]}`);
	assert.equal(r.shown[0], r.shown[1]);
	assert.notEqual(refKey(normalizeRef({ path: 'lib/libvfio-user.c', symbol: 'vfu_demo_poll' })), refKey(normalizeRef({ tree: 'libvfio-user', path: 'lib/libvfio-user.c', symbol: 'vfu_demo_poll' })));
});

test('an unknown tree, a missing symbol and an absent tree fail with a message that says what to do', async () => {
	assert.throws(() => normalizeRef({ tree: 'qemu', path: 'x.c', symbol: 'y' }), /tree="qemu" is not a source tree/);
	await assert.rejects(resolveRef(tree(), { tree: 'libvfio-user', path: 'lib/libvfio-user.c', symbol: 'vfu_missing' }), /symbol vfu_missing is not defined/);
	await assert.rejects(resolveRef(tree('/nonexistent/lvu'), { tree: 'libvfio-user', path: 'lib/libvfio-user.c', symbol: 'vfu_demo_poll' }),
		(e) => e instanceof ExcerptError && /npm run spdk:get/.test(e.message) && /LIBVFIO_USER_DIR/.test(e.message));
});

test('the tree is recognised by its commit marker, and a wrong commit is reported', () => {
	const ok = inspectLvuTree(FIX);
	assert.equal(ok.present, true);
	assert.equal(ok.commitOk, true);
	const dir = mkdtempSync(path.join(os.tmpdir(), 'lvu-'));
	cpSync(FIX, dir, { recursive: true });
	writeFileSync(path.join(dir, '.libvfio-user-commit'), '0000000000000000000000000000000000000000\n');
	const bad = inspectLvuTree(dir);
	assert.equal(bad.present, true);
	assert.equal(bad.commitOk, false);
	assert.equal(inspectLvuTree('/nonexistent/lvu').present, false);
});
