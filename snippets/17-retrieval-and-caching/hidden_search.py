# requires: model
# Vector search with our next-token model: average the residual stream over a text's tokens and
# compare question and card by cosine similarity. One forward pass gives every layer at once.
from llmsite.model import load
from llmsite.prompting import rate_line
from llmsite.retrieval import cosine_top, embed_layers, hits_at, load_cards, load_questions
from llmsite.transformer import from_hf

model, tok = load()
W = from_hf(model)
cards, questions = load_cards(), load_questions()
gold = [[c.id for c in cards].index(q.card) for q in questions]
vectors = embed_layers([c.text for c in cards] + [q.text for q in questions], W, tok)
print("vectors:", tuple(vectors.shape), "(layers, texts, numbers)")

n, hits = len(questions), []
print("layer  recall@1  recall@3  largest |component|")
for layer, v in enumerate(vectors):
    ranked = cosine_top(v[len(cards):], v[:len(cards)], k=3)
    hits.append((hits_at(ranked, gold, 1), hits_at(ranked, gold, 3)))
    biggest = v[:len(cards)].abs().max(dim=-1).values.mean()  # 1.00: one dimension is the whole vector
    print(f"{layer:5d}  {hits[-1][0]:5d}/{n}  {hits[-1][1]:5d}/{n}  {biggest:8.2f}")

best = max(range(len(hits)), key=lambda layer: (hits[layer][0], -layer))
print()
for layer, name in [(0, "token embeddings (layer 0)"), (best, f"best layer ({best})"), (30, "last layer (30)")]:
    print(rate_line(f"{name} recall@1", hits[layer][0], n))
    print(rate_line(f"{name} recall@3", hits[layer][1], n))
