"""Rows per second of batch inference on DataFrames: pandas, Spark local[2], and the sessions beneath.

    python -m bench.dataframe_throughput                    # 1,000,000 rows, batches of 5,000
    python -m bench.dataframe_throughput --rows 100000 --no-spark

The benchmark set's ``random_forest`` (scikit-learn RandomForestClassifier, 100 trees, 20 features,
ZipMap off) over the same standard-normal rows through:

- ``onnxruntime``: ``InferenceSession.run`` on slices of ``--batch`` rows in this process (the anchor;
  default threads, and one intra-op thread);
- ``refrt``: ``refrt.InferenceSession.run`` on the same slices;
- ``refrt.ONNXModel (pandas)``: ``transform`` of a DataFrame whose ``features`` column holds one
  20-float array per row (stacking the rows into tensors is part of what is timed);
- ``refrt.spark.ONNXModel``: Spark ``local[2]`` reading the rows from ``--partitions`` Parquet files (Spark
  packs them into partitions by size; the JSON records how many), ``mapInPandas`` with Arrow batches of ``--batch`` rows, forced by an aggregate of
  the label column (checked against onnxruntime's; rows whose
  two classes tie at 50/50 may go either way, in onnxruntime too, with its thread count); the first action includes starting the Python
  workers and building one session in each, the second reuses them. Spark's own cost is shown by a
  pass-through ``mapInPandas`` over the same rows.

Each refrt line is repeated with ``providers=["NumbaExecutionProvider", "CPUExecutionProvider"]``
where Numba is installed (in-process runs are warmed first, so compiling is not timed; Spark workers
compile in their first action). Prints a Markdown table and writes the numbers as JSON to
``bench/results/dataframe-throughput-<time>.json`` (or ``--json``).
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import pathlib
import platform
import shutil
import sys
import tempfile
import time

import numpy as np

import refrt
from bench import models as bench_models

NUMBA = ["NumbaExecutionProvider", "CPUExecutionProvider"]
RESULTS = pathlib.Path(__file__).with_name("results")


def _rows(n: int, features: int, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).standard_normal((n, features), dtype=np.float32)


def _session_loop(sess, name: str, x: np.ndarray, batch: int) -> tuple[float, tuple[np.ndarray, np.ndarray]]:
    """Seconds to run every ``batch``-row slice of ``x``, and the (labels, probabilities)."""
    outs = []
    start = time.perf_counter()
    for i in range(0, len(x), batch):
        outs.append(sess.run(None, {name: x[i:i + batch]}))
    seconds = time.perf_counter() - start
    return seconds, (np.concatenate([o[0] for o in outs]), np.concatenate([o[1] for o in outs]))


class Anchor:
    """onnxruntime's labels and probabilities; a 50/50 vote may go either way (summation order)."""

    def __init__(self, labels: np.ndarray, probabilities: np.ndarray):
        self.labels, self.probabilities = labels, probabilities
        self.tied = np.abs(probabilities[:, 1] - probabilities[:, 0]) < 1e-4

    def check(self, labels: np.ndarray, probabilities: np.ndarray | None, who: str) -> None:
        if probabilities is not None:
            np.testing.assert_allclose(probabilities, self.probabilities, atol=1e-5, err_msg=who)
        np.testing.assert_array_equal(labels[~self.tied], self.labels[~self.tied], err_msg=who)

    def check_sum(self, total: int, count: int, who: str) -> None:
        low = int(self.labels[~self.tied].sum())
        if count != len(self.labels) or not low <= total <= low + int(self.tied.sum()):
            raise AssertionError(f"{who}: {count} rows, label sum {total}; onnxruntime: {len(self.labels)} rows, "
                                 f"label sum {int(self.labels.sum())} ({int(self.tied.sum())} ties)")


def _result(runtime: str, seconds: float, rows: int, **extra) -> dict:
    return {"runtime": runtime, "seconds": seconds, "rows": rows, "rows_per_s": rows / seconds, **extra}


def run_sessions(payload: bytes, name: str, x: np.ndarray, batch: int, numba: bool) -> tuple[list[dict], Anchor]:
    import onnxruntime as ort

    out = []
    so = ort.SessionOptions()
    anchor_seconds, outputs = _session_loop(ort.InferenceSession(payload, providers=["CPUExecutionProvider"]),
                                            name, x, batch)
    anchor = Anchor(*outputs)
    out.append(_result("onnxruntime InferenceSession (default threads)", anchor_seconds, len(x)))
    so.intra_op_num_threads = 1
    one_thread = ort.InferenceSession(payload, so, providers=["CPUExecutionProvider"])
    seconds, outputs = _session_loop(one_thread, name, x, batch)
    anchor.check(*outputs, "onnxruntime, one thread")
    out.append(_result("onnxruntime InferenceSession (1 thread)", seconds, len(x)))
    for providers in [None] + ([NUMBA] if numba else []):
        sess = refrt.InferenceSession(payload, providers=providers)
        sess.run(None, {name: x[:batch]})  # warm (Numba compiles here)
        seconds, outputs = _session_loop(sess, name, x, batch)
        anchor.check(*outputs, f"refrt{_suffix(providers)}")
        out.append(_result(f"refrt InferenceSession{_suffix(providers)}", seconds, len(x)))
    return out, anchor


def _suffix(providers) -> str:
    return " [Numba]" if providers else ""


def run_pandas(payload: bytes, name: str, x: np.ndarray, batch: int, anchor: Anchor, numba: bool) -> list[dict]:
    import pandas as pd

    from refrt.dataframe import ONNXModel

    frame = pd.DataFrame({"features": list(x)})
    out = []
    for providers in [None] + ([NUMBA] if numba else []):
        model = ONNXModel(model_payload=payload, feed_dict={name: "features"}, mini_batch_size=batch,
                          providers=providers, progress=False)
        model.transform(frame.iloc[:batch])  # builds the session once (Numba compiles here)
        start = time.perf_counter()
        scored = model.transform(frame)
        seconds = time.perf_counter() - start
        anchor.check(scored["label"].to_numpy(), np.stack(scored["probabilities"].to_numpy()), "pandas")
        out.append(_result(f"refrt.ONNXModel on pandas{_suffix(providers)}", seconds, len(x)))
    return out


def _write_parquet(x: np.ndarray, folder: str, partitions: int) -> int:
    import pyarrow as pa
    import pyarrow.parquet as pq

    offsets = pa.array(np.arange(0, x.size + 1, x.shape[1], dtype=np.int32))
    features = pa.ListArray.from_arrays(offsets, pa.array(x.reshape(-1)))
    table = pa.table({"features": features})
    size = -(-len(x) // partitions)
    for i in range(partitions):
        pq.write_table(table.slice(i * size, size), os.path.join(folder, f"part-{i:03d}.parquet"))
    return sum(os.path.getsize(os.path.join(folder, f)) for f in os.listdir(folder))


def run_spark(payload: bytes, name: str, x: np.ndarray, batch: int, anchor: Anchor, numba: bool,
              partitions: int) -> list[dict]:
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    os.environ.setdefault("PYSPARK_DRIVER_PYTHON", sys.executable)
    from pyspark.sql import SparkSession
    from pyspark.sql import functions as F

    from refrt.spark import ONNXModel

    folder = tempfile.mkdtemp(prefix="refrt-throughput-")
    out = []
    spark = None
    try:
        data = os.path.join(folder, "rows")
        os.makedirs(data)
        _write_parquet(x, data, partitions)
        spark = (SparkSession.builder.master("local[2]").appName("refrt-dataframe-throughput")
                 .config("spark.ui.enabled", "false").config("spark.sql.shuffle.partitions", "2")
                 .config("spark.sql.warehouse.dir", os.path.join(folder, "warehouse"))
                 .config("spark.driver.memory", "2g")
                 .config("spark.sql.execution.arrow.maxRecordsPerBatch", str(batch))
                 .getOrCreate())
        spark.sparkContext.setLogLevel("ERROR")
        df = spark.read.parquet(data)
        got = df.rdd.getNumPartitions()

        for attempt in ("first action", "second action"):  # the first starts the Python workers
            start = time.perf_counter()
            df.mapInPandas(lambda batches: batches, df.schema).write.format("noop").mode("overwrite").save()
            seconds = time.perf_counter() - start
            out.append(_result(f"Spark local[2] mapInPandas pass-through, no model ({attempt})", seconds, len(x),
                               partitions=got))

        for providers in [None] + ([NUMBA] if numba else []):
            model = ONNXModel().setModelPayload(payload).setFeedDict({name: "features"}).setMiniBatchSize(batch)
            if providers:
                model.setProviders(providers)
            for attempt in ("first action", "second action"):
                scored = model.transform(df)
                start = time.perf_counter()
                total, count = scored.agg(F.sum("label"), F.count("*")).first()
                seconds = time.perf_counter() - start
                anchor.check_sum(total, count, f"Spark{_suffix(providers)}")
                stats = model.workerStats()
                out.append(_result(f"refrt.spark.ONNXModel local[2]{_suffix(providers)} ({attempt})", seconds,
                                   len(x), partitions=got,
                                   sessions_built=sum(s["sessions"] for s in stats.values()),
                                   workers=len(stats)))
    finally:
        if spark is not None:
            spark.stop()
        shutil.rmtree(folder, ignore_errors=True)
    return out


def table(results: list[dict]) -> str:
    anchor = results[0]["rows_per_s"]
    lines = ["| runtime | rows | seconds | rows/s | vs onnxruntime |", "|---|---:|---:|---:|---:|"]
    for r in results:
        note = f" (sessions built: {r['sessions_built']} in {r['workers']} workers)" if "sessions_built" in r else ""
        lines.append(f"| {r['runtime']}{note} | {r['rows']:,} | {r['seconds']:.2f} | {r['rows_per_s']:,.0f} | "
                     f"{r['rows_per_s'] / anchor:.2f}x |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--batch", type=int, default=5000, help="mini_batch_size and Arrow batch rows")
    parser.add_argument("--partitions", type=int, default=8,
                        help="Parquet files written; Spark packs them into partitions by size (2 on local[2] here)")
    parser.add_argument("--no-spark", action="store_true")
    parser.add_argument("--no-pandas", action="store_true")
    parser.add_argument("--no-numba", action="store_true")
    parser.add_argument("--json", type=pathlib.Path, default=None)
    args = parser.parse_args(argv)

    case = bench_models.select(["random_forest"])[0]
    model = case.load()
    payload = model.SerializeToString()
    name = model.graph.input[0].name
    features = model.graph.input[0].type.tensor_type.shape.dim[1].dim_value
    x = _rows(args.rows, features)
    numba = not args.no_numba and "NumbaExecutionProvider" in refrt.get_available_providers()

    results, anchor = run_sessions(payload, name, x, args.batch, numba)
    if not args.no_pandas:
        results += run_pandas(payload, name, x, args.batch, anchor, numba)
    if not args.no_spark:
        results += run_spark(payload, name, x, args.batch, anchor, numba, args.partitions)

    print(f"\n{case.name}: {case.about}; {args.rows:,} rows, batches of {args.batch:,}, "
          f"{os.cpu_count()} CPUs\n")
    print(table(results))
    when = datetime.datetime.now(datetime.timezone.utc)
    report = {
        "when": when.isoformat(timespec="seconds"), "model": case.name, "about": case.about,
        "rows": args.rows, "batch": args.batch, "partitions": args.partitions,
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(), "platform": platform.platform()},
        "numba": numba, "results": results,
    }
    path = args.json or RESULTS / f"dataframe-throughput-{when:%Y%m%d-%H%M%S}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(report, indent=1))
    print(f"\nwrote {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
