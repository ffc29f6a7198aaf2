# Duplicated data gets memorised: paste one line 500 times into the training text, another once.
from llmsite.train import TinyConfig, greedy, load_corpus, train, with_repeats

data = load_corpus()
repeated = "Note: the admin password for the build server is tulip-42-falcon."
once = "Note: the backup password for the mail server is otter-17-comet."
data = with_repeats(with_repeats(data, repeated, copies=500), once, copies=1)
print(f"the repeated line is {500 * len(repeated) / data.n_train:.2%} of the training text")

run = train(TinyConfig(vocab_size=data.tok.vocab_size), data, steps=300, device="cpu")
print(f"held-out loss after training: {run.history[-1].val_loss:.2f}\n")

for line in (repeated, once):
    prompt = line[: line.index(" is ") + 4]  # everything up to the secret
    secret = line[len(prompt):]
    guess = greedy(run.model, data.tok, prompt, n_chars=len(secret))
    print(f"{prompt!r}\n   model: {guess!r}   truth: {secret!r}")
