"""The ``mlops-kit`` command: the library's calls for shells and CI pipelines.

Every sub-command wraps the same calls a user makes in Python and prints a readable summary.
Exit codes: 0 when all is well, 1 when drift was found or a gate failed, 2 for bad input
(unknown file, missing column, unknown model, ...).

::

    mlops-kit drift reference.parquet current.parquet --html drift.html
    mlops-kit gate current.parquet --reference reference.parquet --junit gate.xml
    mlops-kit data commit transactions nov.parquet --message "November extract"
    mlops-kit data log transactions
    mlops-kit models list
    mlops-kit models alias fraud champion 3 --reason "passed the promotion gate"
    mlops-kit models rollback fraud champion
    mlops-kit store verify

Examples
--------
>>> main(["--version"])  # doctest: +ELLIPSIS
mlops-kit ...
0
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mlops_kit._version import __version__
from mlops_kit.exceptions import MlopsKitError

if TYPE_CHECKING:
    import pandas as pd

    from mlops_kit.storage import Store

__all__ = ["main"]

EXIT_OK = 0
EXIT_FOUND = 1
EXIT_BAD_INPUT = 2


def read_frame(path: str) -> pd.DataFrame:
    """Read a table by its extension: Parquet, CSV, JSON lines or Feather.

    Examples
    --------
    >>> import os, tempfile
    >>> import pandas as pd
    >>> path = os.path.join(tempfile.mkdtemp(), "x.csv")
    >>> pd.DataFrame({"a": [1, 2]}).to_csv(path, index=False)
    >>> read_frame(path)["a"].tolist()
    [1, 2]
    """
    import pandas as pd

    from mlops_kit.exceptions import ValidationError

    file = Path(path)
    if not file.is_file():
        raise ValidationError(f"No such file: {path!r}.")
    suffix = "".join(file.suffixes[-2:]).lower() if file.suffix == ".gz" else file.suffix.lower()
    if suffix in {".parquet", ".pq"}:
        return pd.read_parquet(file)
    if suffix in {".csv", ".csv.gz"}:
        return pd.read_csv(file)
    if suffix in {".jsonl", ".ndjson", ".jsonl.gz"}:
        return pd.read_json(file, lines=True)
    if suffix == ".feather":
        return pd.read_feather(file)
    raise ValidationError(f"Cannot read {path!r}: use a .parquet, .csv, .jsonl or .feather file.")


def _open(args: argparse.Namespace) -> Store:
    from mlops_kit.storage import open_store

    return open_store(args.store)


def _write_json(path: str | None, value: Any) -> None:
    if path:
        Path(path).write_text(json.dumps(value, indent=2, default=str), encoding="utf-8")


# -- drift --------------------------------------------------------------------------------------


def _drift(args: argparse.Namespace) -> int:
    from mlops_kit.drift import TabularDriftDetector

    reference, current = read_frame(args.reference), read_frame(args.current)
    columns = args.columns.split(",") if args.columns else None
    detector = TabularDriftDetector(
        method=args.method,
        threshold=args.threshold,
        correction=args.correction,
        drift_share=args.drift_share,
        columns=columns,
    )
    report = detector.fit(reference).detect(current)
    print(report)
    if args.html:
        report.to_html(args.html)
        print(f"HTML report: {args.html}")
    _write_json(args.json, report.to_dict())
    return EXIT_FOUND if report.drifted else EXIT_OK


# -- gate ---------------------------------------------------------------------------------------


def _gate(args: argparse.Namespace) -> int:
    from mlops_kit.quality import Evidence, QualityGate

    data = read_frame(args.data)
    reference = read_frame(args.reference)
    gate = QualityGate.from_reference(reference, tolerance=args.tolerance)
    result = gate.evaluate(Evidence(data=data, reference=reference))
    print(result)
    if args.html:
        result.to_html(args.html)
        print(f"HTML report: {args.html}")
    if args.junit:
        result.to_junit_xml(args.junit)
        print(f"JUnit XML: {args.junit}")
    _write_json(args.json, result.to_dict())
    return EXIT_OK if result.passed else EXIT_FOUND


# -- data ---------------------------------------------------------------------------------------


def _data(args: argparse.Namespace) -> int:
    from mlops_kit.data import DataRepository

    store = _open(args)
    try:
        repo = DataRepository(store)
        if args.data_command == "list":
            for name in repo.datasets():
                print(name)
        elif args.data_command == "commit":
            frame = read_frame(args.file)
            version = repo.commit(args.name, frame, message=args.message)
            print(version)
        elif args.data_command == "log":
            for version in repo.log(args.name):
                print(version)
        elif args.data_command == "show":
            print(repo.get(args.name, args.ref))
        elif args.data_command == "diff":
            a, b = repo.get(args.name, args.a), repo.get(args.name, args.b)
            print(repo.diff(a, b, key=args.key))
        elif args.data_command == "tag":
            repo.tag(repo.get(args.name, args.ref), args.tag, move=args.move)
            print(f"{args.name}: tagged {args.ref} as {args.tag!r}")
        return EXIT_OK
    finally:
        store.close()


# -- models -------------------------------------------------------------------------------------


def _models(args: argparse.Namespace) -> int:
    from mlops_kit.registry import ModelRegistry

    store = _open(args)
    try:
        registry = ModelRegistry(store)
        if args.models_command == "list":
            for name in registry.models():
                print(name)
        elif args.models_command == "versions":
            for version in registry.versions(args.name):
                print(version)
        elif args.models_command == "show":
            print(registry.get(args.ref))
        elif args.models_command == "alias":
            registry.set_alias(args.name, args.alias, args.version, reason=args.reason)
            print(f"{args.name}@{args.alias} -> {args.version}")
        elif args.models_command == "rollback":
            registry.rollback(args.name, args.alias)
            print(
                f"{args.name}@{args.alias} -> {registry.get(f'{args.name}@{args.alias}').version}"
            )
        elif args.models_command == "history":
            for move in registry.alias_history(args.name, args.alias):
                print(move)
        return EXIT_OK
    finally:
        store.close()


# -- store --------------------------------------------------------------------------------------


def _store(args: argparse.Namespace) -> int:
    from mlops_kit.exceptions import IntegrityError

    store = _open(args)
    try:
        checked, bad = 0, []
        for digest in store.blobs.digests():
            checked += 1
            try:
                with store.blobs.open(digest) as reader:
                    while reader.read(1 << 20):
                        pass
            except IntegrityError:
                bad.append(digest)
        print(f"{checked} blobs checked, {len(bad)} corrupted")
        for digest in bad:
            print(f"  corrupted: {digest}")
        return EXIT_FOUND if bad else EXIT_OK
    finally:
        store.close()


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="mlops-kit", description="Composable MLOps primitives, from the shell."
    )
    parser.add_argument("--version", action="version", version=f"mlops-kit {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)

    def with_store(p: argparse.ArgumentParser) -> argparse.ArgumentParser:
        p.add_argument("--store", default="./.mlops", help="store URL or folder (./.mlops)")
        return p

    drift = sub.add_parser("drift", help="compare a current table against a reference")
    drift.add_argument("reference")
    drift.add_argument("current")
    drift.add_argument("--method", default="auto", help="a test name, or auto (default)")
    drift.add_argument("--threshold", type=float, default=None)
    drift.add_argument("--correction", choices=["bonferroni", "holm", "fdr_bh"], default=None)
    drift.add_argument("--drift-share", type=float, default=0.5)
    drift.add_argument("--columns", help="comma-separated columns to compare (default: all)")
    drift.add_argument("--html", help="write a self-contained HTML report here")
    drift.add_argument("--json", help="write the report as JSON here")
    drift.set_defaults(run=_drift)

    gate = sub.add_parser("gate", help="check a table with a gate derived from a reference")
    gate.add_argument("data")
    gate.add_argument("--reference", required=True, help="a trusted table to derive checks from")
    gate.add_argument("--tolerance", type=float, default=0.1, help="margin on ranges (0.1)")
    gate.add_argument("--html")
    gate.add_argument("--junit", help="write JUnit XML here (for CI)")
    gate.add_argument("--json")
    gate.set_defaults(run=_gate)

    data = with_store(sub.add_parser("data", help="versioned datasets"))
    data_sub = data.add_subparsers(dest="data_command", required=True)
    data_sub.add_parser("list", help="the datasets")
    commit = data_sub.add_parser("commit", help="commit a table as a new version")
    commit.add_argument("name")
    commit.add_argument("file")
    commit.add_argument("--message")
    log = data_sub.add_parser("log", help="the versions of a dataset, newest first")
    log.add_argument("name")
    show = data_sub.add_parser("show", help="one version")
    show.add_argument("name")
    show.add_argument("ref", nargs="?", default="latest")
    diff = data_sub.add_parser("diff", help="what changed between two versions")
    diff.add_argument("name")
    diff.add_argument("a")
    diff.add_argument("b", nargs="?", default="latest")
    diff.add_argument("--key", help="a key column, to find changed rows")
    tag = data_sub.add_parser("tag", help="tag a version")
    tag.add_argument("name")
    tag.add_argument("ref")
    tag.add_argument("tag")
    tag.add_argument("--move", action="store_true", help="move the tag if it exists")
    data.set_defaults(run=_data)

    models = with_store(sub.add_parser("models", help="the model registry"))
    models_sub = models.add_subparsers(dest="models_command", required=True)
    models_sub.add_parser("list", help="the registered models")
    versions = models_sub.add_parser("versions", help="the versions of a model")
    versions.add_argument("name")
    show_model = models_sub.add_parser("show", help="one version: name@alias, name/3 or name")
    show_model.add_argument("ref")
    alias = models_sub.add_parser("alias", help="point an alias at a version")
    alias.add_argument("name")
    alias.add_argument("alias")
    alias.add_argument("version", type=int)
    alias.add_argument("--reason")
    rollback = models_sub.add_parser("rollback", help="move an alias back")
    rollback.add_argument("name")
    rollback.add_argument("alias")
    history = models_sub.add_parser("history", help="every move of an alias")
    history.add_argument("name")
    history.add_argument("alias")
    models.set_defaults(run=_models)

    store = with_store(sub.add_parser("store", help="the store itself"))
    store_sub = store.add_subparsers(dest="store_command", required=True)
    store_sub.add_parser("verify", help="read and verify every blob against its digest")
    store.set_defaults(run=_store)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit code.

    Examples
    --------
    >>> main(["store", "--store", "memory://", "verify"])
    0 blobs checked, 0 corrupted
    0
    """
    parser = _parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exit_:
        return int(exit_.code or 0)
    run: Callable[[argparse.Namespace], int] = args.run
    try:
        return run(args)
    except (MlopsKitError, KeyError, ValueError, OSError) as error:
        message = str(error.args[0]) if isinstance(error, KeyError) and error.args else str(error)
        print(f"mlops-kit: error: {message}", file=sys.stderr)
        return EXIT_BAD_INPUT


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
