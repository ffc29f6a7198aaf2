"""The site's machinery: what builds, serves and checks the site, never imported by a snippet.

- ``cli``            ``python -m llmsite ...`` (fetch-model, figures, widget, build, serve, ...)
- ``cpu``            the CPU kernels every recorded output is made with (``import llmsite`` pins them)
- ``snippets``       the snippet contract: find includes, run a snippet as a reader would, compare
- ``docs_tests``     the Sybil wiring that reports a failing example as ``docs/<page>.md:LINE``
- ``measurements``   benchmark fragments under ``docs/measurements/``
- ``widgets``        the tokenizer widget's build (Pyodide + our tokenizer), with ``tokenview``
- ``playground``     the browser model's build (wllama + the GGUF in shards)
- ``mkdocs_hooks``   hooks mkdocs runs while building

Nothing here may import torch at module level: the CLI and the hooks must start fast.
"""
