# requires: model
# Task 3: translate short phrases into Spanish.
from llmsite.model import load

model, tok = load()
for phrase in ["Where is the train station?", "Thank you for your help.", "The meeting is tomorrow at ten."]:
    chat = [{"role": "user", "content": f"Translate into Spanish: {phrase}"}]
    ids = tok.apply_chat_template(chat, add_generation_prompt=True, return_tensors="pt", return_dict=True)
    ids = ids["input_ids"].to(model.device)
    out = model.generate(ids, max_new_tokens=20, do_sample=False)  # greedy
    print(f"{phrase}\n  -> {tok.decode(out[0, ids.shape[1]:], skip_special_tokens=True)!r}")
