"""The fitted reference of a TabularDriftDetector, and input coercion to a DataFrame."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import attrs
import numpy as np

from mlops_kit.drift._profile import CategoricalProfile, NumericalProfile, Profile
from mlops_kit.exceptions import ValidationError

__all__ = ["ReferenceProfile", "as_frame", "check_columns_present"]


def as_frame(data: Any, side: str) -> Any:
    """A DataFrame from a DataFrame, a Series, a mapping of columns or a 2-d array."""
    import pandas as pd

    if isinstance(data, pd.DataFrame):
        return data
    if isinstance(data, pd.Series):
        return data.to_frame(name=str(data.name) if data.name is not None else "0")
    if isinstance(data, Mapping):
        return pd.DataFrame(dict(data))
    if isinstance(data, np.ndarray) and data.ndim in (1, 2):
        arr = data.reshape(-1, 1) if data.ndim == 1 else data
        return pd.DataFrame(arr, columns=[str(i) for i in range(arr.shape[1])])
    raise ValidationError(
        f"The {side} data must be a pandas DataFrame, a Series, a mapping of columns or a "
        f"1-d/2-d numpy array. Got {type(data).__name__} instead."
    )


def check_columns_present(reference: ReferenceProfile, columns: Any) -> None:
    """Refuse current data that lacks a compared column of the reference, naming it."""
    missing = [c for c in reference.columns if c not in columns]
    if missing:
        raise ValidationError(
            f"Column {missing[0]!r} of the reference is missing from the current data"
            + (f" (and {len(missing) - 1} more)" if len(missing) > 1 else "")
            + ". Pass the same columns, or fit with columns= to compare fewer."
        )


@attrs.frozen(kw_only=True, eq=False)
class ReferenceProfile:
    """What a fitted :class:`~mlops_kit.TabularDriftDetector` keeps of its reference.

    Numerical columns keep their sorted finite values (for exact KS-type tests) and their
    quantile bins with counts; categorical columns keep their categories and counts. NaN and
    inf are counted. It serializes with ``to_dict`` / ``from_dict``, so a service can detect
    without the raw reference.

    Parameters
    ----------
    columns
        Column name -> profile, in comparison order.
    n_rows
        Reference rows profiled (after sampling with ``max_reference_rows``).
    n_rows_seen
        Reference rows given to ``fit``.

    Examples
    --------
    >>> import pandas as pd
    >>> from mlops_kit import drift
    >>> det = drift.TabularDriftDetector().fit(pd.DataFrame({"x": [1.0, 2.0, 3.0]}))
    >>> det.reference_.n_rows, list(det.reference_.columns)
    (3, ['x'])
    >>> ReferenceProfile.from_dict(det.reference_.to_dict()).columns["x"].values.tolist()
    [1.0, 2.0, 3.0]
    """

    columns: dict[str, Profile]
    n_rows: int
    n_rows_seen: int

    def to_dict(self) -> dict[str, Any]:
        """The profile as JSON-compatible data (numeric arrays as base64)."""
        return {
            "n_rows": self.n_rows,
            "n_rows_seen": self.n_rows_seen,
            "columns": [p.to_dict() for p in self.columns.values()],
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ReferenceProfile:
        """Rebuild a profile from :meth:`to_dict`'s output."""
        columns: dict[str, Profile] = {}
        for item in data["columns"]:
            profile: Profile
            if item["type"] == "numerical":
                profile = NumericalProfile.from_dict(item)
            else:
                profile = CategoricalProfile.from_dict(item)
            columns[profile.column] = profile
        return cls(
            columns=columns, n_rows=int(data["n_rows"]), n_rows_seen=int(data["n_rows_seen"])
        )
