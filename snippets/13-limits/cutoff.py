# requires: model
# The model's knowledge stops where its training data stops. Ask it about "now".
from llmsite.model import load

model, tok = load()
for q in ["What year is it?", "Who is the current president of the United States?"]:
    chat = [{"role": "user", "content": q}]
    ids = tok.apply_chat_template(chat, add_generation_prompt=True, return_tensors="pt", return_dict=True)
    ids = ids["input_ids"].to(model.device)
    out = model.generate(ids, max_new_tokens=24, do_sample=False)  # greedy
    print(f"Q: {q}\nA: {tok.decode(out[0, ids.shape[1]:], skip_special_tokens=True)}\n")
