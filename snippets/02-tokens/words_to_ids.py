# requires: model
# Text -> tokens -> ids, with the model's own tokenizer (pure Python, no libraries).
from llmsite.tokenizer import load_model_tokenizer

tok = load_model_tokenizer()  # reads SmolLM2's tokenizer.json


def show(token: str) -> str:
    return token.replace(" ", "␣")  # make leading spaces visible


for text in ["I'm learning about tokenization", "The capital of France is Paris.", "Unbelievably, it works."]:
    ids = tok.encode(text)
    pieces = [tok.decode([i]) for i in ids]
    print(f"{text!r}: {len(text)} characters -> {len(ids)} tokens")
    print("  tokens:", " | ".join(show(p) for p in pieces))
    print("  ids:   ", ids)
    print("  back:  ", repr(tok.decode(ids)))

# The same ids as the tokenizer that ships with the model (Hugging Face `transformers`):
from llmsite.model import load_tokenizer  # noqa: E402

hf = load_tokenizer()
text = "I'm learning about tokenization"
print("\nsame ids as transformers:", tok.encode(text) == hf(text).input_ids)
print("vocabulary size:", f"{tok.vocab_size:,}")
