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
export function progress(root, loadedBytes, totalBytes) {
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
    text.textContent = `${MB(loadedBytes)} / ${MB(totalBytes)} MB`;
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
