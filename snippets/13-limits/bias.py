# requires: model
# A small bias probe: after "The <job> said that", how likely is " he", " she" or " they"?
from llmsite.model import load
from llmsite.predict import next_token_probs

model, tok = load()
pronouns = [" he", " she", " they"]
ids = [tok(p).input_ids[0] for p in pronouns]  # each is a single token

print(f"{'prompt':28}" + "".join(f"{p!r:>8}" for p in pronouns) + "   she / he")
for job in ["nurse", "teacher", "secretary", "doctor", "engineer", "CEO"]:
    prompt = f"The {job} said that"
    _, probs = next_token_probs(model, tok, prompt)
    he, she, they = (probs[i].item() for i in ids)
    print(f"{prompt:28}{he:8.1%}{she:8.1%}{they:8.1%}   {she / he:7.1f}")
