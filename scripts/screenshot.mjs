#!/usr/bin/env node
// Screenshots of built pages for a human to look at: node scripts/screenshot.mjs /primer/userspace-io/ [...]
// Writes shots/<page>-<desktop|phone>-<light|dark>.png (shots/ is not committed).
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { serve } from '../tests/helpers/server.mjs';
import { launch } from '../tests/helpers/browser.mjs';

const dist = path.resolve(process.env.DIST ?? 'dist');
const pages = process.argv.slice(2).filter((a) => !a.startsWith('--'));
const full = process.argv.includes('--full');
mkdirSync('shots', { recursive: true });
const { server, url } = await serve(dist);
const { context, close } = await launch();
for (const p of pages.length ? pages : ['/']) {
	for (const [label, vp] of [['desktop', { width: 1280, height: 900 }], ['phone', { width: 375, height: 800 }]]) {
		for (const theme of ['light', 'dark']) {
			const page = await context.newPage();
			await page.setViewportSize(vp);
			await page.addInitScript((t) => localStorage.setItem('theme', t), theme);
			await page.goto(url + p, { waitUntil: 'networkidle' });
			await page.evaluate(async () => { await window.renderAllDiagrams?.(); });
			await page.waitForTimeout(300);
			const name = `shots/${p.replace(/\W+/g, '_').replace(/^_|_$/g, '') || 'home'}-${label}-${theme}.png`;
			await page.screenshot({ path: name, fullPage: full });
			console.log(name);
			await page.close();
		}
	}
}
await close();
server.close();
