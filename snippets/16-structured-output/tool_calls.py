# requires: model
# 20 requests that each need one tool call. Does our model write a well-formed call by itself?
# And with a mask that only allows well-formed calls, does it pick the right tool and argument?
from llmsite.constrained import batch_generate
from llmsite.model import load
from llmsite.prompting import rate_line
from llmsite.tools import REQUESTS, call_constraint, parse_tool_calls, tool_prompt

model, tok = load()
prompts = [tool_prompt(tok, text) for text, _, _ in REQUESTS]
print(f"{len(REQUESTS)} requests; the prompt holds {len(tok(prompts[0]).input_ids)} tokens, the tools included")


def not_a_call(tokens):  # a reply that does not start with <tool_call> can never be well-formed
    text = tok.decode(tokens).lstrip()
    return not (text.startswith("<tool_call>") or "<tool_call>".startswith(text))


free, masked = batch_generate(model, tok, prompts, constraints=[None, call_constraint()], max_new_tokens=48,
                              give_up=not_a_call)
for name, run in [("free", free), ("mask", masked)]:
    replies = [tok.decode(ids) for ids in run]
    calls = [parse_tool_calls(r) for r in replies]
    right_tool = [c is not None and len(c) == 1 and c[0][0] == want for c, (_, want, _) in zip(calls, REQUESTS)]
    right_call = [c == [(want, args)] for c, (_, want, args) in zip(calls, REQUESTS)]
    print(f"\n{name}")
    print(rate_line("well-formed call", sum(c is not None for c in calls), len(REQUESTS)))
    print(rate_line("right tool", sum(right_tool), len(REQUESTS)))
    print(rate_line("right tool and argument", sum(right_call), len(REQUESTS)))
    for (text, _, _), reply in list(zip(REQUESTS, replies))[:4]:
        print(f"  {text!r}\n    -> {reply!r}")
