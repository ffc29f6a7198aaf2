# requires: model
# Three ways to cut text, measured: whole words, single bytes, and SmolLM2's subwords.
import re

from llmsite.corpus import python_docs_topics  # the Python 3.11 docs' help topics (PSF licence)
from llmsite.tokenizer import load_model_tokenizer

# Learn from half of the Python docs' topics, then meet the other half as new text.
docs = python_docs_topics()
topics = [docs[k] for k in sorted(docs)]
seen_text, new_text = "\n".join(topics[0::2]), "\n".join(topics[1::2])


def words(text):
    return re.findall(r"\w+|[^\w\s]", text)


# 1. Whole words: the vocabulary is every word seen before; anything else is unknown.
vocab = set(words(seen_text))
new_words = words(new_text)
unknown = [w for w in new_words if w not in vocab]
print(f"whole words: {len(vocab):,} in the vocabulary; "
      f"{len(unknown) / len(new_words):.1%} of the new words are unknown")
print("  e.g.", sorted({w for w in unknown if w.isalpha() and w.islower()})[:8])

# 2. Bytes: a vocabulary of 256 and nothing is ever unknown, but every character costs 1+ tokens.
print(f"bytes:       256 in the vocabulary; new text = {len(new_text.encode('utf-8')):,} tokens")

# 3. Subwords (byte-level BPE): common words whole, rare ones in pieces, bytes as a last resort.
tok = load_model_tokenizer()
ids = tok.encode(new_text)
print(f"subwords:    {tok.vocab_size:,} in the vocabulary; new text = {len(ids):,} tokens, "
      f"round trip exact: {tok.decode(ids) == new_text}")
