// Astro 5 (the newest line that runs on Node 20); MDX pages with the site's own remark/rehype plugins.
import { defineConfig } from 'astro/config';
import mdx from '@astrojs/mdx';
import { rehypeHeadingIds } from '@astrojs/markdown-remark';
import { remarkSpdk, rehypeHeadingAnchors } from './src/lib/remark-spdk.js';
import { rehypeTables } from './src/lib/rehype-tables.js';

// SITE_SRC/SITE_OUT build the tests' fixture site with the same machinery (see tests/fixtures/site).
export default defineConfig({
	site: 'http://127.0.0.1:4321',
	srcDir: process.env.SITE_SRC ?? './src',
	outDir: process.env.SITE_OUT ?? './dist',
	// A separate cache per output lets two builds run side by side (SITE_CACHE), e.g. while writing pages.
	cacheDir: process.env.SITE_CACHE ?? './node_modules/.astro',
	trailingSlash: 'ignore',
	build: { format: 'directory' },
	devToolbar: { enabled: false },
	markdown: {
		// Token colours as short palette classes (src/lib/code-colors.js), not a style on every token.
		shikiConfig: { themes: { light: 'github-light-high-contrast', dark: 'github-dark-high-contrast' }, defaultColor: false, transformers: [(await import('./src/lib/code-colors.js')).tokenClasses()] },
		remarkPlugins: [remarkSpdk],
		rehypePlugins: [rehypeHeadingIds, rehypeHeadingAnchors, rehypeTables],
	},
	integrations: [mdx()],
	vite: { build: { assetsInlineLimit: 0 } },
});
