# requires: model
# Chain of thought on a 135M model: let it write one short sentence about the ticket first,
# then ask for the category. 20 tickets (4 per label), 24 tokens of "thinking" each.
from llmsite.generate import chat_prompt
from llmsite.model import load
from llmsite.prompting import (ANSWER_START, classify_prompt, generate_short, instruction, load_tickets,
                               rate_line, score_labels)

model, tok = load()
tickets = load_tickets()[:20]
direct = score_labels(model, tok, [classify_prompt(tok, t.text) for t in tickets])

think = [chat_prompt(tok, f"{instruction()}\n\nTicket: {t.text}\n\nFirst say in one short sentence what "
                          "the customer needs. Then give the category.") for t in tickets]
thoughts = generate_short(model, tok, think, max_new_tokens=24)
after = score_labels(model, tok, [p + th.strip() + "\n" + ANSWER_START for p, th in zip(think, thoughts)])

print(rate_line("direct answer", sum(s.pick == t.label for s, t in zip(direct, tickets)), len(tickets)))
print(rate_line("think first", sum(s.pick == t.label for s, t in zip(after, tickets)), len(tickets)))
for t, th, s in list(zip(tickets, thoughts, after))[:3]:
    print(f"\n{t.label}: {t.text}\n  thought: {th.strip()!r}\n  then picked: {s.pick}")
