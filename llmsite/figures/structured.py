"""Figures of chapter 16, "Structured output and tools".

* ``16-summary``      valid and right answers with and without a mask, for JSON on 60 tickets and
                      tool calls on 20 requests, read from the snippets' recorded outputs
* ``16-masked-step``  the model's next-token probabilities at the step that picks the category,
                      before and after the mask (the chapter's ticket, our loop)
* ``16-call-tokens``  every token of one tool call, with its id: ordinary text tokens
* ``16-tool-loop``    the loop an application runs around a tool call, with the numbers of the
                      real run in snippets/16-structured-output/tool_loop.out
"""

from __future__ import annotations

import re
from html import escape

from llmsite.figures import REPO, Context, Figure, show_token
from llmsite.figures.diagrams import arrow, box, finish, flow, text
from llmsite.figures.prompting import rate_chart, rates
from llmsite.figures.svg import BLUE, GREY, _attrs, _num, _svg_open

SNIPPETS = REPO / "snippets" / "16-structured-output"


def recorded(name: str) -> str:
    return (SNIPPETS / name).read_text(encoding="utf-8")


# ----------------------------------------------------------------------------- the summary chart


def summary_rows() -> list[dict]:
    rows = []
    for out_file, sections in [("json_tickets.out", {"no mask": "JSON, no mask", "mask": "JSON, mask"}),
                               ("tool_calls.out", {"free": "call, no mask", "mask": "call, mask"})]:
        text = recorded(out_file)
        for block in re.split(r"^\n(?=\S)", text, flags=re.M)[1:]:
            head = block.splitlines()[0].strip()
            if head not in sections:
                continue
            for r in rates(block):
                short = {"valid JSON of the shape": "valid", "right category": "right", "well-formed call": "valid",
                         "right tool and argument": "right"}.get(r["name"])
                if short:
                    rows.append({**r, "name": f"{sections[head]}: {short}"})
    order = ["JSON, no mask: valid", "JSON, mask: valid", "JSON, no mask: right", "JSON, mask: right",
             "call, no mask: valid", "call, mask: valid", "call, no mask: right", "call, mask: right"]
    found = {r["name"]: r for r in rows}
    if set(found) != set(order):
        raise ValueError(f"the recorded outputs changed shape: found {sorted(found)}")
    return [found[name] for name in order]


def build_summary(ctx: Context) -> Figure:
    rows = summary_rows()
    desc = ("Bar chart of the share of answers that were valid, and right, with and without a mask, each with "
            "its 95% confidence interval: " + "; ".join(f"{r['name']}: {r['k']} of {r['n']}, {r['rate']}%" for r in rows)
            + ".")
    return Figure(
        name="16-summary",
        svg=rate_chart(rows, title="Valid is not the same as right", description=desc, fig_id="fig-16-summary",
                       width=440),
        caption=("JSON: 60 tickets asked for {\"category\": …, \"urgent\": …}; valid = exactly that shape, right = the "
                 "right category. Call: 20 requests that each need one tool call; valid = a call the parser accepts, "
                 "right = the right tool with the right argument. Greedy, SmolLM2-135M-Instruct. Bars: the share of n; "
                 "whiskers: 95% Wilson interval. From json_tickets.py and tool_calls.py below."),
        table_header=["answers", "k / n", "rate", "95% CI"],
        table_rows=[[r["name"], f"{r['k']}/{r['n']}", f"{r['rate']}%", f"{r['lo']}%–{r['hi']}%"] for r in rows],
        inputs={"snippet_output": ["snippets/16-structured-output/json_tickets.out",
                                   "snippets/16-structured-output/tool_calls.out"]},
    )


# ----------------------------------------------------------------------------- one step, masked


TICKET_INDEX = 2  # as in snippets/16-structured-output/mask_step.py
CATEGORY_START = '{"category": "'


def masked_step(ctx: Context, top: int = 6):
    """The step of mask_step.py's masked run that starts the category: the model's top tokens
    (all 49,152 compete) and the top tokens once the mask has removed the rest."""
    import torch

    from llmsite.constrained import Choice, Constraint, Vocab, generate, json_prompt, ticket_json_choices
    from llmsite.prompting import load_tickets
    from llmsite.transformer import from_hf

    W = from_hf(ctx.model)
    rule = Constraint(Choice(ticket_json_choices()), Vocab.for_model())
    ticket = load_tickets()[TICKET_INDEX]
    prompt = ctx.tok(json_prompt(ctx.tok, ticket.text)).input_ids
    out = generate(prompt, W, rule, max_new_tokens=24, keep_logits=True, decode=ctx.tok.decode)
    step = next(i for i in range(len(out.tokens)) if ctx.tok.decode(out.tokens[:i]) == CATEGORY_START)
    logits = out.logits[step]
    before = torch.softmax(logits.float(), -1)
    after = torch.softmax(rule.apply(logits, out.states[step]).float(), -1)
    allowed = rule.allowed(out.states[step])

    def rows(p, ids):
        return [(ctx.tok.decode([i]), i, float(p[i])) for i in ids]

    return {
        "ticket": ticket.text, "step": step + 1, "allowed": len(allowed),
        "mass": float(before[allowed].sum()),
        "before": rows(before, before.topk(top).indices.tolist()),
        "after": rows(after, after.topk(min(top, len(allowed))).indices.tolist()),
        "picked": ctx.tok.decode([out.tokens[step]]),
        "allowed_ids": set(allowed),
    }


def _panel(out: list[str], y: float, title: str, rows, width: float, label_w: float, allowed: set | None) -> float:
    bar_h, gap = 20, 5
    out.append(text(8, y + 13, title, bold=True))
    y += 22
    plot_w = width - label_w - 70
    for tok_text, tid, p in rows:
        muted = allowed is not None and tid not in allowed
        out.append(f'<text{_attrs(x=_num(label_w - 8), y=_num(y + bar_h / 2 + 4.5))} text-anchor="end"'
                   f' fill="currentColor" class="llm-label" xml:space="preserve">{escape(chr(34) + show_token(tok_text) + chr(34))}</text>')
        w = max(plot_w * p, 1.0)
        cls, fill = ("llm-bar llm-bar--muted", GREY) if muted else ("llm-bar", BLUE)
        out.append(f'<rect{_attrs(x=_num(label_w), y=_num(y), width=_num(w), height=bar_h, rx=3)} class="{cls}"'
                   f' fill="{fill}"/>')
        note = f"{p:.1%}" + (" ✗" if muted else "")
        out.append(text(label_w + w + 6, y + bar_h / 2 + 4.5, note, size=12))
        y += bar_h + gap
    return y


def build_masked_step(ctx: Context) -> Figure:
    d = masked_step(ctx)
    W = 440
    label_w = max(7.4 * max(len(show_token(t)) + 2 for t, _, _ in d["before"] + d["after"]), 60) + 14
    desc = (f"Two bar charts of next-token probabilities at step {d['step']} of the JSON answer, right after "
            f"{CATEGORY_START!r}. Before the mask: " + "; ".join(f'"{t}" {p:.1%}' for t, _, p in d["before"])
            + f". The mask keeps {d['allowed']} tokens, which held {d['mass']:.1%} of the probability. After the "
            "mask: " + "; ".join(f'"{t}" {p:.1%}' for t, _, p in d["after"]) + f'. The loop picks "{d["picked"]}".')
    out = _svg_open(W, 10, "One step of JSON mode: before and after the mask", desc, "fig-16-masked-step")
    y = _panel(out, 6, "before: all 49,152 tokens compete", d["before"], W, label_w, allowed=d["allowed_ids"])
    y = _panel(out, y + 12, f"after: only {d['allowed']} tokens are left", d["after"], W, label_w, allowed=None)
    svg_text = finish(out).replace('viewBox="0 0 440 10"', f'viewBox="0 0 440 {_num(y + 6)}"', 1)
    return Figure(
        name="16-masked-step", svg=svg_text,
        caption=(f"The ticket \"{d['ticket']}\", asked for JSON. At step {d['step']} the answer so far is "
                 f"{CATEGORY_START} and the model's favourites are not categories (grey, ✗: the mask removes them). "
                 f"The {d['allowed']} tokens that can start a category held {d['mass']:.1%} of the probability; "
                 f"renormalised, they are all that is left, and the loop picks \"{show_token(d['picked'])}\". "
                 "␣ marks a space."),
        table_header=["", "token", "id", "probability"],
        table_rows=[["before", f'"{show_token(t)}"', str(i), f"{p:.4f}"] for t, i, p in d["before"]]
        + [["after", f'"{show_token(t)}"', str(i), f"{p:.4f}"] for t, i, p in d["after"]],
        inputs={"ticket": d["ticket"], "step": d["step"]},
    )


# ----------------------------------------------------------------------------- a call, in tokens


CALL_EXAMPLE = ("get_order_status", {"order_id": "A1234"})  # as in snippets/16-structured-output/template.py


def build_call_tokens(ctx: Context) -> Figure:
    from llmsite.tools import format_call

    call = format_call(*CALL_EXAMPLE)
    ids = ctx.tok(call).input_ids
    toks = [(ctx.tok.decode([i]), i) for i in ids]
    specials = set(ctx.tok.all_special_ids)
    W, x0, right = 440, 8, 432
    parts, bottom = flow([(show_token(t), str(i), "accent" if i in specials else "plain") for t, i in toks],
                         x0, 8, right, gap=4, h=34)
    out = _svg_open(W, bottom + 8, "A tool call, as the model writes it", (
        f"The {len(ids)} tokens of the call {call}, in order, each with its id: "
        + " ".join(f'"{show_token(t)}" {i}' for t, i in toks) + ". None of them is a special token."),
        "fig-16-call-tokens")
    out += parts
    return Figure(
        name="16-call-tokens", svg=finish(out),
        caption=(f"One tool call is {len(ids)} ordinary tokens: \"<tool_call>\" alone is 5 of them "
                 "(<, tool, _, call, >), and none is a special token. The model writes it like any other text, one "
                 "token at a time; only the application decides that it means \"run this\". ␣ marks a space."),
        table_header=["position", "token", "id"],
        table_rows=[[str(k), f'"{show_token(t)}"', str(i)] for k, (t, i) in enumerate(toks)],
        inputs={"call": call},
    )


# ----------------------------------------------------------------------------- the loop


def loop_numbers() -> dict:
    text = recorded("tool_loop.out")
    m = {
        "prompt": re.search(r"^prompt: (\d+) tokens, (\d+) of them the tool list", recorded("template.out"), re.M),
        "call": re.search(r"^2\. model, with the mask \((\d+) tokens\): (.*)$", text, re.M),
        "run": re.search(r"^3\. application runs (\w+)\((.*)\) -> (.*)$", text, re.M),
        "answer": re.search(r"^4\. model, given the result \((\d+) prompt tokens\): (.*)$", text, re.M),
        "free": re.search(r"^1\. model, free \((\d+) tokens\): (.*)$", text, re.M),
    }
    missing = [k for k, v in m.items() if v is None]
    if missing:
        raise ValueError(f"tool_loop.out / template.out changed shape: no {missing}")
    return m


def build_tool_loop(ctx: Context) -> Figure:
    m = loop_numbers()
    steps = [
        ("1. the app builds the prompt", f"tools as JSON in the system turn: {m['prompt'][1]} tokens", "accent"),
        ("2. the model writes a call", f"{m['call'][1]} tokens of text: <tool_call>[…]</tool_call>", "stage"),
        ("3. the app parses it, runs the tool", f"{m['run'][1]}(…) → a JSON result", "accent"),
        ("4. the app pastes the result back", "a user turn: <tool_response>…</tool_response>", "accent"),
        ("5. the model writes again", f"now reading {m['answer'][1]} tokens", "stage"),
    ]
    W, x0, bw, bh, gap = 440, 56, 300, 46, 14
    H = 10 + len(steps) * (bh + gap) + 4
    desc = ("Diagram of the tool-call loop: " + "; ".join(f"{a}: {b}" for a, b, _ in steps)
            + ". Steps 1, 3 and 4 are the application's code (orange); steps 2 and 5 are the model writing tokens "
              "(blue). Only step 3 runs anything. Then the loop may go round again.")
    out = _svg_open(W, H, "The tool-call loop", desc, "fig-16-tool-loop")
    for i, (a, b, kind) in enumerate(steps):
        y = 10 + i * (bh + gap)
        out.append(box(x0, y, bw, bh, kind=kind))
        out.append(text(x0 + 12, y + 19, a, bold=True))
        out.append(text(x0 + 12, y + 37, b, size=12, opacity=0.85))
        if i:
            out.append(arrow([(x0 + bw / 2, y - gap + 1), (x0 + bw / 2, y - 1)], head=6))
    y_last = 10 + 4 * (bh + gap) + bh / 2
    y_two = 10 + 1 * (bh + gap) + bh / 2
    out.append(arrow([(x0, y_last), (24, y_last), (24, y_two), (x0 - 2, y_two)], head=7, dashed=True))
    out.append(text(16, (y_last + y_two) / 2, "another call?", size=12, opacity=0.85, anchor="middle")
               .replace("<text", f'<text transform="rotate(-90 16 {_num((y_last + y_two) / 2)})"', 1))
    for i, (_, _, kind) in enumerate(steps):
        y = 10 + i * (bh + gap) + 28
        out.append(text(x0 + bw + 8, y, "app" if kind == "accent" else "model", size=11, opacity=0.75))
    return Figure(
        name="16-tool-loop", svg=finish(out),
        caption=("What an application does around a tool call, with the numbers of the real run below "
                 "(tool_loop.py). The model only ever writes tokens (blue); building the prompt, running the tool and "
                 "pasting its result back are the application's code (orange). The result goes back as text, so the "
                 "second prompt is longer than the first."),
        table_header=["step", "what happens", "in the real run"],
        table_rows=[[a, b, ""] for a, b, _ in steps[:1]]
        + [[steps[1][0], steps[1][1], m["call"][2]], [steps[2][0], steps[2][1], f"{m['run'][1]}({m['run'][2]}) → {m['run'][3]}"],
           [steps[3][0], steps[3][1], ""], [steps[4][0], steps[4][1], m["answer"][2]]],
        inputs={"snippet_output": ["snippets/16-structured-output/tool_loop.out",
                                   "snippets/16-structured-output/template.out"]},
    )
