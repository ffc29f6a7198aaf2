# requires: model
# The whole loop once, for real: the model writes a call, the application parses it, runs the
# tool and pastes the result back; then the model answers. Our loop (chapter 9), greedy.
from llmsite.constrained import generate
from llmsite.model import load
from llmsite.tools import call_constraint, parse_tool_calls, result_message, run_tool, tool_messages
from llmsite.transformer import from_hf

model, tok = load()
W = from_hf(model)


def ids_of(messages):  # the chat template, then the tokenizer
    return tok(tok.apply_chat_template(messages, tokenize=False, add_generation_prompt=True)).input_ids


messages = tool_messages("Has order B7781 shipped yet?")
free = generate(ids_of(messages), W, max_new_tokens=30)
print(f"1. model, free ({len(free.tokens)} tokens): {free.text!r}")
print("   parsed as a call:", parse_tool_calls(free.text))

call = generate(ids_of(messages), W, call_constraint(), max_new_tokens=48)
print(f"2. model, with the mask ({len(call.tokens)} tokens): {call.text}")
(name, arguments), = parse_tool_calls(call.text)
result = run_tool(name, arguments)
print(f"3. application runs {name}({arguments}) -> {result}")

messages += [{"role": "assistant", "content": call.text}, result_message(result)]
prompt = ids_of(messages)
answer = generate(prompt, W, max_new_tokens=40)
print(f"4. model, given the result ({len(prompt)} prompt tokens): {answer.text!r} ({answer.stop_reason})")
