// Navigation derived from the curriculum manifest: sidebar groups, prev/next, meta, home table.
import { manifestPages, statsFor } from './pages.js';
import curriculum from '../data/curriculum.json' with { type: 'json' };

export function layers() {
	const pages = manifestPages();
	return curriculum.layers.map((layer) => ({
		...layer,
		eyebrow: `Layer ${layer.n} · ${layer.name}`,
		pages: pages.filter((p) => p.layer.id === layer.id).map(withStats),
	}));
}

function withStats(p) {
	if (!p.ready) return { ...p, minutesLabel: `~${p.minutes} min`, diagrams: null };
	const s = statsFor(p.file);
	return { ...p, minutes: s.minutes, minutesLabel: `${s.minutes} min`, diagrams: s.diagrams, words: s.words };
}

export function pageByUrl(pathname) {
	const id = pathname.replace(/^\/|\/$/g, '').replace(/\/index\.html$/, '');
	const all = layers().flatMap((l) => l.pages);
	const i = all.findIndex((p) => p.id === id);
	if (i < 0) return null;
	const ready = all.filter((p) => p.ready);
	const r = ready.findIndex((p) => p.id === id);
	return {
		page: all[i],
		layer: all[i].layer,
		prev: r > 0 ? ready[r - 1] : null,
		next: r >= 0 && r < ready.length - 1 ? ready[r + 1] : null,
		prerequisites: all[i].prerequisites.map((pid) => all.find((p) => p.id === pid)).filter(Boolean),
	};
}
