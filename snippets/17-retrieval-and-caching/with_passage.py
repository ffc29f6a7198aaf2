# requires: model
# Open book: the same 39 questions, each with the card BM25 ranked first pasted into the prompt.
from llmsite.model import load
from llmsite.prompting import generate_short, rate_line
from llmsite.retrieval import BM25, answer_prompt, is_correct, load_cards, load_questions

model, tok = load()
cards, questions = load_cards(), load_questions()
bm25 = BM25([c.text for c in cards])
found = [cards[bm25.top(q.text, k=1)[0]] for q in questions]
prompts = [answer_prompt(tok, q.text, card.text) for q, card in zip(questions, found)]
replies = generate_short(model, tok, prompts, max_new_tokens=24)
right = [is_correct(r, q.answers) for r, q in zip(replies, questions)]
has_card = [card.id == q.card for card, q in zip(found, questions)]

print(prompts[0])
print(rate_line("with the BM25 passage", sum(right), len(questions)))
print(rate_line("  about the course and its model (first 14)", sum(right[:14]), 14))
print(rate_line("  general facts (last 25)", sum(right[14:]), 25))
print(rate_line("  when the passage held the answer", sum(r for r, h in zip(right, has_card) if h), sum(has_card)))
for q, r, ok in list(zip(questions, replies, right))[::6]:
    print(f"{'right' if ok else 'wrong'}: {q.text}\n   -> {r.strip()[:70]!r}")
