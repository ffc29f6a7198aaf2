"""A tool call is just tokens: the format, the parser, the tools and the loop around them.

The model never runs anything. It writes text; the *application* reads that text, decides it
is a call, runs the function itself and pastes the result back into the conversation as more
text. Then the model writes again.

    user asks ──▶ model writes <tool_call>[...]</tool_call> ──▶ app parses it, runs the tool
        ▲                                                           │
        └── model writes the answer ◀── app adds <tool_response> ◀──┘

SmolLM2-135M-Instruct's chat template has no place for tools (it ignores ``tools=``). The
format here is the one SmolLM2's documentation shows for its 1.7B sibling (see
``llmsite.published.STRUCTURED_OUTPUT``): the tools as JSON inside ``<tools>…</tools>`` in the
system turn, calls as a JSON list inside ``<tool_call>…</tool_call>``. Results go back inside
``<tool_response>…</tool_response>`` in a user turn: the template has no tool role, so that
part is our choice, in the same style. The system prompt's wording is ours.

Quick start::

    from llmsite.model import load
    from llmsite.tools import TOOLS, tool_prompt, parse_tool_calls, run_tool

    model, tok = load()
    prompt = tool_prompt(tok, "Where is my order A1234?")
    ...                                  # generate a reply, then:
    calls = parse_tool_calls(reply)      # [("get_order_status", {"order_id": "A1234"})] or None
    result = run_tool(*calls[0])         # {"order_id": "A1234", "status": "shipped", ...}
"""

from __future__ import annotations

import json
import re

__all__ = ["TOOLS", "SYSTEM", "REQUESTS", "tool_messages", "tool_prompt", "parse_tool_calls", "run_tool",
           "call_constraint", "format_call", "result_message"]

TOOLS = [
    {"type": "function", "function": {
        "name": "get_order_status", "description": "Look up where a customer's order is.",
        "parameters": {"type": "object", "properties": {
            "order_id": {"type": "string", "description": "The order number, like A1234"}},
            "required": ["order_id"]}}},
    {"type": "function", "function": {
        "name": "reset_password", "description": "Send a password reset link to a customer.",
        "parameters": {"type": "object", "properties": {
            "email": {"type": "string", "description": "The customer's email address"}},
            "required": ["email"]}}},
]

SYSTEM = (
    "You can call functions. They are listed as JSON inside <tools></tools>:\n"
    "<tools>" + json.dumps(TOOLS) + "</tools>\n\n"
    "To call functions, reply with nothing but a JSON list inside <tool_call></tool_call>, for example:\n"
    '<tool_call>[{"name": "function_name", "arguments": {"argument_name": "value"}}]</tool_call>\n'
    "If no function fits, reply <tool_call>[]</tool_call>."
)

# 20 requests written for this chapter: 10 for each tool, each naming the argument the call needs.
REQUESTS = [
    ("Where is my order A1234?", "get_order_status", {"order_id": "A1234"}),
    ("I forgot my password. My email is sam@example.com", "reset_password", {"email": "sam@example.com"}),
    ("Has order B7781 shipped yet?", "get_order_status", {"order_id": "B7781"}),
    ("Please reset the password for lee@example.org", "reset_password", {"email": "lee@example.org"}),
    ("Can you check the status of order C2049?", "get_order_status", {"order_id": "C2049"}),
    ("I can't log in. Send a reset link to ana.ruiz@example.com", "reset_password", {"email": "ana.ruiz@example.com"}),
    ("My parcel, order D5512, is late. Where is it?", "get_order_status", {"order_id": "D5512"}),
    ("Reset my password please, it's kim@example.net", "reset_password", {"email": "kim@example.net"}),
    ("What happened to order E0093?", "get_order_status", {"order_id": "E0093"}),
    ("I need a new password for tom.b@example.com", "reset_password", {"email": "tom.b@example.com"}),
    ("Order F3307 still says processing. Any news?", "get_order_status", {"order_id": "F3307"}),
    ("Locked out of my account. Email: priya@example.org", "reset_password", {"email": "priya@example.org"}),
    ("Track order G4410 for me", "get_order_status", {"order_id": "G4410"}),
    ("Password reset for joe@example.com, please", "reset_password", {"email": "joe@example.com"}),
    ("Is order H8826 on its way?", "get_order_status", {"order_id": "H8826"}),
    ("The reset email never came. Try again: mia@example.net", "reset_password", {"email": "mia@example.net"}),
    ("When will order J1175 arrive?", "get_order_status", {"order_id": "J1175"}),
    ("Please send a password reset to olu@example.com", "reset_password", {"email": "olu@example.com"}),
    ("Status of my order K6620?", "get_order_status", {"order_id": "K6620"}),
    ("I forgot my password, account eva@example.org", "reset_password", {"email": "eva@example.org"}),
]


def tool_messages(user: str) -> list[dict]:
    return [{"role": "system", "content": SYSTEM}, {"role": "user", "content": user}]


def tool_prompt(tok, user: str) -> str:
    """The chat prompt for one request, ending where the assistant's reply starts."""
    return tok.apply_chat_template(tool_messages(user), tokenize=False, add_generation_prompt=True)


CALL = re.compile(r"\s*<tool_call>(.*)</tool_call>\s*", re.S)


def parse_tool_calls(reply: str) -> list[tuple[str, dict]] | None:
    """The calls in a reply, or None if the reply is not a well-formed call: exactly
    ``<tool_call>[…]</tool_call>`` around a JSON list of {"name": a known tool, "arguments":
    an object}. An application must check this much before running anything."""
    m = CALL.fullmatch(reply)
    if not m:
        return None
    try:
        calls = json.loads(m.group(1))
    except json.JSONDecodeError:
        return None
    names = {t["function"]["name"] for t in TOOLS}
    if not isinstance(calls, list) or not all(
            isinstance(c, dict) and set(c) == {"name", "arguments"} and c["name"] in names
            and isinstance(c["arguments"], dict) for c in calls):
        return None
    return [(c["name"], c["arguments"]) for c in calls]


_ORDERS = {"A1234": ("shipped", "Thursday"), "B7781": ("in the warehouse", "next Monday")}


def run_tool(name: str, arguments: dict) -> dict:
    """Our two tools, faked: an application would query its own systems here. Checks the
    arguments like a real one must (the model's text is untrusted input)."""
    if name == "get_order_status":
        order = str(arguments.get("order_id", ""))
        if not re.fullmatch(r"[A-Z][0-9]{4}", order):
            return {"error": f"no such order: {order!r}"}
        status, eta = _ORDERS.get(order, ("processing", "in 3 to 5 days"))
        return {"order_id": order, "status": status, "expected": eta}
    if name == "reset_password":
        email = str(arguments.get("email", ""))
        if not re.fullmatch(r"[a-z0-9._+-]+@[a-z0-9.-]{3,}", email):
            return {"error": f"not an email address: {email!r}"}
        return {"email": email, "sent": True}
    return {"error": f"unknown tool: {name!r}"}


def format_call(name: str, arguments: dict) -> str:
    return "<tool_call>" + json.dumps([{"name": name, "arguments": arguments}]) + "</tool_call>"


def result_message(result: dict) -> dict:
    """The tool's result as the next turn: a user turn holding <tool_response>…</tool_response>."""
    return {"role": "user", "content": "<tool_response>\n" + json.dumps(result) + "\n</tool_response>"}


# What each argument may look like (a JSON schema would say "pattern"): the mask enforces it,
# and run_tool checks it again, because a tool must never trust text a model wrote.
LOWER = "abcdefghijklmnopqrstuvwxyz0123456789"
ARGUMENT_PATTERNS = {
    ("get_order_status", "order_id"): [("ABCDEFGHIJKLMNOPQRSTUVWXYZ", 1, 1), ("0123456789", 4, 4)],
    ("reset_password", "email"): [(LOWER + "._+-", 1, None), ("@", 1, 1), (LOWER + ".-", 3, None)],
}


def call_constraint(vocab=None):
    """A mask that only lets the model write one well-formed call of one of our tools:
    ``<tool_call>[{"name": "<tool>", "arguments": {"<its argument>": "<value>"}}]</tool_call>``,
    the value matching the argument's pattern. The model still picks the tool and the value."""
    from llmsite.constrained import Constraint, Either, Pattern, Sequence, Vocab

    branches = []
    for (name, arg), runs in ARGUMENT_PATTERNS.items():
        branches.append(Sequence.of(f'<tool_call>[{{"name": "{name}", "arguments": {{"{arg}": "', Pattern(runs),
                                    '"}}]</tool_call>'))
    return Constraint(Either(branches), vocab or Vocab.for_model())
