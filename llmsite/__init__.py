"""How LLMs Work: the small package behind the site.

The package has three wings, so that a lesson can be told from plumbing by the tree alone:

- **Lessons, at the top** — what a snippet imports, as a reader would copy it
  (``from llmsite.transformer import forward``): ``model`` (obtain, convert, cache, load
  SmolLM2-135M-Instruct), ``tokenizer`` (byte-level BPE, standard library only), ``transformer``
  (the forward pass from scratch), ``sampling``, ``generate``, ``predict``, ``train`` (a tiny GPT),
  ``recurrent`` (a tiny GRU), ``toy_bpe``, ``prompting``, ``corpus`` (the fixed texts the lessons
  read) and ``languages`` (the parallel sentences of chapter 2). ``published`` lives here too: it
  is course content, every number the course quotes but did not measure, with its source and date.
- ``llmsite.figures`` — the pictures: the registry and manifest (``figures/__init__.py``),
  ``figures/svg.py`` and one builder module per topic (``figures/attention.py``, ...).
- ``llmsite.site`` — the machinery that builds and checks the site: the snippet contract and
  its Sybil wiring, the widget and playground builds, measurements, mkdocs hooks, the CLI
  (``python -m llmsite ...``) and ``cpu`` (the pinned CPU kernels). ``cpu`` is machinery, not a
  lesson, but every entry point must pass through it, so importing ``llmsite`` calls it.
"""

from llmsite.site import cpu as _cpu

# Before torch computes anything: the same kernels on every x86-64 CPU (DESIGN §5e).
_cpu.pin()

__version__ = "0.1.0"
