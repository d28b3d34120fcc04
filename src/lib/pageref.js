// Cross-references between explainers, resolved against the curriculum manifest so that a page's
// layer number, title and written/coming state can never go stale in prose.
import { manifestPages } from './pages.js';
import curriculum from '../data/curriculum.json' with { type: 'json' };

// props: { to: "layer/slug" } or { layer: n }, plus optional section (an #anchor on the target page)
// and label (replaces the generated text). where: the URL or file of the page that asks, for errors.
// Returns { text, href, coming }; href is null for a page that is not written yet.
export function resolvePageRef(props, where = 'an unknown page') {
	const { to, layer, section, label } = props ?? {};
	if (to != null && layer != null) throw new Error(`PageRef on ${where}: give "to" or "layer", not both`);
	if (to != null) {
		const p = manifestPages().find((x) => x.id === to);
		if (!p) throw new Error(`PageRef on ${where}: no page "${to}" in src/data/curriculum.json`);
		const text = label ?? `Layer ${p.layer.n} · ${p.title}`;
		if (!p.ready) return { text, href: null, coming: true };
		return { text, href: section ? `${p.url}#${section}` : p.url, coming: false };
	}
	if (layer != null) {
		const n = Number(layer);
		const l = curriculum.layers.find((x) => x.n === n);
		if (!Number.isInteger(n) || !l) throw new Error(`PageRef on ${where}: no layer ${layer} in src/data/curriculum.json`);
		if (section) throw new Error(`PageRef on ${where}: "section" needs a page ("to"), not a layer`);
		const text = label ?? `Layer ${l.n} · ${l.name}`;
		const first = manifestPages().find((x) => x.layer.id === l.id && x.ready);
		return first ? { text, href: first.url, coming: false } : { text, href: null, coming: true };
	}
	throw new Error(`PageRef on ${where}: needs "to" (a page id such as "vhost-vfio/vfio-user") or "layer"`);
}
