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
singles = {p[0] for p in pieces if len(p) == 1}
missing = [b for b in range(256) if b not in singles]
never_in_utf8 = [b for b in missing if b in (0xC0, 0xC1) or b >= 0xF5]  # invalid in any UTF-8 text
print(f"byte values with no token: {len(missing)}, {len(never_in_utf8)} of which never occur in UTF-8:")
print("   ", " ".join(f"{b:02x}" for b in missing))
ids = tok.encode("a\x06b")  # byte 06 is a control character with no token
print(f"'a\\x06b' -> {ids} -> {tok.decode(ids)!r}: the byte is dropped")
words = [p.decode() for p in pieces if p[:1] == b" " and p[1:].isalpha()]
print(f"tokens that are a space + a word: {len(words):,}, the longest: {max(words, key=len)!r}")
