"""refrt.hub against a model zoo repository built here: as a folder, and served over loopback HTTP."""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import http.server
import io
import json
import os
import shutil
import socket
import tarfile
import threading
import time

import numpy as np
import onnx
import onnxruntime as ort
import pytest
from onnx import TensorProto, helper, numpy_helper

import refrt
from refrt import hub

W1 = np.array([[1.0, -2.0, 0.5], [0.5, 1.0, -1.0], [-1.0, 0.25, 2.0], [2.0, -0.5, 1.0]], np.float32)
W2 = np.array([[1.0, 0.5], [-1.0, 2.0], [0.5, -0.25]], np.float32)
X = np.array([[1.0, 2.0, -1.0, 0.5], [-0.5, 1.0, 3.0, -2.0]], np.float32)


def add_model(constant: float, opset: int) -> bytes:
    """Y = X + constant: the constant tells which opset version was loaded."""
    c = numpy_helper.from_array(np.full((3,), constant, np.float32), "C")
    graph = helper.make_graph([helper.make_node("Add", ["X", "C"], ["Y"])], "add",
                              [helper.make_tensor_value_info("X", TensorProto.FLOAT, [2, 3])],
                              [helper.make_tensor_value_info("Y", TensorProto.FLOAT, [2, 3])], [c])
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)], ir_version=8).SerializeToString()


def mlp_model() -> bytes:
    nodes = [helper.make_node("MatMul", ["X", "W1"], ["pre"]), helper.make_node("Relu", ["pre"], ["hidden"]),
             helper.make_node("MatMul", ["hidden", "W2"], ["Y"])]
    graph = helper.make_graph(nodes, "mlp", [helper.make_tensor_value_info("X", TensorProto.FLOAT, ["batch", 4])],
                              [helper.make_tensor_value_info("Y", TensorProto.FLOAT, ["batch", 2])],
                              [numpy_helper.from_array(W1, "W1"), numpy_helper.from_array(W2, "W2")])
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)], ir_version=8).SerializeToString()


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def tar_gz(members: list[tuple[tarfile.TarInfo, bytes | None]]) -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as tar:
        for info, data in members:
            if data is not None:
                info.size = len(data)
            tar.addfile(info, io.BytesIO(data) if data is not None else None)
    return buf.getvalue()


def file_member(name: str, data: bytes) -> tuple[tarfile.TarInfo, bytes]:
    return tarfile.TarInfo(name), data


def dir_member(name: str) -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.type, info.mode = tarfile.DIRTYPE, 0o755
    return info


def entry(model: str, path: str, data: bytes, opset: int, tags=(), **metadata) -> dict:
    meta = {"model_sha": sha(data), "model_bytes": len(data), "tags": list(tags),
            "io_ports": {"inputs": [{"name": "X", "shape": [2, 3], "type": "tensor(float)"}],
                         "outputs": [{"name": "Y", "shape": [2, 3], "type": "tensor(float)"}]}}
    meta.update(metadata)
    return {"model": model, "model_path": path, "onnx_version": "1.14", "opset_version": opset, "metadata": meta}


def with_data(path: str, data: bytes) -> dict:
    return {"model_with_data_path": path, "model_with_data_sha": sha(data), "model_with_data_bytes": len(data)}


@pytest.fixture(scope="module")
def repo_folder(tmp_path_factory) -> str:
    """A zoo-style repository: a manifest and small models with their real hashes and sizes."""
    root = tmp_path_factory.mktemp("hub")
    folder = root / "repo"
    files = {"vision/add/add-13.onnx": add_model(1.0, 13), "vision/add/add-17.onnx": add_model(2.0, 17),
             "text/mlp/mlp-17.onnx": mlp_model(), "bad/corrupt.onnx": add_model(3.0, 17)}
    x_pb = numpy_helper.from_array(X, "X").SerializeToString()
    y_pb = numpy_helper.from_array(np.maximum(X @ W1, 0) @ W2, "Y").SerializeToString()
    files["text/mlp/mlp-17.tar.gz"] = tar_gz([
        (dir_member("mlp"), None), file_member("mlp/mlp-17.onnx", mlp_model()),
        file_member("mlp/test_data_set_0/input_0.pb", x_pb), file_member("mlp/test_data_set_0/output_0.pb", y_pb)])
    files["bad/traversal.tar.gz"] = tar_gz([file_member("m/ok.txt", b"ok"), file_member("../escaped.txt", b"evil")])
    link = tarfile.TarInfo("m/link")
    link.type, link.linkname = tarfile.SYMTYPE, "/etc/passwd"
    files["bad/link.tar.gz"] = tar_gz([file_member("m/ok.txt", b"ok"), (link, None)])
    for path, data in files.items():
        (folder / path).parent.mkdir(parents=True, exist_ok=True)
        (folder / path).write_bytes(data)
    outside = add_model(9.0, 17)
    (root / "outside.onnx").write_bytes(outside)
    add13, add17 = files["vision/add/add-13.onnx"], files["vision/add/add-17.onnx"]
    mlp = mlp_model()
    manifest = [
        entry("Add", "vision/add/add-13.onnx", add13, 13, tags=["Vision", "classification"]),
        entry("Add", "vision/add/add-17.onnx", add17, 17, tags=["Vision", "classification"]),
        entry("MLP", "text/mlp/mlp-17.onnx", mlp, 17, tags=["text"],
              extra_ports={"features": [{"name": "hidden", "shape": ["batch", 3], "type": "tensor(float)"}]},
              **with_data("text/mlp/mlp-17.tar.gz", files["text/mlp/mlp-17.tar.gz"])),
        # the file is another model than the one the manifest hashed
        {**entry("Corrupt", "bad/corrupt.onnx", add17, 17), "metadata": {
            "model_sha": sha(add17), "model_bytes": len(files["bad/corrupt.onnx"])}},
        {**entry("WrongSize", "vision/add/add-17.onnx", add17, 17), "metadata": {
            "model_sha": sha(add17), "model_bytes": len(add17) + 7}},
        entry("Missing", "vision/missing.onnx", add17, 17),
        entry("Escape", "../outside.onnx", outside, 17),
        entry("Absolute", str(root / "outside.onnx"), outside, 17),
        entry("Sneaky", "vision/../../outside.onnx", outside, 17),
        entry("Traversal", "vision/add/add-17.onnx", add17, 17, **with_data("bad/traversal.tar.gz", files["bad/traversal.tar.gz"])),
        entry("Link", "vision/add/add-17.onnx", add17, 17, **with_data("bad/link.tar.gz", files["bad/link.tar.gz"])),
    ]
    (folder / hub.MANIFEST).write_text(json.dumps(manifest, indent=1))
    return str(folder)


class _Handler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args) -> None:  # keep the test output clean
        pass

    def do_GET(self) -> None:
        self.server.requests.append(self.path)
        super().do_GET()


class _CutShort(_Handler):
    """Announces each .onnx file's full length, sends half of it, and hangs up: an interrupted download."""

    def do_GET(self) -> None:
        if not self.path.endswith(".onnx"):
            return super().do_GET()
        self.server.requests.append(self.path)
        data = open(self.translate_path(self.path), "rb").read()
        self.send_response(200)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data[: len(data) // 2])
        self.wfile.flush()
        self.close_connection = True


@contextlib.contextmanager
def serve(folder: str, handler=_Handler):
    """``folder`` over HTTP on 127.0.0.1 (a free port); yields (base URL, list of request paths)."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), lambda *a: handler(*a, directory=folder))
    server.requests = []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/", server.requests
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


@pytest.fixture(scope="module")
def server(repo_folder):
    with serve(repo_folder) as (url, requests):
        yield url, requests


@pytest.fixture(autouse=True)
def hub_env(tmp_path, monkeypatch, repo_folder, server):
    """A fresh cache per test; the test repositories trusted through the environment."""
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    monkeypatch.delenv("REFRT_HUB_REPO", raising=False)
    monkeypatch.delenv("REFRT_HUB_TIMEOUT", raising=False)
    monkeypatch.setenv("REFRT_HUB_TRUSTED", f"{server[0]}, {repo_folder}")
    monkeypatch.setattr(hub, "_trusted", set())
    hub.set_dir(tmp_path / "cache")
    yield
    hub.set_dir(None)


@pytest.fixture(params=["folder", "http"])
def repo(request, repo_folder, server):
    return repo_folder if request.param == "folder" else server[0]


def cached_files(tmp_path) -> list[str]:
    root = tmp_path / "cache"
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file()) if root.exists() else []


# -- listing and choosing ---------------------------------------------------------------------------
def test_list_models_matches_names_in_any_case_and_any_tag(repo):
    assert {(m.model, m.opset) for m in hub.list_models(repo, "add")} == {("Add", 13), ("Add", 17)}
    assert {m.model for m in hub.list_models(repo, tags=["VISION"])} == {"Add"}
    assert {m.model for m in hub.list_models(repo, tags=["nope", "Text"])} == {"MLP"}
    assert hub.list_models(repo, "mlp", tags=["vision"]) == []
    assert len(hub.list_models(repo)) == 11


def test_get_model_info_takes_the_highest_opset_unless_told(repo):
    info = hub.get_model_info("ADD", repo)
    assert (info.model, info.opset, info.model_path) == ("Add", 17, "vision/add/add-17.onnx")
    assert hub.get_model_info("add", repo, opset=13).model_path == "vision/add/add-13.onnx"
    assert hub.get_model_info("mlp", repo).features == ["hidden"]
    with pytest.raises(hub.ModelNotFound, match=r"Add has no version with opset 11. Valid opsets: \[13, 17\]"):
        hub.get_model_info("add", repo, opset=11)
    with pytest.raises(hub.ModelNotFound, match="no model named 'resnet' in .*it has: .*Add"):
        hub.get_model_info("resnet", repo)


def test_load_picks_the_opset_asked_for(repo):
    x = np.ones((2, 3), np.float32)
    for opset, added in ((None, 2.0), (17, 2.0), (13, 1.0)):
        model = hub.load("add", repo, opset=opset, silent=True)
        assert model.opset_import[0].version == (opset or 17)
        (y,) = refrt.InferenceSession(model.SerializeToString()).run(None, {"X": x})
        np.testing.assert_array_equal(y, x + added)


def test_load_session_runs_like_onnxruntime(repo):
    sess = hub.load_session("MLP", repo, silent=True, providers=["CPUExecutionProvider"])
    oracle = ort.InferenceSession(hub.load("MLP", repo, silent=True).SerializeToString(), providers=["CPUExecutionProvider"])
    (ours,), (theirs,) = sess.run(None, {"X": X}), oracle.run(None, {"X": X})
    np.testing.assert_allclose(ours, theirs, rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(ours, np.maximum(X @ W1, 0) @ W2, rtol=1e-6)


def test_features_cuts_the_model_at_the_manifest_features(repo):
    model = hub.load("mlp", repo, silent=True, features=True)
    assert [o.name for o in model.graph.output] == ["hidden"]
    assert "W2" not in {t.name for t in model.graph.initializer}
    (ours,) = refrt.InferenceSession(model).run(None, {"X": X})
    (theirs,) = ort.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"]).run(None, {"X": X})
    np.testing.assert_allclose(ours, theirs, rtol=1e-6)
    np.testing.assert_allclose(ours, np.maximum(X @ W1, 0), rtol=1e-6)
    sess = hub.load_session("mlp", repo, silent=True, features=True)
    assert [o.name for o in sess.get_outputs()] == ["hidden"]
    with pytest.raises(hub.ModelNotFound, match="Add .opset 17. has no metadata.extra_ports.features"):
        hub.load("add", repo, silent=True, features=True)


# -- the cache ---------------------------------------------------------------------------------------
def test_second_load_does_not_touch_the_server(server, tmp_path):
    url, requests = server
    before = len(requests)
    first = hub.load("add", url, silent=True)
    assert len(requests) == before + 2  # the manifest, then the model
    assert requests[-1] == "/vision/add/add-17.onnx"
    expected_sha = sha(first.SerializeToString())
    assert f"sha256/{expected_sha}/add-17.onnx" in cached_files(tmp_path)
    assert any(f.startswith("manifests/") and f.endswith(hub.MANIFEST) for f in cached_files(tmp_path))
    second = hub.load("ADD", url, silent=True)
    assert len(requests) == before + 2
    assert second == first
    hub.load("add", url, silent=True, force_reload=True)
    assert len(requests) == before + 4


def test_a_warm_cache_works_with_the_server_gone(repo_folder, monkeypatch):
    with serve(repo_folder) as (url, requests):
        monkeypatch.setenv("REFRT_HUB_TRUSTED", url)
        hub.load("mlp", url, silent=True)
        path = hub.download_model_with_test_data("mlp", url, silent=True)
        assert len(requests) == 3
    # the server is stopped: its port refuses connections
    assert [m.model for m in hub.list_models(url, tags=["text"])] == ["MLP"]
    assert hub.get_model_info("mlp", url).opset == 17
    sess = hub.load_session("mlp", url, silent=True)
    np.testing.assert_allclose(sess.run(None, {"X": X})[0], np.maximum(X @ W1, 0) @ W2, rtol=1e-6)
    assert hub.download_model_with_test_data("mlp", url, silent=True) == path
    with pytest.raises(hub.HubConnectionError, match="cannot reach .*ONNX_HUB_MANIFEST.json.*still load without the network"):
        hub.load("mlp", url, silent=True, force_reload=True)
    with pytest.raises(hub.ModelNotFound, match="no model named .resnet. in the cached manifest.*could not be refreshed"):
        hub.get_model_info("resnet", url)


def test_a_cached_manifest_is_read_again_for_a_model_it_lacks(repo_folder, tmp_path, monkeypatch):
    folder = tmp_path / "growing"
    shutil.copytree(repo_folder, folder)
    manifest = json.loads((folder / hub.MANIFEST).read_text())
    (folder / hub.MANIFEST).write_text(json.dumps([e for e in manifest if e["model"] != "MLP"]))
    with serve(str(folder)) as (url, requests):
        monkeypatch.setenv("REFRT_HUB_TRUSTED", url)
        assert [m.model for m in hub.list_models(url, tags=["text"])] == []
        (folder / hub.MANIFEST).write_text(json.dumps(manifest))  # the repository gains a model
        assert [m.model for m in hub.list_models(url, tags=["text"])] == []  # still the cached manifest
        assert hub.get_model_info("mlp", url).opset == 17  # a miss reads the manifest again
        assert requests.count("/" + hub.MANIFEST) == 2
        assert [m.model for m in hub.list_models(url, tags=["text"])] == ["MLP"]


def test_a_corrupted_cached_copy_is_fetched_again(server, tmp_path):
    url, requests = server
    hub.load("add", url, silent=True)
    (cached,) = [tmp_path / "cache" / f for f in cached_files(tmp_path) if f.endswith("add-17.onnx")]
    cached.write_bytes(cached.read_bytes()[:-3] + b"xyz")
    before = len(requests)
    model = hub.load("add", url, silent=True)
    assert len(requests) == before + 1
    assert sha(cached.read_bytes()) == hub.get_model_info("add", url).model_sha
    assert model.opset_import[0].version == 17


# -- refused files -----------------------------------------------------------------------------------
def test_a_corrupted_file_is_refused_and_never_cached(repo, tmp_path):
    with pytest.raises(hub.IntegrityError, match="Corrupt .opset 17.: .*has SHA-256 [0-9a-f]{64} but the manifest says"):
        hub.load("corrupt", repo, silent=True)
    assert not [f for f in cached_files(tmp_path) if not f.startswith("manifests/")]


def test_a_wrong_size_is_refused_and_never_cached(repo, tmp_path):
    with pytest.raises(hub.IntegrityError, match=r"WrongSize .opset 17.: .* bytes but the manifest says model_bytes \d+"):
        hub.load("wrongsize", repo, silent=True)
    assert not [f for f in cached_files(tmp_path) if not f.startswith("manifests/")]


def test_an_interrupted_download_is_never_cached(repo_folder, tmp_path, monkeypatch):
    with serve(repo_folder, _CutShort) as (url, requests):
        monkeypatch.setenv("REFRT_HUB_TRUSTED", url)
        with pytest.raises(hub.HubConnectionError, match=r"Add .opset 17.: .*add-17.onnx stopped after 48 of 96 bytes; nothing was cached"):
            hub.load("add", url, silent=True)
        assert requests[-1] == "/vision/add/add-17.onnx"
    assert not [f for f in cached_files(tmp_path) if not f.startswith("manifests/")]
    with serve(repo_folder) as (url2, _):  # the same files whole: the next try loads
        monkeypatch.setenv("REFRT_HUB_TRUSTED", url2)
        assert hub.load("add", url2, silent=True).opset_import[0].version == 17


def test_a_missing_model(repo):
    with pytest.raises(hub.ModelNotFound, match="no model named 'nothing'"):
        hub.load("nothing", repo, silent=True)
    with pytest.raises(hub.ModelNotFound, match="Missing .opset 17.: .*(not in|HTTP 404)"):
        hub.load("missing", repo, silent=True)


def test_a_missing_manifest(tmp_path):
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(hub.ModelNotFound, match=f"no {hub.MANIFEST} in .*empty"):
        hub.list_models(str(empty))
    with serve(str(empty)) as (url, _):
        with pytest.raises(hub.ModelNotFound, match=f"no manifest for repository {url}: .*HTTP 404"):
            hub.list_models(url)


def test_a_bad_manifest_says_which_entry(tmp_path):
    (tmp_path / hub.MANIFEST).write_text(json.dumps([{"model": "a", "model_path": "a.onnx", "metadata": {}}]))
    with pytest.raises(hub.HubError, match="entry 0 .a. needs 'opset_version'"):
        hub.list_models(str(tmp_path))
    (tmp_path / hub.MANIFEST).write_text("{not json")
    with pytest.raises(hub.HubError, match="not valid JSON"):
        hub.list_models(str(tmp_path))


@pytest.mark.parametrize("name", ["escape", "absolute", "sneaky"])
def test_a_manifest_path_out_of_the_repository_is_refused(repo, server, name):
    url, requests = server
    before = len(requests)
    with pytest.raises(hub.UnsafePath, match="paths must be relative and stay inside the repository"):
        hub.load(name, repo, silent=True)
    assert not [r for r in requests[before:] if "outside" in r]


def test_a_link_out_of_a_folder_repository_is_refused(tmp_path, repo_folder):
    copy = tmp_path / "linked"
    shutil.copytree(repo_folder, copy)
    target = copy / "vision" / "add" / "add-17.onnx"
    target.unlink()
    target.symlink_to(os.path.join(os.path.dirname(repo_folder), "outside.onnx"))
    with pytest.raises(hub.UnsafePath, match="outside the repository .* link"):
        hub.load("add", str(copy), silent=True, trust=True)


# -- trust -------------------------------------------------------------------------------------------
def test_an_untrusted_repository_needs_trust(server, repo_folder, monkeypatch):
    url, requests = server
    monkeypatch.delenv("REFRT_HUB_TRUSTED")
    before = len(requests)
    with pytest.raises(hub.UntrustedRepository, match=r"trust=True.*add_trusted\(.*REFRT_HUB_TRUSTED"):
        hub.load("add", url, silent=True)
    with pytest.raises(hub.UntrustedRepository):
        hub.download_model_with_test_data("mlp", repo_folder, silent=True)
    assert len(requests) == before  # refused before anything was fetched
    assert hub.list_models(url, "add")  # reading the manifest needs no trust
    assert hub.load("add", url, silent=True, trust=True).opset_import[0].version == 17
    assert not hub.is_trusted(url)
    hub.add_trusted(url.rstrip("/"))
    assert hub.is_trusted(url)
    hub.load("add", url, silent=True)
    monkeypatch.setenv("REFRT_HUB_TRUSTED", "file://" + repo_folder)
    hub.load("add", repo_folder, silent=True)
    assert not hub.is_trusted("onnx/models")  # nothing is trusted unless the user names it
    monkeypatch.setenv("REFRT_HUB_TRUSTED", "onnx/models")
    assert hub.is_trusted("onnx/models") and hub.is_trusted("ONNX/models:main") and not hub.is_trusted("onnx/models:dev")


# -- network failures --------------------------------------------------------------------------------
def test_an_unreachable_server_fails_quickly_and_clearly():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    start = time.monotonic()
    with pytest.raises(hub.HubConnectionError, match=f"cannot reach http://127.0.0.1:{port}/ONNX_HUB_MANIFEST.json: .*refused"):
        hub.list_models(f"http://127.0.0.1:{port}")
    assert time.monotonic() - start < 3


def test_a_server_that_never_answers_times_out(monkeypatch):
    monkeypatch.setenv("REFRT_HUB_TIMEOUT", "0.5")
    with socket.socket() as s:  # listens, so connecting works, but never accepts or answers
        s.bind(("127.0.0.1", 0))
        s.listen(4)
        start = time.monotonic()
        with pytest.raises(hub.HubConnectionError, match="timed out .*at most 0.5 s.*REFRT_HUB_TIMEOUT"):
            hub.list_models(f"http://127.0.0.1:{s.getsockname()[1]}/zoo")
        assert time.monotonic() - start < 3


# -- models with test data ---------------------------------------------------------------------------
def test_download_model_with_test_data_extracts_the_model_and_its_test_sets(repo):
    folder = hub.download_model_with_test_data("mlp", repo, silent=True)
    assert os.path.basename(folder) == "mlp"
    assert sorted(os.listdir(folder)) == ["mlp-17.onnx", "test_data_set_0"]
    x = numpy_helper.to_array(onnx.load_tensor(os.path.join(folder, "test_data_set_0", "input_0.pb")))
    y = numpy_helper.to_array(onnx.load_tensor(os.path.join(folder, "test_data_set_0", "output_0.pb")))
    (ours,) = refrt.InferenceSession(os.path.join(folder, "mlp-17.onnx")).run(None, {"X": x})
    np.testing.assert_allclose(ours, y, rtol=1e-6)
    assert hub.download_model_with_test_data("MLP", repo, silent=True) == folder
    with pytest.raises(hub.ModelNotFound, match="has no model_with_data_path"):
        hub.download_model_with_test_data("add", repo, silent=True)


@pytest.mark.parametrize("name, what", [("traversal", "outside the target folder"), ("link", "is a symbolic link")])
def test_an_archive_that_would_escape_is_refused_whole(repo, tmp_path, name, what):
    with pytest.raises(hub.UnsafePath, match=what):
        hub.download_model_with_test_data(name, repo, silent=True)
    written = [p.name for p in tmp_path.rglob("*")]
    assert "escaped.txt" not in written and "ok.txt" not in written and "link" not in written
    assert not [p for p in tmp_path.rglob(".extract-*")]


# -- settings, progress, command line ----------------------------------------------------------------
def test_the_default_repository_comes_from_the_environment(server, monkeypatch):
    monkeypatch.setenv("REFRT_HUB_REPO", server[0])
    assert {m.opset for m in hub.list_models(model="add")} == {13, 17}
    assert hub.load("add", silent=True).opset_import[0].version == 17


def test_get_dir_follows_refrt_home_then_xdg(monkeypatch, tmp_path):
    hub.set_dir(None)
    monkeypatch.setenv("REFRT_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert hub.get_dir() == str(tmp_path / "home" / "hub")
    monkeypatch.delenv("REFRT_HOME")
    assert hub.get_dir() == str(tmp_path / "xdg" / "refrt" / "hub")
    hub.set_dir(tmp_path / "mine")
    assert hub.get_dir() == str(tmp_path / "mine")


def test_repository_names():
    github = hub._resolve_repo("ONNX/models")
    assert github.key == "onnx/models:main"
    assert github.manifest_base == "https://raw.githubusercontent.com/onnx/models/main/"
    assert github.files_base == "https://media.githubusercontent.com/media/onnx/models/main/"
    assert hub._resolve_repo("me/zoo:v1.2").key == "me/zoo:v1.2"
    assert hub._resolve_repo("https://example.com/zoo").key == "https://example.com/zoo/"
    with pytest.raises(hub.HubError, match="is not a repository"):
        hub._resolve_repo("no such thing")
    with pytest.raises(hub.HubError, match="plain base URL"):
        hub._resolve_repo("https://example.com/zoo?x=1")


def test_download_shows_progress_unless_silent(server, capsys):
    url, _ = server
    hub.download_model("add", url, opset=13, silent=True)
    assert capsys.readouterr().err == ""
    path = hub.download_model("mlp", url)
    err = capsys.readouterr().err
    assert "downloading MLP (opset 17)" in err and "100%" in err
    assert path.endswith("mlp-17.onnx") and os.path.isfile(path)


def run_cli(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="refrt")
    hub.add_cli(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(argv)
    return args.func(args)


def test_cli_list_info_download(repo, capsys):
    assert run_cli(["hub", "list", "--tags", "text", "classification", "--repo", repo]) == 0
    out = capsys.readouterr().out
    assert "MLP" in out and "Add" in out and "Corrupt" not in out and "3 model(s)" in out
    assert run_cli(["hub", "info", "add", "--opset", "13", "--repo", repo]) == 0
    out = capsys.readouterr().out
    assert "opset 13 (available: 13, 17)" in out and "vision/add/add-13.onnx" in out and "X: tensor(float) [2, 3]" in out
    assert run_cli(["hub", "download", "mlp", "--with-test-data", "--silent", "--repo", repo]) == 0
    folder = capsys.readouterr().out.strip()
    assert os.path.isdir(os.path.join(folder, "test_data_set_0"))
    assert run_cli(["hub", "download", "add", "--silent", "--repo", repo]) == 0
    path = capsys.readouterr().out.strip()
    assert hashlib.sha256(open(path, "rb").read()).hexdigest() == hub.get_model_info("add", repo).model_sha
