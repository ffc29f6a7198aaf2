# requires: model
# What English costs: characters per token and tokens per word, on the Python docs.
from llmsite.corpus import python_docs  # the Python 3.11 docs' help topics (PSF licence)
from llmsite.tokenizer import load_model_tokenizer

tok = load_model_tokenizer()
text = python_docs()

n_chars, n_words, n_tokens = len(text), len(text.split()), len(tok.encode(text))
print(f"characters: {n_chars:,}")
print(f"words:      {n_words:,}  (pieces between white space)")
print(f"tokens:     {n_tokens:,}")
print(f"characters per token: {n_chars / n_tokens:.2f}")
print(f"tokens per word:      {n_tokens / n_words:.2f}")

# Plain prose only: the paragraphs that contain no code-like characters.
prose = [p for p in text.split("\n\n") if p.strip() and not any(c in p for c in "()[]{}=<>_*`:")]
prose_text = "\n\n".join(prose)
p_tokens = len(tok.encode(prose_text))
print(f"\nprose-only paragraphs: {len(prose):,}, {len(prose_text):,} characters")
print(f"characters per token: {len(prose_text) / p_tokens:.2f}")
print(f"tokens per word:      {p_tokens / len(prose_text.split()):.2f}")
