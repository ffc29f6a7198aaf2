# requires: model
# SmolLM2 splits every digit off on its own: numbers are spelled out, digit by digit.
from llmsite.tokenizer import load_model_tokenizer

tok = load_model_tokenizer()

for text in [" 2024", "In 2024, 1,234,567 people", " 3.14159", " two thousand and twenty-four"]:
    ids = tok.encode(text)
    print(f"{text!r:30} {len(ids):2} tokens: {' | '.join(tok.decode([i]).replace(' ', '␣') for i in ids)}")

print("\nids of the ten digits:", {d: tok.encode(d)[0] for d in "0123456789"})
multi = [i for i in range(tok.vocab_size) if sum(c.isdigit() for c in tok.decode([i])) >= 2]
print("tokens in the vocabulary with two or more digits:", len(multi))
