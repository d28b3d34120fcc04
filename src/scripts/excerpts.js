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
// can be without overlapping the one above. All figures are measured first and moved after, so a page
// of excerpts costs one layout, not one per note (a long page has thousands of elements).
function placeAll(figs) {
	const plans = figs.map((fig) => {
		const body = fig.querySelector('.excerpt-body');
		const notes = [...body.querySelectorAll('.note')];
		if (!notes.length) return null;
		if (fig.classList.contains('is-plain') || getComputedStyle(notes[0]).position !== 'absolute') return { body, notes, tops: null };
		const top0 = body.getBoundingClientRect().top;
		const lines = notes.map((n) => document.getElementById(n.dataset.for)?.getBoundingClientRect().top);
		const heights = notes.map((n) => n.getBoundingClientRect().height);
		let bottom = 0;
		const tops = notes.map((n, i) => {
			const want = lines[i] === undefined ? bottom : lines[i] - top0 - 4;
			const top = Math.max(want, bottom);
			bottom = top + heights[i] + 6;
			return Math.round(top);
		});
		return { body, notes, tops, min: `${Math.ceil(bottom)}px` };
	});
	for (const plan of plans) {
		if (!plan) continue;
		plan.notes.forEach((n, i) => { const t = plan.tops ? `${plan.tops[i]}px` : ''; if (n.style.top !== t) n.style.top = t; });
		const min = plan.tops ? plan.min : '';
		if (plan.body.style.minHeight !== min) plan.body.style.minHeight = min;
	}
}

function setMode(mode) {
	const noted = figures.filter((fig) => fig.classList.contains('has-notes'));
	for (const fig of noted) {
		fig.classList.toggle('is-plain', mode === 'plain');
		const b = fig.querySelector('.notes-btn');
		b.setAttribute('aria-pressed', String(mode !== 'plain'));
		b.textContent = mode === 'plain' ? 'Show notes' : 'Hide notes';
	}
	placeAll(noted);
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

// One observer for every excerpt: its first report (all bodies at once) is the initial placement.
const resized = new ResizeObserver((entries) => placeAll(entries.map((e) => e.target.closest('figure.excerpt'))));
for (const fig of figures) {
	const tools = fig.querySelector('.excerpt-tools');
	if (fig.classList.contains('has-notes')) {
		const b = button('Hide notes', 'notes-btn');
		b.title = 'Annotated or plain code, for every excerpt (remembered in this browser)';
		b.setAttribute('aria-pressed', 'true');
		b.addEventListener('click', () => {
			const mode = fig.classList.contains('is-plain') ? 'annotated' : 'plain';
			try { localStorage.setItem(MODE, mode); } catch { /* private mode: this page only */ }
			setMode(mode);
		});
		tools.append(b);
		pair(fig);
		resized.observe(fig.querySelector('.excerpt-body'));
		fig.querySelector('.excerpt-whole')?.addEventListener('toggle', () => placeAll([fig]));
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
if (readMode() === 'plain') setMode('plain');
document.fonts?.ready.then(() => placeAll(figures.filter((fig) => fig.classList.contains('has-notes'))));
window.addEventListener('storage', (e) => e.key === MODE && setMode(readMode()));
