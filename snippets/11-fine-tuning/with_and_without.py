# requires: model
# The same request, as raw text and wrapped in the chat template the model was fine-tuned on.
from llmsite.model import load

model, tok = load()
request = "Give me three tips for sleeping better."
chat = [{"role": "user", "content": request}]
prompts = {
    "raw text": request,
    "chat template": tok.apply_chat_template(chat, tokenize=False, add_generation_prompt=True),
}
for name, prompt in prompts.items():
    ids = tok(prompt, return_tensors="pt").input_ids.to(model.device)
    out = model.generate(ids, max_new_tokens=30, do_sample=False)  # greedy, 30 tokens at most
    print(f"--- {name}:\n{tok.decode(out[0, ids.shape[1]:], skip_special_tokens=True)!r}\n")
