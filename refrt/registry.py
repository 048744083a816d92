"""The kernel registry: (domain, op type, since, until, provider) -> a plain function.

A kernel is a function over arrays: node inputs are positional (an absent optional input is
``None``), attributes are keyword-only with the ONNX schema's defaults. A kernel never silently
claims a later revision: ``until`` bounds it, and lookup is by the exact schema revision
(``since_version``) that ``onnx.defs`` gives for the model's opset.

Kernels may ask for facts about their node by naming these keyword-only parameters; the
planner binds them once, at session creation:

- ``_num_outputs``: how many outputs the node declares (Split, Dropout, TopK ...).
- ``_output_used``: a tuple of bools, one per declared output (skip work nobody reads).

With ``prepare=True`` the decorated function takes only the attributes (and node facts), runs once
at session creation, and returns the function that runs the node: work that depends only on
attributes (a tree ensemble's arrays, a lookup table) is then done once, not per run::

    @kernel("LabelEncoder", domain="ai.onnx.ml", since=4, prepare=True)
    def label_encoder(*, keys_tensor=None, values_tensor=None, default_tensor=None):
        table = build(keys_tensor, values_tensor, default_tensor)
        return lambda x: lookup(table, x)

The registry imports no kernel package: each provider discovers its own package with
:func:`discover`, which imports every module in it so their ``@kernel`` decorators run.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import threading
from dataclasses import dataclass, field
from typing import Callable, Iterator

DEFAULT_PROVIDER = "CPUExecutionProvider"
# Reserved keyword names a kernel may declare to receive node facts instead of attributes.
NODE_FACTS = ("_num_outputs", "_output_used")


@dataclass(frozen=True)
class KernelEntry:
    op: str
    domain: str
    since: int
    until: int | None
    provider: str
    fn: Callable = field(compare=False)
    # Attribute names the kernel accepts (keyword-only parameters), and whether it takes **kwargs.
    attributes: frozenset = field(compare=False, default=frozenset())
    takes_any_attribute: bool = field(compare=False, default=False)
    facts: tuple = field(compare=False, default=())
    prepare: bool = field(compare=False, default=False)

    def covers(self, version: int) -> bool:
        return self.since <= version and (self.until is None or version <= self.until)

    @property
    def where(self) -> str:
        return f"{self.fn.__module__}.{self.fn.__qualname__}"


_lock = threading.Lock()
_kernels: dict[tuple[str, str, str], list[KernelEntry]] = {}
_current_provider: list[str] = []  # set while a provider's package is being discovered
_discovered: set[str] = set()
_discover_lock = threading.RLock()


def _normalize_domain(domain: str) -> str:
    return "" if domain in ("", "ai.onnx") else domain


def kernel(
    op: str,
    *,
    domain: str = "",
    since: int = 1,
    until: int | None = None,
    provider: str | None = None,
    prepare: bool = False,
) -> Callable[[Callable], Callable]:
    """Register the decorated function as the kernel of ``op`` for revisions since..until.

    ``provider`` defaults to the provider whose package is being discovered, else to
    ``CPUExecutionProvider`` (this is how a user registers a custom op)::

        @refrt.kernel("InvAlpha", domain="custom")
        def inv_alpha(x, *, alpha=1.0):
            return (1.0 / (x + alpha)).astype(x.dtype)
    """

    def register(fn: Callable) -> Callable:
        # a kernel module belongs to the provider whose package holds it, whoever imports it first (a
        # Numba kernel module importing its NumPy counterpart must not claim the NumPy kernels)
        prov = provider or _package_provider(fn.__module__) or (
            _current_provider[-1] if _current_provider else DEFAULT_PROVIDER)
        params = inspect.signature(fn).parameters.values()
        kwonly = [p.name for p in params if p.kind is inspect.Parameter.KEYWORD_ONLY]
        entry = KernelEntry(
            op=op,
            domain=_normalize_domain(domain),
            since=since,
            until=until,
            provider=prov,
            fn=fn,
            attributes=frozenset(n for n in kwonly if n not in NODE_FACTS),
            takes_any_attribute=any(p.kind is inspect.Parameter.VAR_KEYWORD for p in params),
            facts=tuple(n for n in kwonly if n in NODE_FACTS),
            prepare=prepare,
        )
        key = (prov, entry.domain, op)
        with _lock:
            entries = _kernels.setdefault(key, [])
            for other in entries:
                overlap = other.since <= (until if until is not None else 10**9) and (
                    other.until is None or since <= other.until
                )
                if overlap and other.where != entry.where:
                    raise ValueError(
                        f"kernel {entry.where} for {domain or 'ai.onnx'}:{op} "
                        f"[{since}, {until}] on {prov} overlaps {other.where} "
                        f"[{other.since}, {other.until}]"
                    )
            # Re-importing a module (e.g. importlib.reload) replaces its own entry.
            entries[:] = [e for e in entries if e.where != entry.where] + [entry]
            entries.sort(key=lambda e: e.since)
        return fn

    return register


def lookup(domain: str, op: str, version: int, provider: str) -> KernelEntry | None:
    """The kernel of ``provider`` that covers revision ``version`` of domain:op, or None."""
    for entry in _kernels.get((provider, _normalize_domain(domain), op), ()):
        if entry.covers(version):
            return entry
    return None


def entries(provider: str | None = None) -> Iterator[KernelEntry]:
    """Every registered kernel (of one provider when given), in a stable order."""
    for key in sorted(_kernels):
        if provider is None or key[0] == provider:
            yield from _kernels[key]


PACKAGE_PROVIDERS: dict[str, str] = {}  # kernel package -> provider; filled by refrt.providers


def _package_provider(module: str) -> str | None:
    for package, name in PACKAGE_PROVIDERS.items():
        if module == package or module.startswith(package + "."):
            return name
    return None


def discover(package: str, provider: str) -> None:
    """Import every module of ``package`` so that its kernels register under ``provider``."""
    if package in _discovered:
        return
    # Held for the whole import, so a session built in another thread meanwhile waits for the
    # complete kernel set instead of seeing a half-registered one.
    with _discover_lock:
        if package in _discovered:
            return
        pkg = importlib.import_module(package)
        _current_provider.append(provider)
        try:
            for info in sorted(pkgutil.iter_modules(pkg.__path__), key=lambda i: i.name):
                if not info.name.startswith("_"):
                    importlib.import_module(f"{package}.{info.name}")
        finally:
            _current_provider.pop()
        _discovered.add(package)
