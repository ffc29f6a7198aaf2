# requires: model
# A tiny "lost in the middle" probe: hide one fact at each position in a list, then ask for it.
from llmsite.model import load

model, tok = load()
people = [("Anna", "Paris"), ("Ben", "London"), ("Carla", "Berlin"),
          ("David", "Madrid"), ("Emma", "Rome"), ("Felix", "Tokyo")]
answer_id = tok(" Sydney").input_ids[0]  # the right answer, one token

print("fact at line   p(' Sydney')   the model's top guess")
for pos in range(len(people) + 1):
    lines = [f"{name} lives in {city}." for name, city in people]
    lines.insert(pos, "Tom lives in Sydney.")  # the fact we will ask about
    question = "\n".join(lines) + "\n\nWhere does Tom live?"
    chat = [{"role": "user", "content": question}]
    text = tok.apply_chat_template(chat, tokenize=False, add_generation_prompt=True)
    ids = tok(text + "Tom lives in", return_tensors="pt").input_ids.to(model.device)
    probs = model(ids).logits[0, -1].float().softmax(dim=-1)
    best = int(probs.argmax())
    print(f"{pos + 1:>7} of {len(lines)}   {probs[answer_id].item():>10.1%}   "
          f"{tok.decode([best])!r} ({probs[best].item():.0%})")
