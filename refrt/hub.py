"""Models by name from an ONNX model zoo repository: the ``onnx.hub`` API that onnx 1.23 removed, made safe.

    from refrt import hub
    hub.list_models(tags=["vision"])                       # ModelInfo for each match
    model = hub.load("ResNet50", opset=7)                  # onnx.ModelProto, SHA-256 verified
    sess = hub.load_session("ResNet50")                    # refrt.InferenceSession on the highest opset
    features = hub.load("ResNet50", features=True)         # cut at the manifest's extra_ports.features

A repository holds an ``ONNX_HUB_MANIFEST.json`` in the model zoo's schema (so an existing zoo mirror works
unchanged) and is named as one of:

- ``"owner/name[:ref]"``: a GitHub repository, ref ``main`` by default; the manifest comes from
  raw.githubusercontent.com and the models from media.githubusercontent.com (Git LFS), as onnx.hub did;
- a base URL: ``https://...``, ``http://...`` or ``file:///...``;
- a local folder: an absolute path, or one starting with ``./``, ``../`` or ``~`` (a bare relative name
  that is not ``owner/name`` also works when the folder exists).

Environment:

- ``REFRT_HUB_REPO``: the repository used when none is given (default ``onnx/models:main``).
- ``REFRT_HUB_TRUSTED``: the repositories trusted, separated by commas or blanks.
- ``REFRT_HOME``: the cache is ``$REFRT_HOME/hub``; else ``$XDG_CACHE_HOME/refrt/hub``; else
  ``~/.cache/refrt/hub``. :func:`set_dir` overrides all three.
- ``REFRT_HUB_TIMEOUT``: seconds a connection or a read may wait (default 10).

Trust: a model loads only from a repository the user named as trusted (in ``REFRT_HUB_TRUSTED`` or given
to :func:`add_trusted`; none is trusted by default, not even the zoo's ``onnx/models:main``) or with
``trust=True``; otherwise an :class:`UntrustedRepository` error says how to trust it. Unlike onnx.hub there is never a prompt, and
``silent`` only silences the progress bar.

The cache is laid out by content, so one file serves every repository that lists the same bytes::

    <dir>/sha256/<sha>/<file name>           a model, or a model_with_data archive
    <dir>/sha256/<sha>/<archive stem>/       that archive, extracted
    <dir>/manifests/<key>/ONNX_HUB_MANIFEST.json   the last manifest read from a remote repository

Every load verifies the SHA-256 (and ``model_bytes``) the manifest gives; a download goes to a temporary
file that is renamed into place only once both match. A remote manifest is read from the cache when
there is one (refreshed by ``force_reload=True``, or once when a model is not found in it), so a warm
cache works with no network at all. Models in a local-folder repository are read in place, never copied.
"""

from __future__ import annotations

import argparse
import hashlib
import http.client
import json
import os
import re
import shutil
import sys
import tarfile
import tempfile
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from typing import Any, Sequence

import onnx

from refrt import progress

DEFAULT_REPO = "onnx/models:main"
MANIFEST = "ONNX_HUB_MANIFEST.json"
DEFAULT_TIMEOUT_S = 10.0
_CHUNK = 1 << 16

_GITHUB = re.compile(r"([A-Za-z0-9_.-]+)/([A-Za-z0-9_.-]+)(?::([A-Za-z0-9_./-]+))?")
_SHA256 = re.compile(r"[0-9a-fA-F]{64}")

_hub_dir: str | None = None  # set_dir(); None follows the environment
_trusted: set[str] = set()  # repository keys given to add_trusted()


# -- errors ------------------------------------------------------------------------------------------
class HubError(RuntimeError):
    """A hub operation failed: the message says which repository, which model and what to do."""


class ModelNotFound(HubError, LookupError):
    """No manifest entry (or no file) for the model, opset or archive asked for."""


class IntegrityError(HubError):
    """A file's SHA-256 or size differs from what the manifest says."""


class UntrustedRepository(HubError):
    """The repository is not trusted and ``trust=True`` was not given."""


class UnsafePath(HubError, ValueError):
    """A manifest path or archive member would land outside its repository or target folder."""


class HubConnectionError(HubError):
    """The repository could not be reached, timed out, or answered with an HTTP error."""


# -- manifest entries --------------------------------------------------------------------------------
class ModelInfo:
    """One manifest entry: ``model``, ``model_path``, ``opset``, ``metadata`` and what they hold.

    The attributes onnx.hub's ModelInfo had (``model``, ``model_path``, ``metadata``, ``model_sha``,
    ``tags``, ``opset``, ``raw_model_info``) plus ``model_bytes``, ``onnx_version`` and ``features``
    (the names in ``metadata.extra_ports.features``).
    """

    def __init__(self, raw_model_info: dict[str, Any]) -> None:
        self.model: str = raw_model_info["model"]
        self.model_path: str = raw_model_info["model_path"]
        self.metadata: dict[str, Any] = raw_model_info["metadata"]
        self.opset: int = raw_model_info["opset_version"]
        self.onnx_version: str | None = raw_model_info.get("onnx_version")
        self.model_sha: str | None = self.metadata.get("model_sha")
        self.model_bytes: int | None = self.metadata.get("model_bytes")
        self.tags: set[str] = set(self.metadata.get("tags") or [])
        self.raw_model_info = raw_model_info

    @property
    def features(self) -> list[str]:
        ports = (self.metadata.get("extra_ports") or {}).get("features") or []
        return [p["name"] if isinstance(p, dict) else str(p) for p in ports]

    def __repr__(self) -> str:
        return f"ModelInfo(model={self.model}, opset={self.opset}, path={self.model_path}, metadata={self.metadata})"

    __str__ = __repr__


def _parse_manifest(text: str, where: str) -> list[ModelInfo]:
    try:
        entries = json.loads(text)
    except json.JSONDecodeError as e:
        raise HubError(f"the manifest at {where} is not valid JSON: {e}") from None
    if not isinstance(entries, list):
        raise HubError(f"the manifest at {where} is not a list of model entries (it is a {type(entries).__name__})")
    required = {"model": str, "model_path": str, "opset_version": int, "metadata": dict}
    for i, entry in enumerate(entries):
        if not isinstance(entry, dict):
            raise HubError(f"the manifest at {where}: entry {i} is not an object")
        for key, kind in required.items():
            if not isinstance(entry.get(key), kind) or isinstance(entry.get(key), bool):
                raise HubError(
                    f"the manifest at {where}: entry {i} ({entry.get('model', '?')}) needs '{key}' "
                    f"as {kind.__name__}, got {entry.get(key)!r}"
                )
    return [ModelInfo(e) for e in entries]


# -- repositories ------------------------------------------------------------------------------------
@dataclass(frozen=True)
class _Repo:
    key: str  # canonical name: "owner/name:ref", a base URL ending in "/", or "file:///folder/"
    manifest_base: str | None = None  # remote: where the manifest is
    files_base: str | None = None  # remote: where model_path is relative to
    folder: str | None = None  # local: the folder holding the manifest


def _local_repo(path: str) -> _Repo:
    folder = os.path.realpath(os.path.expanduser(path))
    return _Repo(key=urllib.parse.unquote(_as_uri(folder)), folder=folder)


def _as_uri(folder: str) -> str:
    from pathlib import Path

    return Path(folder).as_uri().rstrip("/") + "/"


def _resolve_repo(repo: str | os.PathLike | None) -> _Repo:
    if repo is None:
        repo = os.environ.get("REFRT_HUB_REPO") or DEFAULT_REPO
    if isinstance(repo, os.PathLike):
        return _local_repo(os.fspath(repo))
    if not isinstance(repo, str) or not repo.strip():
        raise HubError(f"repository must be a non-empty string, got {repo!r}")
    text = repo.strip()
    lower = text.lower()
    if lower.startswith(("http://", "https://")):
        parts = urllib.parse.urlsplit(text)
        if not parts.netloc or parts.query or parts.fragment:
            raise HubError(f"repository URL '{repo}' must be a plain base URL (a host, a path, no query or fragment)")
        base = text.rstrip("/") + "/"
        return _Repo(key=base, manifest_base=base, files_base=base)
    if lower.startswith("file:"):
        parts = urllib.parse.urlsplit(text)
        if parts.netloc not in ("", "localhost"):
            raise HubError(f"repository '{repo}': a file:// URL must name a folder on this machine")
        return _local_repo(urllib.request.url2pathname(parts.path))
    if text.startswith(("./", "../", "~", ".\\", "..\\")) or text in (".", "..") or os.path.isabs(text):
        return _local_repo(text)
    m = _GITHUB.fullmatch(text)
    if m and ".." not in text:
        owner, name, ref = m.group(1).lower(), m.group(2).lower(), m.group(3) or "main"
        return _Repo(
            key=f"{owner}/{name}:{ref}",
            manifest_base=f"https://raw.githubusercontent.com/{owner}/{name}/{ref}/",
            files_base=f"https://media.githubusercontent.com/media/{owner}/{name}/{ref}/",
        )
    if os.path.isdir(text):
        return _local_repo(text)
    raise HubError(
        f"'{repo}' is not a repository: expected 'owner/name[:ref]', an http(s):// or file:// base URL, "
        f"or a folder holding {MANIFEST} (start a relative folder with ./)"
    )


# -- trust -------------------------------------------------------------------------------------------
def add_trusted(repo: str | os.PathLike) -> None:
    """Trust ``repo`` for the rest of this process: its models load without ``trust=True``."""
    _trusted.add(_resolve_repo(repo).key)


def is_trusted(repo: str | os.PathLike | None = None) -> bool:
    """Whether models from ``repo`` (default: the default repository) load without ``trust=True``."""
    return _resolve_repo(repo).key in _trusted_keys()


def _trusted_keys() -> set[str]:
    keys = set(_trusted)  # none by default: only what the user names
    for entry in re.split(r"[,\s]+", os.environ.get("REFRT_HUB_TRUSTED", "")):
        if entry:
            try:
                keys.add(_resolve_repo(entry).key)
            except HubError as e:
                raise HubError(f"REFRT_HUB_TRUSTED: {e}") from None
    return keys


def _require_trust(repo: _Repo, given: str | os.PathLike | None, trust: bool) -> None:
    if trust or repo.key in _trusted_keys():
        return
    name = given if given is not None else repo.key
    raise UntrustedRepository(
        f"repository {repo.key} is not trusted: a model from it could be anything. If you trust it, pass "
        f"trust=True (refrt hub download --trust), call refrt.hub.add_trusted({os.fspath(name)!r}) once, "
        f"or add it to the REFRT_HUB_TRUSTED environment variable (comma-separated)"
    )


# -- cache location ----------------------------------------------------------------------------------
def set_dir(new_dir: str | os.PathLike | None) -> None:
    """Set the hub cache folder; ``None`` goes back to ``$REFRT_HOME/hub`` / the XDG cache."""
    global _hub_dir  # noqa: PLW0603 - one process-wide setting, as onnx.hub had
    _hub_dir = os.fspath(new_dir) if new_dir is not None else None


def get_dir() -> str:
    """The hub cache folder: :func:`set_dir`'s, else ``$REFRT_HOME/hub``, ``$XDG_CACHE_HOME/refrt/hub``
    or ``~/.cache/refrt/hub``."""
    if _hub_dir is not None:
        return _hub_dir
    if os.environ.get("REFRT_HOME"):
        return os.path.join(os.environ["REFRT_HOME"], "hub")
    if os.environ.get("XDG_CACHE_HOME"):
        return os.path.join(os.environ["XDG_CACHE_HOME"], "refrt", "hub")
    return os.path.join(os.path.expanduser("~"), ".cache", "refrt", "hub")


def _cache_path(sha: str, file_name: str) -> str:
    return os.path.join(get_dir(), "sha256", sha, file_name)


def _manifest_cache_path(repo: _Repo) -> str:
    key = hashlib.sha256(repo.key.encode()).hexdigest()[:32]
    return os.path.join(get_dir(), "manifests", key, MANIFEST)


# -- paths the manifest gives ------------------------------------------------------------------------
def _safe_parts(path: Any, info: ModelInfo, field: str) -> list[str]:
    """``path`` split into parts that stay inside the repository, or UnsafePath."""
    bad = None
    if not isinstance(path, str) or not path:
        bad = "it is empty or not a string"
    elif "\\" in path or "\x00" in path:
        bad = "it holds a backslash or NUL"
    elif path.startswith("/") or re.match(r"[A-Za-z]:", path) or "://" in path:
        bad = "it is absolute"
    else:
        parts = [p for p in path.split("/") if p not in ("", ".")]
        if ".." in parts:
            bad = "it climbs out with '..'"
        elif not parts:
            bad = "it names no file"
    if bad:
        raise UnsafePath(
            f"{info.model} (opset {info.opset}): manifest {field} {path!r} is refused because {bad}; "
            "paths must be relative and stay inside the repository"
        )
    return parts


def _local_file(repo: _Repo, parts: list[str], info: ModelInfo, field: str) -> str:
    """The file in a local repository, after following links; never outside the repository folder."""
    target = os.path.realpath(os.path.join(repo.folder, *parts))
    if os.path.commonpath([target, repo.folder]) != repo.folder:
        raise UnsafePath(
            f"{info.model} (opset {info.opset}): manifest {field} {'/'.join(parts)!r} leads to {target}, "
            f"outside the repository {repo.folder} (through a link)"
        )
    return target


def _sha_of(info: ModelInfo, field: str) -> str:
    sha = info.metadata.get(field)
    if not isinstance(sha, str) or not _SHA256.fullmatch(sha):
        raise IntegrityError(
            f"{info.model} (opset {info.opset}): the manifest gives no valid SHA-256 in metadata.{field} "
            f"(got {sha!r}); refrt loads only files it can verify"
        )
    return sha.lower()


def _size_of(info: ModelInfo, field: str) -> int | None:
    size = info.metadata.get(field)
    return size if isinstance(size, int) and not isinstance(size, bool) and size >= 0 else None


# -- network -----------------------------------------------------------------------------------------
def _timeout() -> float:
    try:
        return float(os.environ.get("REFRT_HUB_TIMEOUT") or DEFAULT_TIMEOUT_S)
    except ValueError:
        given = os.environ["REFRT_HUB_TIMEOUT"]
        raise HubError(f"REFRT_HUB_TIMEOUT must be a number of seconds, got {given!r}") from None


def _open(url: str):
    from refrt import __version__

    request = urllib.request.Request(url, headers={"User-Agent": f"refrt/{__version__}"})
    timeout = _timeout()
    try:
        return urllib.request.urlopen(request, timeout=timeout)  # noqa: S310 - http(s) only: _resolve_repo
    except urllib.error.HTTPError as e:
        e.close()
        cls = ModelNotFound if e.code in (404, 410) else HubConnectionError
        raise cls(f"{url} answered HTTP {e.code} {e.reason}") from None
    except (urllib.error.URLError, OSError, http.client.HTTPException) as e:
        raise _unreachable(url, getattr(e, "reason", e), timeout) from None


def _unreachable(url: str, reason: Any, timeout: float) -> HubConnectionError:
    return HubConnectionError(
        f"cannot reach {url}: {reason} (each connect or read waits at most {timeout:g} s; set "
        "REFRT_HUB_TIMEOUT to change that). Models already in the cache still load without the network"
    )


def _fetch_text(url: str) -> str:
    with _open(url) as response:
        try:
            return response.read().decode("utf-8")
        except (OSError, http.client.HTTPException) as e:
            raise _unreachable(url, e, _timeout()) from None


def _download(url: str, dest: str, sha: str, size: int | None, what: str, silent: bool) -> None:
    """Fetch ``url`` into a temporary file beside ``dest``; rename it to ``dest`` only if it verifies."""
    os.makedirs(os.path.dirname(dest), exist_ok=True)
    fd, part = tempfile.mkstemp(prefix=".part-", dir=os.path.dirname(dest))
    try:
        digest = hashlib.sha256()
        got = 0
        out = os.fdopen(fd, "wb")
        try:
            response = _open(url)
        except HubError as e:
            out.close()
            raise type(e)(f"{what}: {e}") from None
        with out, response:
            announced = response.headers.get("Content-Length")
            announced = int(announced) if announced and announced.isdigit() else None
            if size is not None and announced is not None and announced != size:
                raise _size_error(what, url, size, announced)
            with _progress(size or announced, what, silent) as bar:
                while True:
                    try:
                        chunk = response.read(_CHUNK)
                    except (OSError, http.client.HTTPException) as e:  # a reset, a timeout, a cut-short body
                        raise _unreachable(url, e, _timeout()) from None
                    if not chunk:
                        break
                    got += len(chunk)
                    if size is not None and got > size:
                        raise _size_error(what, url, size, f"more than {size}")
                    digest.update(chunk)
                    out.write(chunk)
                    bar.update(len(chunk))
        if announced is not None and got < announced:  # http.client returns a cut-short body without error
            raise HubConnectionError(f"{what}: {url} stopped after {got} of {announced} bytes; nothing was cached")
        _check(what, url, got, digest.hexdigest(), size, sha)
        os.replace(part, dest)
    except BaseException:
        if os.path.exists(part):
            os.remove(part)
        raise


def _size_error(what: str, where: str, size: int, got: Any) -> IntegrityError:
    return IntegrityError(
        f"{what}: {where} has {got} bytes but the manifest says model_bytes {size}; nothing was cached"
    )


def _check(what: str, where: str, got: int, digest: str, size: int | None, sha: str) -> None:
    if size is not None and got != size:
        raise _size_error(what, where, size, got)
    if digest != sha:
        raise IntegrityError(
            f"{what}: {where} has SHA-256 {digest} but the manifest says {sha}: the file is corrupted or the "
            "manifest is stale; nothing was cached"
        )


def _file_digest(path: str) -> tuple[int, str]:
    digest = hashlib.sha256()
    size = 0
    with open(path, "rb") as f:
        while chunk := f.read(1 << 20):
            size += len(chunk)
            digest.update(chunk)
    return size, digest.hexdigest()


# -- progress ----------------------------------------------------------------------------------------
def _progress(total: int | None, what: str, silent: bool):
    return progress.bar(total, f"downloading {what}", "B", enabled=not silent)


def _note(message: str, silent: bool) -> None:
    if not silent:
        print(f"refrt.hub: {message}", file=sys.stderr)


# -- manifests ---------------------------------------------------------------------------------------
def _read_manifest(repo: _Repo, refresh: bool = False) -> tuple[list[ModelInfo], bool]:
    """The repository's entries, and whether they came from the cache (a remote repository only)."""
    if repo.folder is not None:
        path = os.path.join(repo.folder, MANIFEST)
        if not os.path.isfile(path):
            raise ModelNotFound(f"no {MANIFEST} in {repo.folder}: it is not a hub repository")
        with open(path, encoding="utf-8") as f:
            return _parse_manifest(f.read(), path), False
    cached = _manifest_cache_path(repo)
    if not refresh and os.path.isfile(cached):
        with open(cached, encoding="utf-8") as f:
            return _parse_manifest(f.read(), cached), True
    url = repo.manifest_base + MANIFEST
    try:
        text = _fetch_text(url)
    except ModelNotFound as e:
        raise ModelNotFound(f"no manifest for repository {repo.key}: {e}") from None
    entries = _parse_manifest(text, url)
    os.makedirs(os.path.dirname(cached), exist_ok=True)
    fd, part = tempfile.mkstemp(prefix=".part-", dir=os.path.dirname(cached))
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write(text)
    os.replace(part, cached)
    with open(os.path.join(os.path.dirname(cached), "repo.txt"), "w", encoding="utf-8") as f:
        f.write(repo.key + "\n")
    return entries, False


def _matching(entries: list[ModelInfo], model: str | None, tags: Sequence[str] | str | None) -> list[ModelInfo]:
    if model is not None:
        entries = [m for m in entries if m.model.lower() == model.lower()]
    if tags is None:
        return entries
    wanted = {tags.lower()} if isinstance(tags, str) else {t.lower() for t in tags}
    return [m for m in entries if wanted & {t.lower() for t in m.tags}]


def list_models(
    repo: str | os.PathLike | None = None,
    model: str | None = None,
    tags: Sequence[str] | str | None = None,
    force_reload: bool = False,
) -> list[ModelInfo]:
    """The manifest entries whose name is ``model`` (any case) and that carry any of ``tags`` (any case).

    ``repo`` defaults to ``$REFRT_HUB_REPO``, else ``onnx/models:main``. A remote manifest is read from
    the cache when there is one; ``force_reload=True`` fetches it again.
    """
    entries, _ = _read_manifest(_resolve_repo(repo), refresh=force_reload)
    return _matching(entries, model, tags)


def _select(repo: _Repo, model: str, opset: int | None, force_reload: bool) -> ModelInfo:
    entries, from_cache = _read_manifest(repo, refresh=force_reload)
    found = _matching(entries, model, None)
    wanted = [m for m in found if opset is None or m.opset == opset]
    if not wanted and from_cache:  # the cached manifest may predate the model: read the repository again
        try:
            entries, _ = _read_manifest(repo, refresh=True)
        except HubConnectionError as e:
            at = f" at opset {opset}" if opset is not None else ""
            raise ModelNotFound(
                f"no model named '{model}'{at} in the cached manifest of {repo.key}, and it could not be "
                f"refreshed: {e}"
            ) from None
        found = _matching(entries, model, None)
        wanted = [m for m in found if opset is None or m.opset == opset]
    if not found:
        names = sorted({m.model for m in entries}, key=str.lower)
        shown = ", ".join(names[:20]) + (f", ... ({len(names)} in all)" if len(names) > 20 else "")
        raise ModelNotFound(f"no model named '{model}' in {repo.key}; it has: {shown or 'no models'}")
    if not wanted:
        valid = sorted({m.opset for m in found})
        raise ModelNotFound(f"{found[0].model} has no version with opset {opset}. Valid opsets: {valid}")
    return max(wanted, key=lambda m: m.opset)


def get_model_info(model: str, repo: str | os.PathLike | None = None, opset: int | None = None) -> ModelInfo:
    """The entry named ``model`` (any case) at ``opset``; the highest opset when ``opset`` is None."""
    return _select(_resolve_repo(repo), model, opset, force_reload=False)


# -- loading -----------------------------------------------------------------------------------------
def _verified_file(repo: _Repo, info: ModelInfo, field: str, force_reload: bool, silent: bool) -> str:
    """The path of a verified copy of the file at metadata ``field``'s path (``model_path`` for models)."""
    path_field, sha_field, size_field = {
        "model": ("model_path", "model_sha", "model_bytes"),
        "model_with_data": ("model_with_data_path", "model_with_data_sha", "model_with_data_bytes"),
    }[field]
    relpath = info.model_path if field == "model" else info.metadata.get(path_field)
    if field != "model" and not relpath:
        raise ModelNotFound(f"{info.model} (opset {info.opset}) has no {path_field} in the manifest")
    parts = _safe_parts(relpath, info, path_field)
    sha, size = _sha_of(info, sha_field), _size_of(info, size_field)
    what = f"{info.model} (opset {info.opset})"
    if repo.folder is not None:
        path = _local_file(repo, parts, info, path_field)
        if not os.path.isfile(path):
            raise ModelNotFound(f"{what}: the manifest names {'/'.join(parts)}, which is not in {repo.folder}")
        _check(what, path, *_file_digest(path), size, sha)
        return path
    cached = _cache_path(sha, parts[-1])
    if os.path.isfile(cached) and not force_reload:
        got, digest = _file_digest(cached)
        if digest == sha and (size is None or got == size):
            return cached
        _note(f"the cached {cached} fails its SHA-256 check; fetching it again", silent)
    url = repo.files_base + "/".join(urllib.parse.quote(p, safe="") for p in parts)
    _download(url, cached, sha, size, what, silent)
    return cached


def _read_verified(path: str, info: ModelInfo) -> bytes:
    """The model's bytes, hashed once more as they are read (the file could change after its check)."""
    with open(path, "rb") as f:
        data = f.read()
    size = _size_of(info, "model_bytes")
    what, sha = f"{info.model} (opset {info.opset})", _sha_of(info, "model_sha")
    _check(what, path, len(data), hashlib.sha256(data).hexdigest(), size, sha)
    return data


def _trusted_file(model: str, repo, opset, force_reload, silent, trust, field: str) -> tuple[ModelInfo, str]:
    """The manifest entry for ``model`` and the path of its verified ``field`` file, once trust is checked."""
    resolved = _resolve_repo(repo)
    _require_trust(resolved, repo, trust)
    info = _select(resolved, model, opset, force_reload)
    return info, _verified_file(resolved, info, field, force_reload, silent)


def _load_verified(model: str, repo, opset, force_reload, silent, trust) -> tuple[ModelInfo, bytes]:
    info, path = _trusted_file(model, repo, opset, force_reload, silent, trust, "model")
    return info, _read_verified(path, info)


def _parse_model(data: bytes, info: ModelInfo) -> onnx.ModelProto:
    proto = onnx.ModelProto()
    try:
        proto.ParseFromString(data)
    except Exception as e:  # noqa: BLE001 - protobuf raises DecodeError or RuntimeError by implementation
        raise HubError(f"{info.model} (opset {info.opset}): {info.model_path} is not an ONNX model ({e})") from None
    return proto


def _features(proto: onnx.ModelProto, info: ModelInfo) -> onnx.ModelProto:
    names = info.features
    if not names:
        raise ModelNotFound(f"{info.model} (opset {info.opset}) has no metadata.extra_ports.features in the manifest")
    from refrt.slicing import slice_model  # the slicing layer sits beside the hub; imported only when asked

    return slice_model(proto, outputs=names)


def download_model(
    model: str,
    repo: str | os.PathLike | None = None,
    opset: int | None = None,
    force_reload: bool = False,
    silent: bool = False,
    *,
    trust: bool = False,
) -> str:
    """Fetch ``model`` into the cache if needed; return the path of its verified file.

    For a local-folder repository the path is the file in that folder (verified, not copied).
    """
    return _trusted_file(model, repo, opset, force_reload, silent, trust, "model")[1]


def load(
    model: str,
    repo: str | os.PathLike | None = None,
    opset: int | None = None,
    force_reload: bool = False,
    silent: bool = False,
    *,
    trust: bool = False,
    features: bool = False,
) -> onnx.ModelProto:
    """The model named ``model`` (any case) as an ``onnx.ModelProto``, its SHA-256 verified.

    ``opset`` picks a version (the highest by default); ``force_reload`` fetches the manifest and the
    file again; ``silent`` hides the progress bar; ``trust`` allows a repository not trusted otherwise;
    ``features=True`` cuts the model at the manifest's ``extra_ports.features`` outputs.
    """
    info, data = _load_verified(model, repo, opset, force_reload, silent, trust)
    proto = _parse_model(data, info)
    return _features(proto, info) if features else proto


def load_session(
    model: str,
    repo: str | os.PathLike | None = None,
    opset: int | None = None,
    force_reload: bool = False,
    silent: bool = False,
    *,
    trust: bool = False,
    features: bool = False,
    sess_options=None,
    providers: Sequence | None = None,
    provider_options: Sequence[dict] | None = None,
    **kwargs: Any,
):
    """A ``refrt.InferenceSession`` on :func:`load`'s model; ``sess_options``, ``providers`` and
    ``provider_options`` are the session's."""
    from refrt.session import InferenceSession

    info, data = _load_verified(model, repo, opset, force_reload, silent, trust)
    source = _features(_parse_model(data, info), info) if features else data
    return InferenceSession(source, sess_options, providers=providers, provider_options=provider_options, **kwargs)


# -- models with test data ---------------------------------------------------------------------------
def _archive_stem(name: str) -> str:
    for suffix in (".tar.gz", ".tgz", ".tar.bz2", ".tar.xz", ".tar"):
        if name.lower().endswith(suffix):
            return name[: -len(suffix)]
    return name + ".d"


def _check_members(tar: tarfile.TarFile, archive: str) -> list[tarfile.TarInfo]:
    members = tar.getmembers()
    for m in members:
        if not (m.isreg() or m.isdir()):
            kind = "symbolic link" if m.issym() else "hard link" if m.islnk() else "device or special file"
            raise UnsafePath(f"archive {archive}: member {m.name!r} is a {kind}; only files and folders are extracted")
        name = m.name.replace("\\", "/")
        parts = [p for p in name.split("/") if p not in ("", ".")]
        if name.startswith("/") or re.match(r"[A-Za-z]:", name) or ".." in parts or "\x00" in name:
            raise UnsafePath(f"archive {archive}: member {m.name!r} would be written outside the target folder")
    return members


def _extract(archive: str, target: str) -> None:
    """Extract files and folders only, every one checked to land inside ``target``; all or nothing."""
    parent = os.path.dirname(target)
    os.makedirs(parent, exist_ok=True)
    staging = tempfile.mkdtemp(prefix=".extract-", dir=parent)
    try:
        with tarfile.open(archive, "r:*") as tar:
            members = _check_members(tar, archive)
            for m in members:
                parts = [p for p in m.name.replace("\\", "/").split("/") if p not in ("", ".")]
                if not parts:
                    continue
                dest = os.path.join(staging, *parts)
                if os.path.commonpath([os.path.realpath(dest), os.path.realpath(staging)]) != os.path.realpath(staging):
                    raise UnsafePath(f"archive {archive}: member {m.name!r} would be written outside the target folder")
                try:
                    if m.isdir():
                        os.makedirs(dest, exist_ok=True)
                        continue
                    os.makedirs(os.path.dirname(dest), exist_ok=True)
                    with tar.extractfile(m) as src, open(dest, "wb") as out:
                        shutil.copyfileobj(src, out, _CHUNK)
                except OSError as e:  # a file and a folder of one name, say
                    raise IntegrityError(f"archive {archive}: member {m.name!r} cannot be extracted: {e}") from None
        if os.path.isdir(target):
            shutil.rmtree(target)
        try:
            os.replace(staging, target)
        except OSError:  # another process extracted it first
            if not os.path.isdir(target):
                raise
    except tarfile.TarError as e:
        raise IntegrityError(f"archive {archive} cannot be read as a tar file: {e}") from None
    finally:
        if os.path.isdir(staging):
            shutil.rmtree(staging, ignore_errors=True)


def download_model_with_test_data(
    model: str,
    repo: str | os.PathLike | None = None,
    opset: int | None = None,
    force_reload: bool = False,
    silent: bool = False,
    *,
    trust: bool = False,
) -> str:
    """Fetch and extract the model's ``model_with_data`` archive (the model and its ``test_data_set_*``
    folders); return the extracted folder (the archive's single top folder when it has one).

    The archive's SHA-256 is verified on every call; only regular files and folders are extracted, each
    inside the target folder (a link, a device, an absolute name or ``..`` refuses the whole archive).
    """
    info, archive = _trusted_file(model, repo, opset, force_reload, silent, trust, "model_with_data")
    sha = _sha_of(info, "model_with_data_sha")
    target = _cache_path(sha, _archive_stem(os.path.basename(archive)))
    if force_reload or not os.path.isdir(target):
        _extract(archive, target)
    entries = os.listdir(target)
    if len(entries) == 1 and os.path.isdir(os.path.join(target, entries[0])):
        return os.path.join(target, entries[0])
    return target


# -- command line ------------------------------------------------------------------------------------
def _fmt_ports(ports: Any) -> list[str]:
    lines = []
    for p in ports or []:
        if isinstance(p, dict):
            lines.append(f"    {p.get('name')}: {p.get('type', '?')} {p.get('shape', '?')}")
    return lines


def _cmd_list(args: argparse.Namespace) -> int:
    found = list_models(args.repo, args.model, args.tags, force_reload=args.refresh)
    print(f"{'model':<36}{'opset':>6}{'MB':>10}  tags")
    for m in sorted(found, key=lambda m: (m.model.lower(), m.opset)):
        size = f"{m.model_bytes / 1e6:.1f}" if m.model_bytes is not None else "?"
        print(f"{m.model:<36}{m.opset:>6}{size:>10}  {', '.join(sorted(m.tags))}")
    print(f"{len(found)} model(s) in {_resolve_repo(args.repo).key}")
    return 0


def _cmd_info(args: argparse.Namespace) -> int:
    m = get_model_info(args.name, args.repo, args.opset)
    others = sorted({o.opset for o in list_models(args.repo, m.model)})
    print(f"model: {m.model}")
    print(f"  opset {m.opset} (available: {', '.join(map(str, others))}); onnx {m.onnx_version or '?'}")
    print(f"  path {m.model_path}")
    print(f"  sha256 {m.model_sha}  bytes {m.model_bytes if m.model_bytes is not None else '?'}")
    print(f"  tags: {', '.join(sorted(m.tags)) or '-'}")
    ports = m.metadata.get("io_ports") or {}
    print("inputs:")
    print("\n".join(_fmt_ports(ports.get("inputs"))) or "    ?")
    print("outputs:")
    print("\n".join(_fmt_ports(ports.get("outputs"))) or "    ?")
    if m.features:
        print("features:")
        print("\n".join(_fmt_ports((m.metadata.get("extra_ports") or {}).get("features"))))
    if m.metadata.get("model_with_data_path"):
        size = m.metadata.get("model_with_data_bytes", "?")
        print(f"with test data: {m.metadata['model_with_data_path']} ({size} bytes)")
    print(f"trusted: {'yes' if is_trusted(args.repo) else 'no (download needs --trust)'}")
    return 0


def _cmd_download(args: argparse.Namespace) -> int:
    fetch = download_model_with_test_data if args.with_test_data else download_model
    path = fetch(args.name, args.repo, args.opset, args.force_reload, args.silent, trust=args.trust)
    print(path)
    return 0


def add_cli(sub) -> None:
    """``refrt hub list|info|download``."""
    p = sub.add_parser("hub", help="list, describe and download models from an ONNX model zoo repository")
    hub_sub = p.add_subparsers(dest="hub_command", required=True)
    repo_help = f"owner/name[:ref], a base URL or a folder (default $REFRT_HUB_REPO or {DEFAULT_REPO})"

    q = hub_sub.add_parser("list", help="models in the manifest, filtered by name and tags")
    q.add_argument("--tags", nargs="+", help="keep models with any of these tags (any case)")
    q.add_argument("--model", help="keep models with this name (any case)")
    q.add_argument("--repo", help=repo_help)
    q.add_argument("--refresh", action="store_true", help="fetch the manifest again instead of the cached one")
    q.set_defaults(func=_cmd_list)

    q = hub_sub.add_parser("info", help="one model's manifest entry: opsets, size, sha, inputs, outputs, features")
    q.add_argument("name")
    q.add_argument("--opset", type=int, help="the version to describe (default: the highest)")
    q.add_argument("--repo", help=repo_help)
    q.set_defaults(func=_cmd_info)

    q = hub_sub.add_parser("download", help="fetch a model into the cache, verify it, print its path")
    q.add_argument("name")
    q.add_argument("--opset", type=int, help="the version to fetch (default: the highest)")
    q.add_argument("--with-test-data", action="store_true", help="fetch and extract the model_with_data archive")
    q.add_argument("--repo", help=repo_help)
    q.add_argument("--trust", action="store_true", help="allow a repository that is not in the trusted list")
    q.add_argument("--force-reload", action="store_true", help="fetch the manifest and the file again")
    q.add_argument("--silent", action="store_true", help="no progress bar")
    q.set_defaults(func=_cmd_download)


__all__ = [
    "DEFAULT_REPO", "ModelInfo", "HubError", "ModelNotFound", "IntegrityError", "UntrustedRepository",
    "UnsafePath", "HubConnectionError", "list_models", "get_model_info", "load", "load_session",
    "download_model", "download_model_with_test_data", "set_dir", "get_dir", "add_trusted", "is_trusted",
    "add_cli",
]
