"""Numbers the course did not measure: published by the people who trained the models.

Every entry names its source (a paper, a model card or an announcement, with a link) and the
date of that source, and the pages print both next to the number. ``tests/test_published.py``
checks that each entry has them and that the figures built from this module show them.

Our own numbers never come from here: they come from snippets and benchmarks run against the
real model. When a figure puts ours next to these (our model's context window, the tiny GPT's
training run), the builder reads ours from the recorded output.
"""

from __future__ import annotations

from typing import NamedTuple


class Source(NamedTuple):
    title: str  # who said it, and where
    url: str
    date: str  # of the source: YYYY-MM or YYYY-MM-DD


# --------------------------------------------------------------------- chapter 12: training data
# (name, parameters, training tokens, source, date of the source)
TRAINING_DATA = [
    ("GPT-3", 175e9, 300e9, "Brown et al., Language Models are Few-Shot Learners, arXiv:2005.14165", "2020-05"),
    ("Chinchilla", 70e9, 1.4e12, "Hoffmann et al., Training Compute-Optimal LLMs, arXiv:2203.15556", "2022-03"),
    ("SmolLM2-135M", 135e6, 2e12, "SmolLM2-135M model card, huggingface.co/HuggingFaceTB/SmolLM2-135M", "2024-11"),
    ("SmolLM2-1.7B", 1.7e9, 11e12, "Allal et al., SmolLM2, arXiv:2502.02737", "2025-02"),
    ("Llama 3 8B", 8e9, 15e12, "Llama Team, The Llama 3 Herd of Models, arXiv:2407.21783 (over 15T tokens)", "2024-07"),
    ("Llama 3 405B", 405e9, 15.6e12, "Llama Team, The Llama 3 Herd of Models, arXiv:2407.21783", "2024-07"),
]


# --------------------------------------------------------------------- chapter 12: what a run takes


class TrainingRun(NamedTuple):
    name: str
    parameters: float  # used per token: the active parameters of a mixture of experts
    tokens: float
    hardware: str  # as the source states it
    gpu_hours: float | None  # None: the source does not say
    reported: str  # anything else the source reports (FLOPs, cost), in its own terms
    source: Source


_SMOL_135M = Source("SmolLM2-135M model card (Training: 2T tokens, 64 H100)",
                    "https://huggingface.co/HuggingFaceTB/SmolLM2-135M", "2024-11")
_SMOL_17B = Source("SmolLM2-1.7B model card (Training: 11T tokens, 256 H100)",
                   "https://huggingface.co/HuggingFaceTB/SmolLM2-1.7B", "2024-11")
_LLAMA3 = Source("Meta, Llama 3 model card (Carbon footprint table)",
                 "https://github.com/meta-llama/llama3/blob/main/MODEL_CARD.md", "2024-04-18")
_LLAMA31 = Source("Meta, Llama 3.1 model card; Llama Team, The Llama 3 Herd of Models, arXiv:2407.21783",
                  "https://arxiv.org/abs/2407.21783", "2024-07")
_DEEPSEEK_V3 = Source("DeepSeek-AI, DeepSeek-V3 Technical Report, arXiv:2412.19437",
                      "https://arxiv.org/abs/2412.19437", "2024-12")

TRAINING_RUNS = [
    TrainingRun("SmolLM2-135M", 135e6, 2e12, "64 H100", None, "", _SMOL_135M),
    TrainingRun("SmolLM2-1.7B", 1.7e9, 11e12, "256 H100", None, "", _SMOL_17B),
    TrainingRun("Llama 3 8B", 8e9, 15e12, "H100-80GB", 1.3e6, "", _LLAMA3),
    TrainingRun("Llama 3 70B", 70e9, 15e12, "H100-80GB", 6.4e6, "", _LLAMA3),
    TrainingRun("DeepSeek-V3", 37e9, 14.8e12, "H800", 2.788e6,
                "671B parameters in all, 37B used per token; $5.576M at an assumed $2 per GPU-hour, "
                "the final run only", _DEEPSEEK_V3),
    TrainingRun("Llama 3.1 405B", 405e9, 15.6e12, "up to 16K H100", 30.84e6, "3.8 × 10^25 FLOPs", _LLAMA31),
]


# --------------------------------------------------------------------- chapter 13: context windows


class Window(NamedTuple):
    model: str
    tokens: int
    announced: str  # the size as the source writes it
    open_weights: bool
    source: Source


CONTEXT_WINDOWS = [
    Window("GPT-2", 1024, "1,024", True,
           Source("Radford et al., Language Models are Unsupervised Multitask Learners",
                  "https://cdn.openai.com/better-language-models/language_models_are_unsupervised_multitask_learners.pdf",
                  "2019-02")),
    Window("GPT-3", 2048, "2,048", False,
           Source("Brown et al., Language Models are Few-Shot Learners, arXiv:2005.14165",
                  "https://arxiv.org/abs/2005.14165", "2020-05")),
    Window("LLaMA", 2048, "2,048", True,
           Source("Touvron et al., LLaMA, arXiv:2302.13971 (its 2,048 is stated in the Llama 2 paper, arXiv:2307.09288, A.2.1)", "https://arxiv.org/abs/2302.13971", "2023-02")),
    Window("GPT-4-32k", 32768, "32,768", False,
           Source("OpenAI, GPT-4 announcement", "https://openai.com/research/gpt-4", "2023-03-14")),
    Window("Claude", 100_000, "100K", False,
           Source("Anthropic, Introducing 100K Context Windows", "https://www.anthropic.com/news/100k-context-windows",
                  "2023-05-11")),
    Window("Llama 2", 4096, "4,096", True,
           Source("Touvron et al., Llama 2, arXiv:2307.09288", "https://arxiv.org/abs/2307.09288", "2023-07")),
    Window("GPT-4 Turbo", 128_000, "128K", False,
           Source("OpenAI, New models and developer products announced at DevDay",
                  "https://openai.com/blog/new-models-and-developer-products-announced-at-devday", "2023-11-06")),
    Window("Claude 2.1", 200_000, "200K", False,
           Source("Anthropic, Introducing Claude 2.1", "https://www.anthropic.com/news/claude-2-1", "2023-11-21")),
    Window("Gemini 1.5 Pro", 1_000_000, "1M", False,
           Source("Google, Our next-generation model: Gemini 1.5",
                  "https://blog.google/technology/ai/google-gemini-next-generation-model-february-2024/",
                  "2024-02-15")),
    Window("Llama 3", 8192, "8,192", True, _LLAMA3),
    Window("Llama 3.1", 128_000, "128K", True, _LLAMA31),
    Window("GPT-4.1", 1_000_000, "1M", False,
           Source("OpenAI, Introducing GPT-4.1 in the API", "https://openai.com/index/gpt-4-1/", "2025-04-14")),
    Window("Llama 4 Scout", 10_000_000, "10M", True,
           Source("Meta, The Llama 4 herd", "https://ai.meta.com/blog/llama-4-multimodal-intelligence/", "2025-04-05")),
]


# --------------------------------------------------------------------- chapter 14: what size buys


class Benchmark(NamedTuple):
    name: str
    tests: str  # in a few words, for the reader
    chance: float  # the score of a blind guess: 1 / number of options (0 for free answers)


BENCHMARKS = [
    Benchmark("HellaSwag", "pick the sensible ending of a scene (4 options)", 0.25),
    Benchmark("ARC", "grade-school science questions, mostly 4 options (mean of the easy and challenge sets)", 0.25),
    Benchmark("PIQA", "physical common sense: which of 2 ways works", 0.5),
    Benchmark("WinoGrande", "who does the pronoun mean? (2 options)", 0.5),
    Benchmark("OpenBookQA", "science facts applied (4 options)", 0.25),
    Benchmark("TriviaQA", "trivia, answer written out", 0.0),
    Benchmark("GSM8K", "grade-school maths word problems, answer written out", 0.0),
]

_SMOL_135M_EVAL = Source("SmolLM2-135M model card, Evaluation, base model (zero-shot, lighteval)",
                         "https://huggingface.co/HuggingFaceTB/SmolLM2-135M", "2024-11")
_SMOL_360M_EVAL = Source("SmolLM2-360M model card, Evaluation, base model (zero-shot, lighteval)",
                         "https://huggingface.co/HuggingFaceTB/SmolLM2-360M", "2024-11")
_SMOL_17B_EVAL = Source("SmolLM2-1.7B model card, Evaluation, base model (zero-shot, lighteval)",
                        "https://huggingface.co/HuggingFaceTB/SmolLM2-1.7B", "2024-11")
_LLAMA2_EVAL = Source("Touvron et al., Llama 2, arXiv:2307.09288, Tables 20 and 25 (Meta's own harness)",
                      "https://arxiv.org/abs/2307.09288", "2023-07")


class Scores(NamedTuple):
    model: str
    parameters: float
    scores: dict  # benchmark name -> percent, or None where the source has no comparable number
    notes: dict  # benchmark name -> how the source ran it, where that differs from zero-shot
    source: Source


# ARC: SmolLM2's cards report the average of ARC-Easy and ARC-Challenge; Llama 2's paper gives
# the two (80.2 and 57.4), and the row below is their average. GSM8K is 5-shot in the SmolLM2
# cards and 8-shot in the Llama 2 paper. The Llama 2 paper's TriviaQA is 1-shot on a different
# split, so that cell stays empty rather than pretending to be comparable.
SIZE_SCORES = [
    Scores("SmolLM2-135M", 135e6,
           {"HellaSwag": 42.1, "ARC": 43.9, "PIQA": 68.4, "WinoGrande": 51.3,
            "OpenBookQA": 34.6, "TriviaQA": 4.1, "GSM8K": 1.4},
           {"GSM8K": "5-shot"}, _SMOL_135M_EVAL),
    Scores("SmolLM2-360M", 360e6,
           {"HellaSwag": 54.5, "ARC": 53.0, "PIQA": 71.7, "WinoGrande": 52.5,
            "OpenBookQA": 37.4, "TriviaQA": 16.9, "GSM8K": 3.2},
           {"GSM8K": "5-shot"}, _SMOL_360M_EVAL),
    Scores("SmolLM2-1.7B", 1.7e9,
           {"HellaSwag": 68.7, "ARC": 60.5, "PIQA": 77.6, "WinoGrande": 59.4,
            "OpenBookQA": 42.2, "TriviaQA": 36.7, "GSM8K": 31.0},
           {"GSM8K": "5-shot"}, _SMOL_17B_EVAL),
    Scores("Llama 2 70B", 70e9,
           {"HellaSwag": 85.3, "ARC": round((80.2 + 57.4) / 2, 1), "PIQA": 82.8,
            "WinoGrande": 80.2, "OpenBookQA": 60.2, "TriviaQA": None, "GSM8K": 56.8},
           {"ARC": "mean of 80.2 and 57.4", "GSM8K": "8-shot",
            "TriviaQA": "not on a comparable setup"}, _LLAMA2_EVAL),
]


def all_sources() -> list[Source]:
    """Every source this module cites (for the tests and the pages' source lists)."""
    found = [r.source for r in TRAINING_RUNS] + [w.source for w in CONTEXT_WINDOWS] + [s.source for s in SIZE_SCORES]
    found += [c.source for c in STRUCTURED_OUTPUT] + [p.source for p in CACHE_PRICES] + [c.source for c in LORA_CLAIMS]
    out = []
    for s in found:
        if s not in out:
            out.append(s)
    return out


# --------------------------------------------------------------------- chapter 16: structured output and tools


class Claim(NamedTuple):
    topic: str
    says: str  # what the source says, in our words
    source: Source


STRUCTURED_OUTPUT = [
    Claim("SmolLM2 and tools",
          "The instruct models were tuned for rewriting, summarising and function calling; function calling is "
          "listed for the 1.7B model, not the 135M one.",
          Source("SmolLM2-135M-Instruct model card", "https://huggingface.co/HuggingFaceTB/SmolLM2-135M-Instruct",
                 "2024-11")),
    Claim("SmolLM2's tool-call format",
          "Tools are listed as JSON inside <tools>…</tools> in the system prompt; the model answers with a JSON list "
          "of {\"name\", \"arguments\"} objects inside <tool_call>…</tool_call>.",
          Source("SmolLM2-1.7B-Instruct, instructions_function_calling.md",
                 "https://huggingface.co/HuggingFaceTB/SmolLM2-1.7B-Instruct/blob/main/instructions_function_calling.md",
                 "2024-11-04")),
    Claim("OpenAI function calling",
          "Developers describe functions to the model; it answers with a JSON object of arguments for one of them, "
          "and the application calls the function and sends the result back.",
          Source("OpenAI, Function calling and other API updates",
                 "https://openai.com/index/function-calling-and-other-api-updates/", "2023-06-13")),
    Claim("OpenAI Structured Outputs",
          "With strict: true the output follows the given JSON schema by constrained decoding (tokens that would "
          "break the schema are not allowed); on OpenAI's eval of complex schemas gpt-4o-2024-08-06 scored 100%, "
          "gpt-4-0613 under 40% without it.",
          Source("OpenAI, Introducing Structured Outputs in the API",
                 "https://openai.com/index/introducing-structured-outputs-in-the-api/", "2024-08-06")),
    Claim("Anthropic tool use",
          "Tools are given with a name, a description and a JSON input schema; a call comes back as a tool_use "
          "content block with an input object, and the result goes back as a tool_result block in a user message.",
          Source("Anthropic, Tool use with Claude (generally available)",
                 "https://docs.anthropic.com/en/docs/build-with-claude/tool-use", "2024-05-30")),
]


# --------------------------------------------------------------------- chapter 17: prompt caching prices


class CachePrice(NamedTuple):
    """List prices in US dollars per million tokens, as the source printed them on its date."""

    provider: str
    model: str
    input: float  # an input token read fresh
    cache_write: float  # an input token written to the cache (= input where writing costs nothing extra)
    cache_read: float  # an input token read from the cache
    output: float
    source: Source


_ANTHROPIC_CACHING = Source("Anthropic, Prompt caching with Claude (public beta; price table)",
                            "https://www.anthropic.com/news/prompt-caching", "2024-08-14")
_OPENAI_CACHING = Source("OpenAI, Prompt Caching in the API (automatic on prompts over 1,024 tokens; price table)",
                         "https://openai.com/index/api-prompt-caching/", "2024-10-01")

CACHE_PRICES = [
    CachePrice("Anthropic", "Claude 3.5 Sonnet", 3.00, 3.75, 0.30, 15.00, _ANTHROPIC_CACHING),
    CachePrice("Anthropic", "Claude 3 Haiku", 0.25, 0.30, 0.03, 1.25, _ANTHROPIC_CACHING),
    CachePrice("OpenAI", "GPT-4o (2024-08-06)", 2.50, 2.50, 1.25, 10.00, _OPENAI_CACHING),
    CachePrice("OpenAI", "GPT-4o mini", 0.15, 0.15, 0.075, 0.60, _OPENAI_CACHING),
]


# --------------------------------------------------------------------- chapter 18: LoRA

LORA_PAPER = Source("Hu et al., LoRA: Low-Rank Adaptation of Large Language Models, arXiv:2106.09685 (abstract)",
                    "https://arxiv.org/abs/2106.09685", "2021-06")


class PaperClaim(NamedTuple):
    what: str  # the claim, in the source's terms
    source: Source


# What the LoRA paper reports for GPT-3 175B against full fine-tuning with Adam (its abstract).
LORA_CLAIMS = [
    PaperClaim("trainable parameters: about 10,000 times fewer", LORA_PAPER),
    PaperClaim("GPU memory needed for training: about 3 times less", LORA_PAPER),
    PaperClaim("model quality: on par with or better than full fine-tuning on RoBERTa, DeBERTa, GPT-2 and GPT-3",
          LORA_PAPER),
    PaperClaim("no additional inference latency (the adapters can be merged into the weights)", LORA_PAPER),
]
