// The excerpt UI, loaded only on pages with <Source> excerpts: copy (the shown code, without line
// numbers), the annotated/plain switch (every excerpt, remembered in this browser), notes aligned
// with their lines beside the code on wide screens, and a note and its line lit together.
const MODE = 'spdk-excerpt-notes';
const figures = [...document.querySelectorAll('figure.excerpt-code')];

function readMode() {
	try { return localStorage.getItem(MODE) === 'plain' ? 'plain' : 'annotated'; } catch { return 'annotated'; }
}

function button(label, cls) {
	const b = document.createElement('button');
	b.type = 'button';
	b.className = cls;
	b.textContent = label;
	return b;
}

// A wide excerpt (the stylesheet lifts its notes out of the flow): each note as near its line as it
// can be without overlapping the one above.
function place(fig) {
	const body = fig.querySelector('.excerpt-body');
	const notes = [...body.querySelectorAll('.note')];
	if (!notes.length) return;
	if (fig.classList.contains('is-plain') || getComputedStyle(notes[0]).position !== 'absolute') {
		notes.forEach((n) => { n.style.top = ''; });
		body.style.minHeight = '';
		return;
	}
	const top0 = body.getBoundingClientRect().top;
	let bottom = 0;
	for (const n of notes) {
		const line = document.getElementById(n.dataset.for);
		const want = line ? line.getBoundingClientRect().top - top0 - 4 : bottom;
		const top = Math.max(want, bottom);
		n.style.top = `${Math.round(top)}px`;
		bottom = top + n.getBoundingClientRect().height + 6;
	}
	const need = `${Math.ceil(bottom)}px`;
	if (body.style.minHeight !== need) body.style.minHeight = need;
}

function setMode(mode) {
	for (const fig of figures) {
		if (!fig.classList.contains('has-notes')) continue;
		fig.classList.toggle('is-plain', mode === 'plain');
		const b = fig.querySelector('.notes-btn');
		b.setAttribute('aria-pressed', String(mode !== 'plain'));
		b.textContent = mode === 'plain' ? 'Show notes' : 'Hide notes';
		place(fig);
	}
}

// A note and its line light up together while either is hovered or focused.
function pair(fig) {
	const on = (note, yes) => {
		note.classList.toggle('is-on', yes);
		document.getElementById(note.dataset.for)?.classList.toggle('is-on', yes);
	};
	const noteOf = (el) => {
		const n = el.closest('.note');
		if (n) return n;
		const line = el.closest('.xl.n');
		return line && fig.querySelector(`.note[data-for="${line.id}"]`);
	};
	for (const [enter, leave] of [['mouseover', 'mouseout'], ['focusin', 'focusout']]) {
		fig.addEventListener(enter, (e) => { const n = noteOf(e.target); if (n) on(n, true); });
		fig.addEventListener(leave, (e) => {
			const n = noteOf(e.target);
			if (n && !(e.relatedTarget && noteOf(e.relatedTarget) === n)) on(n, false);
		});
	}
}

for (const fig of figures) {
	const tools = fig.querySelector('.excerpt-tools');
	if (fig.classList.contains('has-notes')) {
		const b = button('Hide notes', 'notes-btn');
		b.title = 'Annotated or plain code, for every excerpt (remembered in this browser)';
		b.addEventListener('click', () => {
			const mode = fig.classList.contains('is-plain') ? 'annotated' : 'plain';
			try { localStorage.setItem(MODE, mode); } catch { /* private mode: this page only */ }
			setMode(mode);
		});
		tools.append(b);
		pair(fig);
		new ResizeObserver(() => place(fig)).observe(fig.querySelector('.excerpt-body'));
		fig.querySelector('.excerpt-whole')?.addEventListener('toggle', () => place(fig));
	}
	const copy = button('Copy', 'copy-btn');
	copy.setAttribute('aria-label', 'Copy code');
	copy.addEventListener('click', async () => {
		// The lines on screen: the shown part, or the whole symbol once "show whole" is open.
		const text = [...fig.querySelectorAll('.excerpt-body .xl')].filter((l) => l.getClientRects().length).map((l) => l.textContent).join('\n');
		try {
			await navigator.clipboard.writeText(text);
			copy.textContent = 'Copied';
		} catch {
			copy.textContent = 'Copy failed';
		}
		setTimeout(() => { copy.textContent = 'Copy'; }, 1500);
	});
	tools.append(copy);
}
setMode(readMode());
document.fonts?.ready.then(() => figures.forEach(place));
window.addEventListener('storage', (e) => e.key === MODE && setMode(readMode()));
