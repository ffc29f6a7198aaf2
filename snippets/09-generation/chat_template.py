# requires: model
# What the instruct model really reads: the question wrapped in its chat template.
from llmsite.generate import build_chat_prompt, chat_messages, chat_prompt
from llmsite.model import load_tokenizer

tok = load_tokenizer()
text = chat_prompt(tok, "What is the capital of France?")  # transformers' apply_chat_template
print(text)
print("built by hand, same text:", text == build_chat_prompt(chat_messages("What is the capital of France?")))

ids = tok(text).input_ids
print(f"{len(ids)} tokens; <|im_start|> = id {tok.convert_tokens_to_ids('<|im_start|>')},"
      f" <|im_end|> = id {tok.convert_tokens_to_ids('<|im_end|>')}")
