// The tokenizer widget (chapter 2): type text, see the model's own tokens.
//
// The page holds <div class="tokenizer-widget"> with a result prerendered at build time
// (llmsite/widgets.py), and loads this module. Nothing is downloaded until the reader presses
// "Load the tokenizer (16 MB)" (the size comes from the runtime's manifest, written into
// data-size at build time by llmsite/site/mkdocs_hooks.py): focusing or typing in the box, or a
// shared #text= link, only says that the button is needed. Then a module Web Worker
// (tokenizer-worker.mjs) boots Pyodide from the site's own files and runs llmsite/tokenizer.py.
// Until it is ready the prerendered result stays (dimmed once the box no longer matches it).
//
// Every string that comes from the reader or from the tokenizer is put on the page as a
// text node (textContent, createTextNode), never parsed as HTML.
// URLs are relative to this file, so the site works under any sub-path.
// The lazy loader, the DOM builder and the status line come from widget-core.js, the one
// widget mechanism of the site (DESIGN §5c), shared with the model playground.

import { el, onDemand, status, unavailable } from "./widget-core.js";

const WIDGET_DIR = new URL("../widget/", import.meta.url).href;
const WORKER_URL = new URL("tokenizer-worker.mjs", import.meta.url);
const MAX_CHARS = 20000; // code points; also llmsite.widgets.MAX_CHARS
const MAX_CHIPS = 10000; // tokens drawn; the count and the ids cover all of them
const PALETTE = 8; // also llmsite.tokenview.PALETTE_SIZE

const fmt = (n) => n.toLocaleString("en-US");
const HINT = "Hover over a token, or Tab to the tokens and use the arrow keys, to see its id and bytes.";

function statsText(chars, count) {
  const ratio = count ? (chars / count).toFixed(1) : "–";
  return `${fmt(count)} token${count === 1 ? "" : "s"} · ${fmt(chars)} character${chars === 1 ? "" : "s"}` +
    ` · ${ratio} characters per token`;
}

function chipTitle(rec) {
  const [id, , hex, flags] = rec;
  if (flags.includes("s")) return `id ${id} · special token`;
  return `id ${id} · bytes ${hex}` + (flags.includes("p") ? ` · part of “${rec[4]}”` : "");
}

function chip(rec) {
  const [id, runs, , flags] = rec;
  const span = el("span", {
    class: `tw-tok tw-c${id % PALETTE}` + (flags.includes("s") ? " tw-special" : ""),
    role: "listitem", "data-id": String(id), title: chipTitle(rec), tabIndex: -1,
  });
  for (const [kind, text] of runs) {
    span.append(kind === "t" ? document.createTextNode(text) : el("span", { class: `tw-${kind}`, text }));
  }
  return span;
}

// Lone surrogates (half of a UTF-16 pair) have no UTF-8 bytes: they cannot be tokenized.
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;
const wellFormed = (s) => (s.toWellFormed ? s.toWellFormed() : s.replace(LONE_SURROGATE, "\uFFFD"));
const countLone = (s) => (s.match(LONE_SURROGATE) || []).length;
const codePoints = (s) => { let n = 0; for (const _ of s) n++; return n; };

// The first n code points of s (a surrogate pair is one code point, never split).
function firstCodePoints(s, n) {
  let i = 0;
  for (let k = 0; k < n && i < s.length; k++) {
    const c = s.charCodeAt(i);
    const pair = c >= 0xd800 && c <= 0xdbff && (s.charCodeAt(i + 1) & 0xfc00) === 0xdc00;
    i += pair ? 2 : 1;
  }
  return s.slice(0, i);
}

function hashText() {
  const h = location.hash.slice(1);
  if (!h.startsWith("text=")) return null;
  return new URLSearchParams(h).get("text");
}

let counter = 0;

class TokenizerWidget {
  constructor(root) {
    this.root = root;
    this.n = counter++;
    this.result = root.querySelector(".tw-result");
    if (!this.result) return;
    this.defaultText = this.result.dataset.text ?? "";
    this.stats = this.result.querySelector(".tw-stats");
    this.tokens = this.result.querySelector(".tw-tokens");
    this.ids = this.result.querySelector(".tw-ids code");
    this.worker = null;
    this.capNote = "";
    this.seq = 0; // id of the last request sent
    this.sent = null; // text of the request in flight
    this.shown = this.defaultText; // text the result on the page is for
    this.wanted = this.defaultText; // text the reader wants tokenized
    this.build();
    this.setState("idle");
    const shared = this.n === 0 ? hashText() : null;
    if (shared !== null) { // a shared link: the text is shown, the tokenizer waits for the button
      this.input.value = shared;
      this.onInput({ fromHash: true });
    }
  }

  build() {
    const n = this.n;
    this.input = el("textarea", {
      class: "tw-input", id: `tw-input-${n}`, rows: 4, spellcheck: false, autocomplete: "off",
      value: this.defaultText, "aria-describedby": `tw-status-${n} tw-limit-${n}`,
    });
    this.input.setAttribute("autocapitalize", "off");
    const size = this.root.dataset.size;
    this.button = el("button", { type: "button", class: "md-button md-button--primary tw-load", "data-widget-load": "",
      text: size ? `Load the tokenizer (${size})` : "Load the tokenizer" });
    this.status = el("span", { class: "tw-status", id: `tw-status-${n}`, role: "status", "aria-live": "polite",
      "data-widget-status": "" });
    this.elapsed = el("span", { class: "tw-elapsed", "aria-hidden": "true" }); // seconds while booting, "working…" while busy
    this.limit = el("p", { class: "tw-limit", id: `tw-limit-${n}`, role: "alert", hidden: true });
    this.detail = el("p", { class: "tw-detail", "aria-live": "polite", text: HINT });
    this.detailAt = -1; // the index of the token the detail line describes
    this.more = el("p", { class: "tw-more", hidden: true });
    const controls = el("div", { class: "tw-controls" },
      el("label", { class: "tw-label", htmlFor: this.input.id, text: "Your text" }),
      this.input, this.limit,
      el("div", { class: "tw-bar" }, this.button, this.status, this.elapsed));
    this.root.insertBefore(controls, this.result);
    for (const sel of [".tw-note", ".tw-source"]) this.result.querySelector(sel)?.setAttribute("hidden", "");
    this.tokens.after(this.more, this.detail);
    this.tokens.setAttribute("tabindex", "-1");
    this.initChips();

    // only the button starts Python (once): its download is the reader's call
    this.trigger = onDemand(this.root, () => this.start(), { events: [] });
    this.input.addEventListener("input", () => this.onInput());
    this.tokens.addEventListener("keydown", (e) => this.onKey(e));
    this.tokens.addEventListener("focusin", (e) => this.showDetail(e.target.closest(".tw-tok")));
    this.tokens.addEventListener("mouseover", (e) => this.showDetail(e.target.closest(".tw-tok")));
    window.addEventListener("hashchange", () => {
      const t = this.n === 0 ? hashText() : null;
      if (t !== null && t !== this.input.value) {
        this.input.value = t;
        this.onInput({ fromHash: true });
      }
    });
  }

  setState(state) {
    this.root.dataset.state = state;
    this.button.hidden = state !== "idle";
    if (state === "idle") {
      this.setStatus(`The tokens below were computed when this page was built. Press “${this.button.textContent}” ` +
        "to run the tokenizer in your browser; then the tokens follow your typing.");
    }
  }

  setStatus(text) {
    status(this.root, text);
  }

  // while the result on the page is not the box's text: dimmed, aria-busy, and "working…" (or,
  // before loading, a word that the button is needed)
  setBusy() {
    const busy = this.sent !== null || this.wanted !== this.shown;
    this.root.dataset.busy = String(busy);
    this.result.classList.toggle("tw-stale", busy);
    this.result.setAttribute("aria-busy", String(busy && this.root.dataset.state !== "idle"));
    const state = this.root.dataset.state;
    if (state === "ready" || state === "idle") {
      this.elapsed.textContent = !busy ? "" : state === "ready" ? "working…" : "";
      this.elapsed.classList.toggle("llm-working", busy && state === "ready");
    }
    if (state === "idle" && busy && !this.askedOnce) {
      this.askedOnce = true;
      this.setStatus(`The tokens below are for the text this page was built with, not yours. Press ` +
        `“${this.button.textContent}” to tokenize your text in the browser.`);
    }
  }

  onInput({ fromHash = false } = {}) {
    let text = this.input.value;
    if (text.length > MAX_CHARS) { // (a quick test: code points <= UTF-16 units)
      const typed = codePoints(text);
      if (typed > MAX_CHARS) {
        text = firstCodePoints(text, MAX_CHARS);
        this.input.value = text;
        this.capNote = `Only the first ${fmt(MAX_CHARS)} characters are kept: the widget tokenizes at most ` +
          `${fmt(MAX_CHARS)} (you entered ${fmt(typed)}).`;
      }
    } else if (text.length < MAX_CHARS) {
      this.capNote = "";
    }
    const lone = countLone(text);
    const loneNote = lone ? `Your text has ${lone} lone surrogate${lone === 1 ? "" : "s"} (half of a character ` +
      "that needs two UTF-16 units, such as an emoji): it has no UTF-8 bytes, so it is tokenized as U+FFFD �." : "";
    const note = [this.capNote, loneNote].filter(Boolean).join(" ");
    this.limit.textContent = note;
    this.limit.hidden = !note;
    this.wanted = wellFormed(text);
    if (!fromHash) this.saveHash();
    this.setBusy();
    if (this.root.dataset.state === "ready") this.pump();
  }

  saveHash() {
    clearTimeout(this.hashTimer);
    this.hashTimer = setTimeout(() => {
      if (this.n !== 0) return;
      const url = this.wanted === this.defaultText
        ? location.pathname + location.search
        : "#text=" + encodeURIComponent(this.wanted);
      history.replaceState(history.state, "", url);
    }, 250);
  }

  load() {
    if (!["unavailable", "error"].includes(this.root.dataset.state)) this.trigger();
  }

  // run once by onDemand; resolves when the tokenizer is ready or has failed
  start() {
    return new Promise((resolve) => {
      this.started = resolve;
      this.boot();
    });
  }

  boot() {
    this.t0 = performance.now();
    this.setState("loading");
    this.setStatus("Loading the tokenizer…");
    const tick = () => {
      this.elapsed.textContent = `${Math.round((performance.now() - this.t0) / 1000)} s`;
    };
    this.ticker = setInterval(tick, 1000);
    try {
      this.worker = new Worker(WORKER_URL, { type: "module" });
    } catch (e) {
      this.fail("unavailable", "The live tokenizer cannot start here (it needs the site served over http).");
      return;
    }
    this.worker.onmessage = (e) => this.onMessage(e.data);
    this.worker.onerror = (e) => {
      e.preventDefault?.();
      this.fail("unavailable", "The live tokenizer cannot start here (it needs the site served over http, " +
        "and a browser with module workers).");
    };
    this.worker.postMessage({ type: "load", base: WIDGET_DIR });
  }

  fail(state, text) {
    clearInterval(this.ticker);
    this.elapsed.textContent = "";
    this.setState(state);
    const why = text + " The tokens below were computed when the page was built.";
    if (state === "unavailable") unavailable(this.root, why);
    else this.setStatus(why);
    this.started?.();
    this.sent = null;
    this.wanted = this.shown;
    this.setBusy();
    this.worker?.terminate();
  }

  onMessage(msg) {
    if (msg.type === "status") {
      this.setStatus(msg.text);
    } else if (msg.type === "unavailable") {
      this.fail("unavailable", msg.text);
    } else if (msg.type === "ready") {
      clearInterval(this.ticker);
      this.elapsed.textContent = "";
      this.bootMs = performance.now() - this.t0;
      this.root.dataset.bootMs = String(Math.round(this.bootMs));
      this.root.dataset.workerBootMs = String(Math.round(msg.ms));
      this.setState("ready");
      this.started?.();
      this.setStatus(`Ready: the model's tokenizer runs in your browser (Python started in ` +
        `${(this.bootMs / 1000).toFixed(1)} s). Type to see the tokens change.`);
      this.pump();
    } else if (msg.type === "result") {
      if (msg.id !== this.seq) return;
      const text = this.sent;
      this.sent = null;
      this.render(text, JSON.parse(msg.json));
      if (this.root.dataset.firstResultMs === undefined) {
        this.root.dataset.firstResultMs = String(Math.round(performance.now() - this.t0));
      }
      this.root.dataset.lastMs = String(Math.round(msg.ms));
      this.pump();
    } else if (msg.type === "error") {
      if (msg.id === undefined) {
        this.fail("error", msg.text);
        return;
      }
      if (msg.id !== this.seq) return;
      this.setStatus(msg.text);
      this.shown = this.sent;
      this.sent = null;
      this.pump();
    }
  }

  // one request at a time; while one runs, edits only update `wanted`
  pump() {
    if (this.sent === null && this.wanted !== this.shown && this.root.dataset.state === "ready") {
      this.sent = this.wanted;
      this.worker.postMessage({ type: "tokenize", id: ++this.seq, text: this.sent });
    }
    this.setBusy();
  }

  render(text, view) {
    this.shown = text;
    this.stats.textContent = statsText(view.chars, view.count);
    const frag = document.createDocumentFragment();
    const drawn = Math.min(view.tokens.length, MAX_CHIPS);
    for (let i = 0; i < drawn; i++) {
      const rec = view.tokens[i];
      frag.append(chip(rec));
      if (rec[3].includes("n")) frag.append(document.createElement("br"));
    }
    const wasFocused = this.tokens.contains(document.activeElement);
    this.tokens.replaceChildren(frag);
    this.more.hidden = drawn === view.tokens.length;
    this.more.textContent = this.more.hidden ? "" :
      `Showing the first ${fmt(drawn)} of ${fmt(view.count)} tokens; the count and the ids cover them all.`;
    this.ids.textContent = view.tokens.map((r) => r[0]).join(" ");
    this.initChips();
    // the detail line follows its token only while that token is still there (same place, same id)
    const at = this.detailAt;
    if (at >= 0 && at < this.chips.length && this.chips[at].dataset.id === this.detailId) this.showDetail(this.chips[at]);
    else this.clearDetail();
    if (wasFocused && this.chips.length) { // keep the keyboard in the tokens, not on the page
      const c = this.chips[Math.min(Math.max(at, 0), this.chips.length - 1)];
      this.chips[0].tabIndex = -1;
      c.tabIndex = 0;
      c.focus();
    }
  }

  clearDetail() {
    this.detailAt = -1;
    this.detailId = null;
    this.detail.textContent = HINT;
  }

  // roving tabindex: one token is in the Tab order; arrow keys move between tokens
  initChips() {
    this.chips = this.tokens.getElementsByClassName("tw-tok");
    for (const c of this.chips) c.tabIndex = -1;
    if (this.chips.length) this.chips[0].tabIndex = 0;
  }

  onKey(e) {
    const current = e.target.closest(".tw-tok");
    if (!current) return;
    const list = Array.prototype.indexOf.call(this.chips, current);
    const last = this.chips.length - 1;
    const to = { ArrowRight: list + 1, ArrowDown: list + 1, ArrowLeft: list - 1, ArrowUp: list - 1,
      Home: 0, End: last }[e.key];
    if (to === undefined) return;
    e.preventDefault();
    const next = this.chips[Math.max(0, Math.min(last, to))];
    current.tabIndex = -1;
    next.tabIndex = 0;
    next.focus();
  }

  showDetail(token) {
    if (!token) return;
    const i = Array.prototype.indexOf.call(this.chips, token);
    this.detailAt = i;
    this.detailId = token.dataset.id;
    this.detail.textContent = `Token ${fmt(i + 1)} of ${fmt(this.chips.length)}: “${token.textContent}” · ` +
      token.getAttribute("title");
  }
}

// from disk (file://) nothing live can run: assets/js/file-note.js says how to serve the folder
if (location.protocol !== "file:") for (const root of document.querySelectorAll(".tokenizer-widget")) new TokenizerWidget(root);
