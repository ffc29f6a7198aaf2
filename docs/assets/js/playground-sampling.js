// Sampling over the exact full-vocabulary distribution, in JavaScript, with the SAME
// definitions as llmsite/sampling.py (temperature, then top-k, top-p, min-p, then softmax).
// Pure functions, no DOM: the playground widget uses them, and tests/test_playground.py
// runs them on PyTorch's logits and checks they keep exactly the tokens llmsite.sampling keeps.
//
// Float32 where torch works in float32 (Math.fround), so that the cut-offs land on the same
// token: scores and probabilities are float32, the running sum of top-p is accumulated in
// float64 and stored as float32 (as torch's CPU cumsum does), a setting compared with a
// float32 tensor is first rounded to float32.

const f32 = Math.fround;

// softmax in float32 of x (a Float32Array, -Infinity allowed): a new Float32Array
export function softmax(x) {
  let m = -Infinity;
  for (let i = 0; i < x.length; i++) if (x[i] > m) m = x[i];
  const out = new Float32Array(x.length);
  let s = 0;
  for (let i = 0; i < x.length; i++) {
    const e = x[i] === -Infinity ? 0 : Math.exp(x[i] - m);
    out[i] = e;
    s += e;
  }
  for (let i = 0; i < x.length; i++) out[i] = f32(out[i] / s);
  return out;
}

// llmsite.sampling.apply_temperature: subtract the best score, then divide (0 = greedy)
export function applyTemperature(logits, temperature) {
  const x = Float32Array.from(logits);
  let m = -Infinity;
  for (let i = 0; i < x.length; i++) if (x[i] > m) m = x[i];
  for (let i = 0; i < x.length; i++) x[i] = f32(x[i] - m);
  if (temperature === 0) {
    for (let i = 0; i < x.length; i++) x[i] = x[i] === 0 ? 0 : -Infinity;
  } else if (temperature !== 1) {
    for (let i = 0; i < x.length; i++) x[i] = f32(x[i] / temperature);
  }
  return x;
}

// token indices sorted by value, best first; ties keep index order (a stable sort)
export function order(values) {
  const idx = new Uint32Array(values.length);
  for (let i = 0; i < idx.length; i++) idx[i] = i;
  return idx.sort((a, b) => (values[b] - values[a]) || (a - b));
}

// the tokens top-k removes: all but the k best; ties with the k-th best are kept
function topK(x, k) {
  k = Math.min(k, x.length);
  const kth = Float32Array.from(x).sort()[x.length - k];
  for (let i = 0; i < x.length; i++) if (x[i] < kth) x[i] = -Infinity;
}

// top-p: keep a token while the tokens before it hold less than p; the best is always kept
function topP(x, p) {
  const probs = softmax(x);
  const idx = order(probs);
  const pp = f32(p);
  let acc = 0;
  for (let r = 0; r < idx.length; r++) {
    const q = probs[idx[r]];
    acc += q;
    const before = f32(f32(acc) - q);
    if (r > 0 && before >= pp) x[idx[r]] = -Infinity;
  }
}

// min-p: drop tokens less than min_p times as likely as the best one
function minP(x, mp) {
  const probs = softmax(x);
  let best = 0;
  for (let i = 0; i < probs.length; i++) if (probs[i] > best) best = probs[i];
  const cut = f32(f32(mp) * best);
  for (let i = 0; i < probs.length; i++) if (probs[i] < cut) x[i] = -Infinity;
}

// llmsite.sampling.filtered_logits / filtered_probs
export function filteredLogits(logits, { temperature = 1, top_k = 0, top_p = 1, min_p = 0 } = {}) {
  if (!(Number.isFinite(temperature) && temperature >= 0)) throw new RangeError("temperature must be a finite number ≥ 0");
  const x = applyTemperature(logits, temperature);
  if (top_k) topK(x, top_k);
  if (top_p !== null && top_p !== undefined && top_p < 1) topP(x, top_p);
  if (min_p) minP(x, min_p);
  return x;
}

export function filteredProbs(logits, settings) {
  return softmax(filteredLogits(logits, settings));
}

// scores from probabilities (what the playground gets from llama.cpp): log p, in float32
export function logitsFromProbs(probs) {
  const x = new Float32Array(probs.length);
  for (let i = 0; i < probs.length; i++) x[i] = probs[i] > 0 ? f32(Math.log(probs[i])) : -Infinity;
  return x;
}

// how unsure a distribution is, in bits (llmsite.sampling.entropy_bits)
export function entropyBits(probs) {
  let h = 0;
  for (let i = 0; i < probs.length; i++) if (probs[i] > 0) h -= probs[i] * Math.log2(probs[i]);
  return h;
}

// a small seeded generator (mulberry32): the same seed gives the same draws in every browser
// (not the same numbers as torch.Generator, which is a different generator)
export function rng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

// inverse-CDF draw, as llmsite.sampling._draw: a token with probability 0 is never drawn
export function draw(probs, random) {
  let total = 0;
  for (let i = 0; i < probs.length; i++) total += probs[i];
  const u = random() * total;
  let acc = 0;
  for (let i = 0; i < probs.length; i++) {
    acc += probs[i];
    if (acc > u) return i;
  }
  for (let i = probs.length - 1; i >= 0; i--) if (probs[i] > 0) return i;
  return probs.length - 1;
}
