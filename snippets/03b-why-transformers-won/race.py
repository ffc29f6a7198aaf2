# The same budget for both: 150 steps of 8 windows of 64 characters, the same windows in the same
# order, the same optimizer and schedule (llmsite.recurrent.train_model is chapter 10's loop).
from llmsite.recurrent import RecurrentConfig, TinyGRU, train_model
from llmsite.train import TinyConfig, TinyGPT, load_corpus, sample

data = load_corpus()
V = data.tok.vocab_size
budget = dict(steps=150, batch_size=8, eval_every=50, device="cpu")  # "cpu": byte-stable numbers
gru = train_model(TinyGRU(RecurrentConfig(vocab_size=V), seed=0), data, **budget)
gpt = train_model(TinyGPT(TinyConfig(vocab_size=V), seed=0), data, **budget)

print(f"{gpt.tokens_seen:,} characters each\n")
print("step   held-out loss:   GRU     GPT")
for r, t in zip(gru.history, gpt.history):
    print(f"{r.step:4d}                   {r.val_loss:.2f}    {t.val_loss:.2f}")

print()
for name, run in (("GRU", gru), ("GPT", gpt)):
    print(f"{name} writes:", repr("The " + sample(run.model, data.tok, "The ", n_chars=70)))
