# requires: model
# Ambiguity: a request that a person would read two ways, then each reading made explicit.
# The model's probabilities for the 5 labels (calibrated, as in the first section), and how
# flat they are, next to the 60 clear tickets of this chapter.
import math
from statistics import median

from llmsite.model import load
from llmsite.prompting import CONTENT_FREE, LABELS, calibrate, classify_prompt, load_tickets, score_labels

model, tok = load()
requests = [  # (the ambiguous request, reading 1, reading 2)
    ("I was charged for an order that never came.",
     "I was charged for an order that never came. Where is my parcel?",
     "I was charged for an order that never came. I want my money back."),
    ("I cannot get into my account since the update.",
     "I cannot get into my account since the update. The app crashes with error 500.",
     "I cannot get into my account since the update. It says my password is wrong."),
]
clear = [t.text for t in load_tickets()]  # the 60 tickets a person would not hesitate on
texts = [r for group in requests for r in group] + clear + [CONTENT_FREE]
*scores, empty = score_labels(model, tok, [classify_prompt(tok, x) for x in texts])
probs = [calibrate(s, empty).probs for s in scores]


def entropy(p):  # in bits: 0 = sure of one label, log2(5) = 2.32 = all five equal
    return -sum(q * math.log2(q) for q in p.values() if q > 0)


print(" " * 9 + "".join(f"{lab:>10}" for lab in LABELS) + "     top  entropy")
for i, (text, p) in enumerate(zip(texts[:6], probs[:6])):
    kind = ["ambiguous", "reading 1", "reading 2"][i % 3]
    print(f"{kind:9}" + "".join(f"{p[lab]:>10.0%}" for lab in LABELS)
          + f"   {max(p.values()):>5.0%}  {entropy(p):.2f} bits   {text}")
flat = [entropy(p) for p in probs[6:]]
print(f"\nthe {len(clear)} clear tickets: median top {median(max(p.values()) for p in probs[6:]):.0%}, "
      f"median entropy {median(flat):.2f} bits (middle half {sorted(flat)[15]:.2f}-{sorted(flat)[44]:.2f})")
