# Lexical search: BM25 over the 58 fact cards, then recall@1 and recall@3 on the 39 questions.
from llmsite.prompting import rate_line
from llmsite.retrieval import BM25, hits_at, load_cards, load_questions, words

cards, questions = load_cards(), load_questions()
bm25 = BM25([c.text for c in cards])

question = questions[2].text
print(question)
print("words:", words(question))
scores = bm25.scores(question)
for i in bm25.top(question, k=3):
    print(f"  {scores[i]:5.2f}  [{cards[i].id}] {cards[i].text[:60]}...")

gold = [[c.id for c in cards].index(q.card) for q in questions]
ranked = [bm25.top(q.text, k=3) for q in questions]
print()
print(rate_line("BM25 recall@1", hits_at(ranked, gold, 1), len(questions)))
print(rate_line("BM25 recall@3", hits_at(ranked, gold, 3), len(questions)))
for q, r, g in zip(questions, ranked, gold):
    if r[0] != g:
        print(f"missed: {q.text!r} -> [{cards[r[0]].id}], wanted [{cards[g].id}]")
