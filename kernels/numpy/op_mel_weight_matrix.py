"""MelWeightMatrix: triangular filters, evenly spaced on the mel scale, over the bins of a onesided DFT.

The filter edges follow onnx's reference to the letter (the mel edges in the input's float type, the
rest in float64, floored to bin indices), since one ulp moves an edge by a whole bin.
"""

from __future__ import annotations

import numpy as np

from refrt.registry import kernel
from refrt.types import np_dtype

from ._elementwise_util import NARROW_FLOATS
from ._tensor_util import scalar_of


@kernel("MelWeightMatrix", since=17)
def mel_weight_matrix(num_mel_bins, dft_length, sample_rate, lower_edge_hertz, upper_edge_hertz, *,
                      output_datatype=1):
    mel_bins = int(scalar_of(num_mel_bins, "MelWeightMatrix num_mel_bins"))
    length = int(scalar_of(dft_length, "MelWeightMatrix dft_length"))
    rate = int(scalar_of(sample_rate, "MelWeightMatrix sample_rate"))
    if mel_bins < 1 or length < 1 or rate < 1:
        raise ValueError("MelWeightMatrix: num_mel_bins, dft_length and sample_rate must be positive")
    ftype = lower_edge_hertz.dtype
    ftype = np.dtype(np.float32) if ftype in NARROW_FLOATS else ftype
    low = np.asarray(scalar_of(lower_edge_hertz, "lower_edge_hertz"), ftype)
    high = np.asarray(scalar_of(upper_edge_hertz, "upper_edge_hertz"), ftype)
    if not 0 <= low < high:
        raise ValueError(f"MelWeightMatrix: need 0 <= lower_edge_hertz < upper_edge_hertz, got {low} and {high}")
    spectrogram_bins = length // 2 + 1
    low_mel = 2595 * np.log1p(low / ftype.type(700)) / np.log(10)
    high_mel = 2595 * np.log1p(high / ftype.type(700)) / np.log(10)
    points = np.arange(mel_bins + 2)
    mel_step = np.asarray((high_mel - low_mel) / points.shape[0], ftype)
    hz = 700 * np.expm1((points * mel_step + low_mel) / 2595 * np.log(10))
    edges = (((length + 1) * hz) // rate).astype(np.int64)
    left, centre, right = edges[:-2], edges[1:-1], edges[2:]
    j = np.arange(spectrogram_bins)[:, None]
    with np.errstate(divide="ignore", invalid="ignore"):
        rising = np.where(centre > left, (j - left) / (centre - left), (j == centre).astype(np.float64))
        falling = (right - j) / (right - centre)
    out = np.zeros((spectrogram_bins, mel_bins))
    out = np.where((j >= left) & (j <= centre), rising, out)
    out = np.where((j >= centre) & (j < right), falling, out)
    return out.astype(np_dtype(int(output_datatype)))
