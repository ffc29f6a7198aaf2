# requires: model
# JSON mode, written out: a state machine over characters, the tokens it allows at each step,
# and the loop of chapter 9 with a mask put in before the pick.
from llmsite.constrained import Choice, Constraint, Vocab, generate, json_prompt, ticket_json_choices
from llmsite.model import load
from llmsite.prompting import load_tickets
from llmsite.transformer import from_hf

model, tok = load()
W = from_hf(model)  # our own forward pass (chapter 6), with a KV cache
answers = ticket_json_choices()  # every valid answer: 5 categories x urgent true/false
print(len(answers), "valid answers, e.g.", answers[0])

vocab = Vocab.for_model()  # the bytes of all 49,152 tokens, in a trie
rule = Constraint(Choice(answers), vocab)  # allowed tokens for every state, computed once
print(f"states: {len(rule.index)}, allowed moves in all: {sum(len(m) for m in rule.index.values())}")

ticket = load_tickets()[2]  # "The app crashes every time I open the settings page."
prompt = tok(json_prompt(tok, ticket.text)).input_ids
for name, mask in [("no mask", None), ("mask", rule)]:
    out = generate(prompt, W, mask, max_new_tokens=24)
    print(f"\n{name}: {out.text!r} ({out.stop_reason})")
    if mask is not None:
        print(" step  token           allowed  model's probability on them")
        for i, step in enumerate(out.steps, 1):
            shown = repr(tok.decode([step.token]))
            print(f" {i:>4}  {shown:<15} {step.allowed:>7}  {step.mass_allowed:7.1%}")
