# requires: model
# How many r's in "strawberry"? Look at what the model actually receives, then ask it.
from llmsite.model import load

model, tok = load()

for text in ["strawberry", " strawberry", "How many r's are in strawberry?"]:
    ids = tok(text).input_ids
    print(f"{text!r:34} -> {[tok.decode([i]) for i in ids]}  ids {ids}")

question = "How many times does the letter r appear in the word strawberry?"
chat = tok.apply_chat_template([{"role": "user", "content": question}], add_generation_prompt=True,
                               return_tensors="pt", return_dict=True).to(model.device)
out = model.generate(**chat, max_new_tokens=30, do_sample=False)  # greedy: same answer every time
print("\nQ:", question)
print("A:", tok.decode(out[0, chat["input_ids"].shape[1]:], skip_special_tokens=True))
print("the right answer:", "strawberry".count("r"))
