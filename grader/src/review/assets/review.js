// The review page's behaviour: every change goes to the server at once (one request at a time, in
// order), and the page shows the score the server computed. Keys: j/→ next student, k/← previous,
// 1–9 toggle a rubric item, 0 graded, c the comment box, Esc leaves it.
const main = document.getElementById('review');
if (main) {
  const api = main.dataset.api;
  const saved = document.getElementById('saved');
  const score = document.getElementById('score');
  const state = document.getElementById('state');
  const graded = document.getElementById('graded');
  const comment = document.getElementById('comment');
  const adjustment = document.getElementById('adjustment');
  const items = [...document.querySelectorAll('#rubric input[data-item]')];
  let queue = Promise.resolve();

  const show = (grade) => {
    score.textContent = String(grade.score);
    state.textContent = grade.graded ? 'graded' : 'pending';
    state.className = grade.graded ? 'graded' : 'pending';
    graded.checked = grade.graded;
    for (const box of items) box.checked = grade.items.includes(box.dataset.item);
  };
  // Requests are chained so the server sees the changes in the order they were made.
  const send = (change) => {
    saved.textContent = 'saving…';
    queue = queue
      .then(async () => {
        const response = await fetch(api, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(change),
        });
        if (!response.ok) throw new Error(await response.text());
        show((await response.json()).grade);
        saved.textContent = 'saved';
      })
      .catch((err) => {
        saved.textContent = `NOT SAVED: ${err.message}`;
        saved.className = 'saved error';
      });
    return queue;
  };
  const go = (id) => {
    const link = document.getElementById(id);
    if (link) queue.then(() => window.location.assign(link.href));
  };

  for (const box of items)
    box.addEventListener('change', () => send({ op: 'item', item: box.dataset.item, on: box.checked }));
  graded.addEventListener('change', () => send({ op: 'graded', value: graded.checked }));
  comment.addEventListener('input', () => send({ op: 'comment', text: comment.value }));
  adjustment.addEventListener('change', () => {
    const value = Number(adjustment.value || 0);
    if (Number.isFinite(value)) send({ op: 'adjustment', value });
  });
  for (const id of ['prev', 'next']) {
    document.getElementById(id)?.addEventListener('click', (event) => {
      event.preventDefault();
      go(id);
    });
  }

  document.addEventListener('keydown', (event) => {
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    const typing = event.target instanceof HTMLTextAreaElement || event.target instanceof HTMLInputElement;
    if (typing && event.target.type !== 'checkbox') {
      if (event.key === 'Escape') event.target.blur();
      return;
    }
    const key = event.key;
    if (key === 'j' || key === 'ArrowRight') go('next');
    else if (key === 'k' || key === 'ArrowLeft') go('prev');
    else if (key === 'c') {
      event.preventDefault();
      comment.focus();
    } else if (key === '0') {
      graded.checked = !graded.checked;
      send({ op: 'graded', value: graded.checked });
    } else if (/^[1-9]$/.test(key)) {
      const box = items[Number(key) - 1];
      if (!box) return;
      box.checked = !box.checked;
      send({ op: 'item', item: box.dataset.item, on: box.checked });
    } else return;
    event.preventDefault();
  });
}
