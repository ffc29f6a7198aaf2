# requires: model
# Prompt caching: a system prompt holding 14 cards about our model (about 500 tokens) goes
# through the model once; three questions then reuse its KV cache. Then the check: the cached
# route and a full recompute give the same scores for the first token of the reply.
import torch

from llmsite.generate import DEFAULT_SYSTEM
from llmsite.model import load
from llmsite.prefix_cache import first_token_logits, greedy_reply, prefill, splits_cleanly
from llmsite.retrieval import load_cards
from llmsite.transformer import from_hf

model, tok = load()
W = from_hf(model)
handbook = "\n".join(card.text for card in load_cards()[:14])
prefix = f"<|im_start|>system\n{DEFAULT_SYSTEM}. Answer from this handbook.\n\n{handbook}<|im_end|>\n"
questions = ["How many layers does SmolLM2-135M have?", "How many query heads share one key/value head?",
             "What licence is SmolLM2 released under?"]
turns = [f"<|im_start|>user\n{q}<|im_end|>\n<|im_start|>assistant\n" for q in questions]
assert all(splits_cleanly(tok, prefix, t) for t in turns)  # the cache is keyed by token ids

ids = lambda text: tok(text, add_special_tokens=False).input_ids  # noqa: E731
shared = prefill(ids(prefix), W)
print(f"shared prefix: {shared.length} tokens, KV cache {shared.nbytes() / 1e6:.1f} MB (computed once)")
for q, turn in zip(questions, turns):
    reply = tok.decode(greedy_reply(ids(turn), W, shared, max_new_tokens=20))
    print(f"{q}\n  the request's {len(ids(turn))} tokens computed, not {shared.length + len(ids(turn))} -> {reply!r}")
print(f"the shared cache still holds {shared.length} tokens: every request forked it")

cached = first_token_logits(ids(turns[0]), W, shared)
full = first_token_logits(ids(turns[0]), W, prefix_ids=ids(prefix))
print("\nfirst token of reply 1, cached vs recomputed from scratch:")
print("  same top-5 tokens:", cached.topk(5).indices.tolist() == full.topk(5).indices.tolist())
print("  largest logit difference below 0.001:", bool((cached - full).abs().max() < 1e-3))
print("  bit-for-bit equal:", torch.equal(cached, full))
