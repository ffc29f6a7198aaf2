// The embedding map (chapter 3): word groups of SmolLM2's input embeddings along two PCA axes.
//
// The page holds <div class="llm-widget" data-widget="embedding-map"> with the map prerendered
// as SVG (llmsite/fig_embedding_map.py; each point's tooltip names its nearest neighbours). On
// first use (pointer, focus, or the map coming near the viewport) this module fetches
// docs/assets/data/embedding-map.json and makes the points focusable: arrow keys move between
// them, and pointing at or focusing one lists its 5 nearest tokens in all 576 dimensions and
// draws lines to those that are on the map. Tokens are text nodes, never HTML.

import { el, fetchJSON, onDemand, status, unavailable } from "./widget-core.js";

const SVGNS = "http://www.w3.org/2000/svg";
const show = (t) => t.replace(/ /g, "\u2423").replace(/\n/g, "\u21b5"); // llmsite.figures.show_token

function setup(root) {
  const url = new URL(`../data/${root.dataset.src || "embedding-map.json"}`, import.meta.url).href;
  onDemand(root, async () => {
    const d = await fetchJSON(url);
    if (!d) { unavailable(root, "The embedding-map data is not available here (run `python -m llmsite figures`)."); return; }
    const svg = root.querySelector("svg");
    const links = svg.querySelector(".em-links");
    const pts = [...svg.querySelectorAll(".em-pt")];
    const byToken = new Map(d.points.map((p, k) => [p.token, k]));
    const group = new Map(d.groups.map((g) => [g.id, g.label]));
    const panel = el("div", { class: "em-panel", role: "status", "aria-live": "polite", "data-em": "panel" },
      el("p", { text: "Point at or tab to a word for its nearest tokens in all 576 dimensions. Arrow keys move." }));
    root.querySelector("figure").after(panel);
    svg.setAttribute("role", "group"); // its points are now controls
    let cur = -1;
    const select = (k, move) => {
      if (k === cur) { if (move) pts[k].focus(); return; }
      if (cur >= 0) pts[cur].classList.remove("em-cur");
      cur = k;
      const p = d.points[k], g = pts[k];
      g.classList.add("em-cur");
      for (const q of pts) q.tabIndex = -1;
      g.tabIndex = 0;
      if (move) g.focus();
      links.replaceChildren();
      for (const [t] of p.neighbours) {
        const j = byToken.get(t);
        if (j === undefined) continue;
        const line = document.createElementNS(SVGNS, "line");
        for (const [a, v] of [["x1", g.dataset.x], ["y1", g.dataset.y], ["x2", pts[j].dataset.x], ["y2", pts[j].dataset.y]]) line.setAttribute(a, v);
        line.setAttribute("class", "em-link");
        links.append(line);
      }
      // the current point: a ring (and a bold, underlined label, site.css), not colour alone
      const ring = document.createElementNS(SVGNS, "circle");
      for (const [a, v] of [["cx", g.dataset.x], ["cy", g.dataset.y], ["r", "9"]]) ring.setAttribute(a, v);
      ring.setAttribute("class", "em-ring");
      ring.dataset.em = "ring";
      links.append(ring);
      panel.replaceChildren(
        el("p", {}, el("strong", { class: "em-tok", text: show(p.token) }), ` (${group.get(p.group)}), nearest in all ${d.dims} dimensions:`),
        el("ol", { class: "em-nn" }, p.neighbours.map(([t, v]) =>
          el("li", { class: byToken.has(t) ? "em-on-map" : "" }, el("span", { class: "em-tok", text: show(t) }), ` ${v.toFixed(3)}`))));
    };
    pts.forEach((g, k) => {
      g.tabIndex = k === 0 ? 0 : -1;
      g.setAttribute("role", "button");
      g.setAttribute("aria-label", `${d.points[k].token.trim()}, ${group.get(d.points[k].group)}`);
      g.addEventListener("pointerenter", () => select(k, false));
      g.addEventListener("focus", () => select(k, false));
      g.addEventListener("keydown", (e) => {
        let j = k;
        if (e.key === "ArrowRight" || e.key === "ArrowDown") j = Math.min(pts.length - 1, k + 1);
        else if (e.key === "ArrowLeft" || e.key === "ArrowUp") j = Math.max(0, k - 1);
        else if (e.key === "Home") j = 0;
        else if (e.key === "End") j = pts.length - 1;
        else return;
        e.preventDefault();
        select(j, true);
      });
    });
    status(root, "");
  }, { near: "200px" }); // near the viewport: fetch before the reader asks
}

// from disk (file://) nothing live can run: assets/js/file-note.js says how to serve the folder
if (location.protocol !== "file:") for (const root of document.querySelectorAll('[data-widget="embedding-map"]')) setup(root);
