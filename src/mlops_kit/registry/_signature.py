"""The input signature of a model: inferred from an example, stored, checked on request."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import attrs

from mlops_kit.exceptions import ValidationError
from mlops_kit.registry._common import html_table

__all__ = ["ColumnSpec", "Signature"]

# dtype families that are interchangeable for a model's input
_NUMERIC_WIDENING = {"b": {"b"}, "i": {"i", "u", "b"}, "u": {"u", "b"}, "f": {"f", "i", "u", "b"}}


def _family(dtype: str) -> str:
    """A coarse family of a dtype name: numpy kind letters, or text/category/datetime."""
    import numpy as np

    if dtype in ("object", "string", "str") or dtype.startswith("string"):
        return "text"
    if dtype == "category":
        return "category"
    if dtype.startswith(("datetime64", "timedelta64")):
        return dtype.split("[")[0]
    try:
        return np.dtype(dtype).kind
    except TypeError:
        # pandas extension dtypes: Int64, Float64, boolean, ...
        lowered = dtype.lower()
        if lowered.startswith(("int", "uint")):
            return "i" if lowered.startswith("int") else "u"
        if lowered.startswith("float"):
            return "f"
        if lowered == "boolean":
            return "b"
        return dtype


def _compatible(expected: str, got: str) -> bool:
    if expected == got:
        return True
    want, have = _family(expected), _family(got)
    if want in _NUMERIC_WIDENING:
        return have in _NUMERIC_WIDENING[want]
    return want == have


@attrs.frozen(kw_only=True)
class ColumnSpec:
    """One input column of a :class:`Signature`: its name and dtype (as pandas prints it).

    Examples
    --------
    >>> ColumnSpec(name="amount", dtype="float64")
    ColumnSpec(name='amount', dtype='float64')
    """

    name: str
    dtype: str


@attrs.frozen(kw_only=True)
class Signature:
    """What a model expects as input, inferred from an example by :meth:`infer`.

    A DataFrame example gives the column names and dtypes in order; an array example gives the
    dtype and the shape after the first (batch) axis. :meth:`validate` checks new input against
    it: integers are accepted where floats are expected, and any string dtype where ``object``
    was seen; everything else must match.

    Parameters
    ----------
    kind
        ``"dataframe"`` or ``"array"``.
    columns
        The columns of a DataFrame signature, in order (empty for arrays).
    dtype
        The dtype of an array signature (``None`` for DataFrames).
    shape
        The shape with the batch axis as ``None``: ``(None, n_columns)`` for DataFrames.

    Examples
    --------
    >>> import pandas as pd
    >>> sig = Signature.infer(pd.DataFrame({"amount": [1.5, 2.0], "n_items": [1, 3]}))
    >>> print(sig)
    Signature(amount: float64, n_items: int64)
    >>> sig.validate(pd.DataFrame({"amount": [3.0], "n_items": [2]}))
    >>> sig.validate(pd.DataFrame({"amount": ["x"]}))
    Traceback (most recent call last):
    ...
    mlops_kit.exceptions.ValidationError: The input does not match the model's signature:
    missing column 'n_items'; column 'amount' has dtype ..., expected float64.
    """

    kind: str = attrs.field()
    columns: tuple[ColumnSpec, ...] = ()
    dtype: str | None = None
    shape: tuple[int | None, ...] = ()

    @kind.validator
    def _check_kind(self, attribute: attrs.Attribute[str], value: str) -> None:
        if value not in ("dataframe", "array"):
            raise ValidationError(
                f"The 'kind' parameter of Signature must be 'dataframe' or 'array'. "
                f"Got {value!r} instead."
            )

    @classmethod
    def infer(cls, example: Any) -> Signature:
        """Infer a signature from an input example (DataFrame, Series, array or list).

        Examples
        --------
        >>> import numpy as np
        >>> Signature.infer(np.zeros((4, 3))).shape
        (None, 3)
        """
        import numpy as np
        import pandas as pd

        if isinstance(example, pd.DataFrame):
            columns = tuple(
                ColumnSpec(name=str(name), dtype=str(dtype))
                for name, dtype in example.dtypes.items()
            )
            return cls(kind="dataframe", columns=columns, shape=(None, len(columns)))
        if isinstance(example, pd.Series):
            example = example.to_numpy()
        try:
            array = np.asarray(example)
        except (TypeError, ValueError) as error:
            raise ValidationError(
                f"Cannot infer a signature from {type(example).__name__}: pass a pandas "
                "DataFrame, a numpy array or a list of rows as 'input_example'."
            ) from error
        if array.ndim == 0:
            raise ValidationError(
                f"Cannot infer a signature from {type(example).__name__} {example!r:.40}: an "
                "input example needs at least one axis (rows)."
            )
        return cls(
            kind="array", dtype=str(array.dtype), shape=(None, *(int(d) for d in array.shape[1:]))
        )

    def validate(self, X: Any, *, allow_extra_columns: bool = False) -> None:
        """Raise a :class:`~mlops_kit.exceptions.ValidationError` naming every mismatch.

        Parameters
        ----------
        X
            The input to check, as it would be passed to the model.
        allow_extra_columns
            Whether columns not in the signature are accepted (DataFrame signatures).

        Examples
        --------
        >>> import numpy as np
        >>> sig = Signature.infer(np.zeros((4, 3)))
        >>> sig.validate(np.ones((10, 3)))
        >>> sig.validate(np.ones((10, 2)))
        Traceback (most recent call last):
        ...
        mlops_kit.exceptions.ValidationError: The input does not match the model's signature:
        shape (10, 2), expected (None, 3).
        """
        problems = (
            self._frame_problems(X, allow_extra_columns)
            if self.kind == "dataframe"
            else self._array_problems(X)
        )
        if problems:
            raise ValidationError(
                "The input does not match the model's signature: " + "; ".join(problems) + "."
            )

    def _frame_problems(self, X: Any, allow_extra: bool) -> list[str]:
        import pandas as pd

        if not isinstance(X, pd.DataFrame):
            return [
                f"got {type(X).__name__}, expected a pandas DataFrame with columns "
                + ", ".join(repr(c.name) for c in self.columns)
            ]
        got = {str(name): str(dtype) for name, dtype in X.dtypes.items()}
        expected = [c.name for c in self.columns]
        problems = [f"missing column {name!r}" for name in expected if name not in got]
        if not allow_extra:
            problems += [f"unexpected column {name!r}" for name in got if name not in expected]
        for column in self.columns:
            dtype = got.get(column.name)
            if dtype is not None and not _compatible(column.dtype, dtype):
                problems.append(
                    f"column {column.name!r} has dtype {dtype}, expected {column.dtype}"
                )
        order = [name for name in got if name in expected]
        present = [name for name in expected if name in got]
        if not problems and order != present:
            problems.append(
                "columns are in another order: expected " + ", ".join(map(repr, present))
            )
        return problems

    def _array_problems(self, X: Any) -> list[str]:
        import numpy as np

        try:
            array = np.asarray(X)
        except (TypeError, ValueError):
            return [f"got {type(X).__name__}, expected an array"]
        problems = []
        expected_shape = self.shape[1:]
        if array.ndim != len(self.shape) or tuple(array.shape[1:]) != expected_shape:
            problems.append(f"shape {array.shape}, expected {self.shape}")
        if self.dtype is not None and not _compatible(self.dtype, str(array.dtype)):
            problems.append(f"dtype {array.dtype}, expected {self.dtype}")
        return problems

    def to_dict(self) -> dict[str, Any]:
        """A JSON-compatible dict; :meth:`from_dict` rebuilds the signature.

        Examples
        --------
        >>> import numpy as np
        >>> Signature.infer(np.zeros((2, 3))).to_dict()
        {'kind': 'array', 'columns': [], 'dtype': 'float64', 'shape': [None, 3]}
        """
        return {
            "kind": self.kind,
            "columns": [{"name": c.name, "dtype": c.dtype} for c in self.columns],
            "dtype": self.dtype,
            "shape": list(self.shape),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Signature:
        """Rebuild a signature from :meth:`to_dict`'s output.

        Examples
        --------
        >>> import numpy as np
        >>> sig = Signature.infer(np.zeros((2, 3)))
        >>> Signature.from_dict(sig.to_dict()) == sig
        True
        """
        return cls(
            kind=data["kind"],
            columns=tuple(ColumnSpec(name=c["name"], dtype=c["dtype"]) for c in data["columns"]),
            dtype=data.get("dtype"),
            shape=tuple(data["shape"]),
        )

    def __str__(self) -> str:
        if self.kind == "dataframe":
            inner = ", ".join(f"{c.name}: {c.dtype}" for c in self.columns)
        else:
            dims = ", ".join("n" if d is None else str(d) for d in self.shape)
            inner = f"array[{dims}] of {self.dtype}"
        return f"Signature({inner})"

    def _repr_html_(self) -> str:
        if self.kind == "dataframe":
            return html_table("Signature", {c.name: c.dtype for c in self.columns})
        return html_table("Signature", {"dtype": self.dtype, "shape": self.shape})
