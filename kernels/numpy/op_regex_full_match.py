"""RegexFullMatch: whether each string matches ``pattern`` entirely (RE2 syntax, run by Python's ``re``).

The pattern is translated once so that it means in Python what it means in RE2 where the two
read the same text differently:

- ``\\d \\w \\s \\b`` (and ``\\D \\W \\S \\B``) are ASCII-only in RE2; Python's are Unicode. They
  become explicit ASCII classes (RE2's ``\\s`` is ``[\\t\\n\\f\\r ]``, without ``\\v``).
- RE2-only syntax: ``\\z`` (end of text), ``\\Q...\\E`` (literal text), ``\\x{...}`` (hex code
  point), ``[[:alpha:]]`` and the other ASCII POSIX classes inside brackets.

Look-around, atomic groups and back-references, which RE2 lacks, are refused as onnxruntime
refuses them. Left as they are (documented differences): ``\\pL``/``\\p{Greek}`` Unicode classes
are not supported (a clear error); possessive quantifiers (``a*+``) are accepted; ``\\W \\D \\S``
inside brackets keep Python's Unicode meaning; ``(?i)`` folds case as Python does.
"""

from __future__ import annotations

import re
import warnings
from functools import lru_cache

import numpy as np

from refrt.registry import kernel

from ._string_util import as_strings, map_strings

_WORD, _DIGIT, _SPACE = "0-9A-Za-z_", "0-9", r"\t\n\f\r "
_OUTSIDE = {
    "d": f"[{_DIGIT}]", "D": f"[^{_DIGIT}]", "w": f"[{_WORD}]", "W": f"[^{_WORD}]",
    "s": f"[{_SPACE}]", "S": f"[^{_SPACE}]", "b": r"(?a:\b)", "B": r"(?a:\B)", "z": r"\Z",
}
_INSIDE = {"d": _DIGIT, "w": _WORD, "s": _SPACE}
_POSIX = {
    "alnum": "0-9A-Za-z", "alpha": "A-Za-z", "ascii": r"\x00-\x7f", "blank": r"\t ",
    "cntrl": r"\x00-\x1f\x7f", "digit": "0-9", "graph": r"!-~", "lower": "a-z",
    "print": r" -~", "punct": r"!-/:-@\[-`{-~", "space": r"\t\n\v\f\r ", "upper": "A-Z",
    "word": _WORD, "xdigit": "0-9A-Fa-f",
}
_POSIX_RE = re.compile(r"\[:(\^?)([a-z]+):\]")


def _translate(pattern: str) -> str:
    """An RE2 pattern as a Python pattern with the same meaning (see the module docstring)."""
    out: list[str] = []
    i, n, in_class = 0, len(pattern), False
    while i < n:
        c = pattern[i]
        if c == "\\" and i + 1 < n:
            e = pattern[i + 1]
            if e == "Q":  # \Q...\E: literal text up to \E (or the end)
                end = pattern.find("\\E", i + 2)
                end = n if end < 0 else end
                out.append(re.escape(pattern[i + 2 : end]))
                i = end + 2
                continue
            if e == "x" and i + 2 < n and pattern[i + 2] == "{":
                end = pattern.find("}", i + 3)
                if end < 0:
                    raise ValueError(f"RegexFullMatch: unterminated \\x{{ in pattern {pattern!r}")
                out.append(f"\\U{int(pattern[i + 3 : end], 16):08x}")
                i = end + 1
                continue
            if e in "pP":
                raise ValueError(f"RegexFullMatch: Unicode classes (\\{e}) are not supported, pattern {pattern!r}")
            if not in_class and e in "123456789":
                raise ValueError(f"RegexFullMatch: back-references are not RE2 syntax, pattern {pattern!r}")
            if in_class and e in _INSIDE:
                out.append(_INSIDE[e])
            elif not in_class and e in _OUTSIDE:
                out.append(_OUTSIDE[e])
            else:
                out.append(pattern[i : i + 2])
            i += 2
            continue
        if in_class:
            m = _POSIX_RE.match(pattern, i)
            if m:
                if m.group(1) or m.group(2) not in _POSIX:
                    raise ValueError(f"RegexFullMatch: unsupported class [:{m.group(1)}{m.group(2)}:] in {pattern!r}")
                out.append(_POSIX[m.group(2)])
                i = m.end()
                continue
            if c == "]":
                in_class = False
            out.append(c)
            i += 1
            continue
        if pattern.startswith(("(?=", "(?!", "(?<=", "(?<!", "(?P=", "(?>"), i):
            raise ValueError(f"RegexFullMatch: look-around, atomic groups and back-references are not RE2 syntax, "
                             f"pattern {pattern!r}")
        if c == "[":
            in_class = True
            j = i + 1
            if j < n and pattern[j] == "^":
                j += 1
            if j < n and pattern[j] == "]":  # a ']' first in the class is a literal
                j += 1
            out.append(pattern[i:j])
            i = j
            continue
        out.append(c)
        i += 1
    return "".join(out)


@lru_cache(maxsize=256)
def _compile(pattern: str) -> re.Pattern:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", FutureWarning)  # "possible nested set" on '[[' in RE2 classes
            return re.compile(_translate(pattern))
    except re.error as e:
        raise ValueError(f"RegexFullMatch: invalid pattern {pattern!r}: {e}") from None


@kernel("RegexFullMatch", since=20)
def regex_full_match(x, *, pattern=None):
    if pattern is None:
        raise ValueError("RegexFullMatch needs the 'pattern' attribute")
    fullmatch = _compile(pattern).fullmatch
    return map_strings(lambda s: fullmatch(s) is not None, as_strings(x, "RegexFullMatch"), dtype=np.bool_)
