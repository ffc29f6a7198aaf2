// The GGUF's tensors and numbers -> the weights object transformer.js reads (the JavaScript
// twin of llmsite.transformer.Weights / from_hf). Every number comes from the file's header.

import { dequantize, unpermuteRows } from "./gguf.js";

export function weightsFromGGUF({ metadata, tensors }) {
  const arch = metadata["general.architecture"];
  const num = (key) => {
    const v = metadata[`${arch}.${key}`];
    if (v === undefined) throw new Error(`GGUF: no ${arch}.${key} in the header`);
    return v;
  };
  const tensor = (name) => {
    const t = tensors[name];
    if (!t) throw new Error(`GGUF: no tensor ${name}`);
    return t;
  };
  const vector = (name) => dequantize(tensor(name)); // the norms' gains: small, float32
  const nHeads = num("attention.head_count");
  const nKvHeads = num("attention.head_count_kv");
  const hidden = num("embedding_length");
  const embedding = tensor("token_embd.weight");
  const layers = [];
  for (let i = 0; i < num("block_count"); i++) {
    const p = `blk.${i}.`;
    layers.push({
      attnNorm: vector(p + "attn_norm.weight"),
      // the GGUF keeps q and k rows in llama.cpp's RoPE order: put them back (DESIGN §5f)
      q: unpermuteRows(tensor(p + "attn_q.weight"), nHeads),
      k: unpermuteRows(tensor(p + "attn_k.weight"), nKvHeads),
      v: tensor(p + "attn_v.weight"),
      o: tensor(p + "attn_output.weight"),
      ffnNorm: vector(p + "ffn_norm.weight"),
      gate: tensor(p + "ffn_gate.weight"),
      up: tensor(p + "ffn_up.weight"),
      down: tensor(p + "ffn_down.weight"),
    });
  }
  const output = tensors["output.weight"]; // absent: the output head is the embedding (tied)
  return {
    embedding,
    unembedding: output || embedding,
    tied: !output,
    layers,
    finalNorm: vector("output_norm.weight"),
    nLayers: layers.length,
    hidden,
    nHeads,
    nKvHeads,
    headDim: metadata[`${arch}.rope.dimension_count`] ?? hidden / nHeads,
    intermediate: num("feed_forward_length"),
    vocabSize: embedding.rows,
    eps: num("attention.layer_norm_rms_epsilon"),
    ropeTheta: num("rope.freq_base"),
  };
}
