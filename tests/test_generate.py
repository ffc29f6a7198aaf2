"""llmsite.generate: the generation loop, with and without the KV cache, streaming, the chat template.

Model-free tests use a tiny random Llama (transformers builds it; our forward pass runs it).
``model`` tests use the real SmolLM2-135M-Instruct; ``cuda`` ones need a GPU.
"""

from __future__ import annotations

import pytest
import torch

from llmsite import generate as G
from llmsite import transformer as tf

torch.set_num_threads(min(2, torch.get_num_threads()))


PROMPT = [5, 17, 42, 8, 63]


# --------------------------------------------------------------------------- the loop, tiny model


def test_cache_and_no_cache_give_the_same_tokens(tiny):
    _model, W = tiny
    a = G.generate(PROMPT, W, 12, stop_ids=())
    b = G.generate(PROMPT, W, 12, stop_ids=(), use_cache=False)
    assert len(a.tokens) == 12 and a.tokens == b.tokens and a.stop_reason == "length"
    # greedy by hand, with full forward passes
    seq = list(PROMPT)
    for _ in range(12):
        seq.append(int(tf.forward(torch.tensor(seq), W)[-1].argmax()))
    assert seq[len(PROMPT):] == a.tokens


def test_seeded_sampling_repeats_with_and_without_cache(tiny):
    _model, W = tiny
    kw = dict(temperature=1.0, top_p=0.95, stop_ids=())
    a = G.generate(PROMPT, W, 15, seed=3, **kw).tokens
    assert a == G.generate(PROMPT, W, 15, seed=3, **kw).tokens
    assert a == G.generate(PROMPT, W, 15, seed=3, use_cache=False, **kw).tokens
    assert a != G.generate(PROMPT, W, 15, seed=4, **kw).tokens


def test_counts_of_passes_and_tokens_processed(tiny):
    _model, W = tiny
    P, N = len(PROMPT), 6
    with_cache = G.generate(PROMPT, W, N, stop_ids=()).stats
    without = G.generate(PROMPT, W, N, stop_ids=(), use_cache=False).stats
    # one forward pass per new token either way: N, not N²
    assert with_cache.forward_passes == without.forward_passes == N
    assert with_cache.tokens_processed == P + (N - 1)  # the prompt once, then one token per step
    assert without.tokens_processed == sum(P + i for i in range(N))  # the whole sequence every step
    assert with_cache.prefill_tokens == without.prefill_tokens == P
    assert with_cache.decode_steps == N - 1


def test_stops_on_a_stop_token_and_on_the_limit(tiny):
    _model, W = tiny
    free = G.generate(PROMPT, W, 8, stop_ids=()).tokens
    stop = free[3]
    first = free.index(stop)
    g = G.generate(PROMPT, W, 8, stop_ids=(stop,))
    assert g.tokens == free[:first] and g.stop_reason == "stop token" and g.stop_token == stop
    g = G.generate(PROMPT, W, 2, stop_ids=())
    assert g.tokens == free[:2] and g.stop_reason == "length" and g.stop_token is None
    assert G.generate(PROMPT, W, 0).tokens == []


def test_cache_memory_equals_the_formula(tiny):
    _model, W = tiny
    cache = tf.KVCache.for_weights(W)
    G.generate(PROMPT, W, 7, stop_ids=(), cache=cache)
    assert cache.length == len(PROMPT) + 7 - 1  # the last new token was never fed back in
    assert cache.nbytes() == cache.length * tf.kv_bytes_per_token(W)
    with pytest.raises(ValueError):
        G.generate(PROMPT, W, 3, cache=cache)  # a used cache would shift the positions


# --------------------------------------------------------------------------- streaming


def test_stream_never_splits_a_character():
    smile = "🙂".encode()  # 4 bytes, spread over two fake tokens
    pieces = {0: b"Caf", 1: b"\xc3", 2: b"\xa9 ", 3: smile[:2], 4: smile[2:], 5: b"!"}
    s = G.Utf8Stream(pieces.__getitem__)
    out = [s.push(t) for t in range(6)] + [s.flush()]
    assert out == ["Caf", "", "é ", "", "🙂", "!", ""]
    broken = G.Utf8Stream(pieces.__getitem__)
    assert broken.push(3) == "" and broken.flush() == "\ufffd"  # an unfinished character at the end


def test_stream_text_joins_to_the_generated_text(tiny):
    _model, W = tiny
    table = {i: bytes([0xF0, 0x9F, 0x99, 0x82])[i % 4: i % 4 + 1] for i in range(97)}  # fake bytes
    tokens = G.generate(PROMPT, W, 10, stop_ids=()).tokens
    expected = b"".join(table[t] for t in tokens).decode("utf-8", "replace")
    assert "".join(G.stream_text(PROMPT, W, 10, token_bytes=table.__getitem__, stop_ids=())) == expected


@pytest.mark.model
def test_stream_with_the_real_tokenizer():
    from llmsite.tokenizer import load_model_tokenizer

    tok = load_model_tokenizer()
    text = "Dinner 🦜 at the café"
    ids = tok.encode(text)
    assert any("\ufffd" in tok.decode([i]) for i in ids), "some token must hold part of a character"
    s = G.Utf8Stream(tok.token_bytes)
    pieces = [s.push(i) for i in ids] + [s.flush()]
    assert "".join(pieces) == text and not any("\ufffd" in p for p in pieces)


# --------------------------------------------------------------------------- the real model


@pytest.fixture(scope="module")
def real():
    from llmsite.model import load

    model, tok = load(device="cpu", dtype=torch.float32)
    return model, tok, tf.from_hf(model)


@pytest.mark.model
def test_chat_template_by_hand_equals_the_tokenizers(real):
    _model, tok, _W = real
    cases = [
        G.chat_messages("What is the capital of France?"),
        G.chat_messages("Hi", system="You are a pirate."),
        [{"role": "user", "content": "2+2?"}, {"role": "assistant", "content": "4"},
         {"role": "user", "content": "and 3+3?"}],
    ]
    for messages in cases:
        assert G.build_chat_prompt(messages) == tok.apply_chat_template(messages, tokenize=False,
                                                                        add_generation_prompt=True)
    text = G.chat_prompt(tok, "Hello")
    assert text.endswith("<|im_start|>assistant\n")
    assert tok.convert_tokens_to_ids(["<|im_start|>", "<|im_end|>"]) == [G.IM_START_ID, G.IM_END_ID]
    assert tok.eos_token_id == G.IM_END_ID


@pytest.mark.model
def test_greedy_equals_transformers_generate(real):
    model, tok, W = real
    ids = tok(G.chat_prompt(tok, "Write one sentence about the sea.")).input_ids
    n = 20
    ours = G.generate(ids, W, n)
    ref = model.generate(torch.tensor([ids]), max_new_tokens=n, do_sample=False)[0, len(ids):].tolist()
    got = ours.tokens + ([ours.stop_token] if ours.stop_token is not None else [])  # transformers keeps eos
    assert len(got) >= 15, "the comparison should cover most of the 20 tokens"
    assert got == ref, (tok.decode(got), tok.decode(ref))


@pytest.mark.model
def test_real_cache_and_no_cache_agree_and_memory_per_token(real):
    model, tok, W = real
    ids = tok("The capital of France is").input_ids
    cache = tf.KVCache.for_weights(W)
    a = G.generate(ids, W, 10, stop_ids=(), cache=cache)
    b = G.generate(ids, W, 10, stop_ids=(), use_cache=False)
    assert a.tokens == b.tokens
    assert tok.decode(a.tokens[:1]) == " Paris"
    per_token = tf.kv_bytes_per_token(model.config)
    assert per_token == 2 * 30 * 3 * 64 * 4 == 46_080
    assert cache.nbytes() == cache.length * per_token == (len(ids) + 9) * per_token
    assert sum(k.numel() * k.element_size() for k in cache.keys + cache.values) == cache.nbytes()


# --------------------------------------------------------------------------- CUDA, bfloat16

CUDA_SAME_TOKENS = 8  # bf16 rounding may make a later near-tie flip; the first 8 must agree


@pytest.mark.model
@pytest.mark.cuda
@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU (torch.cuda.is_available() is False)")
def test_loop_on_cuda_bf16_agrees_with_cpu():
    from llmsite.model import load

    model_gpu, tok = load(device="cuda", dtype=torch.bfloat16)
    W_gpu = tf.from_hf(model_gpu)
    assert W_gpu.device.type == "cuda" and W_gpu.dtype == torch.bfloat16
    model_cpu, _ = load(device="cpu", dtype=torch.float32)
    W_cpu = tf.from_hf(model_cpu)
    ids = tok(G.chat_prompt(tok, "What is the capital of France?")).input_ids
    gpu = G.generate(ids, W_gpu, CUDA_SAME_TOKENS)
    cpu = G.generate(ids, W_cpu, CUDA_SAME_TOKENS)
    assert gpu.tokens == cpu.tokens, (tok.decode(gpu.tokens), tok.decode(cpu.tokens))
    # and with and without the cache on the GPU, and seeded sampling runs on the device
    assert G.generate(ids, W_gpu, 6, use_cache=False).tokens == gpu.tokens[:6]
    s = G.generate(ids, W_gpu, 6, temperature=0.8, seed=0)
    assert s.tokens == G.generate(ids, W_gpu, 6, temperature=0.8, seed=0).tokens
