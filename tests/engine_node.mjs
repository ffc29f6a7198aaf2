// Runs the engine's modules under Node for tests/test_engine.py (no browser needed).
//   node tests/engine_node.mjs rows      SHARD_DIR ENGINE_DIR   < [[tensor, row, heads?], ...]
//       -> the rows dequantized by gguf.js (q/k un-permuted when heads is given), as base64 float32
//   node tests/engine_node.mjs tokenize  SHARD_DIR ENGINE_DIR   < ["text", ...]
//       -> the ids tokenizer.js gives for each text
//   node tests/engine_node.mjs header    SHARD_DIR ENGINE_DIR
//       -> the metadata numbers and every tensor's name, type and shape
//   node tests/engine_node.mjs forward   SHARD_DIR ENGINE_DIR   < {"ids": [...], "kernel": "plain" | "wasm"}
//       -> transformer.js's attention maps and last-position probabilities (base64 float32),
//          with the plain JavaScript loop (the lesson) or the WebAssembly kernels
import fs from "node:fs";
import path from "node:path";
import { parseGGUF, mergeShards, dequantizeRow, unpermuteRows } from "../docs/assets/js/engine/gguf.js";
import { Tokenizer } from "../docs/assets/js/engine/tokenizer.js";
import { weightsFromGGUF } from "../docs/assets/js/engine/model.js";
import { forward, logitLens, useKernel } from "../docs/assets/js/engine/transformer.js";
import { loadKernels } from "../docs/assets/js/engine/kernels.js";

const [cmd, shardDir, engineDir] = process.argv.slice(2);
const input = cmd === "header" ? null : JSON.parse(fs.readFileSync(0, "utf8"));
const shards = fs.readdirSync(shardDir).filter((f) => f.endsWith(".gguf")).sort().map((f) => {
  const b = fs.readFileSync(path.join(shardDir, f));
  return parseGGUF(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
});
const g = mergeShards(shards);
let out;
if (cmd === "rows") {
  out = input.map(([name, row, heads]) => {
    let t = g.tensors[name];
    if (heads) t = unpermuteRows(t, heads);
    const r = dequantizeRow(t, row, new Float32Array(t.cols));
    return Buffer.from(r.buffer).toString("base64");
  });
} else if (cmd === "tokenize") {
  const man = JSON.parse(fs.readFileSync(path.join(engineDir, "manifest.json"), "utf8"));
  const tok = Tokenizer.fromGGUF(g.metadata, man.unicode);
  out = input.map((t) => tok.encode(t));
} else if (cmd === "header") {
  const meta = {};
  for (const [k, v] of Object.entries(g.metadata)) if (!Array.isArray(v)) meta[k] = v;
  out = { metadata: meta, tensors: Object.values(g.tensors).map((t) => [t.name, t.typeName, t.shape]) };
} else if (cmd === "forward") {
  let W = weightsFromGGUF(g);
  if (input.kernel === "wasm") {
    const man = JSON.parse(fs.readFileSync(path.join(engineDir, "manifest.json"), "utf8"));
    const wasm = fs.readFileSync(path.join(engineDir, man.kernels));
    globalThis.fetch = async () => ({ ok: true, arrayBuffer: async () => wasm.buffer.slice(wasm.byteOffset, wasm.byteOffset + wasm.byteLength) });
    const k = await loadKernels("kernels.wasm", W, { helper: false });
    W = k.W;
    useKernel(k.kernel);
  }
  const { attentions, hidden } = forward(input.ids, W);
  const all = new Float32Array(attentions.reduce((a, x) => a + x.length, 0));
  attentions.reduce((o, x) => (all.set(x, o), o + x.length), 0);
  const { probs } = await logitLens(hidden.slice(-1), input.ids.length, W, 5);
  const b64 = (a) => Buffer.from(a.buffer, a.byteOffset, a.byteLength).toString("base64");
  out = { attention: b64(all), probs: b64(probs) };
} else {
  throw new Error(`unknown command ${cmd}`);
}
process.stdout.write(JSON.stringify(out));
