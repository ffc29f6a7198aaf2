# requires: model
# Train the toy BPE on the Python documentation and compare it with SmolLM2's tokenizer.
from llmsite.corpus import python_docs  # the Python 3.11 docs' help topics (PSF licence)
from llmsite.tokenizer import load_model_tokenizer
from llmsite.toy_bpe import train

text = python_docs()
toy = train(text, num_merges=300)  # a few seconds of pure Python
real = load_model_tokenizer()

print(f"training text: {len(text):,} characters")
print("first 12 merges:", [m.text.replace(" ", "␣") for m in toy.merges[:12]])
print(f"vocabulary: toy {toy.vocab_size:,} tokens, SmolLM2 {real.vocab_size:,} tokens\n")


def show(pieces):
    return " | ".join(p.replace(" ", "␣") for p in pieces)


print(f"{'word':15} {'toy BPE':32} SmolLM2")
for word in [" function", " tokenization", " learning", " Paris", " strawberry", " unbelievable"]:
    mine = toy.tokens(word)
    theirs = [real.decode([i]) for i in real.encode(word)]
    print(f"{word!r:15} {show(mine):32} {show(theirs)}")
