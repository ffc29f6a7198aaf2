// The model playground: SmolLM2-135M-Instruct itself, in the reader's browser.
//
// The page holds <div class="llm-widget" data-widget="playground" data-mode="next|dist|sample|generate">
// with a result prerendered at build time by PyTorch (llmsite/playground.py), and loads this
// module. Nothing is downloaded until the reader presses "Run the model in your browser" (its
// size, e.g. "98 MB", is written into data-size at build time from the playground's manifest by
// llmsite/site/mkdocs_hooks.py; the pages' prose uses the same value): typing, Ctrl+Enter, the
// sliders or "Draw 20 tokens" before that only say that the button is needed. Then llama.cpp's
// wasm (2 MB) and the GGUF shards come from this site, into Cache Storage, so a second visit
// downloads nothing, and wllama (llama.cpp in WebAssembly, which runs in its own Web Worker: the
// page stays responsive) loads them. While a request runs, the result on the page is dimmed
// and, after a moment, the status line says "Working…".
//
// Every string from the reader or the model goes on the page as a text node (widget-core's
// el), never as HTML. URLs are relative to this file.

import { el, onDemand, status, progress, unavailable, fetchJSON, fmt } from "./widget-core.js";
import { filteredProbs, logitsFromProbs, entropyBits, rng, draw } from "./playground-sampling.js";

const BASE = new URL("../playground/", import.meta.url);
const CACHE_NAME = "llmsite-playground-v1";
const VOCAB = 49152;

// ------------------------------------------------------------------ token labels
// (the same labels as llmsite/tokenview.label_runs: ␣ ↵ → for white space, hex for bytes
// that are not a whole character)
const MARKERS = { " ": "\u2423", "\n": "\u21b5", "\t": "\u2192", "\r": "\u240d", "\x7f": "\u2421" };
const decoder = new TextDecoder("utf-8", { fatal: false });

function marker(ch) {
  if (MARKERS[ch]) return MARKERS[ch];
  const o = ch.codePointAt(0);
  if (o < 0x20) return String.fromCodePoint(0x2400 + o);
  if (/\s/u.test(ch) || (o >= 0x80 && o < 0xa0)) return "\u2423";
  return null;
}

// bytes -> label text: whole characters as text (white space as markers), stray bytes as [F0 9F]
export function tokenLabel(bytes) {
  let out = "";
  let i = 0;
  while (i < bytes.length) {
    const b = bytes[i];
    const n = b < 0x80 ? 1 : b >= 0xf0 && b < 0xf8 ? 4 : b >= 0xe0 ? 3 : b >= 0xc2 && b < 0xe0 ? 2 : 0;
    let ok = n > 0 && i + n <= bytes.length;
    for (let j = 1; ok && j < n; j++) ok = (bytes[i + j] & 0xc0) === 0x80;
    const ch = ok ? decoder.decode(bytes.subarray(i, i + n)) : null;
    if (ok && ch !== "\ufffd") {
      for (const c of ch) out += marker(c) ?? c;
      i += n;
    } else {
      const hex = [];
      while (i < bytes.length && !(hex.length && isCharStart(bytes, i))) hex.push(bytes[i++].toString(16).toUpperCase().padStart(2, "0"));
      out += `[${hex.join(" ")}]`;
    }
  }
  return out;
}

function isCharStart(bytes, i) {
  const b = bytes[i];
  const n = b < 0x80 ? 1 : b >= 0xf0 && b < 0xf8 ? 4 : b >= 0xe0 && b < 0xf0 ? 3 : b >= 0xc2 && b < 0xe0 ? 2 : 0;
  if (!n || i + n > bytes.length) return false;
  for (let j = 1; j < n; j++) if ((bytes[i + j] & 0xc0) !== 0x80) return false;
  return true;
}

const pct = (p) => `${(100 * p).toFixed(2)}%`;
// a download size as the site writes it ("98 MB"; llmsite.site.playground.size_text)
export const sizeText = (bytes) => `${Math.round(bytes / 1e6)} MB`;

// ------------------------------------------------------------------ the engine (one per page)

let enginePromise = null;

async function cachedFile(cache, man, name, onBytes) {
  const url = new URL(`${name}?v=${man.sha256[name].slice(0, 16)}`, BASE).href;
  const want = man.sizes[name];
  if (cache) {
    const hit = await cache.match(url);
    if (hit) {
      const blob = await hit.blob();
      if (blob.size === want) {
        onBytes(blob.size, true);
        return { url, blob, cached: true };
      }
    }
  }
  const res = await fetch(url);
  if (!res.ok) throw new Error(`could not fetch ${name} (HTTP ${res.status})`);
  const reader = res.body.getReader();
  const chunks = [];
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
    onBytes(value.length, false);
  }
  const type = name.endsWith(".wasm") ? "application/wasm" : "application/octet-stream";
  const blob = new Blob(chunks, { type });
  if (blob.size !== want) throw new Error(`${name}: got ${blob.size} bytes, expected ${want}`);
  if (cache) {
    try {
      await cache.put(url, new Response(blob, { headers: { "Content-Type": type, "Content-Length": String(blob.size) } }));
    } catch (e) {
      console.warn("playground: could not cache", name, e); // (a full disk): it works, just not offline
    }
  }
  return { url, blob, cached: false };
}

function engine(root) {
  if (enginePromise) return enginePromise;
  enginePromise = (async () => {
    const t0 = performance.now();
    const man = await fetchJSON(new URL("manifest.json", BASE).href);
    if (!man) return null;
    let cache = null;
    try {
      cache = await caches.open(CACHE_NAME);
    } catch (e) {
      cache = null; // no Cache Storage (not a secure context): download every visit
    }
    // single-threaded: the multi-threaded build needs cross-origin isolation (COOP/COEP
    // headers), which GitHub Pages cannot send, and was no faster on 2 busy cores
    const wasmKey = "single-thread/wllama.wasm";
    const names = [man.wasm[wasmKey], ...man.shards];
    const total = names.reduce((a, n) => a + man.sizes[n], 0);
    // the progress counts the model's bytes (the size the button names); llama.cpp's wasm first
    const modelTotal = man.shards.reduce((a, n) => a + man.sizes[n], 0);
    let loaded = 0;
    let fromCache = 0;
    let counting = false;
    const tick = (n, cached) => {
      if (cached) fromCache += n;
      if (!counting) return;
      loaded += n;
      progress(root, loaded, modelTotal, sizeText(modelTotal));
    };
    status(root, "Downloading llama.cpp (WebAssembly)…");
    const files = [await cachedFile(cache, man, names[0], tick)];
    counting = true;
    status(root, `Downloading the model (${sizeText(modelTotal)}, once: your browser keeps it)…`);
    progress(root, 0, modelTotal, sizeText(modelTotal));
    for (const n of names.slice(1)) files.push(await cachedFile(cache, man, n, tick));
    if (cache) { // forget files of older builds
      const keep = new Set(files.map((f) => f.url));
      for (const req of await cache.keys()) if (!keep.has(req.url)) await cache.delete(req);
    }
    const tDownload = performance.now();
    status(root, "Starting the model (llama.cpp in WebAssembly, in a Web Worker)…");
    const { Wllama } = await import(new URL(man.wllama_dir + "index.js", BASE).href);
    const wasm = { [wasmKey]: URL.createObjectURL(files[0].blob) };
    const quiet = { debug() {}, log() {}, warn() {}, error: (...a) => console.error(...a) };
    const wllama = new Wllama(wasm, { suppressNativeLog: true, logger: quiet });
    const shards = man.shards.map((n) => new File([files[names.indexOf(n)].blob], n.split("/").pop()));
    await wllama.loadModel(shards, { n_threads: 1, n_ctx: man.n_ctx, n_batch: man.n_ctx });
    const tReady = performance.now();
    const e = new Engine(wllama, man);
    e.timing = { downloadMs: tDownload - t0, initMs: tReady - tDownload, readyMs: tReady - t0,
      fromCacheBytes: fromCache, totalBytes: total };
    const bar = root.querySelector("[data-widget-progress]");
    if (bar) bar.hidden = true;
    return e;
  })();
  return enginePromise;
}

// the model, one sequence at a time (wllama keeps one KV cache): calls are queued
class Engine {
  constructor(wllama, man) {
    this.w = wllama;
    this.man = man;
    this.maxPrompt = man.n_ctx - 64; // room for a few appended / generated tokens
    this.cached = []; // the ids in the KV cache
    this.bytes = new Map();
    this.queue = Promise.resolve();
    this.imEnd = null;
  }

  run(fn) {
    const p = this.queue.then(fn);
    this.queue = p.catch(() => {});
    return p;
  }

  tokenize(text) {
    return this.run(() => this.w.tokenize(text, true));
  }

  async tokenBytes(ids) {
    const missing = [...new Set(ids)].filter((i) => !this.bytes.has(i));
    for (const id of missing) this.bytes.set(id, await this.run(() => this.w.detokenize([id], false)));
    return ids.map((i) => this.bytes.get(i));
  }

  // feed ids (reusing the KV cache when they extend what it holds) and return all
  // 49,152 probabilities for the next token, as a Float32Array indexed by token id
  // plus the ids sorted by probability (llama.cpp sorts them)
  next(ids, k = -1) {
    return this.run(async () => {
      const t0 = performance.now();
      let same = 0;
      while (same < this.cached.length && same < ids.length && this.cached[same] === ids[same]) same++;
      if (same < this.cached.length || same === ids.length) {
        await this.w.kvClear();
        this.cached = [];
        same = 0;
      }
      await this.w.decode(ids.slice(same), {});
      this.cached = ids.slice();
      const tDecode = performance.now();
      const all = await this.w.getLogits(k); // k = -1: all 49,152 (about 0.1 s more than k = 1)
      const probs = new Float32Array(VOCAB);
      const sorted = new Uint32Array(all.length);
      for (let i = 0; i < all.length; i++) {
        probs[all[i].token] = all[i].p;
        sorted[i] = all[i].token;
      }
      return { probs, sorted, decodeMs: tDecode - t0, ms: performance.now() - t0, fed: ids.length - same };
    });
  }
}

// ------------------------------------------------------------------ the widget

const buttonText = (size) => `Run the model in your browser${size ? ` — ${size}` : ""}, downloaded once`;

class Playground {
  constructor(root) {
    this.root = root;
    this.result = root.querySelector(".pg-result");
    this.mode = root.dataset.mode || this.result?.dataset.mode || "next";
    this.defaultPrompt = this.result?.dataset.prompt ?? "";
    this.settings = JSON.parse(this.result?.dataset.settings || "{}");
    this.ids = null; // the ids of the prompt, when the reader appended tokens by clicking
    this.seq = 0;
    this.drawSeq = 0;
    this.size = root.dataset.size || "";
    this.build();
    // only the button starts the download: its size is the reader's call
    this.trigger = onDemand(root, () => this.start(), { events: [] });
    this.idleText = "The numbers below were computed with PyTorch when this page was built. Press the button " +
      "to run the model itself in your browser.";
    status(root, this.idleText);
    this.needModel(true);
  }

  // before the model runs, the controls that need it are disabled and say so
  needModel(on) {
    for (const c of this.modelControls) c.disabled = on;
    if (this.needsNote) this.needsNote.hidden = !on;
  }

  // asked for something that needs the model before the reader agreed to download it
  askFirst() {
    status(this.root, `That needs the model running in your browser: press “${this.button.textContent}” first. ` +
      "Nothing is downloaded before you do.");
    this.button.focus();
  }

  // dim what is on the page while a request runs; say "Working…" if it takes a moment
  setBusy(on) {
    this.root.dataset.busy = String(on);
    this.out.setAttribute("aria-busy", String(on));
    clearTimeout(this.workingTimer);
    if (on) {
      this.out.classList.add("llm-stale");
      this.result?.classList.add("llm-stale");
      this.workingTimer = setTimeout(() => {
        status(this.root, "Working…").classList.add("llm-working");
      }, 300);
    } else {
      this.markFresh();
      const line = status(this.root, this.readyText || this.idleText);
      line.classList.remove("llm-working");
    }
  }

  markFresh() {
    this.out.classList.remove("llm-stale");
    this.result?.classList.remove("llm-stale");
  }

  build() {
    const n = Playground.count = (Playground.count || 0) + 1;
    this.input = el("textarea", { class: "pg-input", id: `pg-input-${n}`, rows: 2, spellcheck: false,
      autocomplete: "off", value: this.defaultPrompt });
    this.button = el("button", { type: "button", class: "md-button md-button--primary pg-load",
      "data-widget-load": "", text: buttonText(this.size) });
    this.modelControls = [];
    this.go = el("button", { type: "button", class: "md-button pg-go", text: this.mode === "generate" ? "Generate" : "Predict", hidden: true });
    this.note = el("p", { class: "pg-limit", role: "alert", hidden: true });
    this.out = el("div", { class: "pg-live", hidden: true });
    this.timing = el("p", { class: "pg-timing" });
    const line = el("p", { class: "llm-widget-status", "data-widget-status": "", role: "status", "aria-live": "polite" });
    const extra = this.extraControls(n);
    if (this.modelControls.length) {
      this.needsNote = el("p", { class: "pg-needs-model", id: `pg-needs-${n}`,
        text: "These controls work once the model runs in your browser (the button below)." });
      for (const c of this.modelControls) c.setAttribute("aria-describedby", [c.getAttribute("aria-describedby"), this.needsNote.id].filter(Boolean).join(" "));
    }
    const controls = el("div", { class: "pg-controls" },
      el("label", { for: this.input.id, class: "pg-label", text: "Your prompt" }),
      this.input, this.note, this.needsNote, extra,
      el("div", { class: "pg-bar-row" }, this.button, this.go), line, this.timing);
    this.root.prepend(controls);
    this.root.append(this.out);
    this.input.addEventListener("input", () => {
      this.ids = null;
      if (this.engine) this.schedule();
    });
    this.input.addEventListener("keydown", (e) => {
      if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) {
        e.preventDefault();
        if (this.engine) this.update();
        else this.askFirst(); // never a download the reader did not press for
      }
    });
    this.go.addEventListener("click", () => this.update());
    this.out.addEventListener("click", (e) => {
      const b = e.target.closest("button[data-append]");
      if (b) this.append(Number(b.dataset.append));
    });
  }

  extraControls(n) {
    if (this.mode === "dist") {
      this.probe = el("input", { type: "text", id: `pg-probe-${n}`, class: "pg-probe", value: this.settings.probe ?? " dragon",
        autocomplete: "off", spellcheck: false });
      this.probe.addEventListener("input", () => this.engine && this.showProbe());
      this.modelControls.push(this.probe);
      return el("div", { class: "pg-probe-row" },
        el("label", { for: this.probe.id, text: "A token to look up (start with a space for a word inside a sentence): " }),
        this.probe);
    }
    if (this.mode === "generate") {
      this.chat = el("input", { type: "checkbox", id: `pg-chat-${n}`, checked: !!this.settings.chat });
      this.chat.addEventListener("change", () => { this.ids = null; });
      this.modelControls.push(this.chat);
      return el("div", { class: "pg-probe-row" }, this.chat,
        el("label", { for: this.chat.id, text: "Chat template (the prompt becomes a user turn, the model writes the assistant's)" }));
    }
    if (this.mode === "sample") {
      const s = this.settings;
      this.sliders = {};
      const row = (key, label, min, max, step, value, help) => {
        const input = el("input", { type: "range", id: `pg-${key}-${n}`, min, max, step, value: String(value),
          "aria-describedby": `pg-${key}-${n}-v` });
        const shown = el("output", { id: `pg-${key}-${n}-v`, for: input.id });
        const show = () => { shown.textContent = this.settingText(key, Number(input.value)); };
        show();
        input.addEventListener("input", () => { show(); this.engine && this.showSampling(); });
        this.sliders[key] = input;
        this.modelControls.push(input);
        return el("div", { class: "pg-slider" }, el("label", { for: input.id, text: label }), input, shown,
          el("span", { class: "pg-help", text: help }));
      };
      this.seed = el("input", { type: "number", id: `pg-seed-${n}`, min: 0, step: 1, value: "0", class: "pg-seed" });
      this.drawButton = el("button", { type: "button", class: "md-button pg-draw", text: "Draw 20 tokens" });
      this.drawButton.addEventListener("click", () => this.showDraws());
      this.modelControls.push(this.seed, this.drawButton);
      return el("div", { class: "pg-sliders" },
        row("temperature", "Temperature", 0, 2, 0.05, s.temperature ?? 1, "0 = always the favourite"),
        row("top_k", "Top-k", 0, 100, 1, s.top_k ?? 0, "keep the k best (0 = off)"),
        row("top_p", "Top-p", 0, 1, 0.01, s.top_p ?? 1, "keep the best until they hold p (1 = off)"),
        row("min_p", "Min-p", 0, 1, 0.01, s.min_p ?? 0, "drop tokens under min-p × the best (0 = off)"),
        el("div", { class: "pg-seed-row" }, el("label", { for: this.seed.id, text: "Seed " }), this.seed, this.drawButton));
    }
    return null;
  }

  settingText(key, v) {
    if (key === "top_k") return v ? String(v) : "off";
    if (key === "top_p") return v >= 1 ? "off" : v.toFixed(2);
    if (key === "min_p") return v ? v.toFixed(2) : "off";
    return v.toFixed(2);
  }

  samplingSettings() {
    const v = (k) => Number(this.sliders[k].value);
    return { temperature: v("temperature"), top_k: v("top_k"), top_p: v("top_p"), min_p: v("min_p") };
  }

  async start() {
    status(this.root, "Looking for the model's files…");
    const e = await engine(this.root);
    if (!e) {
      unavailable(this.root, "The live model is not part of this build of the site (its files were not generated: " +
        "`make site` does it). The numbers below were computed with PyTorch when the page was built.");
      return;
    }
    this.engine = e;
    const hadFocus = this.button === document.activeElement;
    this.button.hidden = true;
    this.go.hidden = false;
    this.needModel(false);
    if (hadFocus) this.input.focus(); // the button is gone: keep the keyboard in the widget
    const t = e.timing;
    this.root.dataset.readyMs = String(Math.round(t.readyMs));
    this.root.dataset.fromCacheBytes = String(t.fromCacheBytes);
    const where = t.fromCacheBytes === t.totalBytes ? "from your browser's cache" : "downloaded";
    this.readyText = `Ready in ${(t.readyMs / 1000).toFixed(1)} s (files ${where}). The model computes with its ` +
      "4-bit weights directly, so its numbers differ a little from the page's (float32).";
    status(this.root, this.readyText);
    await this.update();
  }

  schedule() {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.update(), 250);
  }

  // the prompt's ids: what the reader typed, or the tokens they appended by clicking
  async promptIds() {
    if (this.ids) return this.ids;
    let text = this.input.value;
    if (text && this.chat?.checked) { // the same ChatML as llmsite.generate.build_chat_prompt
      text = `<|im_start|>system\n${this.settings.system}<|im_end|>\n<|im_start|>user\n${text}<|im_end|>\n` +
        "<|im_start|>assistant\n";
    }
    return text ? await this.engine.tokenize(text) : [];
  }

  async update() {
    if (!this.engine) return this.askFirst();
    const my = ++this.seq;
    this.setBusy(true);
    try {
      let ids = await this.promptIds();
      if (my !== this.seq) return;
      this.note.hidden = true;
      if (!ids.length) {
        this.out.hidden = false;
        this.out.replaceChildren(el("p", { class: "pg-empty", text: "Type a prompt first: the model needs at least one " +
          "token to predict the next one." }));
        this.root.dataset.shown = "";
        return;
      }
      if (ids.length > this.engine.maxPrompt) {
        this.note.textContent = `Your prompt has ${fmt(ids.length)} tokens; the model here reads at most ` +
          `${fmt(this.engine.maxPrompt)}, so only the last ${fmt(this.engine.maxPrompt)} are used.`;
        this.note.hidden = false;
        ids = ids.slice(-this.engine.maxPrompt);
      }
      if (this.mode === "generate") return await this.generate(ids, my);
      const r = await this.engine.next(ids);
      if (my !== this.seq) return;
      this.current = { ids, ...r };
      let sum = 0;
      for (const p of r.probs) sum += p;
      this.root.dataset.sum = String(sum);
      this.timing.textContent = `${fmt(ids.length)} token${ids.length === 1 ? "" : "s"} read, next-token ` +
        `probabilities in ${Math.round(r.ms)} ms.`;
      this.root.dataset.lastMs = String(Math.round(r.ms));
      if (this.mode === "sample") await this.showSampling();
      else await this.showTop();
      this.root.dataset.shown = JSON.stringify(ids);
    } finally {
      if (my === this.seq) this.setBusy(false);
    }
  }

  async table(rows, { extraHead = null, appendable = false } = {}) {
    const bytes = await this.engine.tokenBytes(rows.map((r) => r.id));
    const head = el("tr", {}, el("th", { scope: "col", text: "rank" }), el("th", { scope: "col", text: "token" }),
      el("th", { scope: "col", text: "probability" }), extraHead && el("th", { scope: "col", text: extraHead }),
      el("th", { scope: "col" }, el("span", { class: "llm-sr-only", text: "bar" })));
    const body = rows.map((r, i) => {
      const label = tokenLabel(bytes[i]);
      const tokCell = appendable
        ? el("button", { type: "button", class: "pg-append", "data-append": String(r.id),
          "aria-label": `Append ${label} (${pct(r.p)})`, title: "Append this token to the prompt" }, el("code", { text: label }))
        : el("code", { text: label });
      const bar = el("span");
      bar.style.width = `${Math.min(100, 100 * r.p).toFixed(1)}%`;
      return el("tr", { "data-id": String(r.id), "data-p": String(r.p), "data-label": label },
        el("td", { text: String(r.rank) }), el("td", { class: "pg-tok" }, tokCell),
        el("td", { class: "pg-num", text: pct(r.p) }), r.extra !== undefined && el("td", { class: "pg-num", text: pct(r.extra) }),
        el("td", { class: "pg-bar", "aria-hidden": "true" }, bar));
    });
    return el("table", { class: "pg-table" }, el("thead", {}, head), el("tbody", {}, ...body));
  }

  async showTop() {
    const { probs, sorted } = this.current;
    const k = this.settings.top ?? 10;
    const rows = [...sorted.slice(0, k)].map((id, i) => ({ id, p: probs[id], rank: i + 1 }));
    const rest = 1 - rows.reduce((a, r) => a + r.p, 0);
    const parts = [await this.table(rows, { appendable: this.mode === "next" })];
    let line = `All other tokens: ${pct(Math.max(0, rest))}.`;
    if (this.mode === "dist") {
      line += ` Entropy: ${entropyBits(probs).toFixed(2)} bits.`;
    }
    parts.push(el("p", { class: "pg-summary", text: line }));
    if (this.mode === "next") {
      parts.push(el("p", { class: "pg-hint", text: "Click a token to append it to the prompt and see what comes next: " +
        "the loop of chapter 1, by hand." }));
    }
    if (this.mode === "dist") parts.push(this.probeLine = el("p", { class: "pg-probe-result", "aria-live": "polite" }));
    this.out.replaceChildren(...parts);
    this.out.hidden = false;
    this.result?.setAttribute("hidden", "");
    if (this.mode === "dist") await this.showProbe();
  }

  async showProbe() {
    if (!this.current || !this.probeLine) return;
    const text = this.probe.value;
    if (!text) { this.probeLine.textContent = "Type a token above to see its rank."; return; }
    const ids = await this.engine.run(() => this.engine.w.tokenize(text, false));
    if (!ids.length) { this.probeLine.textContent = "That is no token."; return; }
    const id = ids[0];
    const rank = this.current.sorted.indexOf(id) + 1;
    const [bytes] = await this.engine.tokenBytes([id]);
    const label = tokenLabel(bytes);
    const more = ids.length > 1 ? ` (your text is ${ids.length} tokens; this is the first)` : "";
    this.probeLine.textContent = `The token “${label}”${more} is number ${fmt(rank)} of ${fmt(VOCAB)}, ` +
      `with ${pct(this.current.probs[id])}.`;
    this.probeLine.dataset.rank = String(rank);
    this.probeLine.dataset.id = String(id);
  }

  async showSampling() {
    if (!this.current) return;
    const s = this.samplingSettings();
    const kept = filteredProbs(logitsFromProbs(this.current.probs), s);
    this.kept = kept;
    const ids = [];
    for (let i = 0; i < kept.length; i++) if (kept[i] > 0) ids.push(i);
    ids.sort((a, b) => kept[b] - kept[a] || a - b);
    const k = this.settings.top ?? 12;
    const rows = ids.slice(0, k).map((id, i) => ({ id, p: this.current.probs[id], extra: kept[id], rank: i + 1 }));
    const my = ++this.drawSeq;
    const table = await this.table(rows, { extraHead: "after the filters" });
    if (my !== this.drawSeq) return;
    const d = this.settingText.bind(this);
    const line = el("p", { class: "pg-summary", "data-kept": String(ids.length),
      text: `temperature ${s.temperature.toFixed(2)}, top-k ${d("top_k", s.top_k)}, top-p ${d("top_p", s.top_p)}, ` +
        `min-p ${d("min_p", s.min_p)}: ${fmt(ids.length)} of ${fmt(VOCAB)} tokens survive` +
        (ids.length > k ? ` (the best ${k} shown).` : ".") });
    this.draws = el("p", { class: "pg-draws", "aria-live": "polite" });
    this.out.replaceChildren(table, line, this.draws);
    this.out.hidden = false;
    this.result?.setAttribute("hidden", "");
  }

  async showDraws() {
    if (!this.engine) return this.askFirst();
    if (!this.kept) return this.update();
    const random = rng(Number(this.seed.value) || 0);
    const picks = [];
    for (let i = 0; i < 20; i++) picks.push(draw(this.kept, random));
    const bytes = await this.engine.tokenBytes(picks);
    this.draws.replaceChildren(el("span", { text: `Seed ${Number(this.seed.value) || 0}, 20 draws: ` }),
      ...picks.map((id, i) => el("code", { class: "pg-draw-tok", "data-id": String(id), text: tokenLabel(bytes[i]) })));
  }

  async append(id) {
    const ids = [...(this.current?.ids ?? await this.promptIds()), id];
    const bytes = await this.engine.tokenBytes(ids);
    const all = new Uint8Array(bytes.reduce((a, b) => a + b.length, 0));
    let o = 0;
    for (const b of bytes) { all.set(b, o); o += b.length; }
    // decode as a stream: an incomplete character at the end waits for its next token
    this.input.value = new TextDecoder().decode(all, { stream: true });
    this.ids = ids;
    await this.update();
    this.out.querySelector("button[data-append]")?.focus();
  }

  async generate(ids, my) {
    // (chapter 9) greedy, token by token, each with its probability
    const n = this.settings.n_predict ?? 32;
    if (this.engine.imEnd === null) this.engine.imEnd = (await this.engine.run(() => this.engine.w.lookupToken("<|im_end|>")));
    const stream = el("p", { class: "pg-stream" });
    const reply = el("p", { class: "pg-reply" });
    const info = el("p", { class: "pg-summary", "aria-live": "polite" });
    this.out.replaceChildren(stream, reply, info);
    this.markFresh(); // the new reply streams in at full strength
    const dec = new TextDecoder(); // streaming: a character split over tokens shows when complete
    let text = "";
    this.out.hidden = false;
    this.result?.setAttribute("hidden", "");
    let seq = ids.slice();
    const t0 = performance.now();
    let made = 0;
    for (let i = 0; i < n && seq.length < this.engine.man.n_ctx; i++) {
      const r = await this.engine.next(seq, 1); // the favourite and its probability (softmax over all)
      if (my !== this.seq) return;
      const id = r.sorted[0];
      const [b] = await this.engine.tokenBytes([id]);
      stream.append(el("span", { class: "pg-step", "data-id": String(id), "data-p": String(r.probs[id]),
        title: pct(r.probs[id]) }, tokenLabel(b), el("small", { class: "pg-p", text: ` ${pct(r.probs[id])}` })));
      made++;
      if (id !== this.engine.imEnd) text += dec.decode(b, { stream: true });
      reply.textContent = text;
      seq = [...seq, id];
      const s = (performance.now() - t0) / 1000;
      info.textContent = `${made} token${made === 1 ? "" : "s"} in ${s.toFixed(1)} s (${(made / s).toFixed(1)} tokens/s); ` +
        `KV cache: ${fmt(seq.length - 1)} tokens.`;
      if (id === this.engine.imEnd) break;
    }
    this.root.dataset.generated = JSON.stringify(seq.slice(ids.length));
    this.root.dataset.shown = JSON.stringify(ids);
  }
}

// root.playground: the widget object, for the browser tests (tests/test_playground.py)
// from disk (file://) nothing live can run: assets/js/file-note.js says how to serve the folder
if (location.protocol !== "file:") {
  for (const root of document.querySelectorAll('.llm-widget[data-widget="playground"]')) root.playground = new Playground(root);
}
