# Writing is one token at a time for both: the next character depends on the one just picked.
from llmsite.recurrent import RecurrentConfig, TinyGRU, generate_counting, kv_cache_bytes, state_bytes
from llmsite.train import TinyConfig, TinyGPT, deterministic, load_corpus

data = load_corpus()
V = data.tok.vocab_size
gru_cfg, gpt_cfg = RecurrentConfig(vocab_size=V), TinyConfig(vocab_size=V)
prompt = data.tok.encode("The ")

with deterministic("cpu"):  # untrained weights: we count the work, not the quality
    for name, model in (("GRU", TinyGRU(gru_cfg, seed=0)), ("GPT", TinyGPT(gpt_cfg, seed=0))):
        g = generate_counting(model, prompt, n_new=100)
        print(f"{name}: 100 new characters took {g.passes} passes;"
              f" memory carried after pass 1: {g.memory[0]:,} bytes, after pass 100: {g.memory[-1]:,} bytes")

print("\nmemory carried while writing (float32), by length of the text so far:")
print("  characters   GRU state    GPT KV cache")
for n in (103, 1_000, 10_000, 100_000):
    print(f"  {n:10,}  {state_bytes(gru_cfg):>9,} B  {kv_cache_bytes(gpt_cfg, n):>12,} B")
