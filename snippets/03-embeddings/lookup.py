# requires: model
# An embedding is a lookup: each token id picks one row of a big table of numbers.
import torch

from llmsite.model import load

model, tok = load()
table = model.get_input_embeddings().weight  # the embedding table, one row per token
print(f"table: {table.shape[0]:,} rows (tokens) x {table.shape[1]} numbers")
print(f"{table.numel():,} numbers: {table.numel() / model.num_parameters():.0%} of all parameters")

ids = tok(" king", return_tensors="pt").input_ids.to(model.device)
print("' king' is token", ids[0].tolist())

vector = table[ids[0, 0]]  # "embedding" = read row 4197
print("its first 6 numbers:", [round(x, 3) for x in vector[:6].tolist()])

# The model's own first step does exactly this lookup:
with torch.no_grad():
    first = model.model.embed_tokens(ids)[0, 0]
print("same as the model's first step:", torch.equal(first, vector))
