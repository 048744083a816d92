"""Graph passes: small functions ``Graph -> Graph``, one per file, named for what they do.

Which pass runs at which optimization level, and in what order, is decided in one place:
``refrt/levels.py``.
"""
