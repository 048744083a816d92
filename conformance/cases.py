"""Where the backend suite's cases come from, and how one is loaded from disk.

Groups (onnx's names):

- ``node``: one-node models. onnx's wheel does not ship their data, so they are generated once
  with onnx's own generators (``onnx.backend.test.case.node.collect_testcases``, written out by the
  test-data writer of ``onnx.backend.test.cmd_tools``) into a cache folder keyed by the onnx
  version: ``$REFRT_CONFORMANCE_CACHE``, else ``$XDG_CACHE_HOME/refrt/conformance``, else
  ``~/.cache/refrt/conformance``. Generating takes about half a minute, once.
- ``simple``, ``pytorch-converted``, ``pytorch-operator``: shipped inside onnx
  (``onnx/backend/test/data/<group>``), listed with ``onnx.backend.test.loader.load_model_tests``.
- ``light``: the nine light model-zoo models shipped inside onnx, with their stored outputs; the
  inputs are those onnx's runner feeds them (``Runner.generate_dummy_data``, a ramp).

(``real``, the full-size models, needs downloads and is not run.)

A :class:`CaseRef` is small and picklable; :func:`load` turns it into a model path and data sets
inside whichever process runs it.
"""

from __future__ import annotations

import contextlib
import glob
import os
import shutil
import sys
import tempfile
import types
import warnings
from dataclasses import dataclass

import numpy as np
import onnx
from onnx import numpy_helper

from conformance.options import GROUPS

DATA_DIR = os.path.join(os.path.dirname(onnx.__file__), "backend", "test", "data")
# onnx's runner default (TestCase rtol/atol) when a case gives none.
DEFAULT_RTOL, DEFAULT_ATOL = 1e-3, 1e-7


@dataclass(frozen=True)
class CaseRef:
    group: str
    name: str
    model_path: str
    data_dir: str | None  # folder holding test_data_set_*; None for light (inputs generated)
    rtol: float = DEFAULT_RTOL
    atol: float = DEFAULT_ATOL
    expected_output: str | None = None  # light: the stored output tensor

    @property
    def key(self) -> str:
        return f"{self.group}/{self.name}"


def cache_root() -> str:
    explicit = os.environ.get("REFRT_CONFORMANCE_CACHE")
    if explicit:
        return explicit
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(base, "refrt", "conformance")


def node_data_dir(log=None) -> str:
    """The folder of generated node cases for this onnx version; generated on first use."""
    return _generated_dir("node", log)


def simple_generated_dir(log=None) -> str:
    """The folder of the simple model cases that onnx generates in Python but does not ship data for."""
    return _generated_dir("simple", log)


def _generated_dir(kind: str, log=None) -> str:
    root = os.path.join(cache_root(), f"onnx-{onnx.__version__}")
    target = os.path.join(root, kind)
    if os.path.exists(os.path.join(target, ".complete")):
        return target
    os.makedirs(root, exist_ok=True)
    if log:
        log(f"generating the {kind} cases of onnx {onnx.__version__} into {target} (once)")
    tmp = tempfile.mkdtemp(prefix=f".{kind}-", dir=root)
    try:
        count = _write_cases(tmp, kind)
        os.makedirs(os.path.join(tmp, kind), exist_ok=True)
        with open(os.path.join(tmp, kind, ".complete"), "w") as f:
            f.write(f"{count} cases, onnx {onnx.__version__}, numpy {np.__version__}\n")
        try:
            # Another process may have finished first; both wrote the same data.
            if os.path.exists(target):
                shutil.rmtree(target)
            os.rename(os.path.join(tmp, kind), target)
        except OSError:
            if not os.path.exists(os.path.join(target, ".complete")):
                raise
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return target


def _write_cases(output: str, kind: str) -> int:
    """onnx's own generators, through onnx's own writer (cmd_tools.generate_data).

    The writer's entry point collects model cases; for ``node`` it is pointed at the node cases
    instead (in onnx's source tree the same writer also writes these), for ``simple`` at the
    simple model cases. Writes ``<output>/<kind>/<case>/``.
    """
    from onnx.backend.test import cmd_tools
    from onnx.backend.test.case import model as model_cases
    from onnx.backend.test.case import node as node_cases

    with warnings.catch_warnings(), np.errstate(all="ignore"), contextlib.redirect_stdout(sys.stderr):
        warnings.simplefilter("ignore")
        if kind == "node":
            cases = list(node_cases.collect_testcases())
        else:
            cases = [c for c in model_cases.collect_testcases() if c.kind == kind]
        original = cmd_tools.model_test
        cmd_tools.model_test = types.SimpleNamespace(collect_testcases=lambda: cases)
        try:
            cmd_tools.generate_data(types.SimpleNamespace(output=output))
        finally:
            cmd_tools.model_test = original
    return len(cases)


def list_cases(group: str, log=None) -> list[CaseRef]:
    if group == "node":
        root = node_data_dir(log)
        return [
            CaseRef("node", name, os.path.join(root, name, "model.onnx"), os.path.join(root, name))
            for name in sorted(os.listdir(root))
            if os.path.isdir(os.path.join(root, name))
        ]
    if group == "light":
        return _light_cases()
    if group not in GROUPS:
        raise ValueError(f"unknown group '{group}'; groups: {', '.join(GROUPS)}")
    from onnx.backend.test.loader import load_model_tests

    refs = []
    for case in load_model_tests(kind=group):
        if case.model_dir is None:  # only "real" has none: data to download
            continue
        refs.append(
            CaseRef(group, case.name, os.path.join(case.model_dir, "model.onnx"), case.model_dir, case.rtol, case.atol)
        )
    if group == "simple":
        # onnx generates a few simple cases in Python whose data its wheel does not ship.
        shipped = {r.name for r in refs}
        root = simple_generated_dir(log)
        refs += [
            CaseRef("simple", name, os.path.join(root, name, "model.onnx"), os.path.join(root, name))
            for name in sorted(os.listdir(root))
            if os.path.isdir(os.path.join(root, name)) and name not in shipped
        ]
    return sorted(refs, key=lambda r: r.name)


def _light_cases() -> list[CaseRef]:
    from onnx.backend.test.case.model import collect_testcases

    light = os.path.join(DATA_DIR, "light")
    refs = []
    for case in collect_testcases():
        if case.url and "/light/" in case.url:
            stem = os.path.join(light, f"light_{case.model_name}")
            refs.append(CaseRef("light", case.name, stem + ".onnx", None, case.rtol, case.atol, stem + "_output_0.pb"))
    return sorted(refs, key=lambda r: r.name)


# ----------------------------------------------------------------------------------------------
# Loading one case (in the process that runs it)


def load(ref: CaseRef) -> tuple[onnx.ModelProto, list[tuple[dict, list]]]:
    """The model (without external data) and its data sets as ``(feeds by name, expected outputs)``."""
    model = onnx.load(ref.model_path, load_external_data=False)
    inits = {i.name for i in model.graph.initializer}
    if ref.data_dir is None:
        from onnx.backend.test.runner import Runner

        feeds = {
            vi.name: Runner.generate_dummy_data(vi, seed=0, name=model.graph.name, random=False)
            for vi in model.graph.input
            if vi.name not in inits
        }
        expected = [numpy_helper.to_array(onnx.load_tensor(ref.expected_output))]
        return model, [(feeds, expected)]
    data_sets = []
    for folder in sorted(glob.glob(os.path.join(ref.data_dir, "test_data_set*"))):
        n_in = len(glob.glob(os.path.join(folder, "input_*.pb")))
        n_out = len(glob.glob(os.path.join(folder, "output_*.pb")))
        # As onnx's runner does: input_i belongs to graph.input[i], output_j to graph.output[j].
        feeds = {
            model.graph.input[i].name: read_value(os.path.join(folder, f"input_{i}.pb"), model.graph.input[i].type)
            for i in range(n_in)
        }
        expected = [read_value(os.path.join(folder, f"output_{j}.pb"), model.graph.output[j].type) for j in range(n_out)]
        data_sets.append((feeds, expected))
    return model, data_sets


def read_value(path: str, type_proto: onnx.TypeProto):
    """A stored value as onnx's runner reads it (``Runner._load_proto``), maps included."""
    with open(path, "rb") as f:
        content = f.read()
    which = type_proto.WhichOneof("value")
    if which == "sequence_type":
        proto = onnx.SequenceProto()
        proto.ParseFromString(content)
        return numpy_helper.to_list(proto)
    if which == "optional_type":
        proto = onnx.OptionalProto()
        proto.ParseFromString(content)
        return numpy_helper.to_optional(proto)
    if which == "map_type":
        proto = onnx.MapProto()
        proto.ParseFromString(content)
        return numpy_helper.to_dict(proto)
    proto = onnx.TensorProto()
    proto.ParseFromString(content)
    return numpy_helper.to_array(proto)
