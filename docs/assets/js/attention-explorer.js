// The attention explorer (chapters 4 and 5): every head of the real model, for a few sentences.
//
// The page holds <div class="llm-widget" data-widget="attention-explorer" data-src=... > with a
// prerendered summary (llmsite/figures/attention_explorer.py), next to the static figures that stay
// as the no-JavaScript view. The data file (docs/assets/data/attention.json, written by
// `python -m llmsite figures`) is fetched only when the reader uses the box or scrolls near it.
// Each weight is one byte; a row of the causal triangle adds up to 255 (see the Python module).
//
// Views: "head view" (tokens twice; point at / focus a token on the left to see where it looks,
// on the right to see who looks at it), a heatmap of the same head with the masked future
// visible (arrow keys move a cursor cell), a grid of all 270 heads (arrow keys, Enter opens),
// and a table of the numbers. Tokens are text nodes (el), never HTML.
//
// The reader's own sentence (issue 21): a text box runs the in-browser engine (widget-core's
// sentenceBox) and adds "your sentence" to the menu, with float32 weights; the head finders
// are re-scored on it with the rules of llmsite/figures/attention_explorer.role_scores
// (roleScores below; a browser test holds the two equal). `#text=…&layer=…&head=…&view=…`
// in the URL restores a view.

import { el, fetchJSON, onDemand, status, unavailable, sentenceBox, readHash, writeHash, shareButton, showToken }
  from "./widget-core.js";

const AVG = "avg";
const cache = new Map(); // data URL -> promise of parsed data

function loadData(url) {
  if (!cache.has(url)) {
    cache.set(url, fetchJSON(url).then((d) => {
      if (!d) return null;
      for (const s of d.sentences) {
        const bin = atob(s.weights);
        const bytes = new Uint8Array(bin.length);
        for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
        s.bytes = bytes;
        s.T = s.tokens.length;
        s.tri = (s.T * (s.T + 1)) / 2;
      }
      return d;
    }));
  }
  return cache.get(url);
}

const show = showToken; // as llmsite.figures.show_token
const f3 = (x) => x.toFixed(3);

// weight of row i, column j in (layer, head) of sentence s; head may be AVG (mean of the heads).
// A stored sentence has bytes (a row adds up to d.scale); the reader's has the engine's float32
// maps, s.att [layer][head][query][key].
function one(d, s, layer, head, i, j) {
  if (s.att) return s.att[((layer * d.heads + head) * s.T + i) * s.T + j];
  return s.bytes[(layer * d.heads + head) * s.tri + i * (i + 1) / 2 + j] / d.scale;
}
function weight(d, s, layer, head, i, j) {
  if (j > i) return 0;
  if (head === AVG) {
    let sum = 0;
    for (let h = 0; h < d.heads; h++) sum += one(d, s, layer, h, i, j);
    return sum / d.heads;
  }
  return one(d, s, layer, head, i, j);
}

// The head finders of llmsite/figures/attention_explorer.role_scores, on float32 maps att
// [L][H][T][T] of ids: Float64Array [L * H * 4], per head (prev, self, induction, sink), NaN
// where a rule has nothing to measure. A sentence typed twice (ids = a + a) is scored exactly
// as chapter 5 scores its repeated sentence (figures/attention.head_scores); any other sentence:
// prev/self/sink over the tokens from the third on, induction over the tokens seen before
// (weight on the token that followed their latest earlier copy).
export function roleScores(att, ids, L, H) {
  const T = ids.length, out = new Float64Array(L * H * 4).fill(NaN);
  const half = T / 2;
  let repeat = T >= 4 && T % 2 === 0;
  for (let k = 0; repeat && k < half; k++) repeat = ids[k] === ids[k + half];
  const n = repeat ? half : T;
  const pairs = []; // [query, key] of the induction rule
  if (repeat) for (let j = n + 1; j < 2 * n; j++) pairs.push([j, j - n + 1]);
  else {
    for (let j = 2; j < T; j++) {
      for (let k = j - 2; k >= 0; k--) if (ids[k] === ids[j]) { pairs.push([j, k + 1]); break; }
    }
  }
  const at = (l, h, i, j) => att[((l * H + h) * T + i) * T + j];
  for (let l = 0; l < L; l++) {
    for (let h = 0; h < H; h++) {
      const o = (l * H + h) * 4;
      if (n > 2) {
        let prev = 0, self = 0, sink = 0;
        for (let i = 2; i < n; i++) { prev += at(l, h, i, i - 1); self += at(l, h, i, i); sink += at(l, h, i, 0); }
        out[o] = prev / (n - 2); out[o + 1] = self / (n - 2); out[o + 3] = sink / (n - 2);
      }
      if (pairs.length) {
        let ind = 0;
        for (const [i, j] of pairs) ind += at(l, h, i, j);
        out[o + 2] = ind / pairs.length;
      }
    }
  }
  return out;
}

export const ROLES = [["prev", "previous token"], ["self", "itself"], ["induction", "induction"], ["sink", "first token (sink)"]];

// The best head for each role (the found list of the data file, for the reader's sentence).
export function findHeads(scores, L, H) {
  return ROLES.map(([role, label], k) => {
    let best = -1, bl = 0, bh = 0;
    for (let l = 0; l < L; l++) for (let h = 0; h < H; h++) {
      const v = scores[(l * H + h) * 4 + k];
      if (v > best) { best = v; bl = l; bh = h; }
    }
    return best < 0 ? { role, label, layer: null, head: null, score: null }
      : { role, label, layer: bl, head: bh, score: Math.round(best * 100) / 100 };
  });
}

const SVGNS = "http://www.w3.org/2000/svg";
function svgEl(tag, attrs = {}) {
  const n = document.createElementNS(SVGNS, tag);
  for (const [k, v] of Object.entries(attrs)) n.setAttribute(k, v);
  return n;
}

function barColour(root) {
  return getComputedStyle(root).getPropertyValue("--llm-bar").trim() || "#0072B2";
}

class Explorer {
  constructor(root, d) {
    this.root = root;
    this.d = d;
    const ds = root.dataset, hash = readHash();
    const num = (v, fallback) => { const x = parseInt(v, 10); return Number.isFinite(x) ? x : fallback; };
    this.s = d.sentences.find((x) => x.id === (hash.sentence || ds.sentence)) || d.sentences[0];
    this.layer = Math.min(d.layers - 1, Math.max(0, num(hash.layer, num(ds.layer, 0))));
    const head = hash.head ?? ds.head;
    this.head = head === AVG ? AVG : Math.min(d.heads - 1, Math.max(0, num(head, 0)));
    this.view = (hash.view || ds.view) === "grid" ? "grid" : "head";
    this.sel = null; // {side: "q" | "k", i}
    this.cursor = null; // heatmap cell [i, j]
    this.live = null; // the reader's sentence, once run
    this.scores = null; // roleScores of the reader's sentence
    this.build();
    this.render();
    if (hash.text) this.box.submit(hash.text, { ask: false }); // runs at once only when the model is cached
  }

  // the reader's sentence from the engine: a sentence like the stored ones, with float weights
  takeLive(r, text) {
    const d = this.d;
    if (r.layers !== d.layers || r.heads !== d.heads) throw new Error(`the engine has ${r.layers} × ${r.heads} heads`);
    const tokens = Array.from(r.tokens);
    const short = text.length > 40 ? text.slice(0, 39) + "…" : text;
    this.live = { id: "live", label: `your sentence: ${short}`, text, tokens, ids: Array.from(r.ids), T: r.n, att: r.attention,
      truncated: r.truncated };
    this.scores = roleScores(r.attention, this.live.ids, d.layers, d.heads);
    this.liveFound = findHeads(this.scores, d.layers, d.heads);
    let opt = this.sentenceSel.querySelector('option[value="live"]');
    if (!opt) { opt = el("option", { value: "live" }); this.sentenceSel.prepend(opt); }
    opt.textContent = this.live.label;
    this.set({ s: this.live, sel: null, cursor: null });
  }

  sentenceById(id) {
    return id === "live" ? this.live : this.d.sentences.find((x) => x.id === id);
  }

  state() {
    return { text: this.s === this.live ? this.live.text : null, sentence: this.s === this.live ? null : this.s.id,
      layer: this.layer, head: this.head, view: this.view };
  }

  // Readers see blocks 1-30 and heads 1-9, as the pages count; indices (data, values) start at 0.
  headName() {
    return this.head === AVG ? `block ${this.layer + 1}, average of ${this.d.heads} heads` : `block ${this.layer + 1}, head ${this.head + 1}`;
  }

  build() {
    const d = this.d;
    const uid = this.root.id || "ae";
    this.sentenceSel = el("select", { id: `${uid}-sentence`, "data-ae": "sentence" },
      d.sentences.map((s) => el("option", { value: s.id, text: s.label })));
    this.layerSel = el("select", { id: `${uid}-layer`, "data-ae": "layer" },
      Array.from({ length: d.layers }, (_, l) => el("option", { value: String(l), text: String(l + 1) })));
    this.headSel = el("select", { id: `${uid}-head`, "data-ae": "head" },
      Array.from({ length: d.heads }, (_, h) => el("option", { value: String(h), text: String(h + 1) })),
      el("option", { value: AVG, text: "average of all" }));
    this.sentenceSel.addEventListener("change", () => this.set({ s: this.sentenceById(this.sentenceSel.value) }));
    this.layerSel.addEventListener("change", () => this.set({ layer: parseInt(this.layerSel.value, 10) }));
    this.headSel.addEventListener("change", () => this.set({ head: this.headSel.value === AVG ? AVG : parseInt(this.headSel.value, 10) }));
    this.viewBtns = ["head", "grid"].map((v) => {
      const b = el("button", { type: "button", class: "md-button ae-view", "data-ae-view": v,
        text: v === "head" ? "One head" : `All ${d.layers * d.heads} heads` });
      b.addEventListener("click", () => this.set({ view: v }));
      return b;
    });
    this.roles = el("span", { class: "ae-roles" });
    this.rolesHint = el("span", { class: "ae-hint", "data-ae": "roles-hint" });
    this.box = sentenceBox(this.root, { label: "Your sentence (up to 64 tokens): every head, computed in your browser",
      placeholder: "Type a sentence, e.g. The cat sat on the mat because it was warm",
      onResult: (r, text) => this.takeLive(r, text) });
    this.text = el("p", { class: "ae-sentence" });
    this.readout = el("p", { class: "ae-readout", role: "status", "aria-live": "polite", "data-ae": "readout" });
    this.headView = el("div", { class: "ae-headview", "data-ae": "headview" });
    // a focusable group (not a grid: its one child is a picture); arrow keys move a cell, the readout speaks it
    this.heat = el("div", { class: "ae-heat", "data-ae": "heatmap", tabIndex: 0, role: "group", "aria-roledescription": "heatmap" });
    this.grid = el("div", { class: "ae-grid", "data-ae": "grid", role: "grid", "aria-label": "All heads: rows are blocks, columns are heads" });
    this.table = el("details", { class: "ae-table", "data-ae": "table" }, el("summary", { text: "The numbers of this head (a table)" }));
    this.table.addEventListener("toggle", () => this.table.open && this.renderTable());
    this.one = el("div", { class: "ae-one" },
      el("p", { class: "ae-hint", text: "Point at or tab to a token. Left: where it looks. Right: who looks at it. Arrow keys move; the heatmap takes arrow keys too." }),
      this.headView, this.heat, this.table);
    this.app = el("div", { class: "ae-app" },
      el("div", { class: "ae-controls" },
        el("label", { for: this.sentenceSel.id, text: "Sentence " }), this.sentenceSel,
        el("label", { for: this.layerSel.id, text: " Block " }), this.layerSel,
        el("label", { for: this.headSel.id, text: " Head " }), this.headSel),
      el("div", { class: "ae-buttons", role: "group", "aria-label": "View" }, this.viewBtns),
      el("div", { class: "ae-buttons", role: "group", "aria-label": "Heads found by rule" },
        this.rolesHint, this.roles),
      this.text, this.readout, this.one, this.grid,
      el("p", { class: "ae-share" }, shareButton(() => writeHash(this.state()))));
    this.root.append(this.box.form, this.app);
    // redraw canvases when the reader switches light/dark
    new MutationObserver(() => this.view === "grid" && this.renderGrid())
      .observe(document.body, { attributes: true, attributeFilter: ["data-md-color-scheme"] });
  }

  set(change) {
    if (change.s && change.s !== this.s) { this.sel = null; this.cursor = null; }
    Object.assign(this, change);
    this.render();
    writeHash(this.state()); // the reader changed the view: the URL says so (and can be shared)
  }

  // the head finders: the data file's for the stored sentences (scored on chapter 5's repeated
  // sentence), re-scored for the reader's own
  renderRoles() {
    const d = this.d, live = this.s === this.live;
    const it = d.found.find((f) => f.role === "it");
    const found = live ? [...this.liveFound, it && { ...it, label: "chapter 4's “ it” head", score: null }].filter(Boolean) : d.found;
    this.rolesHint.textContent = live ? "Heads found by rule on your sentence: " : "Heads found by rule: ";
    this.roles.replaceChildren(...found.map((f) => {
      if (f.layer === null) {
        return el("button", { type: "button", class: "md-button ae-role", "data-ae-role": f.role, disabled: true,
          text: f.role === "induction" ? `${f.label}: no token repeats in your sentence` : `${f.label}: too few tokens` });
      }
      const b = el("button", { type: "button", class: "md-button ae-role", "data-ae-role": f.role,
        "data-layer": String(f.layer), "data-head": String(f.head),
        // the visible text is the whole accessible name (blocks and heads counted from 1, as the pages count)
        text: `${f.label} · block ${f.layer + 1} head ${f.head + 1}` + (live && f.score !== null ? ` (score ${f.score.toFixed(2)})` : "") });
      b.addEventListener("click", () => {
        const s = !live && f.sentence ? d.sentences.find((x) => x.id === f.sentence) : this.s;
        const q = f.query ? s.tokens.indexOf(f.query) : null;
        this.set({ s, layer: f.layer, head: f.head, view: "head", sel: q !== null && q >= 0 ? { side: "q", i: q } : null });
      });
      return b;
    }));
  }

  render() {
    const d = this.d;
    this.sentenceSel.value = this.s.id;
    this.renderRoles();
    this.layerSel.value = String(this.layer);
    this.headSel.value = String(this.head);
    for (const b of this.viewBtns) b.setAttribute("aria-pressed", String(b.dataset.aeView === this.view));
    this.text.textContent = `“${this.s.text}” · ${this.s.T} tokens${this.s.truncated ? " (the first 64)" : ""} · ${this.headName()}`;
    this.one.hidden = this.view !== "head";
    this.grid.hidden = this.view !== "grid";
    if (this.view === "grid") {
      this.renderGrid();
      this.readout.textContent = `All ${d.layers * d.heads} heads for this sentence. Arrow keys move, Enter opens a head.`;
    } else {
      this.renderHeadView();
      this.renderHeat();
      if (this.table.open) this.renderTable();
      this.describe();
    }
  }

  w(i, j) { return weight(this.d, this.s, this.layer, this.head, i, j); }

  describe() {
    const tk = this.s.tokens;
    if (this.cursor) {
      const [i, j] = this.cursor;
      this.readout.textContent = j > i
        ? `“${show(tk[i])}” → “${show(tk[j])}”: masked (the future), 0`
        : `“${show(tk[i])}” → “${show(tk[j])}”: ${f3(this.w(i, j))}`;
    } else if (this.sel) {
      const { side, i } = this.sel;
      let best = side === "q" ? 0 : i, bw = -1;
      if (side === "q") for (let j = 0; j <= i; j++) { if (this.w(i, j) > bw) { bw = this.w(i, j); best = j; } }
      else for (let q = i; q < this.s.T; q++) { if (this.w(q, i) > bw) { bw = this.w(q, i); best = q; } }
      this.readout.textContent = side === "q"
        ? `“${show(tk[i])}” looks most at “${show(tk[best])}”: ${f3(bw)}`
        : `“${show(tk[i])}” gets the most from “${show(tk[best])}”: ${f3(bw)}`;
    } else {
      this.readout.textContent = `${this.headName()}: point at or focus a token.`;
    }
  }

  // ---------------------------------------------------------------- head view
  renderHeadView() {
    const T = this.s.T, tk = this.s.tokens, ROW = 24, MID = 90;
    const sel = this.sel;
    const col = (side) => {
      const list = el("div", { class: `ae-col ae-col-${side}`, role: "listbox",
        "aria-label": side === "q" ? "Tokens that look (queries)" : "Tokens looked at (keys)" });
      for (let i = 0; i < T; i++) {
        let v = null, masked = false;
        if (sel && sel.side !== side) {
          if (side === "k") { masked = i > sel.i; v = masked ? null : this.w(sel.i, i); }
          else { masked = i < sel.i; v = masked ? null : this.w(i, sel.i); }
        }
        const active = sel && sel.side === side && sel.i === i;
        const tabbable = sel ? (sel.side === side ? active : i === 0) : i === 0;
        const label = `${show(tk[i])}` + (v !== null ? `, weight ${f3(v)}` : masked ? ", masked" : "");
        const b = el("button", { type: "button", class: "ae-tok" + (active ? " ae-active" : "") + (masked ? " ae-masked" : ""),
          "data-side": side, "data-i": String(i), tabIndex: tabbable ? 0 : -1, role: "option",
          "aria-selected": String(!!active), "aria-label": label },
          el("span", { class: "ae-tok-text", text: show(tk[i]) }),
          el("span", { class: "ae-num", "data-ae-num": "", text: v !== null ? f3(v) : "" }));
        if (v !== null) b.style.setProperty("--ae-w", String(v));
        b.addEventListener("pointerenter", () => this.select(side, i, false));
        b.addEventListener("focus", () => { if (!(this.sel && this.sel.side === side && this.sel.i === i)) this.select(side, i, true); });
        b.addEventListener("keydown", (e) => this.tokKey(e, side, i));
        list.append(b);
      }
      return list;
    };
    const svg = svgEl("svg", { viewBox: `0 0 ${MID} ${T * ROW}`, width: MID, height: T * ROW, class: "ae-lines",
      "aria-hidden": "true", preserveAspectRatio: "none" });
    svg.style.height = `${T * ROW}px`; // stretch sideways only: rows stay aligned with the tokens
    if (sel) {
      for (let k = 0; k < T; k++) {
        const [i, j] = sel.side === "q" ? [sel.i, k] : [k, sel.i];
        if (j > i) continue;
        const v = this.w(i, j);
        if (v < 0.005) continue;
        svg.append(svgEl("line", { x1: 2, y1: i * ROW + ROW / 2, x2: MID - 2, y2: j * ROW + ROW / 2, class: "ae-line",
          "stroke-width": (0.5 + 5 * v).toFixed(2), "stroke-opacity": Math.min(1, 0.15 + v).toFixed(2) }));
      }
    }
    const focused = document.activeElement && this.headView.contains(document.activeElement)
      ? [document.activeElement.dataset.side, document.activeElement.dataset.i] : null;
    this.headView.replaceChildren(col("q"), svg, col("k"));
    if (focused) {
      const b = this.headView.querySelector(`.ae-tok[data-side="${focused[0]}"][data-i="${focused[1]}"]`);
      if (b) b.focus({ preventScroll: true });
    }
  }

  select(side, i, fromFocus) {
    if (this.sel && this.sel.side === side && this.sel.i === i) return;
    this.sel = { side, i };
    this.cursor = null;
    this.renderHeadView();
    this.renderHeat();
    this.describe();
    if (fromFocus) {
      const b = this.headView.querySelector(`.ae-tok[data-side="${side}"][data-i="${i}"]`);
      if (b && document.activeElement !== b) b.focus({ preventScroll: true });
    }
  }

  tokKey(e, side, i) {
    const T = this.s.T;
    let ni = i, ns = side;
    if (e.key === "ArrowDown") ni = Math.min(T - 1, i + 1);
    else if (e.key === "ArrowUp") ni = Math.max(0, i - 1);
    else if (e.key === "Home") ni = 0;
    else if (e.key === "End") ni = T - 1;
    else if (e.key === "ArrowRight" || e.key === "ArrowLeft") ns = side === "q" ? "k" : "q";
    else return;
    e.preventDefault();
    this.select(ns, ni, false);
    const b = this.headView.querySelector(`.ae-tok[data-side="${ns}"][data-i="${ni}"]`);
    if (b) b.focus();
  }

  // ---------------------------------------------------------------- heatmap
  renderHeat() {
    const T = this.s.T, tk = this.s.tokens, C = 16, LAB = 8 * Math.max(...tk.map((t) => show(t).length), 3) + 8;
    const size = LAB + T * C + 2;
    const svg = svgEl("svg", { viewBox: `0 0 ${size} ${size}`, width: size, height: size, class: "ae-heatmap",
      role: "img", "aria-label": `Heatmap of ${this.headName()}: rows look at columns; the grey triangle is the masked future.` });
    for (let i = 0; i < T; i++) {
      const lab = svgEl("text", { x: LAB - 4, y: LAB + i * C + C * 0.72, "text-anchor": "end", class: "llm-label", "font-size": 11, fill: "currentColor" });
      lab.textContent = show(tk[i]);
      svg.append(lab);
      const top = svgEl("text", { x: 0, y: 0, "text-anchor": "start", class: "llm-label", "font-size": 11, fill: "currentColor",
        transform: `translate(${LAB + i * C + C * 0.7} ${LAB - 4}) rotate(-90)` });
      top.textContent = show(tk[i]);
      svg.append(top);
      for (let j = 0; j < T; j++) {
        const r = svgEl("rect", { x: LAB + j * C + 0.5, y: LAB + i * C + 0.5, width: C - 1, height: C - 1, "data-i": i, "data-j": j });
        if (j > i) r.setAttribute("class", "ae-cell ae-cell-masked");
        else { r.setAttribute("class", "ae-cell"); r.setAttribute("fill-opacity", this.w(i, j).toFixed(3)); }
        svg.append(r);
      }
    }
    if (this.cursor) {
      const [i, j] = this.cursor;
      svg.append(svgEl("rect", { x: LAB + j * C, y: LAB + i * C, width: C, height: C, class: "ae-cursor" }));
    } else if (this.sel) {
      const { side, i } = this.sel;
      svg.append(side === "q"
        ? svgEl("rect", { x: LAB, y: LAB + i * C, width: T * C, height: C, class: "ae-cursor" })
        : svgEl("rect", { x: LAB + i * C, y: LAB, width: C, height: T * C, class: "ae-cursor" }));
    }
    svg.addEventListener("pointermove", (e) => {
      const t = e.target;
      if (t.dataset && t.dataset.i !== undefined && t.classList.contains("ae-cell")) {
        const c = [parseInt(t.dataset.i, 10), parseInt(t.dataset.j, 10)];
        if (!this.cursor || this.cursor[0] !== c[0] || this.cursor[1] !== c[1]) { this.cursor = c; this.describe(); this.moveCursor(svg, C, LAB); }
      }
    });
    this.heat.setAttribute("aria-label", `Heatmap of ${this.headName()}. Arrow keys move a cell; its number is read out.`);
    this.heat.replaceChildren(svg);
    if (!this.heatKeys) {
      this.heatKeys = true;
      this.heat.addEventListener("keydown", (e) => {
        const T2 = this.s.T;
        let [i, j] = this.cursor || (this.sel && this.sel.side === "q" ? [this.sel.i, 0] : [0, 0]);
        if (e.key === "ArrowDown") i = Math.min(T2 - 1, i + 1);
        else if (e.key === "ArrowUp") i = Math.max(0, i - 1);
        else if (e.key === "ArrowRight") j = Math.min(T2 - 1, j + 1);
        else if (e.key === "ArrowLeft") j = Math.max(0, j - 1);
        else return;
        e.preventDefault();
        this.cursor = [i, j];
        this.renderHeat();
        this.describe();
      });
    }
  }

  moveCursor(svg, C, LAB) {
    let c = svg.querySelector(".ae-cursor");
    if (!c) { c = svgEl("rect", { class: "ae-cursor", width: C, height: C }); svg.append(c); }
    c.setAttribute("x", LAB + this.cursor[1] * C);
    c.setAttribute("y", LAB + this.cursor[0] * C);
    c.setAttribute("width", C);
    c.setAttribute("height", C);
  }

  // ---------------------------------------------------------------- table
  renderTable() {
    const T = this.s.T, tk = this.s.tokens;
    const table = el("table", { class: "ae-numbers" },
      el("caption", { text: `${this.headName()}: row = the token that looks, column = the token looked at; blank = masked` }),
      el("thead", {}, el("tr", {}, el("th", { scope: "col", text: "looks \\ at" }),
        tk.map((t) => el("th", { scope: "col", text: show(t) })))),
      el("tbody", {}, Array.from({ length: T }, (_, i) => el("tr", {},
        el("th", { scope: "row", text: show(tk[i]) }),
        Array.from({ length: T }, (_, j) => el("td", { text: j <= i ? f3(this.w(i, j)) : "" }))))));
    const wrap = el("div", { class: "ae-table-wrap", tabIndex: 0, role: "region", "aria-label": "Numbers of this head" }, table);
    this.table.replaceChildren(this.table.querySelector("summary"), wrap);
  }

  // ---------------------------------------------------------------- grid of all heads
  renderGrid() {
    const d = this.d, s = this.s, T = s.T, colour = barColour(this.root);
    const rows = [el("div", { class: "ae-grid-row ae-grid-head", role: "row" }, el("span", { class: "ae-grid-lab", role: "columnheader", text: "" }),
      Array.from({ length: d.heads }, (_, h) => el("span", { class: "ae-grid-lab", role: "columnheader", text: `H${h + 1}` })))];
    for (let l = 0; l < d.layers; l++) {
      const cells = [];
      for (let h = 0; h < d.heads; h++) {
        const cv = el("canvas", { width: T, height: T, "aria-hidden": "true" });
        const g = cv.getContext("2d");
        for (let i = 0; i < T; i++) {
          for (let j = 0; j < T; j++) {
            if (j > i) { g.fillStyle = "rgba(140,140,140,0.18)"; g.globalAlpha = 1; }
            else { g.fillStyle = colour; g.globalAlpha = weight(d, s, l, h, i, j); }
            g.fillRect(j, i, 1, 1);
          }
        }
        const current = l === this.layer && h === this.head;
        const b = el("button", { type: "button", class: "ae-thumb" + (current ? " ae-active" : ""), role: "gridcell",
          "data-layer": String(l), "data-head": String(h), tabIndex: current || (this.head === AVG && l === this.layer && h === 0) ? 0 : -1,
          "aria-label": `Block ${l + 1}, head ${h + 1}` + (current ? " (open)" : ""), title: `block ${l + 1}, head ${h + 1}` }, cv);
        b.addEventListener("click", () => {
          this.set({ layer: l, head: h, view: "head" });
          this.heat.focus(); // the grid is gone: keep the keyboard inside the explorer, on the opened head
        });
        b.addEventListener("keydown", (e) => this.gridKey(e, l, h));
        cells.push(b);
      }
      rows.push(el("div", { class: "ae-grid-row", role: "row" }, el("span", { class: "ae-grid-lab", role: "rowheader", text: `B${l + 1}` }), cells));
    }
    this.grid.replaceChildren(...rows);
  }

  gridKey(e, l, h) {
    const d = this.d;
    if (e.key === "ArrowRight") h = Math.min(d.heads - 1, h + 1);
    else if (e.key === "ArrowLeft") h = Math.max(0, h - 1);
    else if (e.key === "ArrowDown") l = Math.min(d.layers - 1, l + 1);
    else if (e.key === "ArrowUp") l = Math.max(0, l - 1);
    else return;
    e.preventDefault();
    for (const b of this.grid.querySelectorAll(".ae-thumb")) b.tabIndex = -1;
    const b = this.grid.querySelector(`.ae-thumb[data-layer="${l}"][data-head="${h}"]`);
    b.tabIndex = 0;
    b.focus();
    this.readout.textContent = `Block ${l + 1}, head ${h + 1}. Enter opens it.`;
  }
}

function setup(root) {
  const url = new URL(`../data/${root.dataset.src || "attention.json"}`, import.meta.url).href;
  onDemand(root, async () => {
    status(root, "Loading the attention data…");
    const d = await loadData(url);
    if (!d) {
      unavailable(root, "The attention data is not available here (run `python -m llmsite figures`).");
      return;
    }
    const pre = root.querySelector(".ae-prerendered");
    if (pre) pre.hidden = true;
    root.explorer = new Explorer(root, d);
    status(root, "");
  }, { near: "200px" }); // near the viewport: fetch before the reader asks
}

for (const root of document.querySelectorAll('[data-widget="attention-explorer"]')) setup(root);
