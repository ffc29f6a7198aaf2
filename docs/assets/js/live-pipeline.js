// The pipeline on the reader's own sentence (the home page and the recap, chapter 15).
//
// The page holds <div class="llm-widget" data-widget="live-pipeline" data-variant="home|recap"
// data-replaces="fig-01-pipeline"> next to a prerendered figure of the same pipeline (built by
// llmsite from the real model: the no-JavaScript view and the default). The reader types a
// sentence; widget-core's sentenceBox offers the model download (its size read from the
// playground's manifest), and the in-browser engine (docs/assets/js/engine/client.js) runs it.
// Then the pipeline is drawn again for that sentence: its tokens and ids, the vectors, the 30
// blocks (for the token the reader follows: the size of its vector after each block and what
// the model would predict if it stopped there: the logit lens) and the top guesses for the next
// token from all 49,152 probabilities, with a button that appends the favourite and runs again
// (the loop). `#text=…&pos=…` restores it. Every string goes on the page as a text node.

import { el, sentenceBox, readHash, writeHash, shareButton, showToken } from "./widget-core.js";

const pct = (p) => `${(100 * p).toFixed(1)}%`;
const SHOWN_BLOCKS = [0, 5, 10, 15, 20, 25, 30]; // the home page's compact view (chapter 15's chart has the same)

// The k most likely token ids of probs (Float32Array), best first.
export function topIds(probs, k) {
  const best = [];
  for (let i = 0; i < probs.length; i++) {
    const p = probs[i];
    if (best.length < k || p > probs[best[best.length - 1]]) {
      let j = best.length < k ? best.length : k - 1;
      best[j] = i;
      while (j > 0 && probs[best[j - 1]] < p) { best[j] = best[j - 1]; best[j - 1] = i; j--; }
    }
  }
  return best;
}

class LivePipeline {
  constructor(root) {
    this.root = root;
    this.variant = root.dataset.variant === "recap" ? "recap" : "home";
    this.r = null;
    this.text = "";
    this.pos = null;
    this.figure = root.dataset.replaces ? document.getElementById(root.dataset.replaces) : null;
    this.box = sentenceBox(root, {
      label: this.variant === "home" ? "Your sentence (up to 64 tokens)" : "Your sentence: follow one of its tokens through the model",
      placeholder: "Type a sentence, e.g. The capital of Italy is",
      onResult: (r, text) => this.take(r, text),
    });
    this.out = el("div", { class: "lp-out", "data-lp": "out", hidden: true });
    this.back = el("button", { type: "button", class: "md-button lp-back", "data-lp": "back", hidden: true,
      text: "Show the example again" });
    this.back.addEventListener("click", () => this.showExample(true));
    root.append(this.box.form, this.back, this.out);
    const hash = readHash();
    if (hash.text) {
      this.wantPos = parseInt(hash.pos, 10);
      this.box.submit(hash.text, { ask: false }); // runs at once only when the model is cached
    }
  }

  showExample(on) {
    if (this.figure) this.figure.hidden = !on;
    this.out.hidden = on;
    this.back.hidden = on || !this.figure;
    if (on) writeHash({});
  }

  take(r, text) {
    this.r = r;
    this.text = text;
    this.names = new Map(); // token id -> text, from the lens cells
    for (const row of r.lens) for (const cell of row) for (const c of cell) this.names.set(c.id, c.token);
    r.tokens.forEach((t, i) => this.names.set(r.ids[i], t));
    const want = this.wantPos;
    this.wantPos = null;
    this.pos = Number.isFinite(want) ? Math.min(r.n - 1, Math.max(0, want)) : r.n - 1;
    this.render();
    this.showExample(false);
    writeHash(this.state());
  }

  state() {
    return { text: this.text, pos: this.pos === this.r.n - 1 ? null : this.pos };
  }

  name(id) {
    return this.names.get(id) ?? `#${id}`;
  }

  render() {
    const r = this.r, L = r.layers, n = r.n, pos = this.pos;
    const stage = (key, title, ...body) => el("li", { class: "lp-stage", "data-lp-stage": key },
      el("span", { class: "lp-stage-name", text: title }), el("div", { class: "lp-stage-body" }, ...body));
    // tokens and ids: one chip per token; the followed token is pressed
    const chips = el("div", { class: "lp-chips", role: "group", "aria-label": "Tokens: choose the one to follow" },
      Array.from(r.tokens, (t, i) => {
        const b = el("button", { type: "button", class: "lp-chip" + (i === pos ? " lp-on" : ""), "data-i": String(i),
          "aria-pressed": String(i === pos), tabIndex: i === pos ? 0 : -1,
          "aria-label": `token ${i + 1}: ${showToken(t)}, id ${r.ids[i]}` },
        el("span", { class: "lp-tok", text: showToken(t) }), el("span", { class: "lp-id", text: String(r.ids[i]) }));
        b.addEventListener("click", () => this.follow(i));
        b.addEventListener("keydown", (e) => {
          const to = e.key === "ArrowRight" ? i + 1 : e.key === "ArrowLeft" ? i - 1 : e.key === "Home" ? 0 : e.key === "End" ? n - 1 : null;
          if (to === null) return;
          e.preventDefault();
          this.follow(Math.min(n - 1, Math.max(0, to)), true);
        });
        return b;
      }));
    // the blocks: size of the followed token's vector after each, and the lens guess
    const norms = Array.from({ length: L + 1 }, (_, l) => r.residualNorm[l * n + pos]);
    const top = Math.max(...norms) || 1;
    const blocks = this.variant === "recap" ? Array.from({ length: L + 1 }, (_, l) => l) : SHOWN_BLOCKS.filter((l) => l <= L);
    const rows = blocks.map((l) => {
      const best = r.lens[l][pos][0];
      return el("tr", { "data-block": String(l) },
        el("th", { scope: "row", text: l === 0 ? "0 emb." : String(l) }),
        el("td", { class: "lp-num", text: norms[l].toFixed(1) }),
        el("td", { class: "lp-barcell", "aria-hidden": "true" }, el("span", { class: "lp-bar", style: `width:${(100 * norms[l] / top).toFixed(1)}%` })),
        el("td", { class: "lp-guess" }, el("code", { text: showToken(best.token) })),
        el("td", { class: "lp-num", text: pct(best.p) }));
    });
    const followed = showToken(r.tokens[pos]);
    const table = el("table", { class: "lp-blocks", "data-lp": "blocks" },
      el("caption", { text: `“${followed}” (token ${pos + 1} of ${n}) after each block (0 = its embedding): ` +
        "the size of its vector (root mean square) and what the model would predict next if it stopped there" }),
      el("thead", {}, el("tr", {}, ["block", "size", "", "would predict", "p"].map((h) => el("th", { scope: "col", text: h })))),
      el("tbody", {}, rows));
    // the final distribution, at the followed position: the lens's last row; for the last
    // token, from all 49,152 probabilities
    let guesses;
    if (pos === n - 1) {
      guesses = topIds(r.probs, 5).map((id) => ({ id, token: this.name(id), p: r.probs[id] }));
    } else guesses = r.lens[L][pos];
    const list = el("ol", { class: "lp-top", "data-lp": "top" }, guesses.map((g) => el("li", {},
      el("code", { class: "lp-tok", text: showToken(g.token) }), ` ${pct(g.p)} `,
      el("span", { class: "lp-bar lp-pbar", "aria-hidden": "true", style: `width:${(8 * g.p).toFixed(2)}em` }))));
    const append = el("button", { type: "button", class: "md-button", "data-lp": "append",
      text: `Append “${showToken(guesses[0].token)}” and run again` });
    append.addEventListener("click", () => this.box.submit(this.text + guesses[0].token));
    const sum = guesses.reduce((a, g) => a + g.p, 0);
    this.out.replaceChildren(el("ol", { class: "lp-stages" },
      stage("text", "text", el("p", { class: "lp-text", text: `“${this.text}”` })),
      stage("tokens", "tokens and ids", el("p", { class: "lp-hint", text: `${n} tokens${r.truncated ? " (the first 64)" : ""}. ` +
        "Each token is a number in a vocabulary of 49,152. Choose one to follow (arrow keys move)." }), chips),
      stage("vectors", "vectors", el("p", { text: `${n} × 576 numbers: one row of the embedding table per token.` })),
      stage("blocks", `${L} blocks`, el("div", { class: "lp-table-wrap", tabIndex: 0, role: "region",
        "aria-label": "The blocks, for the followed token" }, table)),
      stage("scores", "the next token", el("p", { text: pos === n - 1
        ? `49,152 scores, one per vocabulary token, turned into probabilities. The top 5 hold ${pct(sum)}:`
        : `What the model expects after “${followed}” (the text goes on, so this guess is not used):` }), list,
        pos === n - 1 ? append : null),
    ), el("p", {}, shareButton(() => writeHash(this.state()))));
  }

  follow(i, focus = false) {
    if (i === this.pos) return;
    this.pos = i;
    this.render();
    writeHash(this.state());
    if (focus) this.out.querySelector(`.lp-chip[data-i="${i}"]`)?.focus();
  }
}

for (const root of document.querySelectorAll('[data-widget="live-pipeline"]')) {
  root.pipeline = new LivePipeline(root);
  root.dataset.widgetState = "ready";
}
