# Byte-pair encoding, trained from scratch on a corpus small enough to check by hand.
from llmsite.toy_bpe import pretokenize, train

corpus = "the cat sat on the mat. the cat ate the hat. that cat!"
print("words:", pretokenize(corpus))

bpe = train(corpus, num_merges=6)
print("\nmerges, in the order they were learned:")
for rank, m in enumerate(bpe.merges):
    new = m.text.replace(" ", "␣")
    left, right = (x.decode().replace(" ", "␣") for x in (m.left, m.right))
    print(f"  {rank + 1}. {left!r:6} + {right!r:6} -> {new!r:8} (count: {m.count})")

print(f"\nvocabulary: 256 bytes + {len(bpe.merges)} merges = {bpe.vocab_size} tokens")
for word in [" cat", " hat", " chat", " bat", " the", " theme"]:
    print(f"{word!r:9} -> {[t.replace(' ', '␣') for t in bpe.tokens(word)]}")
