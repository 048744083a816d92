"""The report's bar chart: refrt/onnxruntime and onnx.reference/refrt per model and batch (PNG)."""

from __future__ import annotations

import pathlib


def write_chart(report: dict, path: pathlib.Path, refrt: str = "refrt") -> pathlib.Path:
    """One panel per thread setting; log-scale bars; 1 (parity) marked. Returns ``path``."""
    import matplotlib

    matplotlib.use("Agg")  # no display needed; must precede pyplot
    import matplotlib.pyplot as plt

    rows = [r for r in report["results"] if "threads" in r]
    modes = report["settings"]["thread_modes"]
    labels = [f"{r['model']} b{r['batch']}" for r in rows]
    series = ((f"{refrt}/onnxruntime", f"{refrt} / onnxruntime (>1: refrt slower)", "#d95f02"),
              (f"onnx.reference/{refrt}", f"onnx.reference / {refrt} (>1: refrt faster)", "#1b9e77"))
    height = max(2.5, 0.28 * len(rows) + 1.4)
    fig, axes = plt.subplots(1, len(modes), figsize=(5.2 * len(modes), height), sharey=True, squeeze=False)
    for ax, mode in zip(axes[0], modes):
        ys = range(len(rows))
        for k, (key, legend, color) in enumerate(series):
            vals = [r["threads"].get(mode, {}).get("ratios", {}).get(key) for r in rows]
            pos = [y + (k - 0.5) * 0.38 for y in ys]
            ax.barh([p for p, v in zip(pos, vals) if v], [v for v in vals if v], height=0.36, color=color,
                    label=legend)
            for p, v, r in zip(pos, vals, rows):
                if v:
                    ax.annotate(f"{v:.3g}", (v, p), xytext=(2, 0), textcoords="offset points", va="center",
                                fontsize=6)
                else:  # say why a bar is missing: a runtime of the ratio was refused or failed
                    entries = r["threads"].get(mode, {}).get("runtimes", {})
                    why = [f"{rt} {'refused' if 'refused' in e else 'failed'}" for rt, e in entries.items()
                           if rt in key.split("/") and ("refused" in e or "error" in e)]
                    if why:
                        ax.annotate(", ".join(why), (1.0, p), xytext=(3, 0), textcoords="offset points",
                                    va="center", fontsize=6, color="gray")
        ax.set_xscale("log")
        ax.axvline(1.0, color="black", lw=0.8)
        ax.set_title(f"{'1 thread' if mode == '1' else 'default threads'}", fontsize=9)
        ax.set_yticks(list(ys))
        ax.set_yticklabels(labels, fontsize=7)
        ax.tick_params(axis="x", labelsize=7)
        ax.grid(axis="x", which="both", alpha=0.25)
    axes[0][0].invert_yaxis()  # the table's order, top down (the panels share this axis: invert once)
    axes[0][0].legend(fontsize=7, loc="lower right")
    m = report["machine"]
    fig.suptitle(f"ratios of medians, same process, alternating runs; {m['cpus_usable']} CPUs {m['processor']}; "
                 f"onnxruntime {m['onnxruntime']}, numpy {m['numpy']}", fontsize=8)
    fig.tight_layout()
    path = pathlib.Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=80)
    plt.close(fig)
    return path
