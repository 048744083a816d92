"""OrtValue and IOBinding, as onnxruntime's Python API has them: inputs and outputs that stay in
device memory across runs (``sess.io_binding()``, ``sess.run_with_iobinding(binding)``).

A "cuda" OrtValue holds an array of the session's device module (CuPy on a GPU, the NumPy stand-in in
tests); a "cpu" one holds a NumPy array, shared with the array it was made from as onnxruntime shares it.
With only the CPU provider IOBinding works too, on "cpu" memory.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Sequence

import numpy as np

from refrt import device as devices
from refrt.errors import InvalidArgument
from refrt.types import elem_type_of, value_type_string

if TYPE_CHECKING:
    from refrt.session import InferenceSession, RunOptions

DEVICE_TYPES = ("cpu", "cuda")


def _device_type(device_type: Any) -> str:
    name = str(device_type).lower()
    if name not in DEVICE_TYPES:
        raise InvalidArgument(f"Unsupported device type: {device_type} (refrt knows {list(DEVICE_TYPES)})")
    return name


class OrtValue:
    """A tensor in host ("cpu") or device ("cuda") memory."""

    def __init__(self, value: Any, device_name: str = "cpu", device_id: int = 0):
        self._value = value
        self._device_name = device_name
        self._device_id = int(device_id)

    def __repr__(self) -> str:
        return f"OrtValue({self.data_type()}, shape={self.shape()}, device={self._device_name}:{self._device_id})"

    @staticmethod
    def ortvalue_from_numpy(numpy_obj: np.ndarray, device_type: str = "cpu", device_id: int = 0,
                            vendor_id: int = -1) -> "OrtValue":
        """A cpu OrtValue shares ``numpy_obj``'s memory; a cuda one is a device copy."""
        kind = _device_type(device_type)
        array = np.asarray(numpy_obj)
        if kind == "cpu":
            return OrtValue(array, "cpu", device_id)
        return OrtValue(devices.default_device(device_id).upload(array), "cuda", device_id)

    @staticmethod
    def ortvalue_from_shape_and_type(shape: Sequence[int], element_type: Any, device_type: str = "cpu",
                                     device_id: int = 0, vendor_id: int = -1) -> "OrtValue":
        """An uninitialized tensor of ``shape`` and ``element_type`` (a NumPy dtype)."""
        kind = _device_type(device_type)
        dtype = np.dtype(element_type)
        if kind == "cpu":
            return OrtValue(np.empty(tuple(shape), dtype=dtype), "cpu", device_id)
        return OrtValue(devices.default_device(device_id).empty(shape, dtype), "cuda", device_id)

    def device_name(self) -> str:
        return self._device_name

    def shape(self) -> list[int]:
        return list(self._value.shape)

    def data_type(self) -> str:
        return value_type_string(np.empty(0, dtype=self._value.dtype))

    def element_type(self) -> int:
        return elem_type_of(np.empty(0, dtype=self._value.dtype))

    def has_value(self) -> bool:
        return self._value is not None

    def is_tensor(self) -> bool:
        return hasattr(self._value, "shape") and hasattr(self._value, "dtype")

    def is_tensor_sequence(self) -> bool:
        return isinstance(self._value, list)

    def is_sparse_tensor(self) -> bool:
        return False

    def numpy(self) -> np.ndarray:
        """The tensor as a NumPy array (a host copy for a cuda value)."""
        return devices.to_host(self._value)

    def data_ptr(self) -> int:
        if self._device_name == "cpu":
            return int(self._value.ctypes.data)
        if isinstance(self._value, devices.FakeDeviceArray):
            return int(self._value.ctypes.data)
        return int(self._value.data.ptr)

    def update_inplace(self, np_arr: np.ndarray) -> None:
        """Overwrite the tensor's contents with ``np_arr`` (same shape and type)."""
        source = np.asarray(np_arr)
        if self._device_name == "cpu":
            np.copyto(self._value, source)
        elif isinstance(self._value, devices.FakeDeviceArray):
            np.copyto(self._value.view(np.ndarray), source)
        else:
            self._value.set(source)

    # refrt's: the array itself (CuPy, stand-in or NumPy), without a copy
    def array(self) -> Any:
        return self._value


class IOBinding:
    """Inputs and outputs bound to host or device memory for ``run_with_iobinding``."""

    def __init__(self, session: "InferenceSession"):
        self._session = session
        self._inputs: dict[str, Any] = {}
        self._outputs: dict[str, tuple[str, Any]] = {}  # name -> (device type, preallocated array or None)
        self._results: list[OrtValue] = []

    def _device(self, device_id: int = 0):
        device = self._session._compiled.device
        if device is None:
            raise InvalidArgument(
                "cuda memory was bound, but this session has no CUDAExecutionProvider "
                f"(providers: {self._session.get_providers()})"
            )
        if int(device_id) != device.device_id:
            raise InvalidArgument(f"cuda:{device_id} was bound, but this session runs on cuda:{device.device_id}")
        return device

    # -- inputs ----------------------------------------------------------------------------
    def bind_input(self, name: str, device_type: str, device_id: int, element_type: Any, shape: Sequence[int],
                   buffer_ptr: int) -> None:
        """Bind ``name`` to memory at ``buffer_ptr`` (the caller keeps it alive) on the given device."""
        kind = _device_type(device_type)
        dtype = np.dtype(element_type)
        if kind == "cpu":
            self._inputs[name] = devices.host_from_pointer(buffer_ptr, tuple(shape), dtype)
        else:
            self._inputs[name] = self._device(device_id).from_pointer(buffer_ptr, shape, dtype)

    def bind_cpu_input(self, name: str, arr_on_cpu: np.ndarray) -> None:
        self._inputs[name] = np.asarray(arr_on_cpu)

    def bind_ortvalue_input(self, name: str, ortvalue: OrtValue) -> None:
        if ortvalue.device_name() == "cuda":
            self._device(ortvalue._device_id)
        self._inputs[name] = ortvalue.array()

    def clear_binding_inputs(self) -> None:
        self._inputs.clear()

    def synchronize_inputs(self) -> None:
        device = self._session._compiled.device
        if device is not None:
            device.synchronize()

    # -- outputs ---------------------------------------------------------------------------
    def bind_output(self, name: str, device_type: str = "cpu", device_id: int = 0, element_type: Any = None,
                    shape: Sequence[int] | None = None, buffer_ptr: int | None = None) -> None:
        """Bind output ``name`` to a device ("cpu" or "cuda"); with ``buffer_ptr`` (and element_type and
        shape), the result is written into that memory, else refrt allocates it on that device."""
        kind = _device_type(device_type)
        target = None
        if buffer_ptr is not None:
            if element_type is None or shape is None:
                raise InvalidArgument(f"bind_output('{name}'): a buffer_ptr needs element_type and shape")
            dtype = np.dtype(element_type)
            target = (devices.host_from_pointer(buffer_ptr, tuple(shape), dtype) if kind == "cpu"
                      else self._device(device_id).from_pointer(buffer_ptr, shape, dtype))
        elif kind == "cuda":
            self._device(device_id)
        self._outputs[name] = (kind, target)

    def bind_ortvalue_output(self, name: str, ortvalue: OrtValue) -> None:
        """The result is written into ``ortvalue`` (its shape and type must match)."""
        if ortvalue.device_name() == "cuda":
            self._device(ortvalue._device_id)
        self._outputs[name] = (ortvalue.device_name(), ortvalue.array())

    def clear_binding_outputs(self) -> None:
        self._outputs.clear()
        self._results = []

    def synchronize_outputs(self) -> None:
        self.synchronize_inputs()

    def get_outputs(self) -> list[OrtValue]:
        return list(self._results)

    def get_outputs_as_ortvaluevector(self) -> list[OrtValue]:
        return self.get_outputs()

    def copy_outputs_to_cpu(self) -> list[np.ndarray]:
        return [v.numpy() for v in self._results]

    # -- running ---------------------------------------------------------------------------
    def _run(self, run_options: "RunOptions | None" = None) -> None:
        session = self._session
        names = list(self._outputs) or [o.name for o in session.get_outputs()]
        on_device = frozenset(n for n in names if self._outputs.get(n, ("cpu", None))[0] == "cuda")
        if on_device and session._compiled.device is None:
            self._device()  # raises: cuda bound on a CPU-only session
        results, _ = session._run_values(names, dict(self._inputs), run_options, on_device)
        device = session._compiled.device
        values = []
        for name, result in zip(names, results):
            kind, target = self._outputs.get(name, ("cpu", None))
            if target is not None:
                _write_into(target, result, name)
                result = target
            elif kind == "cpu" and not isinstance(result, (np.ndarray, list)):
                result = np.asarray(result)
            values.append(OrtValue(result, kind, device.device_id if device is not None and kind == "cuda" else 0))
        self._results = values


def _write_into(target: Any, result: Any, name: str) -> None:
    if tuple(target.shape) != tuple(result.shape) or np.dtype(target.dtype) != np.dtype(result.dtype):
        raise InvalidArgument(
            f"Output '{name}' is {value_type_string(np.empty(0, result.dtype))} {list(result.shape)}, but the bound "
            f"buffer is {value_type_string(np.empty(0, target.dtype))} {list(target.shape)}"
        )
    if isinstance(target, np.ndarray) and not isinstance(target, devices.FakeDeviceArray):
        np.copyto(target, devices.to_host(result))
    elif isinstance(target, devices.FakeDeviceArray):
        np.copyto(target.view(np.ndarray), result.view(np.ndarray))
    else:
        target[...] = result
