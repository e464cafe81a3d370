"""Benchmark of the model registry on the embedded local store (folder + SQLite, fsync on).

Figures:
1. register + set alias + load by alias of a small LogisticRegression, median of 50 round trips
   (target: <= 10 ms). Baseline measured in the same run: a bare pickle + SQLite registry (one
   table, pickle blob in a row, fsync on), which does no digest check, history or environment.
   MLflow's figure is printed beside ours when MLflow is installed in this environment.
2. a fresh process: ``import mlops_kit`` + open the store + load by alias (target: < 1 s).
"""

from __future__ import annotations

import pickle
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from sklearn.linear_model import LogisticRegression

import mlops_kit
from mlops_kit.registry import ModelRegistry
from mlops_kit.storage import open_store

ROUNDS = 50


def small_model() -> LogisticRegression:
    rng = np.random.default_rng(0)
    X = rng.normal(size=(500, 10))
    y = (X[:, 0] + rng.normal(size=500) > 0).astype(int)
    return LogisticRegression().fit(X, y)


def ours(folder: Path, model: LogisticRegression) -> list[float]:
    times = []
    with open_store(folder) as store:
        registry = ModelRegistry(store)
        registry.register("warmup", model)
        for _ in range(ROUNDS):
            start = time.perf_counter()
            mv = registry.register("fraud", model, metrics={"roc_auc": 0.9})
            registry.set_alias("fraud", "champion", mv.version)
            registry.load("fraud@champion")
            times.append(time.perf_counter() - start)
    return times


def bare(folder: Path, model: LogisticRegression) -> list[float]:
    connection = sqlite3.connect(folder / "bare.sqlite", isolation_level=None)
    connection.execute("PRAGMA journal_mode = WAL")
    connection.execute("PRAGMA synchronous = FULL")
    connection.execute(
        "CREATE TABLE v (name TEXT, version INTEGER, blob BLOB, PRIMARY KEY (name, version))"
    )
    connection.execute(
        "CREATE TABLE a (name TEXT, alias TEXT, version INTEGER, PRIMARY KEY (name, alias))"
    )
    times = []
    for _ in range(ROUNDS):
        start = time.perf_counter()
        blob = pickle.dumps(model)
        with connection:
            (last,) = connection.execute(
                "SELECT COALESCE(MAX(version), 0) FROM v WHERE name = ?", ("fraud",)
            ).fetchone()
            connection.execute("INSERT INTO v VALUES (?, ?, ?)", ("fraud", last + 1, blob))
        with connection:
            connection.execute(
                "INSERT OR REPLACE INTO a VALUES (?, ?, ?)", ("fraud", "champion", last + 1)
            )
        (version,) = connection.execute(
            "SELECT version FROM a WHERE name = ? AND alias = ?", ("fraud", "champion")
        ).fetchone()
        (data,) = connection.execute(
            "SELECT blob FROM v WHERE name = ? AND version = ?", ("fraud", version)
        ).fetchone()
        pickle.loads(data)
        times.append(time.perf_counter() - start)
    connection.close()
    return times


def mlflow_round_trips(folder: Path, model: LogisticRegression) -> list[float] | None:
    try:
        import mlflow
        import mlflow.sklearn
    except ImportError:
        return None
    mlflow.set_tracking_uri(f"sqlite:///{folder / 'mlflow.db'}")
    client = mlflow.MlflowClient()
    times = []
    for _ in range(10):
        start = time.perf_counter()
        with mlflow.start_run():
            info = mlflow.sklearn.log_model(model, name="model", registered_model_name="fraud")
        version = info.registered_model_version
        client.set_registered_model_alias("fraud", "champion", version)
        mlflow.sklearn.load_model("models:/fraud@champion")
        times.append(time.perf_counter() - start)
    return times


def fresh_process(code: str) -> float:
    """Median wall time of ``code`` (which prints its own elapsed time) in 3 fresh processes."""
    runs = []
    for _ in range(3):
        out = subprocess.run(
            [
                sys.executable,
                "-c",
                "import time; start = time.perf_counter(); "
                + code
                + "; print(time.perf_counter() - start)",
            ],
            capture_output=True,
            text=True,
            check=True,
        )
        runs.append(float(out.stdout.strip().splitlines()[-1]))
    return statistics.median(runs)


OPEN = (
    "import mlops_kit; from mlops_kit.registry import ModelRegistry; "
    "from mlops_kit.storage import open_store; registry = ModelRegistry(open_store({folder!r}))"
)


def fresh_figures(folder: Path, model: LogisticRegression) -> dict[str, float]:
    with open_store(folder) as store:
        registry = ModelRegistry(store)
        for alias, serializer in (("skops", "skops"), ("joblib", "joblib")):
            mv = registry.register("fresh", model, serializer=serializer)
            registry.set_alias("fresh", alias, mv.version)
    opened = OPEN.format(folder=str(folder))
    return {
        "floor": fresh_process("import sklearn.linear_model"),
        "skops": fresh_process(opened + "; registry.load('fresh@skops')"),
        "joblib": fresh_process(opened + "; registry.load('fresh@joblib')"),
        "verified": fresh_process(
            opened + "; mv = registry.get('fresh@joblib'); import hashlib; "
            "assert hashlib.sha256(registry.store.blobs.get(mv.digest)).hexdigest() == mv.digest"
        ),
    }


def main() -> None:
    model = small_model()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        ours_ms = statistics.median(ours(folder / "store", model)) * 1000
        bare_ms = statistics.median(bare(folder, model)) * 1000
        mlflow_times = mlflow_round_trips(folder, model)
        fresh = fresh_figures(folder / "store", model)
    print(f"mlops_kit {mlops_kit.__version__}, python {sys.version.split()[0]}")
    print(f"register + set_alias + load by alias, LogisticRegression, median of {ROUNDS}:")
    print(f"  mlops_kit (skops, local folder + SQLite, fsync): {ours_ms:8.2f} ms  (target <= 10)")
    print(f"  bare pickle + SQLite baseline:                    {bare_ms:8.2f} ms")
    print(f"  ratio mlops_kit / bare:                           {ours_ms / bare_ms:8.2f} x")
    if mlflow_times is None:
        print("  MLflow: not installed in this environment, so not measured")
    else:
        mlflow_ms = statistics.median(mlflow_times) * 1000
        print(f"  MLflow (sqlite, median of 10):                   {mlflow_ms:8.2f} ms")
        print(f"  ratio MLflow / mlops_kit:                         {mlflow_ms / ours_ms:8.2f} x")
    print("fresh process, import mlops_kit + open the store + load by alias (target < 1 s):")
    print(f"  skops artifact (the default):                     {fresh['skops']:8.3f} s")
    print(f"  joblib artifact:                                  {fresh['joblib']:8.3f} s")
    print(f"  same up to verified bytes, no deserialization:    {fresh['verified']:8.3f} s")
    print(f"  baseline, `import sklearn.linear_model` alone:    {fresh['floor']:8.3f} s")
    print(
        f"  ratio joblib load / sklearn import:               "
        f"{fresh['joblib'] / fresh['floor']:8.2f} x"
    )


if __name__ == "__main__":
    main()
