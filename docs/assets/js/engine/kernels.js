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

export async function loadKernels(url, W) {
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

  // the logit lens: final norm, then every vector against every row of the output table,
  // keeping for each vector its top-k logits and its softmax normaliser (an online softmax),
  // and all logits of the very last vector (the model's prediction)
  function lens(hidden, T, Wt, topK, rmsNorm) {
    const E = W2.unembedding, vocab = E.rows, D = E.cols;
    const normed = hidden.map((h) => rmsNorm(h, T, Wt.finalNorm, Wt.eps));
    const V = normed.length * T;
    const best = Array.from({ length: V }, () => []); // [{id, logit}], largest first
    const thr = new Float64Array(V).fill(-Infinity);
    const lastLogits = new Float32Array(vocab);
    const maxes = new Float32Array(V), sums = new Float32Array(V);
    for (let v0 = 0; v0 < V; v0 += LENS_VECTORS) {
      const nv = Math.min(LENS_VECTORS, V - v0), nvp = nv + (nv & 1);
      for (let i = 0; i < nv; i++) {
        const v = v0 + i;
        f32.set(normed[Math.floor(v / T)].subarray((v % T) * D, (v % T + 1) * D), lensX / 4 + i * D);
      }
      if (nvp > nv) f32.fill(0, lensX / 4 + nv * D, lensX / 4 + nvp * D);
      f32.fill(-Infinity, maxesBuf / 4, maxesBuf / 4 + nv);
      f32.fill(0, sumsBuf / 4, sumsBuf / 4 + nv);
      for (let r0 = 0; r0 < vocab; r0 += LENS_TILE) {
        const n = Math.min(LENS_TILE, vocab - r0);
        deq(E, r0, n, tileBuf);
        k.gemm(lensX, nvp, D, tileBuf, n, lensY, n);
        k.lse(lensY, nv, n, maxesBuf, sumsBuf);
        const base = lensY / 4;
        for (let i = 0; i < nv; i++) {
          const v = v0 + i, o = base + i * n;
          let t = thr[v];
          for (let j = 0; j < n; j++) {
            const z = f32[o + j];
            if (z <= t) continue;
            const b = best[v];
            let at = b.length;
            while (at > 0 && b[at - 1].logit < z) at--;
            b.splice(at, 0, { id: r0 + j, logit: z });
            if (b.length > topK) b.pop();
            if (b.length === topK) t = thr[v] = b[topK - 1].logit;
          }
          if (v === V - 1) lastLogits.set(f32.subarray(o, o + n), r0);
        }
      }
      maxes.set(f32.subarray(maxesBuf / 4, maxesBuf / 4 + nv), v0);
      sums.set(f32.subarray(sumsBuf / 4, sumsBuf / 4 + nv), v0);
    }
    const out = [];
    for (let l = 0; l < normed.length; l++) {
      const rows = [];
      for (let t = 0; t < T; t++) {
        const v = l * T + t;
        rows.push(best[v].map(({ id, logit }) => ({ id, p: Math.exp(logit - maxes[v]) / sums[v] })));
      }
      out.push(rows);
    }
    return { lens: out, lastLogits };
  }

  return { W: W2, kernel: { linear, lens }, name: "WebAssembly SIMD", memoryBytes: memory.buffer.byteLength };
}
