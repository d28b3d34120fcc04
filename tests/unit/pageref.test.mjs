// PageRef resolves cross-references from the manifest: right layer and title, a link only to written pages.
import test from 'node:test';
import assert from 'node:assert/strict';
import { resolvePageRef } from '../../src/lib/pageref.js';
import { manifestPages } from '../../src/lib/pages.js';

const written = manifestPages().find((p) => p.ready);
const coming = manifestPages().find((p) => !p.ready);

test('a written page renders as a link with its layer number and manifest title', () => {
	const r = resolvePageRef({ to: written.id }, '/x/');
	assert.deepEqual(r, { text: `Layer ${written.layer.n} · ${written.title}`, href: written.url, coming: false });
	assert.equal(resolvePageRef({ to: written.id, section: 'some-heading' }).href, `${written.url}#some-heading`);
	assert.equal(resolvePageRef({ to: written.id, label: 'this page' }).text, 'this page');
});

test('a page that is not written renders as text marked coming, without a link', () => {
	const r = resolvePageRef({ to: coming.id, section: 'x' }, '/x/');
	assert.equal(r.href, null);
	assert.equal(r.coming, true);
	assert.equal(r.text, `Layer ${coming.layer.n} · ${coming.title}`);
});

test('vfio-user and vhost-user are Layer 7 pages', () => {
	assert.match(resolvePageRef({ to: 'vhost-vfio/vfio-user' }).text, /^Layer 7 · /);
	assert.match(resolvePageRef({ to: 'vhost-vfio/vhost-user' }).text, /^Layer 7 · /);
});

test('a layer reference names the layer and links to its first written page, if any', () => {
	const l0 = resolvePageRef({ layer: 0 });
	assert.equal(l0.text, 'Layer 0 · Primer');
	assert.equal(l0.href, '/primer/userspace-io/');
	const l9 = resolvePageRef({ layer: '9' });
	assert.match(l9.text, /^Layer 9 · /);
	if (!manifestPages().some((p) => p.layer.n === 9 && p.ready)) assert.equal(l9.href, null);
});

test('an unknown id or layer throws, naming the id and the page that asked', () => {
	assert.throws(() => resolvePageRef({ to: 'vhost-vfio/vfio_user' }, '/primer/userspace-io/'),
		/PageRef on \/primer\/userspace-io\/: no page "vhost-vfio\/vfio_user"/);
	assert.throws(() => resolvePageRef({ layer: 12 }, '/p/'), /no layer 12/);
	assert.throws(() => resolvePageRef({}, '/p/'), /needs "to"/);
	assert.throws(() => resolvePageRef({ to: written.id, layer: 1 }, '/p/'), /not both/);
});
