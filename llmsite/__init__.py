"""How LLMs Work: the small package behind the site.

Modules, each about one thing:

- ``llmsite.model``    obtain, convert, cache and load SmolLM2-135M-Instruct
- ``llmsite.predict``  next-token probabilities from a loaded model
- ``llmsite.figures``  deterministic SVG figures and their manifest
- ``llmsite.cli``      ``python -m llmsite ...``
"""

__version__ = "0.1.0"
