# requires: model
# Let the heads tell us what they do: score all 270 on four simple jobs, no hand-picking.
import torch

from llmsite.model import load
from llmsite.transformer import attention_maps, from_hf

model, tok = load()
W = from_hf(model)
ids = tok("The quick brown fox jumps over the lazy dog near the old mill.").input_ids
n = len(ids)
with torch.no_grad():  # the sentence twice in a row, so that a head can "look it up"
    maps = attention_maps(torch.tensor(ids + ids), W).float().cpu()  # [30, 9, 2n, 2n]

i = torch.arange(2, n)  # positions in the first copy (from the third token on)
j = torch.arange(n + 1, 2 * n)  # positions in the second copy
jobs = {
    "previous token": maps[:, :, i, i - 1].mean(-1),  # looks one step back
    "itself": maps[:, :, i, i].mean(-1),  # looks at its own position
    "induction": maps[:, :, j, j - n + 1].mean(-1),  # looks at what followed this token last time
    "first token": maps[:, :, 2:n, 0].mean(-1),  # parks its attention on token 0 (a "sink")
}
for job, score in jobs.items():
    best = score.flatten().topk(3)  # flat index k = layer * 9 + head, both from 0
    pairs = zip(best.values.tolist(), best.indices.tolist())
    found = [f"B{k // 9 + 1}H{k % 9 + 1} {v:.2f}" for v, k in pairs]  # block 1-30, head 1-9
    print(f"{job:15} best heads: {', '.join(found)}")

# The label of a head: its strongest job among the first three if it gets 0.3 of the weight
# or more; else "first token" if that gets half or more; else "spread out".
s = torch.stack(list(jobs.values()), dim=-1)  # [30, 9, 4]
best_of_three, which = s[..., :3].max(-1)
labels = torch.where(best_of_three >= 0.3, which, torch.where(s[..., 3] >= 0.5, 3, 4))
names = list(jobs) + ["spread out"]
counts = [f"{names[k]} {int((labels == k).sum())}" for k in range(5)]
print("\nheads per label:", ", ".join(counts))
print("first-token heads in blocks 1-10:", int((labels[:10] == 3).sum()), "of 90;",
      "in blocks 21-30:", int((labels[20:] == 3).sum()), "of 90")
