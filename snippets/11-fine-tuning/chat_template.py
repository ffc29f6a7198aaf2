# requires: model
# What a chat really is: one long text, with special tokens marking who says what.
from llmsite.model import load_tokenizer

tok = load_tokenizer()
chat = [{"role": "user", "content": "Give me three tips for sleeping better."}]
text = tok.apply_chat_template(chat, tokenize=False, add_generation_prompt=True)
print(text)
print("special tokens:", [(t, tok.convert_tokens_to_ids(t)) for t in ["<|im_start|>", "<|im_end|>"]])
