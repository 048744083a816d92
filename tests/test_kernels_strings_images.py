"""String, text and image kernels: StringConcat, StringSplit, StringNormalizer, RegexFullMatch,
TfIdfVectorizer (against onnxruntime) and ImageDecoder (onnxruntime has none: checked against the
pixels the test encoded, through Pillow)."""

from __future__ import annotations

import io
import sys

import numpy as np
import pytest
from oracle import check_node, make_model, run_ort, run_refrt
from onnx import helper

import refrt


def strings(*values, shape=None) -> np.ndarray:
    a = np.array(list(values), dtype=object)
    return a.reshape(shape) if shape is not None else a


def run_node(op, inputs, attrs=None, *, opset, n_outputs=1, dynamic=False):
    """refrt's outputs of one node (for behaviour onnxruntime does not share); ``dynamic`` leaves
    the shapes unknown, so that bad shapes reach the kernel instead of shape inference."""
    outs = [f"out{i}" for i in range(n_outputs)]
    node = helper.make_node(op, list(inputs), outs, **(attrs or {}))
    model = make_model([node], inputs, outs, opset=opset)
    if dynamic:
        for vi in list(model.graph.input) + list(model.graph.output):
            vi.type.tensor_type.ClearField("shape")
    return run_refrt(model, inputs)


# --- StringConcat ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "x, y",
    [
        (strings("abc", "def"), strings(".com", ".net")),
        (strings("cat", "dog", "snake"), strings("s")),  # broadcast
        (strings("a", "b", "c", "d", shape=(2, 2)), strings("x", "y")),
        (np.array("cat", dtype=object), np.array("s", dtype=object)),  # 0-d
        (strings("", "abc"), strings("abc", "")),
        (strings("的", "ß"), strings("中", "\u00e9")),
        (strings(shape=(0, 2)), strings("x", "y")),
    ],
)
def test_string_concat_matches_onnxruntime(x, y):
    check_node("StringConcat", {"X": x, "Y": y}, opset=20)


def test_string_concat_of_a_0d_pair_is_a_0d_tensor():
    (out,) = run_node("StringConcat", {"X": np.array("a", dtype=object), "Y": np.array("b", dtype=object)}, opset=20)
    assert isinstance(out, np.ndarray) and out.shape == () and out[()] == "ab"


# --- StringSplit ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "x, attrs",
    [
        (strings("abc.com", "def.net"), {"delimiter": "."}),
        (strings("o-n-n--x-", "o-n----nx"), {"delimiter": "-"}),
        (strings("abcabc", "", "ab", "bc"), {"delimiter": "bc"}),
        (strings("abcabc", "", "ab"), {"delimiter": "bc", "maxsplit": 1}),
        (strings("abcabc", "ab"), {"delimiter": "bc", "maxsplit": 0}),
        (strings("abcabc", "ab"), {"delimiter": "bc", "maxsplit": -3}),  # negative: no limit
        (strings("  hello   world ! ", " a", "", "   "), {}),
        (strings("  hello   world ! ", " a", "", "   "), {"delimiter": ""}),
        (strings("a  b  c ", " a  b  c", "a b"), {"maxsplit": 1}),  # the rest loses trailing spaces
        (strings("a  b  c ", "a b"), {"maxsplit": 2}),
        (strings("   ", "a  b"), {"delimiter": " "}),
        (strings("hello world", "def.net", "o n n x", "the quick brown fox", shape=(2, 2)), {"maxsplit": 2}),
        (np.array("a b c", dtype=object), {}),
        (strings(shape=(0,)), {}),
        (strings(shape=(2, 0)), {"delimiter": ","}),
        (strings("", ""), {}),
    ],
)
def test_string_split_matches_onnxruntime(x, attrs):
    check_node("StringSplit", {"X": x}, attrs, opset=20, n_outputs=2)


def test_string_split_without_delimiter_splits_on_any_whitespace():
    # The spec (and onnx's reference) say "whitespace characters"; onnxruntime splits on ' ' only.
    out, counts = run_node("StringSplit", {"X": strings("a\tb\nc", " x\u3000y\r\n")}, opset=20, n_outputs=2)
    np.testing.assert_array_equal(out, strings("a", "b", "c", "x", "y", "", shape=(2, 3)))
    np.testing.assert_array_equal(counts, np.array([3, 2], dtype=np.int64))


# --- StringNormalizer -----------------------------------------------------------------------------

# onnxruntime builds a C++ locale from `locale` (default en_US.UTF-8) and fails where it is not
# installed; C.UTF-8 is there on every glibc system.
LOCALE = "C.UTF-8"


def check_normalizer(x, **attrs):
    attrs.setdefault("locale", LOCALE)
    model = make_model([helper.make_node("StringNormalizer", ["X"], ["Y"], **attrs)], {"X": x}, ["Y"], opset=10)
    try:
        expected = run_ort(model, {"X": x})
    except Exception as e:  # noqa: BLE001
        if "locale" in str(e):
            pytest.skip(f"onnxruntime lacks the locale {attrs['locale']!r} here")
        raise
    got = run_refrt(model, {"X": x})
    assert got[0].dtype == object and got[0].shape == expected[0].shape
    assert got[0].tolist() == expected[0].tolist()


WEEK = strings("monday", "tuesday", "Monday", "MONDAY tuesday", "wednesday")


@pytest.mark.parametrize(
    "x, attrs",
    [
        (WEEK, {}),
        (WEEK, {"case_change_action": "UPPER"}),
        (WEEK, {"case_change_action": "LOWER"}),
        (WEEK, {"stopwords": ["monday"], "is_case_sensitive": 1}),
        (WEEK, {"stopwords": ["monday"], "is_case_sensitive": 0}),
        (WEEK, {"stopwords": ["MONDAY", "x"], "is_case_sensitive": 0, "case_change_action": "LOWER"}),
        (WEEK.reshape(1, -1), {"stopwords": ["monday"], "case_change_action": "UPPER"}),
        (strings("monday", "monday"), {"stopwords": ["monday"], "is_case_sensitive": 1}),  # all dropped: [""]
        (strings("Monday", shape=(1, 1)), {"stopwords": ["monday"]}),  # all dropped: [[""]]
        # one character to one: 'ß' and 'ﬁ' keep, 'ᾀ' -> 'ᾈ', 'ǅ' -> 'Ǆ'/'ǆ', 'İ' -> 'i'
        (strings("straße ﬁ ᾀ ǅ", "İstanbul ı Σς", "Ⅻ ⓐ 𐐀 Ａ"), {"case_change_action": "UPPER"}),
        (strings("straße ﬁ ᾀ ǅ", "İstanbul ı Σς", "Ⅻ ⓐ 𐐀 Ａ"), {"case_change_action": "LOWER"}),
        (strings("É", "é", "e"), {"stopwords": ["é"], "is_case_sensitive": 0}),
        (strings("İSTANBUL", "istanbul"), {"stopwords": ["İstanbul"], "is_case_sensitive": 0}),
    ],
)
def test_string_normalizer_matches_onnxruntime(x, attrs):
    check_normalizer(x, **attrs)


def test_string_normalizer_turkish_locale_maps_dotted_and_dotless_i():
    # Python has no locale-aware case mapping; the kernel tailors i/İ/ı/I itself for tr and az.
    x = strings("istanbul", "IŞIK")
    (up,) = run_node("StringNormalizer", {"X": x}, {"case_change_action": "UPPER", "locale": "tr_TR"}, opset=10)
    (low,) = run_node("StringNormalizer", {"X": x}, {"case_change_action": "LOWER", "locale": "tr_TR.UTF-8"}, opset=10)
    assert up.tolist() == ["İSTANBUL", "IŞIK"]
    assert low.tolist() == ["istanbul", "ışık"]


@pytest.mark.parametrize(
    "x, attrs, message",
    [
        (strings("a", "b", shape=(2, 1)), {}, "shape must be"),
        (strings(shape=(0,)), {}, "shape must be"),
        (strings("a"), {"case_change_action": "TITLE"}, "case_change_action"),
    ],
)
def test_string_normalizer_rejects_bad_input(x, attrs, message):
    with pytest.raises(refrt.errors.Fail, match=message):
        run_node("StringNormalizer", {"X": x}, attrs, opset=10, dynamic=True)


# --- RegexFullMatch -------------------------------------------------------------------------------

TEXTS = strings("www.google.com", "www.bbc.co.uk", "été", "ÉTÉ", "é9", "a_b", "١٢", "a\u00a0b", "a\n", "", "A-Z", "[x]")


@pytest.mark.parametrize(
    "pattern",
    [
        r"www\.[\w.-]+\.\bcom\b",
        r"(\W|^)[\w.\-]{0,25}@(yahoo|gmail)\.com(\W|$)",
        r"\w+",  # ASCII-only in RE2: 'été' does not match, unlike Python's default
        r"\W\w\d",
        r"\d+",  # Arabic-Indic digits are not \d in RE2
        r"a\sb",  # no-break space is not \s in RE2
        r"\S+",
        r"(?i)été",  # case folding stays Unicode
        r"[[:alpha:]_]+",
        r"[[:upper:]-]+",
        r"[^[:space:]]*",
        r"a\z",
        r"a$",
        r"\x{e9}t\x{E9}",
        r"\Q[x]\E",
        r"[\w]+",
        r"[]x[]+",
        r".*",
        r"",
        r"(?P<word>[a-z]+)\.(\(x\)|[?=])*",
    ],
)
def test_regex_full_match_matches_onnxruntime(pattern):
    check_node("RegexFullMatch", {"X": TEXTS}, {"pattern": pattern}, opset=20)


def test_regex_full_match_keeps_shape():
    check_node("RegexFullMatch", {"X": TEXTS[:6].reshape(2, 3)}, {"pattern": r"[a-z.]+"}, opset=20)
    check_node("RegexFullMatch", {"X": strings(shape=(2, 0))}, {"pattern": "a"}, opset=20)


@pytest.mark.parametrize(
    "pattern, message",
    [
        ("(a", "invalid pattern"),
        (r"\pL+", "Unicode classes"),
        # Python's re has these, RE2 (and so onnxruntime) refuses them
        (r"(a)\1", "not RE2 syntax"),
        (r"a(?=b)b", "not RE2 syntax"),
        (r"(?<!x)a", "not RE2 syntax"),
        (r"(?P<n>a)(?P=n)", "not RE2 syntax"),
    ],
)
def test_regex_full_match_reports_a_pattern_it_cannot_compile(pattern, message):
    with pytest.raises(refrt.errors.Fail, match=message):
        run_node("RegexFullMatch", {"X": strings("a")}, {"pattern": pattern}, opset=20)


# --- TfIdfVectorizer ------------------------------------------------------------------------------

INT_ROWS = np.array([[1, 1, 3, 3, 3, 7], [8, 6, 7, 5, 6, 8]], dtype=np.int32)
INT_POOL = dict(ngram_counts=[0, 4], pool_int64s=[2, 3, 5, 4, 5, 6, 7, 8, 6, 7], ngram_indexes=[0, 1, 2, 3, 4, 5, 6])
WEIGHTS = [0.5, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0]


@pytest.mark.parametrize("mode", ["TF", "IDF", "TFIDF"])
@pytest.mark.parametrize("weights", [None, WEIGHTS])
@pytest.mark.parametrize("grams, skip", [((1, 1), 0), ((2, 2), 0), ((1, 2), 0), ((2, 2), 5), ((1, 2), 3), ((1, 2), 1)])
def test_tfidf_int_pool_matches_onnxruntime(mode, weights, grams, skip):
    attrs = dict(INT_POOL, mode=mode, min_gram_length=grams[0], max_gram_length=grams[1], max_skip_count=skip)
    if weights:
        attrs["weights"] = weights
    check_node("TfIdfVectorizer", {"X": INT_ROWS}, attrs, opset=9)
    check_node("TfIdfVectorizer", {"X": INT_ROWS[1].astype(np.int64)}, attrs, opset=9)


def test_tfidf_ngram_indexes_place_columns_and_weights_follow_the_pool():
    # weights[i] scales the i-th pool n-gram (wherever ngram_indexes puts it), as onnxruntime does
    for indexes in ([6, 5, 4, 3, 2, 1, 0], [0, 2, 4, 6, 8, 10, 12]):
        attrs = dict(INT_POOL, ngram_indexes=indexes, mode="TFIDF", weights=WEIGHTS,
                     min_gram_length=1, max_gram_length=2, max_skip_count=1)
        check_node("TfIdfVectorizer", {"X": INT_ROWS}, attrs, opset=9)


def test_tfidf_string_pool_with_trigrams_matches_onnxruntime():
    rows = strings("a", "b", "c", "a", "b", "x", "b", "c", "b", "c", "a", "q", shape=(2, 6))
    attrs = dict(
        ngram_counts=[0, 3, 7], pool_strings=["a", "b", "zz", "a", "b", "b", "c", "a", "b", "c"],
        ngram_indexes=[3, 2, 1, 0, 4, 5], mode="TF", min_gram_length=1, max_gram_length=3, max_skip_count=1,
    )
    check_node("TfIdfVectorizer", {"X": rows}, attrs, opset=9)
    check_node("TfIdfVectorizer", {"X": rows}, dict(attrs, min_gram_length=2), opset=9)


def test_tfidf_random_rows_match_onnxruntime():
    rng = np.random.default_rng(7)
    rows = rng.integers(0, 8, size=(20, 40)).astype(np.int64)
    unigrams = [0, 2, 3, 5]
    bigrams = np.unique(rng.integers(0, 8, size=(12, 2)), axis=0)
    trigrams = np.unique(rng.integers(0, 4, size=(10, 3)), axis=0)
    pool = unigrams + bigrams.ravel().tolist() + trigrams.ravel().tolist()
    n = len(unigrams) + len(bigrams) + len(trigrams)
    attrs = dict(ngram_counts=[0, 4, 4 + bigrams.size], pool_int64s=pool, ngram_indexes=rng.permutation(n).tolist(),
                 weights=rng.uniform(0.5, 2, n).tolist(), min_gram_length=1, max_gram_length=3, max_skip_count=3)
    for mode in ("TF", "IDF", "TFIDF"):
        check_node("TfIdfVectorizer", {"X": rows}, dict(attrs, mode=mode), opset=9)


def test_tfidf_window_matching_agrees_with_and_without_integer_keys():
    # n-grams over a vocabulary too large for int64 keys are matched by np.unique over rows instead
    from refrt.kernels.numpy.op_tf_idf_vectorizer import _match

    grams = np.array([[0, 1, 2], [2, 2, 2], [1, 0, 5]])
    windows = np.array([[2, 2, 2], [0, 1, 2], [-1, 1, 2], [1, 0, 5], [5, 5, 5], [0, 1, -1]])
    for vocab_size in (6, 2**40):
        np.testing.assert_array_equal(_match(windows, grams, vocab_size), [1, 0, -1, 2, -1, -1])


def test_tfidf_empty_rows_give_zeros():
    attrs = dict(INT_POOL, mode="TF", min_gram_length=1, max_gram_length=2, max_skip_count=0)
    check_node("TfIdfVectorizer", {"X": np.zeros((2, 0), dtype=np.int64)}, attrs, opset=9)


@pytest.mark.parametrize(
    "change, message",
    [
        ({"pool_int64s": [2, 3, 5, 4, 5, 6, 7, 8, 6]}, "whole 2-grams"),
        ({"pool_int64s": [3, 3, 5, 4, 5, 6, 7, 8, 6, 7]}, "repeats a 1-gram"),
        ({"ngram_indexes": [0, 1, 2]}, "ngram_indexes has 3"),
        ({"weights": [1.0]}, "1 weights for 7"),
        ({"mode": "BM25"}, "mode must be"),
    ],
)
def test_tfidf_rejects_an_inconsistent_pool(change, message):
    attrs = dict(INT_POOL, mode="TF", min_gram_length=1, max_gram_length=2, max_skip_count=0, **{})
    attrs.update(change)
    with pytest.raises(refrt.errors.Fail, match=message):
        run_node("TfIdfVectorizer", {"X": INT_ROWS}, attrs, opset=9)


# --- ImageDecoder ---------------------------------------------------------------------------------

PIL = pytest.importorskip("PIL.Image")
RNG = np.random.default_rng(0)
PIXELS = RNG.integers(0, 256, size=(5, 7, 3), dtype=np.uint8)


def encode(array: np.ndarray, fmt: str, mode: str | None = None) -> np.ndarray:
    buffer = io.BytesIO()
    image = PIL.fromarray(array)
    if mode:
        image = image.convert(mode)
    image.save(buffer, format=fmt)
    return np.frombuffer(buffer.getvalue(), dtype=np.uint8)


def decode(stream: np.ndarray, pixel_format: str | None = None) -> np.ndarray:
    attrs = {"pixel_format": pixel_format} if pixel_format else {}
    return run_node("ImageDecoder", {"encoded_stream": stream}, attrs, opset=20)[0]


def luma(rgb: np.ndarray) -> np.ndarray:
    """ITU-R 601-2 luma in Pillow's fixed point: (19595 R + 38470 G + 7471 B + 2^15) >> 16."""
    r, g, b = (rgb[..., i].astype(np.uint32) for i in range(3))
    return ((19595 * r + 38470 * g + 7471 * b + 0x8000) >> 16).astype(np.uint8)[..., None]


@pytest.mark.parametrize("fmt", ["PNG", "BMP", "TIFF", "PPM"])
def test_image_decoder_returns_the_encoded_pixels_of_lossless_formats(fmt):
    stream = encode(PIXELS, fmt)
    out = decode(stream)
    assert out.dtype == np.uint8 and out.flags.writeable
    np.testing.assert_array_equal(out, PIXELS)
    np.testing.assert_array_equal(decode(stream, "BGR"), PIXELS[:, :, ::-1])
    np.testing.assert_array_equal(decode(stream, "Grayscale"), luma(PIXELS))


def test_image_decoder_converts_other_modes():
    np.testing.assert_array_equal(decode(encode(PIXELS, "PNG", "RGBA")), PIXELS)  # alpha dropped
    gray = PIXELS[:, :, 0]
    np.testing.assert_array_equal(decode(encode(gray, "PNG")), np.repeat(gray[:, :, None], 3, axis=2))
    np.testing.assert_array_equal(decode(encode(gray, "PNG"), "Grayscale"), gray[:, :, None])
    deep = (gray.astype(np.uint16) << 8) | 0xAB  # 16-bit: the high byte is kept
    np.testing.assert_array_equal(decode(encode(deep, "PNG"), "Grayscale"), gray[:, :, None])


def test_image_decoder_jpeg_is_close_to_the_source():
    out = decode(encode(np.repeat(np.repeat(PIXELS, 4, 0), 4, 1), "JPEG"))
    assert out.shape == (20, 28, 3)
    assert np.abs(out.astype(int) - np.repeat(np.repeat(PIXELS, 4, 0), 4, 1)).mean() < 40


@pytest.mark.parametrize("pixel_format, channels", [("RGB", 3), ("Grayscale", 1)])
def test_image_decoder_gives_an_empty_image_for_an_undecodable_stream(pixel_format, channels):
    bad = np.frombuffer(b"not an image at all", dtype=np.uint8)
    out = decode(bad, pixel_format)
    assert out.shape == (0, 0, channels) and out.dtype == np.uint8
    assert decode(encode(PIXELS, "PNG")[:40]).shape == (0, 0, 3)  # truncated


def test_image_decoder_rejects_an_unknown_pixel_format():
    with pytest.raises(refrt.errors.Fail, match="pixel_format"):
        decode(encode(PIXELS, "PNG"), "CMYK")


def test_image_decoder_without_pillow_says_how_to_install_it(monkeypatch):
    stream = encode(PIXELS, "PNG")
    monkeypatch.setitem(sys.modules, "PIL", None)  # "from PIL import Image" now raises ImportError
    with pytest.raises(refrt.errors.Fail, match=r"pip install refrt\[image\]"):
        decode(stream)
