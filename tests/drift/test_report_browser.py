"""The HTML drift report renders in a real browser (headless Chromium): not blank, charts drawn."""

from __future__ import annotations

import shutil
import struct
import subprocess
import zlib
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from mlops_kit.drift import TabularDriftDetector

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")

pytestmark = [
    pytest.mark.chromium,
    pytest.mark.skipif(CHROMIUM is None, reason="needs a headless Chromium (Debian: chromium)"),
]


def _paeth(a: int, b: int, c: int) -> int:
    p = a + b - c
    pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
    if pa <= pb and pa <= pc:
        return a
    return b if pb <= pc else c


def decode_png(data: bytes) -> np.ndarray:
    """Decode an 8-bit RGB/RGBA, non-interlaced PNG into a (height, width, channels) array."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    pos, idat, header = 8, [], None
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        kind = data[pos + 4 : pos + 8]
        body = data[pos + 8 : pos + 8 + length]
        if kind == b"IHDR":
            header = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            idat.append(body)
        pos += 12 + length
    assert header is not None
    width, height, depth, colour, _, _, interlace = header
    if depth != 8 or colour not in (2, 6) or interlace != 0:
        raise AssertionError(f"unsupported PNG layout {header}")
    bpp = 3 if colour == 2 else 4
    raw = np.frombuffer(zlib.decompress(b"".join(idat)), dtype=np.uint8)
    stride = width * bpp
    rows = raw.reshape(height, stride + 1)
    out = np.zeros((height, stride), dtype=np.uint8)
    prev = np.zeros(stride, dtype=np.uint8)
    for y in range(height):
        kind, line = rows[y, 0], rows[y, 1:].astype(np.int64)
        if kind == 0:
            cur = line
        elif kind == 1:  # Sub: running sum per channel
            cur = np.cumsum(line.reshape(width, bpp), axis=0).reshape(-1) % 256
        elif kind == 2:  # Up
            cur = (line + prev) % 256
        else:
            cur = np.zeros(stride, dtype=np.int64)
            up = prev.astype(np.int64)
            for x in range(stride):
                left = int(cur[x - bpp]) if x >= bpp else 0
                corner = int(up[x - bpp]) if x >= bpp else 0
                pred = (left + int(up[x])) // 2 if kind == 3 else _paeth(left, int(up[x]), corner)
                cur[x] = (int(line[x]) + pred) % 256
        out[y] = cur
        prev = out[y]
    return out.reshape(height, width, bpp)[:, :, :3]


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


def _screenshot(page: Path, tmp_path: Path) -> np.ndarray:
    png = tmp_path / "shot.png"
    command = [
        str(CHROMIUM),
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        "--hide-scrollbars",
        f"--user-data-dir={tmp_path / 'profile'}",
        "--window-size=1000,1400",
        f"--screenshot={png}",
        page.as_uri(),
    ]
    subprocess.run(command, check=True, capture_output=True, timeout=120)
    return decode_png(png.read_bytes())


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
    image = _screenshot(page, tmp_path)
    assert image.shape[0] > 100
    assert image.shape[1] > 100
    assert float(image.std()) > 10.0, "the screenshot is blank"
    non_white = (image < 240).any(axis=2).mean()
    assert non_white > 0.01
    # the two series of the charts are drawn in their palette colours (#4c72b0 and #dd8452)
    for colour in ((76, 114, 176), (221, 132, 82)):
        near = (np.abs(image.astype(int) - colour) <= 12).all(axis=2).sum()
        assert near > 200, f"no chart bars of colour {colour} in the screenshot"
