# Two tiny language models, the same size, reading the same 64 characters in two different ways.
import torch

from llmsite.recurrent import RecurrentConfig, TinyGRU, sequential_steps
from llmsite.train import TinyConfig, TinyGPT, deterministic, load_corpus

data = load_corpus()  # chapter 10's text: the Python docs, one token per character
V = data.tok.vocab_size
gru = TinyGRU(RecurrentConfig(vocab_size=V), seed=0)  # 2 recurrent layers, width 174
gpt = TinyGPT(TinyConfig(vocab_size=V), seed=0)  # 2 transformer blocks, width 128 (chapter 10)
print(f"GRU: {gru.n_params():,} parameters    GPT: {gpt.n_params():,} parameters")

window = data.train[:64].unsqueeze(0)  # one window of 64 characters, [1, 64]
with deterministic("cpu"), torch.no_grad():
    # The conveyor belt: step t needs the state left by step t - 1. No skipping ahead.
    state, states = None, []
    for t in range(window.shape[1]):
        _, state = gru(window[:, t:t + 1], state, return_state=True)
        states.append(state)
    print(f"GRU: {len(states)} steps, each one character, each waiting for the one before")
    print(f"     what step 64 receives from the past: a state of {tuple(states[-1].shape)} numbers")
    same = torch.allclose(gru.forward_stepwise(window), gru(window), atol=1e-5)
    print(f"     the one-by-one loop gives the same scores as nn.GRU's own call: {same}")

    # The highway: all 64 positions go through each block together.
    logits = gpt(window)
    print(f"GPT: 1 call, scores for all positions at once: {tuple(logits.shape)}")

# The GRU's 2 layers overlap (layer 2 takes character 1 while layer 1 takes character 2), so its
# longest chain of steps that must wait for each other is n + 1, not 2n. It still grows with n.
print("\ncharacters   GRU steps in all   longest chain of them   GPT passes in a chain")
for n in (64, 1024, 8192):
    print(f"{n:10,}   {n * gru.cfg.n_layers:16,}   {sequential_steps(gru, n):21,}   {sequential_steps(gpt, n):21}")
