# requires: model
# A preference pair, as used in RLHF: which of two answers does the model already favour?
import math

import torch

from llmsite.model import load

model, tok = load()
question = [{"role": "user", "content": "Explain gravity in one sentence."}]
prompt = tok.apply_chat_template(question, tokenize=False, add_generation_prompt=True)
answers = {
    "clear":         "Gravity is the force that pulls objects with mass towards each other, "
                     "which is why things fall to the ground.",
    "condescending": "Ugh, obviously gravity is just the thing that makes stuff fall down, "
                     "everyone knows that.",
}

print(f"{'answer':14} {'tokens':>6} {'log-prob':>9} {'per token':>9}")
totals = {}
for name, answer in answers.items():
    p_ids = tok(prompt, return_tensors="pt").input_ids
    a_ids = tok(answer + "<|im_end|>", return_tensors="pt").input_ids
    ids = torch.cat([p_ids, a_ids], dim=1).to(model.device)
    logp = model(ids).logits[0, :-1].float().log_softmax(dim=-1)  # position i predicts i+1
    n = a_ids.shape[1]
    picked = logp[-n:].gather(1, ids[0, -n:, None])  # log p of each answer token
    total = totals[name] = picked.sum().item()
    print(f"{name:14} {n:>6} {total:>9.1f} {total / n:>9.2f}")

gap = totals["clear"] - totals["condescending"]
print(f"\nthe model prefers: {max(totals, key=totals.get)} (log-prob gap {gap:.1f}, "
      f"so about {math.exp(gap):.0e} times as likely)")
