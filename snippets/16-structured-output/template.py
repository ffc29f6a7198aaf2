# requires: model
# What does a tool definition, and a call, look like to the model? Tokens, like everything else.
import json

from llmsite.model import load_tokenizer
from llmsite.tools import TOOLS, format_call, result_message, run_tool, tool_messages

tok = load_tokenizer()
chat = [{"role": "user", "content": "Where is my order A1234?"}]
with_tools = tok.apply_chat_template(chat, tools=TOOLS, tokenize=False, add_generation_prompt=True)
plain = tok.apply_chat_template(chat, tokenize=False, add_generation_prompt=True)
print("does tools= change the prompt?", with_tools != plain)
print("does the template mention tools?", "tool" in tok.chat_template)

# So the application writes the tools into the system turn itself, as JSON text.
prompt = tok.apply_chat_template(tool_messages(chat[0]["content"]), tokenize=False, add_generation_prompt=True)
prompt_ids = tok(prompt).input_ids
print(f"\nprompt: {len(prompt_ids)} tokens, {len(tok(json.dumps(TOOLS)).input_ids)} of them the tool list")

call = format_call("get_order_status", {"order_id": "A1234"})
ids = tok(call).input_ids
print(f"\nthe call the model should write, {len(ids)} tokens:\n{call}")
print(" ".join(f"{tok.decode([i])!r}:{i}" for i in ids[:12]), "...")
print("special tokens in it:", [i for i in ids if i in tok.all_special_ids])

back = result_message(run_tool("get_order_status", {"order_id": "A1234"}))
print(f"\nwhat goes back, as a {back['role']} turn ({len(tok(back['content']).input_ids)} tokens):\n{back['content']}")
