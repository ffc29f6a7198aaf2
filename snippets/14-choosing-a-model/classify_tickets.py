# requires: model
# Task 1: sort support tickets into 5 categories. Can a 135M model do it?
from llmsite.model import load

model, tok = load()
CATEGORIES = ["billing", "shipping", "technical", "account", "refund"]
tickets = [  # (ticket, the category we would pick)
    ("I was charged twice for my subscription this month.", "billing"),
    ("My parcel has not arrived and tracking shows no update since Monday.", "shipping"),
    ("The app crashes every time I open the settings page.", "technical"),
    ("I forgot my password and the reset email never comes.", "account"),
    ("The blender arrived broken, I want my money back.", "refund"),
]
label_ids = [tok(" " + c).input_ids[0] for c in CATEGORIES]  # first token of each label

right_free = right_pick = 0
for ticket, expected in tickets:
    request = (f"Classify this support ticket into one of these categories: {', '.join(CATEGORIES)}."
               f"\n\nTicket: {ticket}")
    chat = [{"role": "user", "content": request}]
    prompt = tok.apply_chat_template(chat, tokenize=False, add_generation_prompt=True)

    # (a) Let it write freely (greedy, 12 tokens) and look for the right word in its answer.
    ids = tok(prompt, return_tensors="pt").input_ids.to(model.device)
    out = model.generate(ids, max_new_tokens=12, do_sample=False)
    free = tok.decode(out[0, ids.shape[1]:], skip_special_tokens=True)
    right_free += expected in free.lower()

    # (b) Start the answer for it and compare only the 5 labels' probabilities.
    ids = tok(prompt + "Category:", return_tensors="pt").input_ids.to(model.device)
    probs = model(ids).logits[0, -1].float().softmax(dim=-1)[label_ids]
    pick = CATEGORIES[int(probs.argmax())]
    right_pick += pick == expected
    print(f"{expected:9} free: {free!r}\n{'':9} pick one of 5: {pick} ({probs.max().item() / probs.sum().item():.0%} of the labels' mass)")
print(f"\nright: {right_free} of {len(tickets)} writing freely, {right_pick} of {len(tickets)} picking a label")

# (c) Is "billing" picked because it comes first? List the labels in reverse order and pick again.
order = CATEGORIES[::-1]
picks = []
for ticket, _ in tickets:
    request = f"Classify this support ticket into one of these categories: {', '.join(order)}.\n\nTicket: {ticket}"
    prompt = tok.apply_chat_template([{"role": "user", "content": request}], tokenize=False, add_generation_prompt=True)
    ids = tok(prompt + "Category:", return_tensors="pt").input_ids.to(model.device)
    probs = model(ids).logits[0, -1].float().softmax(dim=-1)[label_ids]
    picks.append(CATEGORIES[int(probs.argmax())])
print(f"labels listed as {', '.join(order)}: picks {', '.join(picks)}")
