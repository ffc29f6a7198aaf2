# requires: model
# Closed book: the 39 questions asked with no passage. Greedy, at most 24 tokens per answer;
# an answer counts if it contains an accepted answer ("8,192" and "8192" both count).
from llmsite.model import load
from llmsite.prompting import generate_short, rate_line
from llmsite.retrieval import answer_prompt, is_correct, load_questions

model, tok = load()
questions = load_questions()
replies = generate_short(model, tok, [answer_prompt(tok, q.text) for q in questions], max_new_tokens=24)
right = [is_correct(r, q.answers) for r, q in zip(replies, questions)]

print(answer_prompt(tok, questions[0].text))
print(rate_line("closed book", sum(right), len(questions)))
print(rate_line("  about the course and its model (first 14)", sum(right[:14]), 14))
print(rate_line("  general facts (last 25)", sum(right[14:]), 25))
for q, r, ok in list(zip(questions, replies, right))[::6]:
    print(f"{'right' if ok else 'wrong'}: {q.text}\n   -> {r.strip()[:70]!r}")
