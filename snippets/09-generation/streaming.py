# requires: model
# Streaming: show the reply piece by piece while it is being generated.
from llmsite.generate import Utf8Stream, chat_prompt, stream_text
from llmsite.model import load
from llmsite.tokenizer import load_model_tokenizer
from llmsite.transformer import from_hf

model, tok = load()
W = from_hf(model)
ids = tok(chat_prompt(tok, "Name three colours.")).input_ids
for piece in stream_text(ids, W, 40):
    print(piece, end="|", flush=True)  # "|" marks where one piece ends
print()

# A token is a run of bytes, and some characters are split over two tokens.
bpe = load_model_tokenizer()
parrot = bpe.encode("🦜")
print("\n🦜 is", len(parrot), "tokens:", [bpe.token_bytes(i) for i in parrot])
print("decoded one by one:", [bpe.decode([i]) for i in parrot])
stream = Utf8Stream(bpe.token_bytes)  # holds back bytes until the character is complete
print("streamed:          ", [stream.push(i) for i in parrot])
