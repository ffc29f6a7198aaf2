// GGUF, read by hand: the file the playground downloads, parsed and dequantized by our code.
//
// A GGUF file is a header (magic "GGUF", version, counts), then key/value metadata (the
// architecture's numbers, the vocabulary, the merges), then one "tensor info" per tensor
// (name, shape, type, offset), then the tensor bytes, aligned. The playground's model is
// split into llama.cpp-style shards (NAME-0000i-of-0000N.gguf); each shard is a complete GGUF
// holding some of the tensors, and the first one also holds the metadata.
//
// Tensor types this model uses (read from the file, not assumed):
//   F32   (0)  plain float32                            the 61 norms
//   Q4_1  (3)  blocks of 32: float16 d, float16 m, 32 four-bit q; w = d·q + m   210 projections
//   Q8_0  (8)  blocks of 32: float16 d, 32 signed bytes q;        w = d·q       token_embd
// Shapes are listed innermost first: a [576, 49152] tensor has 49,152 rows of 576 numbers
// (torch's [out, in] for a projection, so row r is output r).

export const GGML = { F32: 0, F16: 1, Q4_0: 2, Q4_1: 3, Q8_0: 8 };
const TYPE_NAME = { 0: "F32", 1: "F16", 2: "Q4_0", 3: "Q4_1", 8: "Q8_0" };
// bytes per block of 32 numbers (F32/F16: per number, block size 1)
const BLOCK = { 0: [1, 4], 1: [1, 2], 2: [32, 18], 3: [32, 20], 8: [32, 34] };

// ------------------------------------------------------------------ float16

// every float16 bit pattern as a float32: 256 kB, and then a conversion is one lookup
export const F16 = (() => {
  const t = new Float32Array(65536);
  for (let h = 0; h < 65536; h++) {
    const s = h & 0x8000 ? -1 : 1;
    const e = (h >> 10) & 0x1f;
    const f = h & 0x3ff;
    t[h] = e === 0 ? s * f * 2 ** -24 : e === 31 ? (f ? NaN : s * Infinity) : s * (1 + f / 1024) * 2 ** (e - 15);
  }
  return t;
})();

// ------------------------------------------------------------------ the header

class Reader {
  constructor(buffer) {
    this.view = new DataView(buffer);
    this.bytes = new Uint8Array(buffer);
    this.pos = 0;
    this.utf8 = new TextDecoder("utf-8");
  }
  u8() { return this.view.getUint8(this.pos++); }
  u32() { const v = this.view.getUint32(this.pos, true); this.pos += 4; return v; }
  u64() { const v = this.view.getBigUint64(this.pos, true); this.pos += 8; return Number(v); }
  string() {
    const n = this.u64();
    const s = this.utf8.decode(this.bytes.subarray(this.pos, this.pos + n));
    this.pos += n;
    return s;
  }
  value(type) {
    const v = this.view;
    const p = this.pos;
    switch (type) {
      case 0: this.pos += 1; return v.getUint8(p);
      case 1: this.pos += 1; return v.getInt8(p);
      case 2: this.pos += 2; return v.getUint16(p, true);
      case 3: this.pos += 2; return v.getInt16(p, true);
      case 4: this.pos += 4; return v.getUint32(p, true);
      case 5: this.pos += 4; return v.getInt32(p, true);
      case 6: this.pos += 4; return v.getFloat32(p, true);
      case 7: this.pos += 1; return v.getUint8(p) !== 0;
      case 8: return this.string();
      case 9: {
        const sub = this.u32();
        const n = this.u64();
        const out = new Array(n);
        for (let i = 0; i < n; i++) out[i] = this.value(sub);
        return out;
      }
      case 10: this.pos += 8; return Number(v.getBigUint64(p, true));
      case 11: this.pos += 8; return Number(v.getBigInt64(p, true));
      case 12: this.pos += 8; return v.getFloat64(p, true);
      default: throw new Error(`GGUF: unknown value type ${type} at byte ${p}`);
    }
  }
}

// One GGUF file (or shard) in an ArrayBuffer -> {version, metadata, tensors: {name: tensor}}.
// A tensor is {name, type, typeName, shape, rows, cols, data: Uint8Array view of its bytes}.
export function parseGGUF(buffer) {
  const r = new Reader(buffer);
  const magic = String.fromCharCode(r.u8(), r.u8(), r.u8(), r.u8());
  if (magic !== "GGUF") throw new Error(`not a GGUF file (starts with ${JSON.stringify(magic)})`);
  const version = r.u32();
  if (version < 2 || version > 3) throw new Error(`GGUF version ${version} is not supported (2 or 3 are)`);
  const nTensors = r.u64();
  const nKV = r.u64();
  const metadata = {};
  for (let i = 0; i < nKV; i++) {
    const key = r.string();
    metadata[key] = r.value(r.u32());
  }
  const infos = [];
  for (let i = 0; i < nTensors; i++) {
    const name = r.string();
    const nDims = r.u32();
    const shape = [];
    for (let d = 0; d < nDims; d++) shape.push(r.u64());
    const type = r.u32();
    const offset = r.u64();
    infos.push({ name, shape, type, offset });
  }
  const align = metadata["general.alignment"] ?? 32;
  const dataStart = Math.ceil(r.pos / align) * align;
  const tensors = {};
  for (const { name, shape, type, offset } of infos) {
    if (!(type in BLOCK)) throw new Error(`GGUF: tensor ${name} has type ${type}, which this reader does not know`);
    const [per, bytes] = BLOCK[type];
    const count = shape.reduce((a, b) => a * b, 1);
    if (shape[0] % per) throw new Error(`GGUF: ${name}: rows of ${shape[0]} are not whole blocks of ${per}`);
    const nbytes = (count / per) * bytes;
    const start = dataStart + offset;
    if (start + nbytes > buffer.byteLength) throw new Error(`GGUF: ${name} runs past the end of the file`);
    tensors[name] = {
      name, type, typeName: TYPE_NAME[type], shape,
      cols: shape[0], rows: count / shape[0],
      rowBytes: (shape[0] / per) * bytes,
      data: new Uint8Array(buffer, start, nbytes),
    };
  }
  return { version, metadata, tensors };
}

// Several shards -> one model: the metadata of all (the first shard has it), every tensor.
export function mergeShards(parsed) {
  const metadata = {};
  const tensors = {};
  for (const p of parsed) {
    Object.assign(metadata, p.metadata);
    Object.assign(tensors, p.tensors);
  }
  const want = metadata["split.tensors.count"];
  if (want !== undefined && Object.keys(tensors).length !== want) {
    throw new Error(`GGUF: the shards hold ${Object.keys(tensors).length} tensors, the header says ${want}`);
  }
  return { metadata, tensors };
}

// ------------------------------------------------------------------ dequantization

// Row `row` of a tensor as float32 numbers, written into out[outOffset ...]. This is what
// gguf-py's dequantize (and so transformers' GGUF reader, and so our PyTorch weights) computes:
// float16 scales widened to float32, then one float32 multiply-add per number.
export function dequantizeRow(t, row, out, outOffset = 0) {
  const n = t.cols;
  const base = t.data.byteOffset + row * t.rowBytes;
  const bytes = new Uint8Array(t.data.buffer);
  if (t.type === GGML.F32) {
    out.set(new Float32Array(t.data.buffer, base, n), outOffset);
  } else if (t.type === GGML.F16) {
    for (let i = 0; i < n; i++) out[outOffset + i] = F16[bytes[base + 2 * i] | (bytes[base + 2 * i + 1] << 8)];
  } else if (t.type === GGML.Q4_1) {
    // block: d (2 bytes), m (2 bytes), 16 bytes holding 32 nibbles: byte j has number j in
    // its low four bits and number j + 16 in its high four bits
    for (let b = 0, p = base, o = outOffset; b < n / 32; b++, p += 20, o += 32) {
      const d = F16[bytes[p] | (bytes[p + 1] << 8)];
      const m = F16[bytes[p + 2] | (bytes[p + 3] << 8)];
      for (let j = 0; j < 16; j++) {
        const q = bytes[p + 4 + j];
        out[o + j] = d * (q & 15) + m;
        out[o + j + 16] = d * (q >> 4) + m;
      }
    }
  } else if (t.type === GGML.Q8_0) {
    // block: d (2 bytes), 32 signed bytes
    for (let b = 0, p = base, o = outOffset; b < n / 32; b++, p += 34, o += 32) {
      const d = F16[bytes[p] | (bytes[p + 1] << 8)];
      for (let j = 0; j < 32; j++) out[o + j] = d * ((bytes[p + 2 + j] << 24) >> 24);
    }
  } else {
    throw new Error(`dequantize: ${t.typeName} is not implemented`);
  }
  return out;
}

// The whole tensor as a Float32Array [rows * cols] (for small ones: norms, tests).
export function dequantize(t) {
  const out = new Float32Array(t.rows * t.cols);
  for (let r = 0; r < t.rows; r++) dequantizeRow(t, r, out, r * t.cols);
  return out;
}

// llama.cpp's GGUF converter stores the rows of the query and key projections permuted
// (each head's 64 rows interleaved as pairs, for llama.cpp's RoPE); transformers' GGUF reader
// undoes it, so our PyTorch weights have them in "rotate half" order. We undo it the same way,
// by moving whole rows (their quantized bytes): GGUF row h*64 + 2i + j  ->  row h*64 + 32j + i.
export function unpermuteRows(t, nHeads) {
  const dim = t.rows / nHeads / 2; // 32
  const src = t.data;
  const out = new Uint8Array(src.length);
  for (let h = 0; h < nHeads; h++) {
    for (let i = 0; i < dim; i++) {
      for (let j = 0; j < 2; j++) {
        const from = h * 2 * dim + 2 * i + j;
        const to = h * 2 * dim + j * dim + i;
        out.set(src.subarray(from * t.rowBytes, (from + 1) * t.rowBytes), to * t.rowBytes);
      }
    }
  }
  return { ...t, data: out };
}
