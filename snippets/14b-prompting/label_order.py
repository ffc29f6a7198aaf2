# requires: model
# The 5 labels listed in 5 orders, each label first once, on 20 tickets (4 per label).
# Does the pick follow the ticket, or the position in the list?
from llmsite.model import load
from llmsite.prompting import LABELS, classify_prompt, load_tickets, rate_line, score_labels

model, tok = load()
tickets = load_tickets()[:20]
first = 0  # picks of the label listed first, over all orders
for shift in range(len(LABELS)):
    order = LABELS[shift:] + LABELS[:shift]  # each label comes first once
    scores = score_labels(model, tok, [classify_prompt(tok, t.text, order) for t in tickets], order)
    print(f"order: {', '.join(order)}")
    print(rate_line("  right", sum(s.pick == t.label for s, t in zip(scores, tickets)), len(tickets)))
    print(rate_line("  picked the first listed", sum(s.pick == order[0] for s in scores), len(tickets)))
    print(rate_line("  picked 'billing'", sum(s.pick == "billing" for s in scores), len(tickets)))
    first += sum(s.pick == order[0] for s in scores)
print(rate_line("all orders, picked the first listed", first, len(LABELS) * len(tickets)))
