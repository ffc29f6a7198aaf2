# requires: model
# 60 tickets, asked for JSON: how many replies are valid, and how many are right,
# without and with the mask? Greedy; all 60 tickets, both ways, run as one batch.
from collections import Counter

from llmsite.constrained import (Choice, Constraint, Vocab, batch_generate, json_prompt, parse_ticket_json,
                                 ticket_json_choices)
from llmsite.model import load
from llmsite.prompting import load_tickets, rate_line

model, tok = load()
tickets = load_tickets()  # the 60 clear ones, 12 per category
prompts = [json_prompt(tok, t.text) for t in tickets]
rule = Constraint(Choice(ticket_json_choices()), Vocab.for_model())
longest = max(len(tok(a).input_ids) for a in ticket_json_choices())
print(f"the longest valid answer is {longest} tokens; replies are cut at 16")
runs = batch_generate(model, tok, prompts, constraints=[None, rule], max_new_tokens=16)  # both at once
for name, run in zip(["no mask", "mask"], runs):
    replies = [tok.decode(ids) for ids in run]
    parsed = [parse_ticket_json(r) for r in replies]
    print(f"\n{name}")
    print(rate_line("valid JSON of the shape", sum(p is not None for p in parsed), len(tickets)))
    print(rate_line("right category", sum(p is not None and p["category"] == t.label
                                            for p, t in zip(parsed, tickets)), len(tickets)))
    print("  most common replies:")
    for reply, n in Counter(r[:60] for r in replies).most_common(3):
        print(f"    {n:>2} x {reply!r}")
    counts = Counter(p["category"] for p in parsed if p).most_common()
    print("  categories:", ", ".join(f"{c} x{n}" for c, n in counts) or "none (no valid reply)")
