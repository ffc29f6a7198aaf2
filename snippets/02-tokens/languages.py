# requires: model
# The same three sentences in eight languages (a small sample), and a little Python.
from llmsite.languages import CODE_SAMPLE, SAMPLES, cost_rows
from llmsite.tokenizer import load_model_tokenizer

tok = load_model_tokenizer()


def show(ids):  # ␣ marks a space; � marks a token that holds only part of a character
    return " | ".join(tok.decode([i]).replace(" ", "␣").replace("\n", "↵") for i in ids)


for lang in ["English", "German", "Chinese"]:  # one sentence, cut into tokens
    print(f"{lang}: {show(tok.encode(SAMPLES[lang][1]))}\n")

print(f"{'':12} {'chars':>5} {'tokens':>6} {'chars/token':>11} {'tokens vs English':>17}")
for label, chars, tokens, rel in cost_rows(tok):
    vs = "" if rel is None else f"{rel:.2f}x"
    print(f"{label:12} {chars:5} {tokens:6} {chars / tokens:11.2f} {vs:>17}")

print("\nthe Python sample:\n" + CODE_SAMPLE.replace(" ", "·"))
print(show(tok.encode(CODE_SAMPLE)))
