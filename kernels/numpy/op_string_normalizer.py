"""StringNormalizer: drop stop words, then change case, on a [C] or [1, C] string tensor.

Case changes map one character to one character, as onnxruntime does through the C++ locale's
``toupper``/``tolower``: 'ß' stays 'ß' in upper case (Python's ``str.upper`` gives "SS"), 'İ'
lowers to 'i'. Python has no locale-dependent case mapping, so ``locale`` matters only where the
mapping differs: Turkish and Azeri ("tr...", "az...") map i <-> İ and ı <-> I. Any other locale
name uses the Unicode default mapping (onnxruntime fails where the locale is not installed).
Without ``is_case_sensitive``, stop words match ignoring case (both sides lower-cased). Unlike
onnx's reference, which drops stop words inside each string, stop words are whole elements, as in
onnxruntime and the spec ("removes elements specified in stopwords").
"""

from __future__ import annotations

from functools import lru_cache

from refrt.registry import kernel

from ._string_util import as_strings, object_array

_LAST_CASED = 0x20000  # every character with a case mapping lies in Unicode planes 0 and 1


@lru_cache(maxsize=None)
def _case_table(upper: bool, turkic: bool) -> dict[int, int]:
    """``str.translate`` table of the simple (one-to-one) upper- or lower-case mapping."""
    table = {}
    for cp in range(_LAST_CASED):
        c = chr(cp)
        m = c.upper() if upper else c.lower()
        if len(m) != 1:  # a full mapping of several characters: take the one-character one
            if upper:
                t = c.title()  # 'ᾀ' upper-cases to "ἈΙ", its simple mapping is the titlecase 'ᾈ'
                m = t if len(t) == 1 else c  # 'ß', 'ﬁ' ... have none: unchanged
            else:
                m = "i" if cp == 0x130 else c  # 'İ' -> "i̇"; its simple lower case is 'i'
        if m != c:
            table[cp] = ord(m)
    if turkic:
        table.update({ord("i"): 0x130} if upper else {ord("I"): 0x131, 0x130: ord("i")})
    return table


def _is_turkic(locale: str | None) -> bool:
    return bool(locale) and locale[:2].lower() in ("tr", "az")


@kernel("StringNormalizer", since=10)
def string_normalizer(x, *, case_change_action="NONE", is_case_sensitive=0, locale=None, stopwords=None):
    if case_change_action not in ("NONE", "LOWER", "UPPER"):
        raise ValueError(f"StringNormalizer: case_change_action must be NONE, LOWER or UPPER, got {case_change_action!r}")
    if not (x.ndim == 1 or (x.ndim == 2 and x.shape[0] == 1)) or x.shape[-1] == 0:
        raise ValueError(f"StringNormalizer: input shape must be [C] or [1, C] with C > 0, got {list(x.shape)}")
    strings = as_strings(x, "StringNormalizer").ravel().tolist()
    turkic = _is_turkic(locale)
    if stopwords:
        if is_case_sensitive:
            stops = set(stopwords)
            strings = [s for s in strings if s not in stops]
        else:
            lower = _case_table(False, turkic)
            stops = {w.translate(lower) for w in stopwords}
            strings = [s for s in strings if s.translate(lower) not in stops]
    if case_change_action != "NONE":
        table = _case_table(case_change_action == "UPPER", turkic)
        strings = [s.translate(table) for s in strings]
    if not strings:
        strings = [""]  # all dropped: one empty string, shape [1] or [1, 1]
    return object_array(strings, (len(strings),) if x.ndim == 1 else (1, len(strings)))
