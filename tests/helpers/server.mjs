// A static file server for dist/ on 127.0.0.1, in-process (no stray preview process to clean up).
// serve(root, 0, { gzip: true }) sends text files (HTML, CSS, JS, JSON, SVG) gzipped to a client that
// accepts it, as a real host would; without the option every file goes out as stored.
import http from 'node:http';
import { createReadStream, existsSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { gzipSync } from 'node:zlib';

const TYPES = {
	'.html': 'text/html; charset=utf-8', '.js': 'text/javascript', '.mjs': 'text/javascript', '.css': 'text/css',
	'.svg': 'image/svg+xml', '.json': 'application/json', '.png': 'image/png', '.wasm': 'application/wasm',
	'.woff2': 'font/woff2', '.txt': 'text/plain', '.pf_meta': 'application/octet-stream',
};

const COMPRESSIBLE = new Set(['.html', '.js', '.mjs', '.css', '.json', '.svg', '.txt']);

export function serve(root, port = 0, { gzip = false } = {}) {
	const zipped = new Map();
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
		const type = TYPES[path.extname(file)] ?? 'application/octet-stream';
		if (gzip && COMPRESSIBLE.has(path.extname(file)) && /\bgzip\b/.test(req.headers['accept-encoding'] ?? '')) {
			if (!zipped.has(file)) zipped.set(file, gzipSync(readFileSync(file)));
			const body = zipped.get(file);
			res.writeHead(200, { 'content-type': type, 'content-encoding': 'gzip', 'content-length': body.length, vary: 'Accept-Encoding' });
			res.end(body);
			return;
		}
		res.writeHead(200, { 'content-type': type });
		createReadStream(file).pipe(res);
	});
	return new Promise((resolve) => server.listen(port, '127.0.0.1', () => resolve({ server, url: `http://127.0.0.1:${server.address().port}` })));
}
