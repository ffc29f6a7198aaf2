# requires: model
# No unknown words: text the tokenizer has no token for falls back to its UTF-8 bytes.
from llmsite.tokenizer import load_model_tokenizer

tok = load_model_tokenizer()

for text in ["🍓", "ሰላም", "ᚠᚢᚦ", "Schadenfreude"]:
    ids = tok.encode(text)
    pieces = [tok.token_bytes(i) for i in ids]  # the raw bytes each token stands for
    print(f"{text!r}: {len(text)} chars, {len(text.encode())} bytes -> {len(ids)} tokens")
    print("   ", " | ".join(p.decode("utf-8", "backslashreplace") for p in pieces))
    print("    decodes back exactly:", tok.decode(ids) == text)

# The vocabulary: a few single bytes at the bottom, longer and longer pieces above.
pieces = [tok.token_bytes(i) for i in range(tok.vocab_size)]
print(f"\nsingle-byte tokens: {sum(len(p) == 1 for p in pieces)} of {tok.vocab_size:,}")
words = [p.decode() for p in pieces if p[:1] == b" " and p[1:].isalpha()]
print(f"tokens that are a space + a word: {len(words):,}, the longest: {max(words, key=len)!r}")
