# requires: model
# One stray space at the end of a prompt. What does the model expect next, with and without it?
import torch

from llmsite.model import load

model, tok = load()
paris = tok(" Paris").input_ids[0]  # " Paris", space included (id 7042)
bare = tok("Paris").input_ids[0]  # "Paris" with no space: it would fit after a stray space

for prompt in ("The capital of France is", "The capital of France is "):
    ids = tok(prompt, return_tensors="pt").input_ids.to(model.device)
    with torch.no_grad():
        probs = torch.softmax(model(ids).logits[0, -1].float(), dim=-1)
    print(f"{prompt!r}: the last token is {tok.decode(ids[0, -1:])!r} (id {ids[0, -1].item()})")
    print(f"  p(' Paris') {probs[paris].item():.2%}   p('Paris', no space) {probs[bare].item():.2%}")
    top = probs.topk(8)
    print("  top 8:", ", ".join(f"{tok.decode([int(i)])!r} {p.item():.1%}" for p, i in zip(top.values, top.indices)))
