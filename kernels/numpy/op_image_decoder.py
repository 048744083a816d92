"""ImageDecoder: decode an encoded image (BMP, JPEG, JPEG 2000, TIFF, PNG, WebP, PNM) to H x W x C uint8.

Decoding is Pillow's (the ``image`` extra: ``pip install refrt[image]``), imported on first use
so that refrt itself does not need it. As the spec says, a stream that cannot be decoded gives
an empty image, shape (0, 0, C). Grayscale uses Pillow's ITU-R 601-2 luma conversion; 16-bit
images keep their 8 most significant bits; alpha is dropped; only the first frame of a
multi-frame file is decoded; EXIF orientation is not applied (onnx's reference does the same).
"""

from __future__ import annotations

import io

import numpy as np

from refrt.registry import kernel

_CHANNELS = {"RGB": 3, "BGR": 3, "Grayscale": 1}
_SIXTEEN_BIT = ("I;16", "I;16L", "I;16B", "I;16N")


def _pillow():
    try:
        from PIL import Image
    except ImportError as e:
        raise ImportError(
            "ImageDecoder decodes images with Pillow, which is not installed: pip install refrt[image]"
        ) from e
    return Image


@kernel("ImageDecoder", since=20)
def image_decoder(encoded_stream, *, pixel_format="RGB"):
    if pixel_format not in _CHANNELS:
        raise ValueError(f"ImageDecoder: pixel_format must be RGB, BGR or Grayscale, got {pixel_format!r}")
    Image = _pillow()
    try:
        with Image.open(io.BytesIO(np.ascontiguousarray(encoded_stream, dtype=np.uint8).tobytes())) as img:
            img.load()
            if img.mode in _SIXTEEN_BIT:
                img = Image.fromarray((np.asarray(img).astype(np.uint16) >> 8).astype(np.uint8))
            decoded = np.asarray(img.convert("L" if pixel_format == "Grayscale" else "RGB"))
    except Exception:  # noqa: BLE001 - the spec: anything undecodable gives an empty image
        return np.zeros((0, 0, _CHANNELS[pixel_format]), dtype=np.uint8)
    if pixel_format == "Grayscale":
        return np.ascontiguousarray(decoded[:, :, None])
    if pixel_format == "BGR":
        return np.ascontiguousarray(decoded[:, :, ::-1])
    return np.array(decoded)  # a writeable copy: Pillow's buffer is read-only
