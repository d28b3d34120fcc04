// The curriculum manifest drives navigation: it must match the URL plan and the files on disk.
import test from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import curriculum from '../../src/data/curriculum.json' with { type: 'json' };
import glossary from '../../src/data/glossary.json' with { type: 'json' };
import { manifestPages, explainerFiles, pageStats, PAGES_DIR } from '../../src/lib/pages.js';
import { pageByUrl } from '../../src/lib/nav.js';

// DESIGN.md §3: readers have bookmarks, so these never change.
const URLS = `primer/{userspace-io, nvme-hardware, poll-vs-interrupt} big-picture/{what-is-spdk, repo-layout, trace-one-io}
threading/{reactor, spdk-thread, io-channel-pollers, threading-rules} rpc/{jsonrpc-protocol, bdev-lvol-create-trace}
bdev/{concepts, module-interface, io-lifecycle, hierarchy} lvol/{lvstore-metadata, thin-and-snapshots, cow-internals, diskengine-lvol-ops}
nvmf/{nvmf-concepts, nvmf-tgt, transports, provisioning-flow} vhost-vfio/{vhost-user, vfio-user, teardown-races, qmp-quit-wedge}
write-a-bdev/{module-interface-distilled, passthru-walkthrough, build-time-essentials, iowatch-from-scratch} ops-debug/{spdk-top, tracing-and-tools, failure-modes}`;
const planned = [...URLS.matchAll(/([\w-]+)\/\{([^}]*)\}/g)].flatMap(([, layer, slugs]) => slugs.split(',').map((s) => `${layer}/${s.trim()}`));

test('10 layers and 35 pages, in the order and at the URLs of the plan', () => {
	assert.equal(curriculum.layers.length, 10);
	assert.deepEqual(curriculum.layers.map((l) => l.n), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
	const ids = manifestPages().map((p) => p.id);
	assert.equal(ids.length, 35);
	assert.equal(new Set(ids).size, 35, 'slugs are unique');
	assert.deepEqual(ids, planned);
});

test('every page has a title, a one-line summary, a reading time and known prerequisites', () => {
	const ids = new Set(manifestPages().map((p) => p.id));
	for (const p of manifestPages()) {
		assert.ok(p.title && p.summary && !p.summary.includes('\n'), p.id);
		assert.ok(Number.isInteger(p.minutes) && p.minutes > 0, `${p.id} minutes`);
		for (const pre of p.prerequisites) assert.ok(ids.has(pre), `${p.id}: unknown prerequisite ${pre}`);
	}
});

test('every explainer file is in the manifest, and every ready page has its file', () => {
	const ids = new Set(manifestPages().map((p) => p.id));
	for (const file of explainerFiles()) {
		const id = path.relative(PAGES_DIR, file).replace(/\.mdx?$/, '');
		assert.ok(ids.has(id), `${path.relative(process.cwd(), file)} is not in src/data/curriculum.json`);
	}
	for (const p of manifestPages().filter((x) => x.ready)) assert.ok(readFileSync(p.file, 'utf8').length > 0);
});

test('prev/next skip pages that are still coming', () => {
	const ready = manifestPages().filter((p) => p.ready);
	for (const [i, p] of ready.entries()) {
		const nav = pageByUrl(`/${p.id}/`);
		assert.equal(nav.prev?.id, ready[i - 1]?.id);
		assert.equal(nav.next?.id, ready[i + 1]?.id);
	}
});

test('reading time and diagram count are computed from the MDX', () => {
	const words = Array.from({ length: 660 }, (_, i) => `word${i}`).join(' ');
	const mdx = `---\nlede: five more words right here\n---\nimport { Diagram } from 'x';\n\n${words}\n\n<Diagram caption="c" alt="a">\n\n\`\`\`mermaid\nflowchart LR\n  A --> B\n\`\`\`\n\n</Diagram>\n\n<Diagram caption="d" alt="b">\n\n\`\`\`mermaid\nflowchart LR\n  C --> D\n\`\`\`\n\n</Diagram>\n\n\`\`\`c\nint not_prose_at_all(void);\n\`\`\`\n`;
	const s = pageStats(mdx);
	assert.equal(s.diagrams, 2);
	assert.equal(s.words, 665);
	assert.equal(s.minutes, 3);
});

test('glossary terms are unique and point at pages of the manifest', () => {
	const ids = new Set(manifestPages().map((p) => p.id));
	assert.equal(new Set(glossary.map((g) => g.id)).size, glossary.length);
	for (const g of glossary) assert.ok(ids.has(g.page), `${g.id} -> ${g.page}`);
	// Ids become URL fragments (/glossary/#id) that pages link to: lowercase words joined by hyphens.
	for (const g of glossary) assert.match(g.id, /^[a-z0-9]+(-[a-z0-9]+)*$/, `glossary id "${g.id}" is not URL-safe`);
	for (const must of ['reactor', 'spdk-thread', 'io-device', 'io-channel', 'poller', 'bdev', 'vbdev', 'claim', 'lvstore', 'blob', 'cluster', 'subsystem', 'namespace', 'poll-group', 'qpair']) {
		assert.ok(glossary.some((g) => g.id === must), `glossary lacks ${must}`);
	}
});
