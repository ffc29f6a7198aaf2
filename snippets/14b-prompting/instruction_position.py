# requires: model
# A long prompt: ~250 tokens of house-style notes pasted between the instruction and the ticket.
# Does it matter whether the instruction comes first (far from the answer) or last (right before it)?
from llmsite.model import load
from llmsite.prompting import (CONTENT_FREE, HOUSE_STYLE, calibrate, classify_prompt, load_tickets,
                               rate_line, score_labels)

model, tok = load()
tickets = load_tickets()
texts = [t.text for t in tickets] + [CONTENT_FREE]
for name, last in [("instruction first", False), ("instruction last", True)]:
    prompts = [classify_prompt(tok, x, filler=HOUSE_STYLE, instruction_last=last) for x in texts]
    *scores, empty = score_labels(model, tok, prompts)
    print(f"{name} ({len(tok(prompts[0]).input_ids)} tokens for the first ticket):")
    print(rate_line("  constrained", sum(s.pick == t.label for s, t in zip(scores, tickets)), len(tickets)))
    print(rate_line("  calibrated", sum(calibrate(s, empty).pick == t.label for s, t in zip(scores, tickets)), len(tickets)))
    print(f"  labels' share of all next-token probability: {sum(s.label_mass for s in scores) / len(scores):.0%}")
