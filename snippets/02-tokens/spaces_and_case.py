# requires: model
# A leading space or a capital letter makes a different token, or several.
from llmsite.tokenizer import load_model_tokenizer

tok = load_model_tokenizer()

for text in ["Paris", " Paris", "paris", " paris", "PARIS"]:
    ids = tok.encode(text)
    print(f"{text!r:9} -> ids {ids}")

print()
for word in ["hello", "Hello", "HELLO"]:
    for text in (word, " " + word):
        ids = tok.encode(text)
        pieces = " | ".join(tok.decode([i]).replace(" ", "␣") for i in ids)
        print(f"{text!r:9} {len(ids)} token{'s' if len(ids) > 1 else ' '}: {pieces}")
