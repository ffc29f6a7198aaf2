# requires: model
# Ask the chat model directly. It answers in full sentences; the probabilities tell another story.
from llmsite.model import load

model, tok = load()
questions = [
    "Who was the first person to walk on Mars?",
    "What was the population of the village of Little Bramwick in 1987?",
]
for q in questions:
    chat = [{"role": "user", "content": q}]
    ids = tok.apply_chat_template(chat, add_generation_prompt=True, return_tensors="pt", return_dict=True)
    ids = ids["input_ids"].to(model.device)
    out = model.generate(ids, max_new_tokens=24, do_sample=False,  # greedy: its single best bet
                         output_logits=True, return_dict_in_generate=True)
    new = out.sequences[0, ids.shape[1]:]
    print(f"Q: {q}\nA: {tok.decode(new, skip_special_tokens=True)}")
    # How sure was it of each token it wrote? List the ones it picked with p < 30%.
    guesses = []
    for token_id, logits in zip(new, out.logits):
        p = logits[0].float().softmax(dim=-1)[token_id].item()
        if p < 0.30:
            guesses.append(f"{tok.decode([int(token_id)])!r} {p:.0%}")
    print("   picked with p < 30%:", ", ".join(guesses))
    print()
