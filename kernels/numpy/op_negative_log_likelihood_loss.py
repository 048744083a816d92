"""NegativeLogLikelihoodLoss: -input[n, target[n, d...], d...], weighted, ignoring ``ignore_index``,
reduced by "none", "sum" or "mean" (weighted mean). Revisions 13 and 22 only reword the text and
add bfloat16, so one kernel serves all; float16/bfloat16 compute in float32."""

from __future__ import annotations

import numpy as np

from refrt.registry import kernel

from ._elementwise_util import as_array, narrow, widen
from ._loss_util import nll_loss


@kernel("NegativeLogLikelihoodLoss", since=12)
def negative_log_likelihood_loss(input, target, weight=None, *, ignore_index=None, reduction="mean"):  # noqa: A002
    loss = nll_loss(widen(input), target, weight, reduction, ignore_index, "NegativeLogLikelihoodLoss")
    return as_array(narrow(loss, input.dtype))
