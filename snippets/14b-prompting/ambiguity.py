# requires: model
# Ambiguity: a request that a person would read two ways, then each reading made explicit.
# The model's probabilities for the 5 labels (calibrated, as in the first section).
from llmsite.model import load
from llmsite.prompting import CONTENT_FREE, LABELS, calibrate, classify_prompt, score_labels

model, tok = load()
requests = [  # (the ambiguous request, reading 1, reading 2)
    ("I was charged for an order that never came.",
     "I was charged for an order that never came. Where is my parcel?",
     "I was charged for an order that never came. I want my money back."),
    ("I cannot get into my account since the update.",
     "I cannot get into my account since the update. The app crashes with error 500.",
     "I cannot get into my account since the update. It says my password is wrong."),
]
texts = [r for group in requests for r in group] + [CONTENT_FREE]
*scores, empty = score_labels(model, tok, [classify_prompt(tok, x) for x in texts])
print(" " * 9 + "".join(f"{lab:>10}" for lab in LABELS))
for i, (text, s) in enumerate(zip(texts, scores)):
    probs = calibrate(s, empty).probs
    kind = ["ambiguous", "reading 1", "reading 2"][i % 3]
    print(f"{kind:9}" + "".join(f"{probs[lab]:>10.0%}" for lab in LABELS) + f"   {text}")
