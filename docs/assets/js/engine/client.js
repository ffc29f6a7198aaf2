// The forward-pass engine, for the page: SmolLM2-135M-Instruct run by our own JavaScript
// (transformer.js, mirroring llmsite/transformer.py) in a Web Worker, on the GGUF shards the
// playground downloads (same files, same Cache Storage: no second download).
//
// CONTRACT (the explorers code against this; tests/test_engine.py holds it):
//
//   import { createEngine } from "./engine/client.js";
//   const engine = createEngine({ manifestUrl, onProgress });
//     manifestUrl  the playground's manifest.json (default: ../../playground/manifest.json
//                  relative to this file); the engine's own files (WebAssembly kernels,
//                  tokenizer tables) come from ../../engine/manifest.json
//     onProgress   optional ({phase, loaded, total}) => void; phase "download" (bytes of the
//                  98 MB model, from the cache after the first visit), "prepare", "ready"
//     workers      2: a second worker takes half of the logit lens (+35 MB); 1: one worker;
//                  default: 2 where the device has at least 4 cores, else 1
//   The worker starts at once; the model loads on creation. engine.ready resolves to
//   {layers, heads, vocab, kernel, memoryBytes, downloadMs, readyMs} (or rejects with why it
//   cannot run); memoryBytes: the WebAssembly memory of the main worker (the weights + scratch).
//
//   await engine.analyze(text, { maxTokens = 64, topK = 5 }) resolves to
//   {
//     ids:          Int32Array(n)        the token ids (equal to llmsite.tokenizer's)
//     tokens:       string[n]            each token decoded on its own (a token holding part of
//                                        a character decodes to U+FFFD)
//     n:            number of tokens (≤ maxTokens; maxTokens is capped at 512)
//     layers: 30,   heads: 9
//     attention:    Float32Array(layers*heads*n*n), row-major [layer][head][query][key]:
//                   how much query token i looks at key token j; each row sums to 1, the
//                   future (j > i) is exactly 0
//     residualNorm: Float32Array((layers+1)*n), [layer][position]: the size of the residual
//                   stream as root-mean-square of its 576 numbers (chapter 6's "size"):
//                   [0] the embeddings, [l] after block l, before any norm
//     residualNormKind: "rms"
//     lens:         Array(layers+1) of Array(n) of [{id, token, p}] (topK, most likely first):
//                   the logit lens, the final norm and output table applied to the stream
//                   after block l ([0] = embeddings, [30] = the model's real prediction)
//     probs:        Float32Array(49152), the next-token distribution after the last token
//     truncated:    true when the text had more than maxTokens tokens (the first maxTokens
//                   are analysed)
//     timing:       {forwardMs, lensMs, totalMs, reusedTokens} in the worker; reusedTokens:
//                   how many leading tokens were the same as in the previous call and were
//                   taken from it (a token never looks ahead, so their numbers cannot change)
//   }
//   Empty text rejects with Error("empty"). Calls are answered in order, one at a time.
//   engine.terminate() stops the worker.

const HERE = import.meta.url;

export function createEngine({ manifestUrl, onProgress, engineUrl, workers } = {}) {
  // a second worker only where there is a core for it (on 2 busy cores it was no faster)
  workers ??= (globalThis.navigator?.hardwareConcurrency ?? 2) >= 4 ? 2 : 1;
  manifestUrl = new URL(manifestUrl ?? "../../playground/manifest.json", HERE).href;
  engineUrl = new URL(engineUrl ?? "../../engine/manifest.json", HERE).href;
  const worker = new Worker(new URL("./worker.js", HERE), { type: "module", name: "llmsite-engine" });
  const pending = new Map();
  let nextId = 1;
  let readyResolve, readyReject;
  const ready = new Promise((res, rej) => { readyResolve = res; readyReject = rej; });
  ready.catch(() => {}); // reported through analyze() too
  let failed = null;

  worker.onmessage = (ev) => {
    const m = ev.data;
    if (m.type === "progress") {
      if (onProgress) onProgress({ phase: m.phase, loaded: m.loaded, total: m.total });
    } else if (m.type === "ready") {
      readyResolve(m.info);
    } else if (m.type === "result" || m.type === "error") {
      if (m.id === null) { // loading failed
        failed = new Error(m.message);
        readyReject(failed);
        for (const p of pending.values()) p.reject(failed);
        pending.clear();
        return;
      }
      const p = pending.get(m.id);
      pending.delete(m.id);
      if (!p) return;
      if (m.type === "result") p.resolve(m.result);
      else p.reject(new Error(m.message));
    }
  };
  worker.onerror = (ev) => {
    failed = new Error(`the engine's worker failed: ${ev.message || "could not start"}`);
    readyReject(failed);
    for (const p of pending.values()) p.reject(failed);
    pending.clear();
  };
  worker.postMessage({ type: "init", manifestUrl, engineUrl, workers });

  return {
    ready,
    analyze(text, { maxTokens = 64, topK = 5 } = {}) {
      if (typeof text !== "string" || text.length === 0) return Promise.reject(new Error("empty"));
      if (failed) return Promise.reject(failed);
      const id = nextId++;
      return new Promise((resolve, reject) => {
        pending.set(id, { resolve, reject });
        worker.postMessage({ type: "analyze", id, text, maxTokens, topK });
      });
    },
    terminate() { worker.terminate(); },
  };
}
