// Small comforts on every page: theme toggle, phone menu, section rail, copy buttons, read marks, search, print.
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

// Phone menu: the sidebar slides over the page, which goes inert until the menu closes.
const menuBtn = $('.menu-btn');
const sidebar = $('#sidebar');
const isOpen = (cls) => document.body.classList.contains(cls);
function setMenu(open, refocus = true) {
	if (open === isOpen('menu-open')) return;
	document.body.classList.toggle('menu-open', open);
	menuBtn.setAttribute('aria-expanded', String(open));
	$$('main, .site-footer').forEach((el) => { el.inert = open; });
	if (open) $('a', sidebar).focus();
	else if (refocus) menuBtn.focus();
}
menuBtn.addEventListener('click', () => setMenu(!isOpen('menu-open')));
sidebar.addEventListener('click', (e) => e.target.closest('a') && setMenu(false, false));
document.addEventListener('click', (e) => isOpen('menu-open') && !e.target.closest('#sidebar, .menu-btn') && setMenu(false));
matchMedia('(max-width: 900px)').addEventListener('change', () => setMenu(false, false));

// "On this page": mark the section being read (the last heading above 30% of the viewport) in the rail;
// below 1200 px the same list opens from the floating Contents button.
const rail = $('#rail');
const railBtn = $('.contents-btn');
function setRail(open, refocus = true) {
	if (!rail || open === isOpen('contents-open')) return;
	document.body.classList.toggle('contents-open', open);
	railBtn.setAttribute('aria-expanded', String(open));
	if (open) ($('[aria-current]', rail) ?? $('a', rail)).focus();
	else if (refocus) railBtn.focus();
}
if (rail) {
	const links = new Map($$('a[href^="#"]', rail).map((a) => [decodeURIComponent(a.hash.slice(1)), a]));
	const heads = $$('.prose h2[id]').filter((h) => links.has(h.id));
	let cur;
	const foot = $('.site-footer');
	const mark = () => {
		let h;
		for (const x of heads) if (x.getBoundingClientRect().top < innerHeight * 0.3) h = x;
		// At the very bottom the last section is the one being read, even if its heading sits lower.
		if (foot.getBoundingClientRect().bottom <= innerHeight + 1) h = heads.at(-1);
		const a = h && links.get(h.id);
		if (a === cur) return;
		cur?.removeAttribute('aria-current');
		a?.setAttribute('aria-current', 'true');
		cur = a;
	};
	const io = new IntersectionObserver(mark, { rootMargin: '0px 0px -70% 0px' });
	heads.forEach((h) => io.observe(h));
	new IntersectionObserver(mark, { threshold: [0, 1] }).observe(foot);
	// The button appears once the numbered contents at the top have scrolled away.
	new IntersectionObserver(([e]) => railBtn.classList.toggle('is-shown', !e.isIntersecting && e.boundingClientRect.top < 0)).observe($('.toc'));
	railBtn.addEventListener('click', () => setRail(!isOpen('contents-open')));
	rail.addEventListener('click', (e) => e.target.closest('a') && setRail(false, false));
	document.addEventListener('click', (e) => isOpen('contents-open') && !e.target.closest('#rail, .contents-btn') && setRail(false, false));
}
document.addEventListener('keydown', (e) => {
	if (e.key !== 'Escape') return;
	setMenu(false);
	setRail(false);
});

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
// (Excerpts get theirs from src/scripts/excerpts.js, loaded by <Source>.)
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

// Print: paper gets the Deeper blocks and the text of any diagram that did not render, not the
// collapsed "whole function" excerpts; every <details> goes back as it was afterwards.
// Paper is always printed in the light theme.
let reopen = [];
let screenTheme;
addEventListener('beforeprint', () => {
	screenTheme = root.dataset.theme;
	root.dataset.theme = 'light';
	reopen = $$('details.deeper, .diagram:not(.diagram-ready) details.diagram-alt').filter((d) => !d.open);
	reopen.forEach((d) => { d.open = true; });
	// Short excerpts stay on one sheet; long ones may break between lines (print.css).
	$$('.excerpt').forEach((x) => x.classList.toggle('print-whole', x.offsetHeight < 480));
});
addEventListener('afterprint', () => {
	if (screenTheme) root.dataset.theme = screenTheme;
	reopen.forEach((d) => { d.open = false; });
	reopen = [];
});
$$('.print-btn').forEach((b) => b.addEventListener('click', async () => {
	await window.renderAllDiagrams?.();
	window.print();
}));

// Search: Pagefind's index is loaded only when the reader opens search. Each result is a section of
// a page (Pagefind's sub-results carry the heading anchors); arrow keys move between them.
const dialog = $('.search-dialog');
const input = $('#search-input');
const list = $('.search-results');
const status = $('.search-status');
const moreBtn = $('.search-more');
const BATCH = 20;
let pagefind;
let found = [];
let next = 0;
let queue = [];
let gen = 0;
async function showMore() {
	const g = gen;
	const add = [];
	while (add.length < BATCH && (queue.length || next < found.length)) {
		if (!queue.length) {
			const d = await found[next++].data();
			if (g !== gen) return [];
			const subs = (d.sub_results?.length ? d.sub_results : [{ url: d.url, title: d.meta?.title, excerpt: d.excerpt }])
				.slice().sort((a, b) => (b.locations?.length ?? 0) - (a.locations?.length ?? 0)).slice(0, 3);
			queue = subs.map((r) => ({ ...r, page: d.meta?.title ?? d.url }));
		}
		add.push(queue.shift());
	}
	const items = add.map((r) => {
		const li = document.createElement('li');
		const a = document.createElement('a');
		a.href = r.url;
		a.innerHTML = '<strong></strong><em></em><span></span>';
		a.children[0].textContent = r.page;
		a.children[1].textContent = r.title && r.title !== r.page ? r.title : '';
		a.children[2].innerHTML = r.excerpt ?? ''; // Pagefind escapes page text and adds only <mark>
		li.append(a);
		return li;
	});
	list.append(...items);
	moreBtn.hidden = !queue.length && next >= found.length;
	return items;
}
async function search(q) {
	gen += 1;
	list.replaceChildren();
	moreBtn.hidden = true;
	if (!q.trim()) { status.textContent = ''; return; }
	try {
		pagefind ??= await import(/* @vite-ignore */ `${location.origin}/pagefind/pagefind.js`);
	} catch {
		status.textContent = 'Search is available on the built site (npm run build), not in the dev server.';
		return;
	}
	const g = gen;
	const res = await pagefind.search(q);
	if (g !== gen) return;
	found = res.results;
	next = 0;
	queue = [];
	status.textContent = `${found.length} page${found.length === 1 ? '' : 's'} match “${q}”`;
	await showMore();
}
const openSearch = () => { dialog.showModal(); input.focus(); };
let timer;
input.addEventListener('input', () => { clearTimeout(timer); timer = setTimeout(() => search(input.value), 120); });
moreBtn.addEventListener('click', async () => { (await showMore())[0]?.querySelector('a').focus(); });
dialog.addEventListener('keydown', (e) => {
	const links = $$('a', list);
	const i = links.indexOf(document.activeElement);
	if (e.key === 'Enter' && e.target === input && links.length) { e.preventDefault(); links[0].click(); return; }
	if ((e.key !== 'ArrowDown' && e.key !== 'ArrowUp') || !links.length || (i < 0 && e.target !== input)) return;
	e.preventDefault();
	const n = e.key === 'ArrowDown' ? Math.min(i + 1, links.length - 1) : i - 1;
	(n < 0 ? input : links[n]).focus();
});
list.addEventListener('click', (e) => e.target.closest('a') && dialog.close());
$('.search-btn').addEventListener('click', openSearch);
$('.search-close').addEventListener('click', () => dialog.close());
dialog.addEventListener('click', (e) => e.target === dialog && dialog.close());
document.addEventListener('keydown', (e) => {
	if (e.key === '/' && !/input|textarea/i.test(document.activeElement.tagName) && !dialog.open) {
		e.preventDefault();
		openSearch();
	}
});
