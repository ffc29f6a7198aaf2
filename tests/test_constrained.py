"""Constrained decoding (llmsite.constrained) and tool calls (llmsite.tools), chapter 16.

Most tests use a made-up vocabulary and the random tiny Llama of conftest, so they run in
seconds without the model; two read the real tokenizer (no forward pass).
"""

from __future__ import annotations

import random
import re

import pytest
import torch

from llmsite import constrained as C
from llmsite import tools as T

TOY = ["{", '{"', '"', "a", "ab", "abc", "b", "c", "}", '"}', "x", " ", "1", "12", "@", ".", "e", "ex"]


def toy_vocab(extra=()):
    return C.Vocab([None, None, None] + [s.encode() for s in TOY + list(extra)])  # ids 0-2: "special"


def tid(s: str) -> int:
    return 3 + TOY.index(s)


# --------------------------------------------------------------------------- machines


def test_choice_is_a_trie_over_bytes():
    m = C.Choice(["ab", "ac", "b"])
    s = m.step(m.start, ord("a"))
    assert s is not None and not m.is_final(s)
    assert m.is_final(m.step(s, ord("b"))) and m.step(s, ord("x")) is None
    assert m.is_final(m.step(m.start, ord("b")))
    assert len(m) == 5  # root, a, ab, ac, b
    with pytest.raises(ValueError):
        C.Choice([])
    with pytest.raises(ValueError):
        C.Choice(["ok", ""])


def accepts(machine, text: str) -> bool:
    s = machine.start
    for b in text.encode():
        s = machine.step(s, b)
        if s is None:
            return False
    return machine.is_final(s)


@pytest.mark.parametrize("key", list(T.ARGUMENT_PATTERNS))
def test_a_pattern_accepts_exactly_what_its_regular_expression_does(key):
    runs = T.ARGUMENT_PATTERNS[key]
    regex = re.compile("".join(
        "[" + re.escape(chars) + "]" + ("{%d,}" % lo if hi is None else "{%d,%d}" % (lo, hi)) for chars, lo, hi in runs))
    machine = C.Pattern(runs)
    rng = random.Random(0)
    alphabet = "Aa0Z9b@.-_+x\" "
    samples = ["A1234", "a1234", "A123", "A12345", "sam@example.com", "sam@ex", "@example.com", "sam@@example.com",
               "s.a_m+1@e-x.org", "", "sam@example.com\"", "A1234 "]
    samples += ["".join(rng.choice(alphabet) for _ in range(rng.randint(0, 9))) for _ in range(3000)]
    for s in samples:
        assert accepts(machine, s) == bool(regex.fullmatch(s)), (key, s)


def test_patterns_refuse_characters_that_would_break_the_json_string():
    for bad in ['a"', "a\\", "a\n"]:
        with pytest.raises(ValueError):
            C.Pattern([(bad, 1, None)])
    with pytest.raises(ValueError):
        C.Pattern([("abc", 2, 1)])


def test_sequence_and_either_hand_over_between_parts():
    m = C.Either([C.Sequence.of('{"id": "', C.Pattern([("0123456789", 1, 3)]), '"}'),
                  C.Sequence.of('{"name": "', C.Pattern([("abc", 1, None)]), '"}')])
    for ok in ['{"id": "7"}', '{"id": "123"}', '{"name": "cab"}']:
        assert accepts(m, ok), ok
    for bad in ['{"id": ""}', '{"id": "1234"}', '{"id": "abc"}', '{"name": "1"}', '{"id": "1"', '{"id": "1"}}']:
        assert not accepts(m, bad), bad


# --------------------------------------------------------------------------- the index


def test_allowed_tokens_are_those_whose_bytes_fit_the_machine():
    vocab = toy_vocab()
    m = C.Choice(['{"ab"}', '{"c"}'])
    moves = C.allowed_tokens(m, vocab, m.start)
    assert set(moves) == {tid("{"), tid('{"')}
    after = moves[tid('{"')]
    assert set(C.allowed_tokens(m, vocab, after)) == {tid("a"), tid("ab"), tid("c")}  # not "abc": it overshoots
    assert set(C.allowed_tokens(m, vocab, m.step(after, ord("c")))) == {tid('"'), tid('"}')}


def test_every_path_through_the_index_spells_a_valid_answer_and_every_answer_has_a_path():
    vocab = toy_vocab()
    options = ['{"ab"}', '{"c"}', '{"abc"}', '{"b"}']
    rule = C.Constraint(C.Choice(options), vocab)
    assert all(rule.allowed(s) for s in rule.index)
    rng = random.Random(1)
    seen = set()
    for _ in range(400):
        state, text = rule.start, ""
        while True:
            token = rng.choice(rule.allowed(state))
            if token == rule.eos:
                break
            text += TOY[token - 3]
            state = rule.advance(state, token)
        assert text in options
        seen.add(text)
    assert seen == set(options)


def test_eos_only_in_final_states_and_dead_ends_are_refused():
    vocab = toy_vocab()
    rule = C.Constraint(C.Choice(["ab", "abc"]), vocab)
    s = rule.advance(rule.start, tid("ab"))
    assert rule.eos in rule.allowed(s) and tid("c") in rule.allowed(s)
    assert rule.eos not in rule.allowed(rule.start)
    with pytest.raises(ValueError, match="not allowed"):
        rule.advance(rule.start, tid("x"))
    with pytest.raises(ValueError, match="dead end"):
        C.Constraint(C.Choice(["aq"]), vocab)  # no token spells "q"
    with pytest.raises(ValueError, match="vocabulary"):
        rule.apply(torch.zeros(vocab.size + 1), rule.start)  # logits of another model


def test_apply_keeps_allowed_scores_and_sets_the_rest_to_minus_infinity():
    vocab = toy_vocab()
    rule = C.Constraint(C.Choice(["ab"]), vocab)
    logits = torch.randn(vocab.size)
    masked = rule.apply(logits, rule.start)
    allowed = rule.allowed(rule.start)
    assert sorted(allowed) == sorted([tid("a"), tid("ab")])  # "abc" would overshoot
    assert torch.equal(masked[allowed], logits[allowed])
    others = torch.ones(vocab.size, dtype=torch.bool)
    others[allowed] = False
    assert torch.isneginf(masked[others]).all()
    probs = torch.softmax(masked, -1)
    assert float(probs[allowed].sum()) == pytest.approx(1.0)


# --------------------------------------------------------------------------- decoding, on a tiny random model


class ToyTok:
    """Token ids as text: the tiny model's vocabulary is 97 ids; a prompt is ids separated by spaces."""

    def __call__(self, text, add_special_tokens=False):
        class Enc:
            input_ids = [int(x) for x in text.split()]
        return Enc()


# 97 ids: 0-2 special, then one- and two-letter tokens, so that many masks are possible
TINY = [None, None, None] + ([c for c in "abcdefghij"] + [a + b for a in "abcdefghij" for b in "abcdefghij"])[:94]


def tiny_vocab():
    return C.Vocab([None if n is None else n.encode() for n in TINY])


@pytest.mark.parametrize("masked", [False, True])
def test_batch_generate_gives_each_prompt_the_tokens_of_our_own_loop(tiny, masked):
    model, W = tiny
    vocab = tiny_vocab()
    rule = C.Constraint(C.Choice(["abc", "bad", "cafe", "deaf", "hh"]), vocab) if masked else None
    prompts = ["5 6 7 8 9 10", "5 6 7 8 11", "5 6 7 8 12 13 14 15", "5 6 7 20"]
    (batch,) = C.batch_generate(model, ToyTok(), prompts, constraints=[rule], max_new_tokens=6)
    for p, got in zip(prompts, batch):
        ids = [int(x) for x in p.split()]
        one = C.generate(ids, W, rule, max_new_tokens=6, decode=lambda t: "")
        assert got == one.tokens, p
        if masked:
            assert "".join(TINY[t] for t in got) in rule.machine.options


def test_two_constraints_in_one_batch_equal_two_batches(tiny):
    model, _ = tiny
    vocab = tiny_vocab()
    rule = C.Constraint(C.Choice(["abc", "bad", "hh"]), vocab)
    prompts = ["5 6 7 8 9", "5 6 7 30 31 32"]
    both = C.batch_generate(model, ToyTok(), prompts, constraints=[None, rule], max_new_tokens=5)
    assert both == [C.batch_generate(model, ToyTok(), prompts, constraints=[c], max_new_tokens=5)[0] for c in (None, rule)]


def test_generate_reports_what_the_mask_left(tiny):
    _, W = tiny
    vocab = tiny_vocab()
    rule = C.Constraint(C.Choice(["abc", "hh"]), vocab)
    out = C.generate([5, 6, 7], W, rule, max_new_tokens=8, decode=lambda t: "", keep_logits=True)
    assert out.stop_reason == "stop token" and out.steps[-1].token == rule.eos
    assert out.steps[0].allowed == len(rule.allowed(rule.start))
    assert all(0 < s.mass_allowed <= 1 for s in out.steps)
    assert len(out.logits) == len(out.steps) == len(out.states)
    free = C.generate([5, 6, 7], W, None, max_new_tokens=3, decode=lambda t: "")
    assert all(s.allowed == vocab.size for s in free.steps) and free.stop_reason in ("length", "stop token")


# --------------------------------------------------------------------------- the chapter's parsers and tools


def test_parse_ticket_json_takes_only_the_exact_shape():
    assert C.parse_ticket_json('{"category": "billing", "urgent": true}') == {"category": "billing", "urgent": True}
    assert C.parse_ticket_json('{"urgent":false,"category":"refund"}') == {"category": "refund", "urgent": False}
    for bad in ['{"category": "support", "urgent": true}', '{"category": "billing", "urgent": "yes"}',
                '{"category": "billing"}', '{"category": "billing", "urgent": true, "x": 1}',
                '{"category": "billing", "urgent": true}\n{"more": 1}', "billing", "", "[1]", None]:
        assert C.parse_ticket_json(bad) is None, bad
    assert all(C.parse_ticket_json(a) for a in C.ticket_json_choices())


def test_parse_tool_calls_checks_the_wrapper_the_json_and_the_names():
    call = T.format_call("get_order_status", {"order_id": "A1234"})
    assert T.parse_tool_calls(call) == [("get_order_status", {"order_id": "A1234"})]
    assert T.parse_tool_calls(" " + call + "\n") is not None
    assert T.parse_tool_calls("<tool_call>[]</tool_call>") == []
    for bad in [call + " thanks!", "Sure! " + call, "<tool_call>[{\"name\": \"rm_rf\", \"arguments\": {}}]</tool_call>",
                "<tool_call>{\"name\": \"reset_password\", \"arguments\": {}}</tool_call>",
                "<tool_call>[{\"name\": \"reset_password\", \"arguments\": \"x\"}]</tool_call>",
                "<tool_call>[not json]</tool_call>", "The order has shipped."]:
        assert T.parse_tool_calls(bad) is None, bad


def test_tools_check_their_arguments_like_untrusted_input():
    assert T.run_tool("get_order_status", {"order_id": "A1234"})["status"] == "shipped"
    assert T.run_tool("reset_password", {"email": "sam@example.com"}) == {"email": "sam@example.com", "sent": True}
    assert "error" in T.run_tool("get_order_status", {"order_id": "A1234; DROP TABLE"})
    assert "error" in T.run_tool("reset_password", {"email": "<script>@x"})
    assert "error" in T.run_tool("delete_everything", {})
    assert T.result_message({"a": 1}) == {"role": "user", "content": '<tool_response>\n{"a": 1}\n</tool_response>'}


def test_every_request_names_an_argument_its_tools_pattern_accepts():
    assert len(T.REQUESTS) == 20 and sum(name == "get_order_status" for _, name, _ in T.REQUESTS) == 10
    for text, name, args in T.REQUESTS:
        ((arg, value),) = args.items()
        assert value in text and accepts(C.Pattern(T.ARGUMENT_PATTERNS[(name, arg)]), value), text
        assert "error" not in T.run_tool(name, args)


# --------------------------------------------------------------------------- the real vocabulary (tokenizer only)


@pytest.fixture(scope="module")
def real_vocab():
    return C.Vocab.for_model()


@pytest.mark.model
def test_the_json_mask_over_the_real_vocabulary_reaches_each_answer_by_its_own_tokens(real_vocab):
    from llmsite.model import load_tokenizer

    tok = load_tokenizer()
    assert real_vocab.size == 49152
    rule = C.Constraint(C.Choice(C.ticket_json_choices()), real_vocab)
    for answer in C.ticket_json_choices():  # the tokenizer's own spelling is one allowed path
        state = rule.start
        for token in tok(answer).input_ids:
            state = rule.advance(state, token)
        assert rule.machine.is_final(state) and rule.eos in rule.allowed(state)
    assert rule.eos not in rule.allowed(rule.start) and len(rule.allowed(rule.start)) < 10


@pytest.mark.model
def test_the_tool_call_mask_allows_the_right_call_and_nothing_unparsable(real_vocab):
    from llmsite.model import load_tokenizer

    tok = load_tokenizer()
    rule = T.call_constraint(real_vocab)
    for _, name, args in T.REQUESTS[:4]:
        state = rule.start
        for token in tok(T.format_call(name, args)).input_ids:
            state = rule.advance(state, token)
        assert rule.machine.is_final(state)
    from llmsite.tokenizer import load_model_tokenizer

    text_of = load_model_tokenizer().token_bytes
    rng = random.Random(2)  # random walks through the mask always end in a call the parser takes
    for _ in range(12):
        state, ids = rule.start, []
        for step in range(120):
            allowed = rule.allowed(state)
            if rule.eos in allowed:
                break
            # wander at first, then head for the end: an "@", then a closing quote, when allowed
            pick = allowed
            for mark, after in ((b"@", 4), (b'"', 8)):
                marked = [a for a in allowed if mark in text_of(a)]
                if marked and step > after:
                    pick = marked
            token = rng.choice(pick)
            ids.append(token)
            state = rule.advance(state, token)
        assert rule.eos in rule.allowed(state), tok.decode(ids)
        assert T.parse_tool_calls(tok.decode(ids)) is not None, tok.decode(ids)


def test_the_chapter_cites_every_claim_it_takes_from_elsewhere():
    from pathlib import Path

    from llmsite.published import STRUCTURED_OUTPUT

    page = (Path(__file__).resolve().parents[1] / "docs" / "16-structured-output.md").read_text(encoding="utf-8")
    for claim in STRUCTURED_OUTPUT:
        assert claim.source.url in page, claim.topic
        assert claim.source.date in page, claim.topic  # the page prints the date beside the link
