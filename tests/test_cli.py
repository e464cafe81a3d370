"""The mlops-kit command: each sub-command, its exit codes and its errors."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from mlops_kit.cli import main, read_frame


@pytest.fixture
def frames(tmp_path: Path) -> dict[str, Path]:
    rng = np.random.default_rng(0)
    n = 2_000
    reference = pd.DataFrame(
        {
            "amount": rng.normal(100, 10, n),
            "country": rng.choice(["fr", "de", "es"], n),
        }
    )
    same = pd.DataFrame(
        {
            "amount": rng.normal(100, 10, n),
            "country": rng.choice(["fr", "de", "es"], n),
        }
    )
    shifted = same.assign(amount=same["amount"] + 15, country="fr")
    paths = {}
    for name, frame in {"reference": reference, "same": same, "shifted": shifted}.items():
        paths[name] = tmp_path / f"{name}.parquet"
        frame.to_parquet(paths[name])
    paths["csv"] = tmp_path / "reference.csv"
    reference.to_csv(paths["csv"], index=False)
    return paths


def test_drift_exit_codes_and_outputs(
    frames: dict[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    html, out = tmp_path / "drift.html", tmp_path / "drift.json"
    args = ["drift", str(frames["reference"]), str(frames["same"])]
    assert main([*args, "--html", str(html), "--json", str(out)]) == 0
    assert html.read_text().startswith("<!DOCTYPE html>") or "<html" in html.read_text()
    assert json.loads(out.read_text())["drifted"] is False
    assert main(["drift", str(frames["reference"]), str(frames["shifted"])]) == 1
    assert "amount" in capsys.readouterr().out
    assert main(["drift", str(frames["csv"]), str(frames["shifted"]), "--columns", "amount"]) == 1


def test_drift_bad_input_exits_2(
    frames: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["drift", str(frames["reference"]), "missing.parquet"]) == 2
    assert "No such file" in capsys.readouterr().err
    assert main(["drift", str(frames["reference"]), str(frames["same"]), "--columns", "nope"]) == 2
    assert "nope" in capsys.readouterr().err
    assert main(["drift"]) == 2  # argparse usage error


def test_gate(frames: dict[str, Path], tmp_path: Path) -> None:
    junit = tmp_path / "gate.xml"
    args = ["gate", str(frames["same"]), "--reference", str(frames["reference"])]
    assert main([*args, "--junit", str(junit), "--html", str(tmp_path / "g.html")]) == 0
    assert "<testsuite" in junit.read_text()
    bad = pd.read_parquet(frames["same"]).assign(country="xx")
    bad_path = tmp_path / "bad.parquet"
    bad.to_parquet(bad_path)
    out = tmp_path / "gate.json"
    assert (
        main(["gate", str(bad_path), "--reference", str(frames["reference"]), "--json", str(out)])
        == 1
    )
    assert json.loads(out.read_text())["passed"] is False


def test_data_commands(
    frames: dict[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    store = ["--store", str(tmp_path / "store")]
    assert (
        main(["data", *store, "commit", "tx", str(frames["reference"]), "--message", "first"]) == 0
    )
    assert main(["data", *store, "commit", "tx", str(frames["same"])]) == 0
    capsys.readouterr()
    assert main(["data", *store, "list"]) == 0
    assert capsys.readouterr().out.split() == ["tx"]
    assert main(["data", *store, "log", "tx"]) == 0
    assert "first" in capsys.readouterr().out
    assert main(["data", *store, "show", "tx"]) == 0
    assert main(["data", *store, "tag", "tx", "latest", "nov"]) == 0
    assert main(["data", *store, "diff", "tx", "nov", "latest"]) == 0
    assert main(["data", *store, "show", "tx", "no-such-tag"]) == 2


def test_models_commands(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from sklearn.linear_model import LogisticRegression

    from mlops_kit import ModelRegistry, open_store

    X, y = np.random.default_rng(0).normal(size=(50, 2)), np.arange(50) % 2
    with open_store(tmp_path / "store") as s:
        registry = ModelRegistry(s)
        for _ in range(2):
            registry.register("fraud", LogisticRegression().fit(X, y), serializer="pickle")
    store = ["--store", str(tmp_path / "store")]
    assert main(["models", *store, "list"]) == 0
    assert "fraud" in capsys.readouterr().out
    assert main(["models", *store, "versions", "fraud"]) == 0
    assert main(["models", *store, "alias", "fraud", "champion", "1"]) == 0
    assert main(["models", *store, "alias", "fraud", "champion", "2", "--reason", "better"]) == 0
    assert main(["models", *store, "show", "fraud@champion"]) == 0
    capsys.readouterr()
    assert main(["models", *store, "rollback", "fraud", "champion"]) == 0
    assert capsys.readouterr().out.strip() == "fraud@champion -> 1"
    assert main(["models", *store, "history", "fraud", "champion"]) == 0
    assert main(["models", *store, "show", "unknown@champion"]) == 2


def test_store_verify_finds_corruption(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from mlops_kit import open_store

    with open_store(tmp_path / "store") as s:
        good, bad = s.blobs.put(b"good"), s.blobs.put(b"bad")
        path = s.blobs.path(bad)  # type: ignore[attr-defined]
        path.write_bytes(b"BAD")
    assert main(["store", "--store", str(tmp_path / "store"), "verify"]) == 1
    out = capsys.readouterr().out
    assert "2 blobs checked, 1 corrupted" in out
    assert bad in out
    assert good not in out


@pytest.mark.parametrize("suffix", [".csv", ".jsonl", ".feather", ".parquet"])
def test_read_frame_formats(tmp_path: Path, suffix: str) -> None:
    frame = pd.DataFrame({"a": [1, 2], "b": ["x", "y"]})
    path = tmp_path / f"t{suffix}"
    {
        ".csv": lambda: frame.to_csv(path, index=False),
        ".jsonl": lambda: frame.to_json(path, orient="records", lines=True),
        ".feather": lambda: frame.to_feather(path),
        ".parquet": lambda: frame.to_parquet(path),
    }[suffix]()
    assert read_frame(str(path))["a"].tolist() == [1, 2]


def test_read_frame_refuses_unknown_formats(tmp_path: Path) -> None:
    from mlops_kit.exceptions import ValidationError

    (tmp_path / "t.xlsx").write_text("x")
    with pytest.raises(ValidationError, match=r"\.parquet"):
        read_frame(str(tmp_path / "t.xlsx"))


def test_console_script_runs() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "mlops_kit.cli", "--version"], capture_output=True, text=True
    )
    assert out.returncode == 0
    assert out.stdout.startswith("mlops-kit ")
