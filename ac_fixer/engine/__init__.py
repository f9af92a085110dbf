"""The engine, below the rules and knowing none of them: the one pass over a module's tree
(``index``: scopes, imports and aliases, calls, references), the symbol table (``scopes``),
literal values (``literals``), argument binding (``binding``), name and mode resolution
(``resolve``), positions (``positions``) and ``# noqa`` (``noqa``).

A test (tests/test_layers.py) fails if anything here imports ``ac_fixer.rules``.
"""
