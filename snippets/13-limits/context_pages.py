# requires: model
# How many pages fit in a context window? Measure tokens per word on real English text.
from transformers import AutoConfig

from llmsite.corpus import python_docs  # the Python 3.11 docs' help topics (PSF licence)
from llmsite.model import load_tokenizer, model_source

tok = load_tokenizer()
docs = python_docs()
# Plain prose only: the paragraphs with no code-like characters (the same cut as chapter 2).
prose = "\n\n".join(p for p in docs.split("\n\n") if p.strip() and not any(c in p for c in "()[]{}=<>_*`:"))

for name, text in [("the whole docs", docs), ("prose only", prose)]:
    words = len(text.split())  # a "word" is anything between white space
    tokens = len(tok(text).input_ids)
    print(f"{name:14} {words:>7,} words {tokens:>8,} tokens  -> {tokens / words:.2f} tokens per word")
per_word = tokens / words  # the prose figure

WORDS_PER_PAGE = 500  # an assumption: a dense printed page; a paperback page holds fewer
print(f"\nwith prose's {per_word:.2f} tokens per word and {WORDS_PER_PAGE} words per page:")
window = AutoConfig.from_pretrained(model_source()).max_position_embeddings
for name, size in [("SmolLM2-135M (its config)", window), ("a 100K-token window", 100_000)]:
    pages = size / per_word / WORDS_PER_PAGE
    print(f"  {name:25} {size:>7,} tokens = {size / per_word:>6,.0f} words = {pages:3.0f} pages")

# A common rule of thumb says 100K tokens is about 250 pages. Its arithmetic, beside ours:
RULE_PER_WORD, RULE_WORDS_PER_PAGE = 1.3, 300  # fewer tokens per word, sparser pages
rule_pages = 100_000 / RULE_PER_WORD / RULE_WORDS_PER_PAGE
print(f"\nrule of thumb: {RULE_PER_WORD} tokens per word, {RULE_WORDS_PER_PAGE} words per page:"
      f" 100,000 tokens = {100_000 / RULE_PER_WORD:,.0f} words = {rule_pages:.0f} pages")
print(f"  = ours x {per_word / RULE_PER_WORD:.2f} (tokens per word) x {WORDS_PER_PAGE / RULE_WORDS_PER_PAGE:.2f}"
      f" (words per page) = {rule_pages / (100_000 / per_word / WORDS_PER_PAGE):.2f} times our page count")
