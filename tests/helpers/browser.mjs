// Debian's Chromium driven by playwright-core (npx playwright install cannot download here).
// Any request to a host other than 127.0.0.1 fails loudly, so a page that reaches out is caught.
import { chromium } from 'playwright-core';
import { mkdtempSync, rmSync, existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';

export function chromiumMissing() {
	return existsSync(CHROMIUM) ? null : `no Chromium at ${CHROMIUM}: install it with  apt-get install -y chromium  (or set CHROMIUM_PATH)`;
}

export async function launch(options = {}) {
	const dir = mkdtempSync(path.join(os.tmpdir(), 'spdk-site-chromium-'));
	const context = await chromium.launchPersistentContext(dir, {
		executablePath: CHROMIUM,
		headless: true,
		args: [
			'--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
			'--disable-component-update', '--disable-sync', '--disable-dev-shm-usage',
			'--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1',
		],
		viewport: { width: 1280, height: 900 },
		...options,
	});
	const close = async () => {
		await context.close();
		rmSync(dir, { recursive: true, force: true });
	};
	return { context, close };
}
