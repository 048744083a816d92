"""``from onnxruntime.capi.onnxruntime_pybind11_state import InvalidArgument`` works as refrt too."""

from refrt.errors import *  # noqa: F401,F403
from refrt.errors import __all__  # noqa: F401
