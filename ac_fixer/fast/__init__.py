"""The fast path, speed only: the byte pre-filter (``prefilter``), the stdlib-ast screens,
slicing and carrying line changes back (``screen``).

Deleting this package (letting every file through to the analysis, whole) must not change
one finding: tests/test_screen.py, tests/test_fuzz.py and benchmarks/fuzz_screens.py hold
it to that.
"""
