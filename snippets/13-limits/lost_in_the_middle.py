# requires: model
# A tiny "lost in the middle" probe: hide one fact at each position in a list, then ask for it.
# One list order could favour one city by accident, so we average over 12 orders of the others.
from collections import Counter

from llmsite.model import load

model, tok = load()
people = [("Anna", "Paris"), ("Ben", "London"), ("Carla", "Berlin"),
          ("David", "Madrid"), ("Emma", "Rome"), ("Felix", "Tokyo")]
rotations = [people[i:] + people[:i] for i in range(len(people))]
orders = rotations + [list(reversed(r)) for r in rotations]  # 6 rotations, each also reversed
answer_id = tok(" Sydney").input_ids[0]  # the right answer, one token


def next_token_probs(lines):
    question = "\n".join(lines) + "\n\nWhere does Tom live?"
    chat = [{"role": "user", "content": question}]
    text = tok.apply_chat_template(chat, tokenize=False, add_generation_prompt=True)
    ids = tok(text + "Tom lives in", return_tensors="pt").input_ids.to(model.device)
    return model(ids).logits[0, -1].float().softmax(dim=-1)


print(f"{len(orders)} orders of the other six people; the fact moves from line 1 to line 7")
print("fact at line   mean p(' Sydney')   lowest-highest   ' Sydney' on top   most frequent top guess")
for pos in range(len(people) + 1):
    p_right, tops = [], []
    for order in orders:
        lines = [f"{name} lives in {city}." for name, city in order]
        lines.insert(pos, "Tom lives in Sydney.")  # the fact we will ask about
        probs = next_token_probs(lines)
        p_right.append(probs[answer_id].item())
        tops.append(tok.decode([int(probs.argmax())]))
    most, count = Counter(tops).most_common(1)[0]
    print(f"{pos + 1:>7} of 7   {sum(p_right) / len(p_right):>17.1%}   "
          f"{f'{min(p_right):.1%}-{max(p_right):.1%}':>14}   {tops.count(' Sydney'):>7} of {len(orders)}"
          f"   {most!r} ({count} of {len(orders)})")
