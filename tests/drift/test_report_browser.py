"""The HTML drift report renders in a real browser (headless Chromium): not blank, charts drawn."""

from __future__ import annotations

import struct
import zlib
from pathlib import Path

import numpy as np
import pandas as pd

from browser_support import _paeth, decode_png, needs_chromium, screenshot
from mlops_kit.drift import TabularDriftDetector

pytestmark = needs_chromium


def test_png_decoder_on_a_handmade_image() -> None:
    width, height = 3, 5
    pixels = np.arange(width * height * 3, dtype=np.uint8).reshape(height, width, 3) * 7
    lines = []
    for y in range(height):  # filter every row with another PNG filter type
        row = pixels[y].reshape(-1).astype(np.int64)
        prev = pixels[y - 1].reshape(-1).astype(np.int64) if y else np.zeros(9, np.int64)
        left = np.r_[np.zeros(3, np.int64), row[:-3]]
        corner = np.r_[np.zeros(3, np.int64), prev[:-3]]
        kind = y  # None, Sub, Up, Average, Paeth
        if kind == 3:
            pred = (left + prev) // 2
        elif kind == 4:
            pred = np.array([_paeth(a, b, c) for a, b, c in zip(left, prev, corner)])
        else:
            pred = [np.zeros(9, np.int64), left, prev][kind]
        lines.append(bytes([kind]) + bytes(((row - pred) % 256).astype(np.uint8)))

    def chunk(kind: bytes, body: bytes) -> bytes:
        crc = zlib.crc32(kind + body)
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", crc)

    png = (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
        + chunk(b"IDAT", zlib.compress(b"".join(lines)))
        + chunk(b"IEND", b"")
    )
    np.testing.assert_array_equal(decode_png(png), pixels)


def test_drift_report_renders_with_its_charts(tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    ref = pd.DataFrame(
        {"amount": rng.normal(size=2_000), "country": rng.choice(list("abc"), 2_000)}
    )
    cur = pd.DataFrame(
        {"amount": rng.normal(1, 1, 2_000), "country": rng.choice(list("ab"), 2_000)}
    )
    page = tmp_path / "drift.html"
    TabularDriftDetector().fit(ref).detect(cur).to_html(page)
    image = screenshot(page, tmp_path)
    assert image.shape[0] > 100
    assert image.shape[1] > 100
    assert float(image.std()) > 10.0, "the screenshot is blank"
    non_white = (image < 240).any(axis=2).mean()
    assert non_white > 0.01
    # the two series of the charts are drawn in their palette colours (#4c72b0 and #dd8452)
    for colour in ((76, 114, 176), (221, 132, 82)):
        near = (np.abs(image.astype(int) - colour) <= 12).all(axis=2).sum()
        assert near > 200, f"no chart bars of colour {colour} in the screenshot"
