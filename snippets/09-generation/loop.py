# requires: model
# The generation loop written out: prefill the prompt once, then one token per step.
import torch

from llmsite.generate import IM_END_ID, chat_prompt, generate, next_token_logits
from llmsite.model import load
from llmsite.sampling import sample
from llmsite.transformer import KVCache, from_hf

model, tok = load()
W = from_hf(model)
prompt = tok(chat_prompt(tok, "What is the capital of France?")).input_ids

cache = KVCache.for_weights(W)
step_input = torch.tensor([prompt], device=W.device)  # step 0 reads the whole prompt
new = []
for step in range(30):  # a limit, in case the model never stops
    logits = next_token_logits(step_input, W, cache)[0]  # scores for the next token
    token = sample(logits, temperature=0)  # temperature 0: greedy
    print(f"step {step:2d}: read {step_input.shape[1]:2d} token(s), cache holds {cache.length:2d},"
          f" picked {tok.decode([token])!r}")
    if token == IM_END_ID:  # <|im_end|>: the model says its turn is over
        break
    new.append(token)
    step_input = torch.tensor([[token]], device=W.device)  # next step reads one token

print("\nreply:", repr(tok.decode(new)))
print("same as llmsite.generate:", new == generate(prompt, W, 30).tokens)
