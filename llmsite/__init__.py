"""How LLMs Work: the small package behind the site.

Modules, each about one thing:

- ``llmsite.model``    obtain, convert, cache and load SmolLM2-135M-Instruct
- ``llmsite.predict``  next-token probabilities from a loaded model
- ``llmsite.figures``  deterministic SVG figures and their manifest
- ``llmsite.cli``      ``python -m llmsite ...``
- ``llmsite.cpu``      the CPU kernels every recorded output is made with (pinned on import)
"""

from llmsite import cpu as _cpu

# Before torch computes anything: the same kernels on every x86-64 CPU (DESIGN §5e).
_cpu.pin()

__version__ = "0.1.0"
