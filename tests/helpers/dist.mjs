// The built site on disk: its HTML pages, their ids and links. SITE_DIST picks another build.
import { readdirSync, readFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const DIST = path.resolve(process.env.SITE_DIST ?? path.join(ROOT, 'dist'));
export const FIXTURE_DIST = path.resolve(process.env.FIXTURE_DIST ?? path.join(ROOT, 'dist-fixture'));

export function htmlPages(dist = DIST) {
	if (!existsSync(path.join(dist, 'index.html')) && !existsSync(dist)) {
		throw new Error(`no built site at ${dist}: run npm run build first`);
	}
	const out = [];
	const walk = (dir) => {
		for (const d of readdirSync(dir, { withFileTypes: true })) {
			const p = path.join(dir, d.name);
			if (d.isDirectory()) { if (d.name !== 'pagefind' && d.name !== '_astro') walk(p); }
			else if (d.name.endsWith('.html')) out.push(p);
		}
	};
	walk(dist);
	return out.sort().map((file) => {
		const rel = path.relative(dist, file);
		const url = `/${rel.replace(/index\.html$/, '').replace(/\\/g, '/')}`;
		return { file, url, html: readFileSync(file, 'utf8') };
	});
}
