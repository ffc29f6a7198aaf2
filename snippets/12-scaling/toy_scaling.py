# A toy scaling experiment: four model sizes, the same data, the same number of training tokens.
from llmsite.train import SCALING_SIZES, load_corpus, scaling_experiment

data = load_corpus()
print("sizes (blocks, width, query heads, key/value heads, FFN width):")
for size in SCALING_SIZES:
    print("  ", size)

# Each model trains for 150 steps of 16 windows of 64 characters, seed 0, on the CPU.
points = scaling_experiment(data, device="cpu")
print(f"\neach model saw the same {points[0].tokens:,} characters\n")

print(f"{'parameters':>10}  {'chars/param':>11}  {'held-out loss':>13}  {'next char right':>15}")
for p in points:
    print(f"{p.n_params:>10,}  {p.tokens / p.n_params:>11.1f}  {p.val_loss:>13.2f}  {p.char_accuracy:>15.1%}")
