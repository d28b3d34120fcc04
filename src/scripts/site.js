// Small comforts on every page: theme toggle, phone menu, copy buttons, read marks, search, print.
// Kept small on purpose: a page without diagrams ships only this and the inline theme snippet.
const root = document.documentElement;
const $ = (s, el = document) => el.querySelector(s);
const $$ = (s, el = document) => [...el.querySelectorAll(s)];
const store = {
	get(k, d) { try { return JSON.parse(localStorage.getItem(k)) ?? d; } catch { return d; } },
	set(k, v) { try { localStorage.setItem(k, JSON.stringify(v)); } catch { /* private mode: keep going */ } },
};

// Theme: follows the system until the reader chooses; the choice persists.
const themeBtn = $('.theme-btn');
function showTheme() {
	const darkNow = root.dataset.theme === 'dark';
	themeBtn.setAttribute('aria-pressed', String(darkNow));
	themeBtn.setAttribute('aria-label', darkNow ? 'Switch to light theme' : 'Switch to dark theme');
}
themeBtn.addEventListener('click', () => {
	root.dataset.theme = root.dataset.theme === 'dark' ? 'light' : 'dark';
	try { localStorage.setItem('theme', root.dataset.theme); } catch { /* ignore */ }
	showTheme();
});
showTheme();

// Phone menu: the sidebar slides over the page.
const menuBtn = $('.menu-btn');
function setMenu(open) {
	document.body.classList.toggle('menu-open', open);
	menuBtn.setAttribute('aria-expanded', String(open));
}
menuBtn.addEventListener('click', () => setMenu(!document.body.classList.contains('menu-open')));
document.addEventListener('keydown', (e) => e.key === 'Escape' && setMenu(false));
$('#sidebar').addEventListener('click', (e) => e.target.closest('a') && setMenu(false));

// Copy buttons on code blocks and excerpts.
function addCopy(box, getText) {
	const b = document.createElement('button');
	b.type = 'button';
	b.className = 'copy-btn';
	b.textContent = 'Copy';
	b.setAttribute('aria-label', 'Copy code');
	b.addEventListener('click', async () => {
		try {
			await navigator.clipboard.writeText(getText());
			b.textContent = 'Copied';
		} catch {
			b.textContent = 'Copy failed';
		}
		setTimeout(() => { b.textContent = 'Copy'; }, 1500);
	});
	box.append(b);
}
$$('.excerpt-code').forEach((fig) => {
	addCopy($('.excerpt-head', fig), () => $$('.excerpt-body .lc', fig).map((l) => l.textContent.replace(/\n$/, '')).join('\n'));
});
$$('.prose pre.astro-code').forEach((pre) => {
	const wrap = document.createElement('div');
	wrap.className = 'code-wrap';
	pre.replaceWith(wrap);
	wrap.append(pre);
	addCopy(wrap, () => pre.textContent);
});

// Read marks, kept in this browser only.
const READ = 'spdk-read';
function paintRead() {
	const read = new Set(store.get(READ, []));
	$$('[data-page]').forEach((el) => {
		const done = read.has(el.dataset.page);
		el.classList.toggle('is-read', done);
		const label = $('.read-label', el);
		if (label) label.textContent = done ? ' (read)' : '';
	});
	$$('.read-btn').forEach((b) => {
		const done = read.has(b.dataset.page);
		b.setAttribute('aria-pressed', String(done));
		b.textContent = done ? 'Read ✓ (undo)' : 'Mark as read';
	});
}
$$('.read-btn').forEach((b) => b.addEventListener('click', () => {
	const read = new Set(store.get(READ, []));
	if (read.has(b.dataset.page)) read.delete(b.dataset.page);
	else read.add(b.dataset.page);
	store.set(READ, [...read]);
	paintRead();
}));
paintRead();

// Print: render every diagram first, so paper never gets an empty box.
$$('.print-btn').forEach((b) => b.addEventListener('click', async () => {
	$$('details').forEach((d) => { d.dataset.wasOpen = d.open; d.open = true; });
	await window.renderAllDiagrams?.();
	window.print();
}));

// Search: Pagefind's index is loaded only when the reader opens search.
const dialog = $('.search-dialog');
const input = $('#search-input');
let pagefind;
async function search(q) {
	const status = $('.search-status');
	const list = $('.search-results');
	if (!q.trim()) { list.replaceChildren(); status.textContent = ''; return; }
	try {
		pagefind ??= await import(/* @vite-ignore */ `${location.origin}/pagefind/pagefind.js`);
	} catch {
		status.textContent = 'Search is available on the built site (npm run build), not in the dev server.';
		return;
	}
	const res = await pagefind.search(q);
	const items = await Promise.all(res.results.slice(0, 8).map((r) => r.data()));
	if (input.value !== q) return;
	status.textContent = `${res.results.length} result${res.results.length === 1 ? '' : 's'} for “${q}”`;
	list.replaceChildren(...items.map((d) => {
		const li = document.createElement('li');
		const a = document.createElement('a');
		a.href = d.url;
		a.innerHTML = `<strong></strong><span></span>`;
		a.firstChild.textContent = d.meta?.title ?? d.url;
		a.lastChild.innerHTML = d.excerpt; // Pagefind escapes page text and adds only <mark>
		li.append(a);
		return li;
	}));
}
let timer;
input.addEventListener('input', () => { clearTimeout(timer); timer = setTimeout(() => search(input.value), 120); });
$('.search-btn').addEventListener('click', () => { dialog.showModal(); input.focus(); });
$('.search-close').addEventListener('click', () => dialog.close());
dialog.addEventListener('click', (e) => e.target === dialog && dialog.close());
document.addEventListener('keydown', (e) => {
	if (e.key === '/' && !/input|textarea/i.test(document.activeElement.tagName) && !dialog.open) {
		e.preventDefault();
		dialog.showModal();
		input.focus();
	}
});
