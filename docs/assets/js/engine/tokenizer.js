// The model's tokenizer in JavaScript: the same steps as llmsite/tokenizer.py (read that
// file's docstring for the why of each), built from the vocabulary and merges stored in the
// GGUF header instead of tokenizer.json. A test holds its ids equal to CPython's.
//
//   1. special tokens (<|im_start|> ...) are found in the raw text first, longest first;
//   2. every numeral stands alone; 3. GPT-2's pre-tokenizer regular expression splits the rest;
//   4. each piece becomes UTF-8 bytes, one symbol per byte, and the lowest-ranked merge is
//      applied again and again (the leftmost one of equal rank).
//
// The letter / numeral / white-space classes are the Unicode 16.0.0 code-point ranges of
// llmsite/tokenizer.py (the version inside the real tokenizer), handed over by the build
// step, so the browser's own Unicode version cannot make a difference. White space is
// Oniguruma's \s, which is not JavaScript's \s (no U+FEFF; U+0085 in).

const INF = Number.MAX_SAFE_INTEGER;

// GPT-2's printable stand-in for each byte (llmsite.tokenizer._byte_alphabet)
function byteAlphabet() {
  const out = [];
  let shifted = 0;
  for (let b = 0; b < 256; b++) {
    const printable = (b >= 0x21 && b <= 0x7e) || (b >= 0xa1 && b <= 0xac) || (b >= 0xae && b <= 0xff);
    out.push(String.fromCodePoint(printable ? b : 0x100 + shifted++));
  }
  return out;
}
const BYTE_CHARS = byteAlphabet();
const BYTE_OF = new Map(BYTE_CHARS.map((c, b) => [c, b]));

// "41-5a 61-7a aa ..." -> "\u{41}-\u{5a}\u{61}-\u{7a}\u{aa}..." (inside a /u character class)
function classBody(spec) {
  return spec.trim().split(/\s+/).map((item) => {
    const [a, b] = item.split("-");
    return b ? `\\u{${a}}-\\u{${b}}` : `\\u{${a}}`;
  }).join("");
}

function piecePattern(classes) {
  const L = classBody(classes.letters);
  const N = classBody(classes.numerals);
  const S = classBody(classes.spaces);
  // Digits(individual_digits) first: a numeral is a piece of its own and, for the
  // look-ahead of \s+(?!\S), the end of the stretch before it
  return new RegExp(`'(?:[stmd]|re|ve|ll)| ?[${L}]+|[${N}]| ?[^${S}${L}${N}]+|[${S}]+(?![^${S}${N}])|[${S}]+`, "gu");
}

export class Tokenizer {
  // tokens: the vocabulary strings (GGUF tokenizer.ggml.tokens); types: token types
  // (3 = control: the special tokens); merges: "a b" strings; classes: {letters, numerals, spaces}
  constructor({ tokens, types, merges, classes }) {
    this.vocab = new Map(tokens.map((t, i) => [t, i]));
    this.pattern = piecePattern(classes);
    const enc = new TextEncoder();
    this.special = new Map();
    this.tokenBytes = tokens.map((t, i) => {
      if (types[i] === 3) {
        this.special.set(t, i);
        return enc.encode(t);
      }
      const b = [];
      for (const ch of t) {
        if (!BYTE_OF.has(ch)) return enc.encode(t); // not byte-level: its own UTF-8
        b.push(BYTE_OF.get(ch));
      }
      return Uint8Array.from(b);
    });
    // special tokens, longest first (leftmost-longest, like llmsite.tokenizer._literal_pattern)
    const specials = [...this.special.keys()].sort((a, b) => b.length - a.length || (a < b ? -1 : 1));
    this.specialPattern = specials.length
      ? new RegExp(specials.map((s) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")).join("|"), "gu")
      : null;
    this.byteIds = BYTE_CHARS.map((c) => this.vocab.get(c)); // undefined: the vocabulary lacks it
    this.mul = tokens.length;
    this.ranks = new Map();
    this.merged = [];
    for (const m of merges) {
      const sp = m.indexOf(" ", 1);
      const a = m.slice(0, sp);
      const b = m.slice(sp + 1);
      const ia = this.vocab.get(a), ib = this.vocab.get(b), id = this.vocab.get(a + b);
      if (ia === undefined || ib === undefined || id === undefined) throw new Error(`merge ${JSON.stringify(m)}: not in the vocabulary`);
      this.ranks.set(ia * this.mul + ib, this.merged.length); // a repeated merge keeps its last rank
      this.merged.push(id);
    }
    this.cache = new Map();
    this.encoder = enc;
  }

  static fromGGUF(metadata, classes) {
    return new Tokenizer({
      tokens: metadata["tokenizer.ggml.tokens"],
      types: metadata["tokenizer.ggml.token_type"],
      merges: metadata["tokenizer.ggml.merges"],
      classes,
    });
  }

  get vocabSize() { return this.tokenBytes.length; }

  // text -> token ids (lone surrogates have no UTF-8: they are read as U+FFFD)
  encode(text) {
    if (typeof text !== "string") throw new TypeError("text must be a string");
    text = text.toWellFormed ? text.toWellFormed() : text;
    const out = [];
    let pos = 0;
    if (this.specialPattern) {
      for (const m of text.matchAll(this.specialPattern)) {
        if (m.index > pos) this.encodeOrdinary(text.slice(pos, m.index), out);
        out.push(this.special.get(m[0]));
        pos = m.index + m[0].length;
      }
    }
    if (pos < text.length) this.encodeOrdinary(text.slice(pos), out);
    return out;
  }

  encodeOrdinary(text, out) {
    for (const m of text.matchAll(this.pattern)) {
      const piece = m[0];
      let ids = this.cache.get(piece);
      if (!ids) {
        ids = this.bpe(piece);
        if (this.cache.size > 65536) this.cache.clear();
        this.cache.set(piece, ids);
      }
      for (const id of ids) out.push(id);
    }
  }

  // one piece -> ids: bytes, then merges, always the lowest rank (leftmost on a tie)
  bpe(piece) {
    const ids = [];
    for (const b of this.encoder.encode(piece)) {
      const id = this.byteIds[b];
      if (id !== undefined) ids.push(id); // tokenizers drops a byte the vocabulary lacks
    }
    const rank = (a, b) => this.ranks.get(a * this.mul + b) ?? INF;
    const r = [];
    for (let i = 0; i + 1 < ids.length; i++) r.push(rank(ids[i], ids[i + 1]));
    while (r.length) {
      let best = INF, at = -1;
      for (let i = 0; i < r.length; i++) if (r[i] < best) { best = r[i]; at = i; }
      if (at < 0) break;
      const id = this.merged[best];
      ids.splice(at, 2, id);
      r.splice(at, 1);
      if (at > 0) r[at - 1] = rank(ids[at - 1], id);
      if (at < r.length) r[at] = rank(id, ids[at + 1]);
    }
    return ids;
  }

  // ids -> text: the tokens' bytes joined and read as UTF-8 (a broken sequence becomes U+FFFD)
  decode(ids) {
    const parts = ids.filter((i) => i >= 0 && i < this.tokenBytes.length).map((i) => this.tokenBytes[i]);
    const all = new Uint8Array(parts.reduce((a, p) => a + p.length, 0));
    let o = 0;
    for (const p of parts) { all.set(p, o); o += p.length; }
    return new TextDecoder("utf-8").decode(all);
  }
}
