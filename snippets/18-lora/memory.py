# requires: model
# What training keeps in memory (float32, AdamW; activations not counted): LoRA vs full.
import torch

from llmsite.lora import Adapter, encode_example, load_task, state_bytes, training_bytes
from llmsite.transformer import forward

task = load_task()
adapter = Adapter(task.W, layers=range(26, 30), targets=("q", "v"), r=8, alpha=16)
n, total = adapter.n_trainable(), task.W.n_params()

# One real AdamW step on one training ticket, then count the tensors that exist.
opt = torch.optim.AdamW(adapter.parameters(), lr=2e-3)
prompt, answer = encode_example(task.tok, task.train[0])
with torch.enable_grad():
    logits = forward(torch.tensor(prompt + answer[:-1]), adapter.weights())
    loss = torch.nn.functional.cross_entropy(logits[len(prompt) - 1:], torch.tensor(answer))
    loss.backward()
opt.step()
print(f"LoRA, counted after one step: {state_bytes(adapter.parameters(), opt):,} bytes"
      f" for {n:,} trainable numbers (weight, gradient, 2 Adam averages)")
print(f"LoRA, by the formula:         {training_bytes(n):,} bytes")

lora_all, full_all = training_bytes(n, total), training_bytes(total)
print(f"with the frozen model: LoRA {lora_all / 1e6:,.0f} MB, full fine-tuning {full_all / 1e6:,.0f} MB"
      f" ({full_all / lora_all:.1f}x)")
