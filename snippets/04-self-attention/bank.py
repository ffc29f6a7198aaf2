# requires: model
# One token, two meanings. How different is the vector of " bank" after each block?
import functools

import torch

from llmsite.model import load
from llmsite.transformer import from_hf, hidden_states_per_layer

model, tok = load()
W = from_hf(model)


@functools.cache  # each sentence runs through the model once
def bank_vectors(text):
    ids = tok(text).input_ids
    where = [tok.decode([i]) for i in ids].index(" bank")
    with torch.no_grad():  # [31, 576]: row 0 is the embedding, row n the stream after block n
        return hidden_states_per_layer(torch.tensor(ids), W)[:, where].float().cpu()


def similarity(a, b):
    return torch.nn.functional.cosine_similarity(bank_vectors(a), bank_vectors(b), dim=-1)


# " bank" comes second here: it can only see "The", so both sentences give it the same vector.
same_start = similarity("The bank by the river was steep", "The bank approved my loan")
print("'The bank ...' in both sentences, lowest similarity over all blocks:",
      round(same_start.min().item(), 3))

# Put the clue *before* " bank" and the vectors move apart.
river = "He fished from the river bank"
money = "He borrowed money from the bank"
shore = "She sat on the grassy bank"
pairs = {"river vs money": similarity(river, money), "river vs grassy": similarity(river, shore),
         "grassy vs money": similarity(shore, money)}
print("\nblock " + "".join(f"{name:>17}" for name in pairs))  # block 0: the embedding, before any block
for block in (0, 1, 3, 6, 9, 12, 18, 24, 30):
    print(f"{block:5d} " + "".join(f"{sim[block]:17.2f}" for sim in pairs.values()))
