// A static file server for dist/ on 127.0.0.1, in-process (no stray preview process to clean up).
import http from 'node:http';
import { createReadStream, existsSync, statSync } from 'node:fs';
import path from 'node:path';

const TYPES = {
	'.html': 'text/html; charset=utf-8', '.js': 'text/javascript', '.mjs': 'text/javascript', '.css': 'text/css',
	'.svg': 'image/svg+xml', '.json': 'application/json', '.png': 'image/png', '.wasm': 'application/wasm',
	'.woff2': 'font/woff2', '.txt': 'text/plain', '.pf_meta': 'application/octet-stream',
};

export function serve(root, port = 0) {
	const server = http.createServer((req, res) => {
		const url = new URL(req.url, 'http://x');
		let file = path.join(root, decodeURIComponent(url.pathname));
		if (!file.startsWith(root)) { res.writeHead(403).end(); return; }
		if (existsSync(file) && statSync(file).isDirectory()) file = path.join(file, 'index.html');
		if (!existsSync(file)) {
			const notFound = path.join(root, '404.html');
			res.writeHead(404, { 'content-type': TYPES['.html'] });
			if (existsSync(notFound)) createReadStream(notFound).pipe(res);
			else res.end('not found');
			return;
		}
		res.writeHead(200, { 'content-type': TYPES[path.extname(file)] ?? 'application/octet-stream' });
		createReadStream(file).pipe(res);
	});
	return new Promise((resolve) => server.listen(port, '127.0.0.1', () => resolve({ server, url: `http://127.0.0.1:${server.address().port}` })));
}
