// The fast path: transformer.js's `linear` (x @ w.T) and the logit lens's big product
// (every layer's stream for every token against all 49,152 rows of the output table) run
// by the WebAssembly SIMD kernels of kernels.wat. Same numbers as the plain JavaScript loop,
// summed in a different order (four running float32 sums per row instead of one float64).
//
// Layout of the WebAssembly memory, fixed once (so views into it never go stale):
//   [float16 table 256 kB][every quantized weight, as in the GGUF][scratch: x, y, tiles]
// The weights are copied in once; the shards' own buffers can then be dropped. Memory:
// about 96 MB of weights + 12 MB of scratch.

import { F16 } from "./gguf.js";

export const MAX_TOKENS = 512; // the most tokens one call may hold (the worker caps input)
const ROW_TILE = 32; // weight rows dequantized at a time for `linear` (32 x 1536 floats = 196 kB)
const LENS_TILE = 64; // output-table rows at a time for the lens
const LENS_VECTORS = 1024; // stream vectors per pass of the lens over the table
const PAGE = 65536;

export async function loadKernels(url, W, options = {}) {
  const res = await fetch(url);
  if (!res.ok) throw new Error(`could not fetch ${url} (HTTP ${res.status})`);
  const bytes = await res.arrayBuffer();

  // what goes into memory: every quantized matrix of W
  const matrices = [W.embedding, ...W.layers.flatMap((l) => [l.q, l.k, l.v, l.o, l.gate, l.up, l.down])];
  if (W.unembedding !== W.embedding) matrices.push(W.unembedding);
  const unique = [...new Set(matrices)];
  const align = (n) => Math.ceil(n / 16) * 16;
  let top = F16.byteLength;
  const place = new Map();
  for (const t of unique) { place.set(t, top); top = align(top + t.data.byteLength); }
  const maxCols = Math.max(...unique.map((t) => t.cols));
  const maxRows = Math.max(...unique.filter((t) => t !== W.embedding && t !== W.unembedding).map((t) => t.rows));
  const alloc = (n) => { const p = top; top = align(top + n); return p; };
  const xBuf = alloc(4 * (MAX_TOKENS + 1) * maxCols);
  const yBuf = alloc(4 * (MAX_TOKENS + 1) * maxRows);
  const tileBuf = alloc(4 * Math.max(ROW_TILE, LENS_TILE) * maxCols);
  const lensX = alloc(4 * (LENS_VECTORS + 1) * W.hidden);
  const lensY = alloc(4 * (LENS_VECTORS + 1) * LENS_TILE);
  const maxesBuf = alloc(4 * LENS_VECTORS);
  const sumsBuf = alloc(4 * LENS_VECTORS);

  const memory = new WebAssembly.Memory({ initial: Math.ceil(top / PAGE) });
  const { instance } = await WebAssembly.instantiate(bytes, { env: { memory } });
  const k = instance.exports;
  const heap = new Uint8Array(memory.buffer);
  const f32 = new Float32Array(memory.buffer);
  f32.set(F16, 0);
  const moved = new Map();
  for (const t of unique) {
    const p = place.get(t);
    heap.set(t.data, p);
    moved.set(t, { ...t, data: new Uint8Array(memory.buffer, p, t.data.byteLength), ptr: p });
  }
  const m = (t) => moved.get(t);
  const W2 = {
    ...W,
    embedding: m(W.embedding),
    unembedding: m(W.unembedding),
    layers: W.layers.map((l) => ({ ...l, q: m(l.q), k: m(l.k), v: m(l.v), o: m(l.o), gate: m(l.gate), up: m(l.up), down: m(l.down) })),
  };

  const deq = (t, row, nRows, dst) => {
    const blocks = (nRows * t.cols) / 32;
    if (t.typeName === "Q4_1") k.deq_q4_1(t.ptr + row * t.rowBytes, dst, blocks);
    else if (t.typeName === "Q8_0") k.deq_q8_0(t.ptr + row * t.rowBytes, dst, blocks);
    else throw new Error(`kernels: no ${t.typeName} kernel`);
  };

  // x [T, in] @ w.T -> y [T, out], like linearPlain
  function linear(x, T, w) {
    if (T > MAX_TOKENS) throw new Error(`at most ${MAX_TOKENS} tokens`);
    const K = w.cols, R = w.rows, Tp = T + (T & 1);
    f32.set(x.subarray(0, T * K), xBuf / 4);
    if (Tp > T) f32.fill(0, xBuf / 4 + T * K, xBuf / 4 + Tp * K);
    for (let r0 = 0; r0 < R; r0 += ROW_TILE) {
      const n = Math.min(ROW_TILE, R - r0);
      deq(w, r0, n, tileBuf);
      k.gemm(xBuf, Tp, K, tileBuf, n, yBuf + 4 * r0, R);
    }
    return f32.slice(yBuf / 4, yBuf / 4 + T * R);
  }

  // the logit lens: final norm, then every vector against every row of the output table.
  // A helper worker (lens-worker.js, with its own copy of the table) takes the second half of
  // the rows while this worker does the first: two cores, no shared memory needed.
  const ctx = { k, f32, E: W2.unembedding, lensX, lensY, tileBuf, maxesBuf, sumsBuf };
  const helper = options.helper === false ? null : await startHelper(bytes, W2.unembedding);
  async function lens(hidden, T, Wt, topK, rmsNorm) {
    const E = W2.unembedding, vocab = E.rows, D = E.cols;
    const V = hidden.length * T;
    const normed = new Float32Array(V * D);
    hidden.forEach((h, l) => normed.set(rmsNorm(h, T, Wt.finalNorm, Wt.eps), l * T * D));
    const split = helper ? Math.round(vocab / 2 / LENS_TILE) * LENS_TILE : vocab;
    const theirs = helper ? helper.run({ normed, V, r0: split, r1: vocab, topK }) : null;
    const ours = lensRange(ctx, normed, V, 0, split, topK);
    const parts = theirs ? [ours, await theirs] : [ours];
    return mergeLens(parts, hidden.length, T, topK, vocab);
  }

  return { W: W2, kernel: { linear, lens }, name: helper ? "WebAssembly SIMD, 2 workers" : "WebAssembly SIMD",
    memoryBytes: memory.buffer.byteLength };
}

// ------------------------------------------------------------------ the lens, in pieces

// rows r0..r1 of the output table against V normalised vectors (normed [V, D]): for each
// vector its softmax normaliser over these rows (max, sum of exp(logit - max)) and its top-k
// logits; and all logits of the last vector
export function lensRange(ctx, normed, V, r0, r1, topK) {
  const { k, f32, E, lensX, lensY, tileBuf, maxesBuf, sumsBuf } = ctx;
  const D = E.cols;
  const ids = new Int32Array(V * topK).fill(-1), logits = new Float32Array(V * topK).fill(-Infinity);
  const thr = new Float64Array(V).fill(-Infinity);
  const last = new Float32Array(r1 - r0);
  const maxes = new Float32Array(V), sums = new Float32Array(V);
  for (let v0 = 0; v0 < V; v0 += LENS_VECTORS) {
    const nv = Math.min(LENS_VECTORS, V - v0), nvp = nv + (nv & 1);
    f32.set(normed.subarray(v0 * D, (v0 + nv) * D), lensX / 4);
    if (nvp > nv) f32.fill(0, lensX / 4 + nv * D, lensX / 4 + nvp * D);
    f32.fill(-Infinity, maxesBuf / 4, maxesBuf / 4 + nv);
    f32.fill(0, sumsBuf / 4, sumsBuf / 4 + nv);
    for (let row = r0; row < r1; row += LENS_TILE) {
      const n = Math.min(LENS_TILE, r1 - row);
      k.deq_q8_0(E.ptr + row * E.rowBytes, tileBuf, (n * D) / 32);
      k.gemm(lensX, nvp, D, tileBuf, n, lensY, n);
      k.lse(lensY, nv, n, maxesBuf, sumsBuf);
      const base = lensY / 4;
      for (let i = 0; i < nv; i++) {
        const v = v0 + i, o = base + i * n, b = v * topK;
        let t = thr[v];
        for (let j = 0; j < n; j++) {
          const z = f32[o + j];
          if (z <= t) continue;
          let at = topK - 1; // insert into the sorted top-k (largest first), dropping the last
          while (at > 0 && logits[b + at - 1] < z) { logits[b + at] = logits[b + at - 1]; ids[b + at] = ids[b + at - 1]; at--; }
          logits[b + at] = z;
          ids[b + at] = row + j;
          t = thr[v] = logits[b + topK - 1];
        }
        if (v === V - 1) last.set(f32.subarray(o, o + n), row - r0);
      }
    }
    maxes.set(f32.subarray(maxesBuf / 4, maxesBuf / 4 + nv), v0);
    sums.set(f32.subarray(sumsBuf / 4, sumsBuf / 4 + nv), v0);
  }
  return { r0, r1, ids, logits, maxes, sums, last };
}

// pieces over disjoint row ranges -> lens[layer][position] = [{id, p}] and the last logits
function mergeLens(parts, nLayers, T, topK, vocab) {
  const lastLogits = new Float32Array(vocab);
  for (const p of parts) lastLogits.set(p.last, p.r0);
  const out = [];
  for (let l = 0; l < nLayers; l++) {
    const rows = [];
    for (let t = 0; t < T; t++) {
      const v = l * T + t;
      let M = -Infinity;
      for (const p of parts) M = Math.max(M, p.maxes[v]);
      let S = 0;
      const cand = [];
      for (const p of parts) {
        S += p.sums[v] * Math.exp(p.maxes[v] - M);
        for (let i = 0; i < topK; i++) if (p.ids[v * topK + i] >= 0) cand.push({ id: p.ids[v * topK + i], logit: p.logits[v * topK + i] });
      }
      cand.sort((a, b) => b.logit - a.logit || a.id - b.id);
      rows.push(cand.slice(0, topK).map(({ id, logit }) => ({ id, p: Math.exp(logit - M) / S })));
    }
    out.push(rows);
  }
  return { lens: out, lastLogits };
}

// a WebAssembly memory with the float16 table and one quantized table (the lens helper's)
export async function lensContext(bytes, table) {
  const align = (n) => Math.ceil(n / 16) * 16;
  let top = F16.byteLength;
  const alloc = (n) => { const p = top; top = align(top + n); return p; };
  const tablePtr = alloc(table.data.byteLength);
  const lensX = alloc(4 * (LENS_VECTORS + 1) * table.cols);
  const lensY = alloc(4 * (LENS_VECTORS + 1) * LENS_TILE);
  const tileBuf = alloc(4 * LENS_TILE * table.cols);
  const maxesBuf = alloc(4 * LENS_VECTORS), sumsBuf = alloc(4 * LENS_VECTORS);
  const memory = new WebAssembly.Memory({ initial: Math.ceil(top / PAGE) });
  const { instance } = await WebAssembly.instantiate(bytes, { env: { memory } });
  const f32 = new Float32Array(memory.buffer);
  f32.set(F16, 0);
  new Uint8Array(memory.buffer).set(table.data, tablePtr);
  const E = { ...table, data: new Uint8Array(memory.buffer, tablePtr, table.data.byteLength), ptr: tablePtr };
  return { k: instance.exports, f32, E, lensX, lensY, tileBuf, maxesBuf, sumsBuf };
}

// the helper worker, started with a copy of the table; null when it cannot start
async function startHelper(bytes, table) {
  if (typeof Worker === "undefined" || table.typeName !== "Q8_0") return null;
  try {
    const w = new Worker(new URL("./lens-worker.js", import.meta.url), { type: "module", name: "llmsite-engine-lens" });
    const meta = { rows: table.rows, cols: table.cols, rowBytes: table.rowBytes, typeName: table.typeName };
    const ready = new Promise((resolve, reject) => {
      w.onmessage = (ev) => (ev.data.type === "ready" ? resolve() : reject(new Error(ev.data.message)));
      w.onerror = (ev) => reject(new Error(ev.message || "the lens worker could not start"));
    });
    w.postMessage({ type: "init", wasm: bytes, table: { ...meta, data: table.data.slice() } });
    await ready;
    let queue = Promise.resolve();
    return {
      run(job) { // one job at a time, in order
        const p = queue.then(() => new Promise((resolve, reject) => {
          w.onmessage = (ev) => (ev.data.type === "done" ? resolve(ev.data.result) : reject(new Error(ev.data.message)));
          w.onerror = (ev) => reject(new Error(ev.message || "the lens worker failed"));
          w.postMessage({ type: "lens", ...job });
        }));
        queue = p.catch(() => {});
        return p;
      },
    };
  } catch (e) {
    console.warn("engine: no second worker for the lens:", e);
    return null;
  }
}
