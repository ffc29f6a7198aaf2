// The engine's Web Worker (a module worker): loads the model once, then answers analyze
// requests, so the page never waits on a forward pass. Started by client.js.
//
// Messages in:  {type: "init", manifestUrl, engineUrl, workers}
//               {type: "analyze", id, text, maxTokens, topK}
// Messages out: {type: "progress", phase, loaded, total}   while loading
//               {type: "ready", info}                       once
//               {type: "result", id, result} | {type: "error", id, message}

import { parseGGUF, mergeShards } from "./gguf.js";
import { weightsFromGGUF } from "./model.js";
import { Tokenizer } from "./tokenizer.js";
import { forward, logitLens, streamRms, useKernel, KVCache } from "./transformer.js";
import { loadKernels, MAX_TOKENS } from "./kernels.js";

const CACHE_NAME = "llmsite-playground-v1"; // the playground's cache: the same files, downloaded once

let model = null; // {W, tok, info}
let loading = null;
let queue = Promise.resolve();
let memo = null; // the last call's ids, KV cache and results (for a text that starts the same)

const progress = (phase, loaded = 0, total = 0) => postMessage({ type: "progress", phase, loaded, total });

async function fetchJSON(url) {
  const res = await fetch(url);
  if (!res.ok) throw new Error(`could not fetch ${url} (HTTP ${res.status})`);
  return res.json();
}

// one shard, from Cache Storage when the playground (or an earlier visit) put it there, else
// from the site (and then into the cache, under the playground's own key)
async function shardBytes(cache, base, man, name, onBytes) {
  const url = new URL(`${name}?v=${man.sha256[name].slice(0, 16)}`, base).href;
  const want = man.sizes[name];
  if (cache) {
    const hit = await cache.match(url);
    if (hit) {
      const buf = await hit.arrayBuffer();
      if (buf.byteLength === want) {
        onBytes(want);
        return buf;
      }
    }
  }
  const res = await fetch(url);
  if (!res.ok) throw new Error(`could not fetch ${name} (HTTP ${res.status})`);
  const reader = res.body.getReader();
  const buf = new Uint8Array(want);
  let at = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    if (at + value.length > want) throw new Error(`${name}: more than the ${want} bytes expected`);
    buf.set(value, at);
    at += value.length;
    onBytes(value.length);
  }
  if (at !== want) throw new Error(`${name}: got ${at} bytes, expected ${want}`);
  if (cache) {
    try {
      await cache.put(url, new Response(buf, { headers: { "Content-Type": "application/octet-stream", "Content-Length": String(want) } }));
    } catch (e) {
      // a full disk: it works, just not offline
    }
  }
  return buf.buffer;
}

async function load(manifestUrl, engineUrl, workers) {
  const t0 = performance.now();
  const base = new URL(".", manifestUrl);
  const man = await fetchJSON(manifestUrl);
  const eng = await fetchJSON(engineUrl);
  let cache = null;
  try {
    cache = await caches.open(CACHE_NAME);
  } catch (e) {
    cache = null; // no Cache Storage (not a secure context): download every visit
  }
  const total = man.shards.reduce((a, n) => a + man.sizes[n], 0);
  let loaded = 0;
  progress("download", 0, total);
  const parsed = [];
  for (const name of man.shards) {
    const buf = await shardBytes(cache, base, man, name, (n) => { loaded += n; progress("download", loaded, total); });
    parsed.push(parseGGUF(buf));
  }
  const tDownload = performance.now();
  progress("prepare", 0, 1);
  const gguf = mergeShards(parsed);
  const tok = Tokenizer.fromGGUF(gguf.metadata, eng.unicode);
  let W = weightsFromGGUF(gguf);
  let kernelName = "JavaScript";
  let memoryBytes = 0;
  if (eng.kernels) {
    try {
      const k = await loadKernels(new URL(eng.kernels, engineUrl).href, W, { helper: workers > 1 });
      W = k.W; // the weights now live in WebAssembly memory
      useKernel(k.kernel);
      kernelName = k.name;
      memoryBytes = k.memoryBytes;
    } catch (e) {
      console.warn("engine: WebAssembly kernels unavailable, using the JavaScript loop:", e);
    }
  }
  const info = {
    layers: W.nLayers, heads: W.nHeads, vocab: W.vocabSize, kernel: kernelName, memoryBytes,
    downloadMs: tDownload - t0, readyMs: performance.now() - t0,
  };
  progress("ready", 1, 1);
  return { W, tok, info };
}

async function analyze(text, maxTokens, topK) {
  const { W, tok } = model;
  if (typeof text !== "string" || text.length === 0) throw new Error("empty");
  if (!(Number.isInteger(maxTokens) && maxTokens >= 1)) throw new Error("maxTokens must be a whole number ≥ 1");
  if (!(Number.isInteger(topK) && topK >= 1 && topK <= 1000)) throw new Error("topK must be a whole number from 1 to 1000");
  maxTokens = Math.min(maxTokens, MAX_TOKENS);
  // a token is rarely more than a few dozen characters: cut absurdly long input before
  // tokenizing it (the first maxTokens tokens are then the same)
  const cut = text.length > 64 * maxTokens + 1024;
  let all = tok.encode(cut ? text.slice(0, 64 * maxTokens + 1024) : text);
  if (all.length === 0) throw new Error("empty");
  const truncated = cut || all.length > maxTokens;
  const ids = Int32Array.from(all.slice(0, maxTokens));
  const n = ids.length;
  const L = W.nLayers, H = W.nHeads;
  const t0 = performance.now();

  // The tokens this text shares with the last one at its start need no new work: a token
  // never looks ahead, so its stream, its attention and its lens are the same (the KV cache of
  // chapter 9). At least the last token is computed again (its full distribution is needed).
  const prev = memo;
  memo = null; // (a call that fails half-way leaves nothing half-updated behind)
  let p = 0;
  if (prev && prev.topK === topK) {
    while (p < n - 1 && p < prev.n && ids[p] === prev.ids[p]) p++;
  }
  const cache = p > 0 ? prev.cache : new KVCache(L);
  cache.truncate(p);
  const T = n - p; // the tokens computed now, at positions p … n−1
  const { hidden, attentions } = forward(Array.from(ids.subarray(p)), W, { cache });
  const tForward = performance.now();
  const { lens: newLens, probs } = await logitLens(hidden, T, W, topK);
  const tLens = performance.now();

  // [layer][head][query][key] over all n tokens: the first p query rows from the last call
  const attention = new Float32Array(L * H * n * n);
  for (let l = 0; l < L; l++) {
    for (let h = 0; h < H; h++) {
      for (let i = 0; i < n; i++) {
        const to = ((l * H + h) * n + i) * n;
        if (i < p) {
          const from = ((l * H + h) * prev.n + i) * prev.n;
          attention.set(prev.attention.subarray(from, from + i + 1), to); // keys 0 … i; the rest stays 0
        } else {
          const from = (h * T + (i - p)) * n; // attentions[l] is [H, T, n]
          attention.set(attentions[l].subarray(from, from + n), to);
        }
      }
    }
  }
  const residualNorm = new Float32Array((L + 1) * n);
  const lens = [];
  hidden.forEach((x, l) => {
    if (p > 0) residualNorm.set(prev.residualNorm.subarray(l * prev.n, l * prev.n + p), l * n);
    residualNorm.set(streamRms(x, T, W.hidden), l * n + p);
    lens.push([...(p > 0 ? prev.lens[l].slice(0, p) : []), ...newLens[l]]);
  });
  memo = { ids: ids.slice(), n, topK, cache, attention: attention.slice(), residualNorm: residualNorm.slice(), lens };
  const label = new Map();
  const tokenText = (id) => {
    if (!label.has(id)) label.set(id, tok.decode([id]));
    return label.get(id);
  };
  return {
    ids,
    tokens: Array.from(ids, tokenText),
    n,
    layers: L,
    heads: H,
    attention,
    residualNorm,
    residualNormKind: "rms",
    lens: lens.map((rows) => rows.map((row) => row.map(({ id, p }) => ({ id, token: tokenText(id), p })))),
    probs,
    truncated,
    timing: { forwardMs: tForward - t0, lensMs: tLens - tForward, totalMs: tLens - t0, reusedTokens: p },
  };
}

self.onmessage = async (ev) => {
  const msg = ev.data;
  if (msg.type === "init") {
    loading ??= load(msg.manifestUrl, msg.engineUrl, msg.workers ?? 2).then(
      (m) => { model = m; postMessage({ type: "ready", info: m.info }); },
      (e) => { postMessage({ type: "error", id: null, message: String((e && e.message) || e) }); });
    return;
  }
  if (msg.type === "analyze") {
    // one at a time, in order: the WebAssembly scratch memory is shared by all calls
    queue = queue.then(async () => {
      try {
        await loading;
        if (!model) throw new Error("the model did not load");
        const result = await analyze(msg.text, msg.maxTokens, msg.topK);
        postMessage({ type: "result", id: msg.id, result },
          [result.attention.buffer, result.residualNorm.buffer, result.probs.buffer, result.ids.buffer]);
      } catch (e) {
        postMessage({ type: "error", id: msg.id, message: String((e && e.message) || e) });
      }
    });
  }
};
