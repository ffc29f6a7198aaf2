// The logit-lens strip (chapter 6): what each of the 30 layers would predict at each position.
//
// The page holds <div class="llm-widget" data-widget="logit-lens"> with the strip of the first
// prompt prerendered (llmsite/figures/logit_lens.py; its tooltips give the top 5 without
// JavaScript). On first use this module fetches docs/assets/data/logit-lens.json and adds: a
// prompt menu, arrow-key moves between cells and a panel with the focused cell's top 5. The
// table it draws has the same structure as the prerendered one. Tokens are text nodes.
// A text box runs the in-browser engine on the reader's own sentence (widget-core's
// sentenceBox; issue 21) and adds it to the menu; `#text=…&layer=…` restores it.

import { el, fetchJSON, onDemand, status, unavailable, sentenceBox, readHash, writeHash, shareButton, showToken }
  from "./widget-core.js";

const show = showToken; // llmsite.figures.show_token

// The engine's result as one more prompt of the data file: its lens cells become
// [index into d.vocab, p] (the vocabulary grows by the tokens it brings).
function livePrompt(d, r, text) {
  const index = new Map(d.vocab_ids.map((id, k) => [id, k]));
  const lens = r.lens.map((row) => row.map((cell) => cell.map(({ id, token, p }) => {
    if (!index.has(id)) { index.set(id, d.vocab.length); d.vocab.push(token); d.vocab_ids.push(id); }
    return [index.get(id), p];
  })));
  return { text, ids: Array.from(r.ids), tokens: Array.from(r.tokens), lens, live: true, truncated: r.truncated };
}
const short = (t, n = 9) => { const s = show(t); return s.length <= n ? s : s.slice(0, n - 1) + "…"; };

function table(d, k) {
  const p = d.prompts[k], L = p.lens.length, T = p.tokens.length;
  const body = [];
  for (let layer = L - 1; layer >= 0; layer--) {
    const cells = [];
    for (let pos = 0; pos < T; pos++) {
      const cell = p.lens[layer][pos], [t, prob] = cell[0];
      const final = p.lens[L - 1][pos][0][0] === t;
      const td = el("td", { class: "ll-cell" + (final ? " ll-final" : ""), "data-layer": String(layer), "data-pos": String(pos),
        title: `layer ${layer}, after “${show(p.tokens[pos])}”: ` + cell.map(([i, q]) => `${show(d.vocab[i])} ${q.toFixed(3)}`).join(", ") },
      el("span", { class: "ll-tok", text: short(d.vocab[t]) }), el("span", { class: "ll-p", text: prob.toFixed(2) }));
      td.style.setProperty("--ll-p", prob.toFixed(3));
      cells.push(td);
    }
    body.push(el("tr", {}, el("th", { scope: "row", text: layer === 0 ? "emb" : String(layer) }), cells));
  }
  return el("table", { class: "ll-table", "data-prompt": String(k) },
    el("caption", { text: `“${p.text}”: the top guess of each layer (rows, layer 30 at the top) after each token (columns), with its probability` }),
    el("thead", {}, el("tr", {}, el("th", { scope: "col", text: "layer" }), p.tokens.map((t) => el("th", { scope: "col", text: show(t) })))),
    el("tbody", {}, body));
}

function setup(root) {
  const url = new URL(`../data/${root.dataset.src || "logit-lens.json"}`, import.meta.url).href;
  onDemand(root, async () => {
    status(root, "Loading the logit-lens data…");
    const d = await fetchJSON(url);
    if (!d) { unavailable(root, "The logit-lens data is not available here (run `python -m llmsite figures`)."); return; }
    const hash = readHash();
    let k = 0, cur = [d.layers, d.prompts[0].tokens.length - 1]; // [layer, pos]: start at the answer
    const menu = el("select", { id: `${root.id || "ll"}-prompt`, "data-ll": "prompt" },
      d.prompts.map((p, i) => el("option", { value: String(i), text: p.text })));
    const state = () => ({ text: d.prompts[k].live ? d.prompts[k].text : null, layer: cur[0], pos: cur[1] });
    const panel = el("div", { class: "ll-panel", role: "status", "aria-live": "polite", "data-ll": "panel" });
    const wrap = el("div", { class: "ll-wrap", tabIndex: -1, role: "region", "aria-label": "Logit-lens strip" });
    const hint = el("p", { class: "ll-hint", text: "Point at or tab into the strip; arrow keys move between cells. A bold cell already says what the last layer will say." });

    const describe = () => {
      const [layer, pos] = cur, p = d.prompts[k];
      const rows = p.lens[layer][pos].map(([i, q], r) => el("li", {}, el("span", { class: "ll-tok", text: show(d.vocab[i]) }), ` ${q.toFixed(3)}`));
      panel.replaceChildren(el("p", { text: `Layer ${layer === 0 ? "0 (the embedding)" : layer}, after “${show(p.tokens[pos])}”: its top ${d.top}` }),
        el("ol", { class: "ll-top" }, rows));
    };
    const focusCell = (move) => {
      for (const c of wrap.querySelectorAll(".ll-cell")) c.tabIndex = -1;
      const c = wrap.querySelector(`.ll-cell[data-layer="${cur[0]}"][data-pos="${cur[1]}"]`);
      c.tabIndex = 0;
      c.classList.add("ll-cur");
      if (move) c.focus();
      describe();
    };
    const draw = () => {
      wrap.replaceChildren(table(d, k));
      focusCell(false);
    };
    menu.addEventListener("change", () => { k = parseInt(menu.value, 10); cur = [d.layers, d.prompts[k].tokens.length - 1]; draw(); writeHash(state()); });
    const box = sentenceBox(root, { label: "Your sentence (up to 64 tokens): every layer's guess, computed in your browser",
      placeholder: "Type a sentence, e.g. The largest ocean on Earth is the",
      onResult: (r, text) => {
        const p = livePrompt(d, r, text);
        let i = d.prompts.findIndex((x) => x.live);
        if (i < 0) { i = d.prompts.length; d.prompts.push(p); menu.append(el("option", { value: String(i) })); }
        else d.prompts[i] = p;
        menu.options[i].textContent = `your sentence: ${text.length > 40 ? text.slice(0, 39) + "…" : text}`;
        k = i;
        menu.value = String(i);
        const want = parseInt(hash.layer, 10), pos = parseInt(hash.pos, 10);
        cur = [Number.isFinite(want) && hash.text === text ? Math.min(d.layers, Math.max(0, want)) : d.layers,
          Number.isFinite(pos) && hash.text === text ? Math.min(p.tokens.length - 1, Math.max(0, pos)) : p.tokens.length - 1];
        draw();
        writeHash(state());
      } });
    const pick = (e, move) => {
      const c = e.target.closest && e.target.closest(".ll-cell");
      if (!c) return;
      const prev = wrap.querySelector(".ll-cur");
      if (prev) prev.classList.remove("ll-cur");
      cur = [parseInt(c.dataset.layer, 10), parseInt(c.dataset.pos, 10)];
      focusCell(move);
    };
    wrap.addEventListener("pointerover", (e) => pick(e, false));
    wrap.addEventListener("focusin", (e) => { if (!e.target.classList.contains("ll-cur")) pick(e, false); });
    wrap.addEventListener("keydown", (e) => {
      const T = d.prompts[k].tokens.length;
      let [layer, pos] = cur;
      if (e.key === "ArrowUp") layer = Math.min(d.layers, layer + 1); // layer 30 is at the top
      else if (e.key === "ArrowDown") layer = Math.max(0, layer - 1);
      else if (e.key === "ArrowRight") pos = Math.min(T - 1, pos + 1);
      else if (e.key === "ArrowLeft") pos = Math.max(0, pos - 1);
      else return;
      e.preventDefault();
      const prev = wrap.querySelector(".ll-cur");
      if (prev) prev.classList.remove("ll-cur");
      cur = [layer, pos];
      focusCell(true);
      writeHash(state());
    });
    const pre = root.querySelector(".ll-prerendered");
    if (pre) pre.remove(); // the live strip below has the same table, and more
    root.append(box.form, el("div", { class: "ll-app" },
      el("p", {}, el("label", { for: menu.id, text: "Prompt " }), menu), hint, wrap, panel,
      el("p", {}, shareButton(() => writeHash(state())))));
    draw();
    status(root, "");
    if (hash.text) box.submit(hash.text, { ask: false }); // runs at once only when the model is cached
  }, { near: "200px" }); // near the viewport: fetch before the reader asks
}

for (const root of document.querySelectorAll('[data-widget="logit-lens"]')) setup(root);
