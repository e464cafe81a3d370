"""Storage throughput against the limit of the machine, measured in one run.

Prints:
* local blob ``put`` of 100 MB against writing the same bytes to a plain file (with and without
  fsync: ``put`` always fsyncs), and verified ``get`` / streaming ``open`` against a plain read;
* SQLite conditional ``put`` operations per second in one process, and under 4 processes (with
  a check that no increment was lost).

Run: ``python benchmarks/bench_storage.py``
"""

from __future__ import annotations

import hashlib
import multiprocessing
import os
import sys
import tempfile
import time
from pathlib import Path

from mlops_kit.exceptions import ConflictError
from mlops_kit.storage import LocalBlobStore, SQLiteMetadataStore

SIZE = 100 * 2**20
REPEAT = 5


def best(fn, repeat: int = REPEAT) -> float:  # type: ignore[no-untyped-def]
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def bench_blobs(folder: Path) -> None:
    payload = os.urandom(SIZE)
    plain = folder / "plain.bin"

    # put always creates a new file, so the baseline writes a new file too
    def plain_write() -> None:
        plain.unlink(missing_ok=True)
        with open(plain, "wb") as f:
            f.write(payload)

    def plain_write_fsync() -> None:
        plain.unlink(missing_ok=True)
        with open(plain, "wb") as f:
            f.write(payload)
            f.flush()
            os.fsync(f.fileno())

    def plain_read() -> None:
        with open(plain, "rb") as f:
            f.read()

    counter = [0]

    def put() -> None:
        # a fresh store each time: put of existing content is a no-op we don't want to measure
        counter[0] += 1
        LocalBlobStore(folder / f"store{counter[0]}").put(payload)

    t_hash = best(lambda: hashlib.sha256(payload).digest())
    t_write = best(plain_write)
    t_write_fsync = best(plain_write_fsync)
    t_put = best(put)
    store = LocalBlobStore(folder / "store1")
    digest = store.put(payload)
    plain_write()
    t_read = best(plain_read)
    t_get = best(lambda: store.get(digest))

    def stream() -> None:
        with store.open(digest) as reader:
            while reader.read(8 << 20):
                pass

    t_open = best(stream)
    mb = SIZE / 2**20
    print(f"blob of {mb:.0f} MB, best of {REPEAT}")
    print(f"  plain write (new file) {mb / t_write:8.0f} MB/s")
    print(f"  plain write + fsync    {mb / t_write_fsync:8.0f} MB/s")
    print(f"  hashlib.sha256 alone   {mb / t_hash:8.0f} MB/s   (the bound for verified I/O)")
    print(f"  LocalBlobStore.put     {mb / t_put:8.0f} MB/s   (hash + write + fsync + rename)")
    print(f"    ratio to plain write + fsync: {t_write_fsync / t_put:.2f}x   (target >= 0.5x)")
    print(f"    ratio to plain write:         {t_write / t_put:.2f}x")
    print(f"  plain read             {mb / t_read:8.0f} MB/s")
    print(f"  LocalBlobStore.get     {mb / t_get:8.0f} MB/s   (read + verify)")
    print(f"    ratio to plain read:          {t_read / t_get:.2f}x   (target >= 0.5x)")
    print(f"  LocalBlobStore.open    {mb / t_open:8.0f} MB/s   (streaming read + verify)")
    print(f"    ratio to plain read:          {t_read / t_open:.2f}x")


def _counter_worker(path: str, count: int, out: multiprocessing.Queue) -> None:  # type: ignore[type-arg]
    store = SQLiteMetadataStore(path)
    conflicts = 0
    done = 0
    while done < count:
        doc = store.get("bench", "counter")
        n, revision = (doc.value["n"], doc.revision) if doc else (0, 0)
        try:
            store.put("bench", "counter", {"n": n + 1}, expected_revision=revision)
            done += 1
        except ConflictError:
            conflicts += 1
    store.close()
    out.put(conflicts)


def bench_sqlite(folder: Path) -> None:
    store = SQLiteMetadataStore(folder / "meta.sqlite")
    n = 3000
    start = time.perf_counter()
    for i in range(n):
        store.put("bench", f"v/{i:06d}", {"i": i, "metrics": {"auc": 0.9}}, expected_revision=0)
    elapsed = time.perf_counter() - start
    print("SQLite metadata (synchronous=FULL, WAL)")
    print(f"  conditional create, 1 process: {n / elapsed:8.0f} ops/s   (target >= 2,000)")
    revision = store.put("bench", "cas", {"n": 0})
    start = time.perf_counter()
    for i in range(n):
        revision = store.put("bench", "cas", {"n": i}, expected_revision=revision)
    elapsed = time.perf_counter() - start
    print(f"  compare-and-swap, 1 process:   {n / elapsed:8.0f} ops/s")
    store.close()

    per_worker = 500
    context = multiprocessing.get_context("spawn")
    queue = context.Queue()
    path = str(folder / "race.sqlite")
    SQLiteMetadataStore(path).close()
    workers = [
        context.Process(target=_counter_worker, args=(path, per_worker, queue)) for _ in range(4)
    ]
    start = time.perf_counter()
    for w in workers:
        w.start()
    conflicts = [queue.get(timeout=300) for _ in workers]
    for w in workers:
        w.join()
    elapsed = time.perf_counter() - start
    check = SQLiteMetadataStore(path)
    doc = check.get("bench", "counter")
    assert doc is not None
    total = 4 * per_worker
    correct = doc.value["n"] == total and doc.revision == total
    print(
        f"  4 processes, read + compare-and-swap increment: {total / elapsed:8.0f} ops/s, "
        f"{sum(conflicts)} conflicts retried, final count {doc.value['n']} of {total}: "
        f"{'correct' if correct else 'WRONG'}"
    )
    check.close()


def main() -> None:
    with tempfile.TemporaryDirectory(dir=os.environ.get("BENCH_DIR")) as tmp:
        bench_blobs(Path(tmp))
        bench_sqlite(Path(tmp))
    print(f"(python {sys.version.split()[0]}, {os.cpu_count()} cores)")


if __name__ == "__main__":
    main()
