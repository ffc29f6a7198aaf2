# requires: model
# Does any head link " it" to " animal" (tired) or to " street" (wide)? Score all 270 heads.
import torch

from llmsite.model import load
from llmsite.transformer import attention_maps, from_hf

model, tok = load()
W = from_hf(model)
ending = {"tired": "The animal didn't cross the street because it was too tired",
          "wide": "The animal didn't cross the street because it was too wide"}
maps, tokens = {}, None
for word, text in ending.items():
    ids = tok(text).input_ids
    tokens = [tok.decode([i]) for i in ids]
    with torch.no_grad():
        maps[word] = attention_maps(torch.tensor(ids), W).float().cpu()  # [30, 9, T, T]
it, animal, street = tokens.index(" it"), tokens.index(" animal"), tokens.index(" street")


def top_heads(score, k=5):
    best = score.flatten().topk(k)
    return [divmod(int(i), W.n_heads) for i in best.indices]  # (layer, head) indices, from 0


# 1. Where does " it" look? (The same tokens come before " it" in both sentences.)
a, s = maps["tired"][:, :, it, animal], maps["tired"][:, :, it, street]
same = torch.equal(maps["tired"][:, :, it], maps["wide"][:, :, it])
print("' it' looks the same in both sentences:", same)
print(f"heads where ' it' looks more at ' animal' than at ' street': {int((a > s).sum())} of 270")
print("top heads for ' it' -> ' animal':")
for layer, head in top_heads(a - s):  # printed counted from 1: block 1-30, head 1-9
    print(f"  block {layer + 1:2d} head {head + 1}: "
          f"animal {a[layer, head]:.2f}, street {s[layer, head]:.2f}")

# 2. The last token is the first to see "tired" or "wide". Does it switch its focus?
last = len(tokens) - 1
at, st = maps["tired"][:, :, last, animal], maps["tired"][:, :, last, street]
aw, sw = maps["wide"][:, :, last, animal], maps["wide"][:, :, last, street]
switch = (at - st) - (aw - sw)  # high: animal for "tired" AND street for "wide"
both = (at > st) & (sw > aw)
clear = (at > st + 0.1) & (sw > aw + 0.1)
print(f"\nheads whose last token prefers animal for 'tired' and street for 'wide': {int(both.sum())} of 270")
print(f"... by a margin of 0.1 or more in both sentences: {int(clear.sum())}")
print("top heads for the switch:")
for layer, head in top_heads(switch, 3):
    L, H = layer, head
    print(f"  block {L + 1:2d} head {H + 1}: tired -> animal {at[L, H]:.2f} street {st[L, H]:.2f};"
          f" wide -> animal {aw[L, H]:.2f} street {sw[L, H]:.2f}")
