"""Fixtures of the registry tests: a registry on every embedded store, a small model."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from mlops_kit.registry import ModelRegistry
from mlops_kit.storage import Store, open_store


class Clock:
    """A clock that moves one second per call, for ordered and exact time stamps."""

    def __init__(self) -> None:
        self.now = datetime(2026, 11, 26, 9, 0, tzinfo=timezone.utc)

    def __call__(self) -> datetime:
        self.now += timedelta(seconds=1)
        return self.now


@pytest.fixture(params=["memory", "local"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    opened = open_store("memory://") if request.param == "memory" else open_store(tmp_path / "s")
    yield opened
    opened.close()


@pytest.fixture
def registry(store: Store) -> ModelRegistry:
    return ModelRegistry(store, clock=Clock())


@pytest.fixture(scope="session")
def data() -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    X = rng.normal(size=(60, 3))
    y = (X[:, 0] + 0.3 * rng.normal(size=60) > 0).astype(int)
    return X, y


@pytest.fixture(scope="session")
def model(data: tuple[np.ndarray, np.ndarray]) -> Any:
    from sklearn.linear_model import LogisticRegression

    X, y = data
    return LogisticRegression().fit(X, y)
