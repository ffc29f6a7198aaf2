// The one widget mechanism of the site (DESIGN §5c), shared by every widget module.
//
// A widget is a container in the page,
//     <div class="llm-widget" data-widget="NAME" ...config data-attributes...>
//       ...a prerendered result, recorded at docs time and tested...
//     </div>
//     <script type="module" src="assets/js/NAME-widget.js"></script>
// and a small module that loads its engine or data only when the reader asks (onDemand).
// Until then, and for good when the live part cannot run (unavailable), the prerendered
// result stays. Every string from the reader, a model or a data file goes on the page as a
// text node (el), never parsed as HTML. URLs are relative to the module (import.meta.url),
// so the site works under any sub-path.

// DOM builder. Props: "text" sets textContent; "class", "data-*", "aria-*", "role", "for"
// are attributes; anything else is a DOM property (value, type, hidden, tabIndex, htmlFor,
// disabled ...). Children: nodes, or strings, which become text nodes; null/false skipped.
export function el(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(props || {})) {
    if (v === undefined || v === null) continue;
    if (k === "class") node.className = v;
    else if (k === "text") node.textContent = v;
    else if (k.startsWith("data-") || k.startsWith("aria-") || k === "role" || k === "for") node.setAttribute(k, v);
    else node[k] = v;
  }
  for (const c of children.flat()) {
    if (c === null || c === undefined || c === false) continue;
    node.append(typeof c === "string" || typeof c === "number" ? document.createTextNode(String(c)) : c);
  }
  return node;
}

// Calls async start() exactly once: when the reader clicks a [data-widget-load] button
// inside root, or on the first of `events` inside root. Returns trigger(), which starts it
// by hand (a #fragment link, say) and returns start()'s promise (the same one every time).
// root.dataset.widgetState: "idle" until then, "loading", then "ready" or "error"
// (start() may set "unavailable" itself, through unavailable()).
// near: a CSS margin such as "200px": also start once root comes that close to the viewport
// (data explorers fetch their data before the reader asks; heavy engines leave it unset).
export function onDemand(root, start, { events = ["focusin", "pointerdown", "keydown"], near = null } = {}) {
  let started = null;
  if (!root.dataset.widgetState) root.dataset.widgetState = "idle";
  const trigger = () => {
    if (started) return started;
    for (const ev of events) root.removeEventListener(ev, onEvent, true);
    root.removeEventListener("click", onClick, true);
    root.dataset.widgetState = "loading";
    started = (async () => start())().then(
      (v) => {
        if (root.dataset.widgetState === "loading") root.dataset.widgetState = "ready";
        return v;
      },
      (e) => {
        if (root.dataset.widgetState !== "unavailable") {
          root.dataset.widgetState = "error";
          status(root, `Something went wrong: ${(e && e.message) || e}`);
        }
        console.error(e);
      });
    return started;
  };
  const onEvent = () => trigger();
  const onClick = (e) => {
    if (e.target.closest && e.target.closest("[data-widget-load]")) trigger();
  };
  for (const ev of events) root.addEventListener(ev, onEvent, true);
  root.addEventListener("click", onClick, true);
  if (near && "IntersectionObserver" in window) {
    const io = new IntersectionObserver((entries) => {
      if (entries.some((e) => e.isIntersecting)) { io.disconnect(); trigger(); }
    }, { rootMargin: near });
    io.observe(root);
  }
  return trigger;
}

function ensure(root, selector, make) {
  let node = root.querySelector(selector);
  if (!node) {
    node = make();
    root.append(node);
  }
  return node;
}

// Writes text to root's status line ([data-widget-status], role=status, aria-live=polite).
export function status(root, message) {
  const line = ensure(root, "[data-widget-status]", () =>
    el("p", { class: "llm-widget-status", "data-widget-status": "", role: "status", "aria-live": "polite" }));
  line.textContent = message;
  return line;
}

const MB = (n) => (n / 1e6).toFixed(1);

// A <progress> and "12.3 / 98.0 MB" in root (created if absent); totalBytes null = indeterminate.
// totalText: how to write the total (the size a button named, "98 MB"), else totalBytes in MB.
export function progress(root, loadedBytes, totalBytes, totalText = null) {
  const box = ensure(root, "[data-widget-progress]", () =>
    el("div", { class: "llm-widget-progress", "data-widget-progress": "" },
      el("progress", { "aria-label": "Download progress" }), el("span", { class: "llm-widget-progress-text" })));
  const bar = box.querySelector("progress");
  const text = box.querySelector(".llm-widget-progress-text");
  box.hidden = false;
  if (totalBytes === null || totalBytes === undefined) {
    bar.removeAttribute("value");
    text.textContent = `${MB(loadedBytes)} MB`;
  } else {
    bar.max = totalBytes;
    bar.value = Math.min(loadedBytes, totalBytes);
    text.textContent = `${MB(loadedBytes)} MB of ${totalText || `${MB(totalBytes)} MB`}`;
  }
  return box;
}

// Keeps the prerendered content and says why the live part is not available.
export function unavailable(root, why) {
  root.dataset.widgetState = "unavailable";
  for (const b of root.querySelectorAll("[data-widget-load]")) b.hidden = true;
  const p = root.querySelector("[data-widget-progress]");
  if (p) p.hidden = true;
  return status(root, why);
}

// Parsed JSON, or null on 404 / any other HTTP error / network error / bad JSON.
export async function fetchJSON(url, init = { cache: "no-cache" }) {
  try {
    const res = await fetch(url, init);
    if (!res.ok) return null;
    return await res.json();
  } catch (e) {
    return null;
  }
}

// Formatting shared by widgets.
export const fmt = (n) => n.toLocaleString("en-US");
export const formatMB = MB;

// ------------------------------------------------------------------ the reader's sentence
// (issue 21) The attention explorer, the logit-lens strip and the live pipeline (home page,
// recap) run the model's insides on the reader's own text through one engine per page:
// docs/assets/js/engine/client.js, `createEngine({manifestUrl, onProgress})` →
// `{analyze(text, {maxTokens, topK})}`, a forward pass in a Web Worker that reads the
// playground's GGUF shards. Nothing is downloaded before the reader agrees to the size,
// which is read from the playground's manifest; a model already in the browser's cache is
// used without asking again. sentenceBox() is the text box, offer, progress and messages that
// every such widget shows; readHash()/writeHash() keep `#text=…&layer=…&head=…` in the URL.

export const MAX_TOKENS = 64; // what the engine is asked for; longer text is cut, and we say so
export const MAX_CHARS = 2000; // the text box takes no more (64 tokens are rarely 400 characters)
export const TOP_K = 5;
const ENGINE_URL = new URL("./engine/client.js", import.meta.url).href;
const MANIFEST_URL = new URL("../playground/manifest.json", import.meta.url).href;
const CACHE_NAME = "llmsite-playground-v1"; // the playground's Cache Storage (playground-widget.js)

// Token text with its white space made visible (as llmsite.figures.show_token).
export const showToken = (t) => t.replace(/ /g, "\u2423").replace(/\n/g, "\u21b5");

// The URL fragment as {key: value} when it holds state (`#text=…&layer=3`), else {} (a
// plain `#heading` anchor is not state).
export function readHash() {
  const h = location.hash.slice(1);
  if (!h.includes("=")) return {};
  const out = {};
  for (const [k, v] of new URLSearchParams(h)) out[k] = v;
  return out;
}

// Writes state into the fragment without a history entry or a jump; null/"" values are left
// out. Returns the shareable URL.
export function writeHash(state) {
  const p = new URLSearchParams();
  for (const [k, v] of Object.entries(state)) if (v !== null && v !== undefined && v !== "") p.set(k, String(v));
  const url = `${location.pathname}${location.search}${p.toString() ? "#" + p.toString().replace(/\+/g, "%20") : ""}`;
  history.replaceState(history.state, "", url);
  return location.href;
}

let offerPromise = null;
// {bytes, cached} for the model files the engine reads (the playground's shards), or null when
// this build of the site has no live model (no manifest).
export function modelOffer() {
  if (!offerPromise) {
    offerPromise = (async () => {
      const man = await fetchJSON(MANIFEST_URL);
      if (!man || !Array.isArray(man.shards)) return null;
      const bytes = man.shards.reduce((a, n) => a + (man.sizes[n] || 0), 0);
      let cached = false;
      try {
        const cache = await caches.open(CACHE_NAME);
        const base = new URL(".", MANIFEST_URL);
        const hits = await Promise.all(man.shards.map((n) =>
          cache.match(new URL(`${n}?v=${man.sha256[n].slice(0, 16)}`, base).href)));
        cached = hits.every(Boolean);
      } catch (e) {
        cached = false; // no Cache Storage here (not a secure context)
      }
      return { bytes, cached };
    })();
  }
  return offerPromise;
}

let enginePromise = null;
let agreed = false; // the reader agreed to the download on this page (or the model was cached)
const progressListeners = new Set();
const results = new Map(); // text -> promise of the engine's result (one run per text and page)

function engine() {
  if (!enginePromise) {
    const onProgress = (a, b) => {
      const p = typeof a === "object" && a !== null ? a : { loaded: a, total: b };
      for (const f of progressListeners) f(p);
    };
    enginePromise = import(ENGINE_URL).then(async (m) => {
      const e = await m.createEngine({ manifestUrl: MANIFEST_URL, onProgress });
      if (e.ready) await e.ready; // the model is loaded (rejects with why it cannot run)
      return e;
    });
    enginePromise.catch(() => { enginePromise = null; }); // a failed start may be retried
  }
  return enginePromise;
}

// The engine's result for text (at most MAX_TOKENS tokens), computed once per page.
export function analyze(text) {
  if (!results.has(text)) {
    const p = engine().then((e) => e.analyze(text, { maxTokens: MAX_TOKENS, topK: TOP_K }));
    p.catch(() => results.delete(text));
    results.set(text, p);
  }
  return results.get(text);
}

// The text box, the offer and the messages of a widget that runs on the reader's sentence.
// onResult(result, text) draws the result. Returns {form, input, submit(text, {ask})}: submit
// runs text as if the reader had pressed the button; with ask=false it never downloads without
// the reader's yes (a shared link shows the offer instead).
let boxCount = 0;
export function sentenceBox(root, { label = "Your sentence", placeholder = "Type a sentence…", onResult }) {
  const n = ++boxCount;
  const input = el("textarea", { id: `llm-sentence-${n}`, class: "llm-sentence-input", rows: 2, maxLength: MAX_CHARS,
    spellcheck: false, autocomplete: "off", placeholder, "data-sentence": "input",
    "aria-describedby": `llm-sentence-${n}-note` });
  const run = el("button", { type: "submit", class: "md-button md-button--primary", "data-sentence": "run", text: "Run on my sentence" });
  const yes = el("button", { type: "button", class: "md-button md-button--primary", "data-sentence": "agree" });
  const no = el("button", { type: "button", class: "md-button", "data-sentence": "decline", text: "Not now" });
  const offerText = el("span", { "data-sentence": "offer-text" });
  const offer = el("p", { class: "llm-sentence-offer", "data-sentence": "offer", hidden: true }, offerText, " ", yes, " ", no);
  const note = el("p", { id: `llm-sentence-${n}-note`, class: "llm-sentence-note", role: "status", "aria-live": "polite",
    "data-sentence": "note" });
  const form = el("form", { class: "llm-sentence", "data-sentence": "form" },
    el("label", { for: input.id, class: "llm-sentence-label", text: label }), input,
    el("div", { class: "llm-sentence-row" }, run), offer, note);
  let pending = null;
  let token = 0;
  const say = (msg) => { note.textContent = msg; };
  const busy = (on) => { // "working…": the button waits, assistive technology is told
    run.disabled = on;
    form.setAttribute("aria-busy", String(on));
  };
  const onProgress = (p) => {
    if (p.phase === "prepare") {
      const bar = form.querySelector("[data-widget-progress]");
      if (bar) bar.hidden = true;
      say("Preparing the model (unpacking its 4-bit weights)…");
    } else if (p.phase === "ready") say("Working on your sentence…");
    else if (p.total) {
      progress(form, p.loaded || 0, p.total);
      say(p.loaded >= p.total ? "Downloaded." : "Downloading the model…");
    }
  };

  async function go(text) {
    const mine = ++token;
    offer.hidden = true;
    busy(true);
    root.dataset.live = "working";
    say(agreed && enginePromise ? "Working on your sentence…" : "Loading the model…");
    progressListeners.add(onProgress);
    try {
      try {
        await engine();
      } catch (e) {
        e.loading = true; // the model could not start here (too little memory, no worker ...)
        throw e;
      }
      if (mine === token) say("Working on your sentence…");
      const r = await analyze(text);
      if (mine !== token) return;
      const bar = form.querySelector("[data-widget-progress]");
      if (bar) bar.hidden = true;
      say(r.truncated
        ? `Your text is longer than ${MAX_TOKENS} tokens: only its first ${r.n} tokens are shown.`
        : `${r.n} token${r.n === 1 ? "" : "s"}, computed in your browser.`);
      root.dataset.live = "done";
      onResult(r, text);
    } catch (e) {
      if (mine !== token) return;
      root.dataset.live = "error";
      const msg = (e && e.message) || String(e);
      say(msg === "empty" ? "The box is empty: type a sentence first."
        : e && e.loading ? `The model cannot run in this browser: ${msg}. The examples stay as they are.`
          : `Something went wrong: ${msg}`);
      console.error(e);
    } finally {
      progressListeners.delete(onProgress);
      busy(false);
    }
  }

  async function submit(text, { ask = true } = {}) {
    input.value = text;
    if (!text.trim()) {
      root.dataset.live = "empty";
      say("The box is empty: type a sentence first.");
      return;
    }
    if (!agreed) {
      const o = await modelOffer();
      if (!o) {
        root.dataset.live = "unavailable";
        say("The live model is not part of this build of the site: the examples stay as they are.");
        return;
      }
      if (o.cached) agreed = true;
      else {
        pending = text;
        yes.textContent = `Download ${formatMB(o.bytes)} MB and run`;
        offerText.textContent = `This runs the real model in your browser. It downloads ${formatMB(o.bytes)} MB once ` +
          "(from this site; your browser keeps it), then nothing leaves your computer.";
        offer.hidden = false;
        root.dataset.live = "offer";
        say(ask ? "" : "A shared sentence: press the button to run it.");
        if (ask) yes.focus();
        return;
      }
    }
    await go(text);
  }

  form.addEventListener("submit", (e) => { e.preventDefault(); submit(input.value); });
  input.addEventListener("keydown", (e) => {
    if (e.key === "Enter" && !e.shiftKey) { e.preventDefault(); submit(input.value); }
  });
  yes.addEventListener("click", () => { agreed = true; const t = pending ?? input.value; pending = null; go(t); });
  no.addEventListener("click", () => {
    pending = null;
    offer.hidden = true;
    root.dataset.live = "declined";
    say("Nothing was downloaded. The examples stay.");
    input.focus();
  });
  return { form, input, submit };
}

// A "Copy a link" button: href() gives the URL (after writing the state into it).
export function shareButton(href) {
  const b = el("button", { type: "button", class: "md-button llm-share", "data-share": "", text: "Copy a link to this view" });
  const out = el("span", { class: "llm-share-note", role: "status", "aria-live": "polite" });
  b.addEventListener("click", async () => {
    const url = href();
    try {
      await navigator.clipboard.writeText(url);
      out.textContent = "Link copied.";
    } catch (e) {
      out.textContent = "The address bar now holds the link."; // no clipboard here (http, permissions)
    }
  });
  return el("span", { class: "llm-share-wrap" }, b, " ", out);
}
