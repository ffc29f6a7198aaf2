# The training loop, written out: forward, loss, backward, step. Again and again.
import torch

from llmsite.train import TinyConfig, TinyGPT, deterministic, get_batch, lm_loss, load_corpus

data = load_corpus()
with deterministic("cpu"):  # one thread, fixed algorithms: the same numbers on every run
    model = TinyGPT(TinyConfig(vocab_size=data.tok.vocab_size), seed=0)
    optimizer = torch.optim.AdamW(model.parameters(), lr=3e-3, weight_decay=0.1)
    batches = torch.Generator().manual_seed(1)

    for step in range(1, 31):
        x, y = get_batch(data.train, batch_size=32, context=64, gen=batches)  # 32 random windows
        logits = model(x)  # 1. forward: a score for each of the 103 characters, at every position
        loss = lm_loss(logits, y)  # 2. loss: the average surprise at the real next characters
        optimizer.zero_grad()
        loss.backward()  # 3. backward: for every weight, which way lowers the loss
        optimizer.step()  # 4. step: nudge all 382,464 weights a little that way
        if step % 5 == 0 or step == 1:
            print(f"step {step:2d}  loss {loss.item():.3f}")
