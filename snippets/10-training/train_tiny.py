# Train a tiny GPT from scratch on the Python docs: a few minutes on one CPU core (timed on the page).
from llmsite.train import TinyConfig, TinyGPT, load_corpus, sample, train

data = load_corpus()
cfg = TinyConfig(vocab_size=data.tok.vocab_size)  # 2 blocks, width 128, 4 heads: SmolLM2's design, shrunk
prompt = "The "

before = TinyGPT(cfg, seed=0)  # the same random weights that training starts from
print("before training:", repr(prompt + sample(before, data.tok, prompt, n_chars=100)))
print()

# 400 steps of 32 windows of 64 characters; "cpu" so the recorded numbers are byte-stable
# (pass device=None to use a GPU when you have one).
def report(c, model):
    print(f"step {c.step:3d}  loss: training text {c.train_loss:.2f}   held-out text {c.val_loss:.2f}")
    if c.step in (100, 200):  # what it writes halfway there (a separate, seeded sampler: training is unchanged)
        print(f"         it writes: {prompt + sample(model, data.tok, prompt, n_chars=100)!r}")


run = train(cfg, data, steps=400, device="cpu", on_checkpoint=report)
print(f"\n{run.tokens_seen:,} characters seen, {run.tokens_seen / data.n_train:.1f} times the training text")
print()
print("after training: ", repr(prompt + sample(run.model, data.tok, prompt, n_chars=300)))
