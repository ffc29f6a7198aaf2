# requires: model
# Task 2: technical design. We cannot judge a whole document from a few tokens, so we ask
# one design question with a known good answer, and read the start of a document.
from llmsite.model import load

model, tok = load()
requests = [
    "We must keep 10 million user sessions and read each one in under a millisecond. "
    "Should we store them in Redis or in a CSV file on disk? Answer in one sentence.",
    "Write the architecture document for a ticket-classification web service.",
]
for request in requests:
    chat = [{"role": "user", "content": request}]
    ids = tok.apply_chat_template(chat, add_generation_prompt=True, return_tensors="pt", return_dict=True)
    ids = ids["input_ids"].to(model.device)
    out = model.generate(ids, max_new_tokens=40, do_sample=False)  # greedy, 40 tokens at most
    print(f"Q: {request}\nA: {tok.decode(out[0, ids.shape[1]:], skip_special_tokens=True)!r}\n")
