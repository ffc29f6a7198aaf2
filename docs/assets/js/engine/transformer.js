// SmolLM2-135M-Instruct, forward pass written out by hand in JavaScript.
//
// The same computation as llmsite/transformer.py, one function per function, in the same
// order and with the same names (camelCase): embed, rmsNorm, ropeCosSin, applyRope,
// causalMask, attention, swigluFfn, block, unembed, forward, KVCache, logitLens. Read the two side
// by side: the Python says it with tensors, this file with loops over Float32Arrays.
//
//     token ids ──embed──▶ x                     x: one 576-number vector per token
//     for each of the 30 blocks:
//         x = x + attention(rmsNorm(x))          tokens look at earlier tokens
//         x = x + swigluFfn(rmsNorm(x))          each token is processed on its own
//     logits = rmsNorm(x) @ embedding.T          a score for each of the 49,152 tokens
//
// Where it differs from the Python:
// * the weights stay 4-bit (Q4_1) and 8-bit (Q8_0) as the GGUF file has them and are
//   dequantized row by row when a matrix is applied (`linear`); the numbers are the ones
//   PyTorch holds, but a float32 copy of them all would take 540 MB of the tab's memory;
// * `linear` is the one place where time goes (99% of the multiply-adds), so it is a
//   swappable kernel: the plain loop below is the lesson, kernels.js has a WebAssembly SIMD
//   one that computes the same sums in a different order (float32 sums in another order
//   differ in the last bits: the test allows 1e-4);
// * there is no batch dimension: one sequence, arrays laid out [token][feature].
//
// Shapes: T = tokens, H = query heads (9), K = key/value heads (3), D = head_dim (64).

import { dequantizeRow } from "./gguf.js";

// ------------------------------------------------------------------ the matrix product

// --8<-- [start:linear]
// x [T, in] times a weight matrix w [out, in] (stored quantized), transposed: y [T, out].
// This is Python's `x @ w.T`. Row r of w is dequantized once and used for every token.
export function linearPlain(x, T, w) {
  const n = w.cols, m = w.rows;
  const y = new Float32Array(T * m);
  const row = new Float32Array(n);
  for (let r = 0; r < m; r++) {
    dequantizeRow(w, r, row);
    for (let t = 0; t < T; t++) {
      let s = 0;
      for (let i = 0, o = t * n; i < n; i++) s += x[o + i] * row[i];
      y[t * m + r] = s;
    }
  }
  return y;
}
// --8<-- [end:linear]

// the kernel actually used: the plain loop, unless useKernel() installed a faster one
let kernel = { linear: linearPlain, lens: null };
export function useKernel(k) { kernel = { ...kernel, ...k }; }
export const linear = (x, T, w) => kernel.linear(x, T, w);

// ------------------------------------------------------------------ the pieces

// Token ids -> vectors: each id picks its row of the embedding table. ids [T] -> x [T, hidden]
export function embed(ids, W) {
  const x = new Float32Array(ids.length * W.hidden);
  ids.forEach((id, t) => dequantizeRow(W.embedding, id, x, t * W.hidden));
  return x;
}

// Rescale each token's vector to a root-mean-square of 1, then apply the learned gain.
export function rmsNorm(x, T, weight, eps) {
  const n = weight.length;
  const out = new Float32Array(T * n);
  for (let t = 0; t < T; t++) {
    const o = t * n;
    let ss = 0;
    for (let i = 0; i < n; i++) ss += x[o + i] * x[o + i];
    const invRms = Math.fround(1 / Math.sqrt(Math.fround(ss / n) + eps)); // 1 / rms
    for (let i = 0; i < n; i++) out[o + i] = weight[i] * Math.fround(x[o + i] * invRms);
  }
  return out;
}

// The rotation angles for each position: pair i (dimensions i and i + D/2) turns by
// position × freq_i, freq_i = 1 / theta^(2i/D). positions [T] -> cos, sin [T, D]
export function ropeCosSin(positions, D, theta) {
  const T = positions.length;
  const cos = new Float32Array(T * D), sin = new Float32Array(T * D);
  for (let i = 0; i < D / 2; i++) {
    const freq = Math.fround(1 / Math.fround(theta ** Math.fround((2 * i) / D)));
    for (let t = 0; t < T; t++) {
      const angle = Math.fround(positions[t] * freq);
      cos[t * D + i] = cos[t * D + i + D / 2] = Math.cos(angle);
      sin[t * D + i] = sin[t * D + i + D / 2] = Math.sin(angle);
    }
  }
  return { cos, sin };
}

// Rotate each (first-half, second-half) pair of every head: (a, b) -> (a cos − b sin, b cos + a sin).
// x [T, heads*D], changed in place.
export function applyRope(x, T, heads, D, cos, sin) {
  const half = D / 2;
  for (let t = 0; t < T; t++) {
    for (let h = 0; h < heads; h++) {
      const o = (t * heads + h) * D;
      for (let i = 0; i < half; i++) {
        const a = x[o + i], b = x[o + i + half];
        const c = cos[t * D + i], s = sin[t * D + i];
        x[o + i] = Math.fround(a * c) - Math.fround(b * s);
        x[o + i + half] = Math.fround(b * c) + Math.fround(a * s);
      }
    }
  }
  return x;
}

// True where a query must not look: keys at later positions (the future).
export function causalMask(queryPosition, keyPosition) {
  return keyPosition > queryPosition;
}

// Causal self-attention with grouped-query heads. x [T, hidden] is the normalised stream;
// positions [T] the tokens' positions (0 … T−1 without a cache). Returns { out [T, hidden],
// weights [H, T, S] } (weights[h][i][j]: query i looks at key j; S = T plus cached tokens).
export function attention(x, T, layer, W, positions, cache = null) {
  const lw = W.layers[layer];
  const H = W.nHeads, K = W.nKvHeads, D = W.headDim;

  // 1. project every token to queries, keys, values: [T, heads*D]
  const q = linear(x, T, lw.q);
  const k = linear(x, T, lw.k);
  const v = linear(x, T, lw.v);

  // 2. mark the position of each token on its query and key (RoPE)
  const { cos, sin } = ropeCosSin(positions, D, W.ropeTheta);
  applyRope(q, T, H, D, cos, sin);
  applyRope(k, T, K, D, cos, sin);

  // 3. with a cache, this call's keys and values join those of the earlier tokens
  let keys = k, values = v, S = T;
  if (cache) ({ keys, values, S } = cache.update(layer, k, v, T));

  // 4.-5. grouped-query attention: query head h uses key/value head floor(h / 3). Scores are
  // scaled by 1/√D; the future is masked (weight exactly 0); softmax makes each row sum to 1.
  const group = H / K, scale = D ** -0.5;
  const weights = new Float32Array(H * T * S);
  const out = new Float32Array(T * H * D);
  const scores = new Float32Array(S);
  for (let h = 0; h < H; h++) {
    const kv = Math.floor(h / group);
    for (let i = 0; i < T; i++) {
      const qo = (i * H + h) * D;
      let max = -Infinity;
      for (let j = 0; j < S; j++) { // key j sits at position j
        if (causalMask(positions[i], j)) { scores[j] = -Infinity; continue; }
        const ko = (j * K + kv) * D;
        let s = 0;
        for (let d = 0; d < D; d++) s += q[qo + d] * keys[ko + d];
        scores[j] = Math.fround(s) * scale;
        if (scores[j] > max) max = scores[j];
      }
      let sum = 0;
      for (let j = 0; j < S; j++) {
        scores[j] = Math.fround(Math.exp(scores[j] - max)); // exp(−∞) = 0
        sum += scores[j];
      }
      const row = (h * T + i) * S;
      for (let j = 0; j < S; j++) weights[row + j] = scores[j] / sum;

      // 6. each query takes the weighted average of the values it attends to
      for (let j = 0; j < S; j++) {
        const w = weights[row + j], vo = (j * K + kv) * D;
        if (w === 0) continue; // the future (and nothing else, in practice)
        for (let d = 0; d < D; d++) out[qo + d] += w * values[vo + d];
      }
    }
  }
  // the 9 heads' results side by side ([T, H*D]) mixed back to the stream's 576 numbers
  return { out: linear(out, T, lw.o), weights };
}

// --8<-- [start:swiglu]
// The feed-forward network: silu(x @ gate.T) * (x @ up.T), then @ down.T. Token by token.
export function swigluFfn(x, T, layer, W) {
  const lw = W.layers[layer];
  const gate = linear(x, T, lw.gate);
  const up = linear(x, T, lw.up);
  for (let i = 0; i < gate.length; i++) {
    const z = gate[i];
    gate[i] = (z / (1 + Math.exp(-z))) * up[i]; // silu(z) = z · sigmoid(z)
  }
  return linear(gate, T, lw.down);
}
// --8<-- [end:swiglu]

// One block, pre-norm: normalise a copy, compute, add back; twice. x [T, hidden] -> new x.
export function block(x, T, layer, W, positions, cache = null) {
  const lw = W.layers[layer];
  const { out: attn, weights } = attention(rmsNorm(x, T, lw.attnNorm, W.eps), T, layer, W, positions, cache);
  const x1 = new Float32Array(x.length);
  for (let i = 0; i < x.length; i++) x1[i] = x[i] + attn[i];
  const ffn = swigluFfn(rmsNorm(x1, T, lw.ffnNorm, W.eps), T, layer, W);
  for (let i = 0; i < x1.length; i++) x1[i] += ffn[i];
  return { x: x1, weights };
}

// Residual stream -> logits: final norm, then a dot product with every token's embedding
// row (the same table embed() reads: tied weights). x [T, hidden] -> logits [T, vocab]
export function unembed(x, T, W) {
  return linear(rmsNorm(x, T, W.finalNorm, W.eps), T, W.unembedding);
}

// ------------------------------------------------------------------ the whole model

// Run the model on ids [T]: the stream after every block (hidden[0] is the embeddings,
// hidden[i] the stream after block i) and the attention weights of every block. With a
// cache, ids are the new tokens only: they get the positions after the cached ones.
export function forward(ids, W, { cache = null, onLayer } = {}) {
  const T = ids.length;
  const start = cache ? cache.length : 0;
  const positions = Int32Array.from({ length: T }, (_, t) => start + t);
  let x = embed(ids, W);
  const hidden = [x];
  const attentions = [];
  for (let layer = 0; layer < W.nLayers; layer++) {
    const r = block(x, T, layer, W, positions, cache);
    x = r.x;
    hidden.push(x);
    attentions.push(r.weights);
    if (onLayer) onLayer(layer);
  }
  return { hidden, attentions };
}

// ------------------------------------------------------------------ the KV cache

// The keys and values of every token seen so far, for every layer (after RoPE), as
// llmsite.transformer.KVCache holds them: a call on new tokens reuses the earlier tokens'.
// Per layer: keys and values [S, K*D].
export class KVCache {
  constructor(nLayers) {
    this.keys = new Array(nLayers).fill(null);
    this.values = new Array(nLayers).fill(null);
    this.tokens = new Array(nLayers).fill(0);
  }

  get length() { return this.tokens[0]; } // tokens held (positions 0 … length−1 are taken)

  // append this call's k, v [T, K*D] to the layer's store; return everything held
  update(layer, k, v, T) {
    const held = this.tokens[layer];
    const grow = (old, add) => {
      if (!old) return add.slice();
      const out = new Float32Array(old.length + add.length);
      out.set(old);
      out.set(add, old.length);
      return out;
    };
    this.keys[layer] = grow(this.keys[layer], k);
    this.values[layer] = grow(this.values[layer], v);
    this.tokens[layer] = held + T;
    return { keys: this.keys[layer], values: this.values[layer], S: held + T };
  }

  // keep the first n tokens only (a new text that shares its first n tokens with the last one)
  truncate(n) {
    for (let l = 0; l < this.keys.length; l++) {
      if (!this.keys[l] || this.tokens[l] <= n) continue;
      const width = this.keys[l].length / this.tokens[l];
      this.keys[l] = this.keys[l].slice(0, n * width);
      this.values[l] = this.values[l].slice(0, n * width);
      this.tokens[l] = n;
    }
  }
}

// ------------------------------------------------------------------ looking inside

// The size of the stream, as chapter 6 measures it: root-mean-square of a token's 576 numbers.
export function streamRms(x, T, n) {
  const out = new Float32Array(T);
  for (let t = 0; t < T; t++) {
    let ss = 0;
    for (let i = 0; i < n; i++) ss += x[t * n + i] ** 2;
    out[t] = Math.sqrt(ss / n);
  }
  return out;
}

// softmax of one row of logits, in place (float32, like torch.softmax on float32)
export function softmax(logits) {
  let max = -Infinity;
  for (const v of logits) if (v > max) max = v;
  let sum = 0;
  for (let i = 0; i < logits.length; i++) {
    logits[i] = Math.fround(Math.exp(logits[i] - max));
    sum += logits[i];
  }
  for (let i = 0; i < logits.length; i++) logits[i] /= sum;
  return logits;
}

// the k largest entries of a row: [{id, p}], largest first
export function topK(probs, k) {
  const best = [];
  for (let i = 0; i < probs.length; i++) {
    const p = probs[i];
    if (best.length === k && p <= best[k - 1].p) continue;
    let at = best.length;
    while (at > 0 && best[at - 1].p < p) at--;
    best.splice(at, 0, { id: i, p });
    if (best.length > k) best.pop();
  }
  return best;
}

// What would the model predict if it stopped after block i? The final norm and the output
// table applied to every layer's stream. hidden: forward()'s list (L+1 arrays [T, hidden]).
// Returns lens[layer][position] = top-k [{id, p}], and the full distribution of the last
// position after the last block (the model's real prediction). Async: the fast kernel
// shares the work with a second worker.
export async function logitLens(hidden, T, W, k) {
  if (kernel.lens) { // the same, in tiles of the table (kernels.js): memory stays small
    const { lens, lastLogits } = await kernel.lens(hidden, T, W, k, rmsNorm);
    return { lens, probs: softmax(lastLogits) };
  }
  const lens = [];
  let last = null;
  for (const h of hidden) { // one layer at a time: [T, vocab] each
    const logits = unembed(h, T, W);
    const rows = [];
    for (let t = 0; t < T; t++) {
      const probs = softmax(logits.subarray(t * W.vocabSize, (t + 1) * W.vocabSize));
      rows.push(topK(probs, k));
      if (t === T - 1) last = probs;
    }
    lens.push(rows);
  }
  return { lens, probs: Float32Array.from(last) };
}
