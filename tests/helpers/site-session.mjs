// One browser session over a built site for an e2e test file: serves the build on 127.0.0.1, launches
// Debian's Chromium before the file's tests and closes both after, and opens pages with what a reader
// would never want recorded (console errors, page errors, failed requests, requests to other hosts).
import test from 'node:test';
import { serve } from './server.mjs';
import { launch, chromiumMissing } from './browser.mjs';
import { DIST } from './dist.mjs';

export function siteSession({ dist = DIST, launchOptions } = {}) {
	const session = { missing: chromiumMissing(), base: null, browser: null };
	let server;
	test.before(async () => {
		if (session.missing) return;
		({ server, url: session.base } = await serve(dist));
		session.browser = await launch(launchOptions);
	});
	test.after(async () => {
		await session.browser?.close();
		server?.close();
	});
	// theme: stored before the page's own scripts run; init: another script to run first;
	// failedRequests: count a failed request as a problem (off where a test navigates mid-load).
	session.open = async (url, { width = 1280, height = 900, theme, init, failedRequests = false } = {}) => {
		const page = await session.browser.context.newPage();
		await page.setViewportSize({ width, height });
		if (theme) await page.addInitScript((t) => localStorage.setItem('theme', t), theme);
		if (init) await page.addInitScript(init);
		const problems = [];
		const requests = [];
		page.on('console', (m) => m.type() === 'error' && problems.push(`console: ${m.text()}`));
		page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
		page.on('request', (r) => requests.push(r.url()));
		if (failedRequests) page.on('requestfailed', (r) => problems.push(`request failed: ${r.url()} ${r.failure()?.errorText}`));
		const res = await page.goto(session.base + url, { waitUntil: 'load' });
		return { page, problems, errors: problems, requests, status: res.status() };
	};
	return session;
}
