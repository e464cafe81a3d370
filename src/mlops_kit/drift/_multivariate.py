"""Multivariate batch drift: the shared input handling and the kernel two-sample (MMD) test.

The domain-classifier and reconstruction detectors live in ``_multivariate_classifier.py`` and
``_multivariate_reconstruction.py``.
"""

from __future__ import annotations

import math
from typing import Any

import attrs
import numpy as np

from mlops_kit.drift._report import DriftReport
from mlops_kit.drift._stream._base import bad_parameter
from mlops_kit.exceptions import NotFittedError, ValidationError

__all__ = ["MMDDriftDetector"]

FloatMatrix = np.ndarray[Any, np.dtype[np.float64]]


def check_unit(owner: str, name: str) -> Any:
    """An attrs validator: a float strictly between 0 and 1."""

    def validate(instance: Any, attribute: Any, value: Any) -> None:
        ok = isinstance(value, int | float) and not isinstance(value, bool) and 0 < value < 1
        if not ok:
            raise bad_parameter(owner, name, "a float in (0, 1)", value)

    return validate


def check_count(owner: str, name: str, low: int, optional: bool = False) -> Any:
    """An attrs validator: an int of at least ``low`` (or None when ``optional``)."""

    def validate(instance: Any, attribute: Any, value: Any) -> None:
        if optional and value is None:
            return
        if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < low:
            expected = f"an int >= {low}" + (" or None" if optional else "")
            raise bad_parameter(owner, name, expected, value)

    return validate


def check_random_state(owner: str) -> Any:
    """An attrs validator: an int, a numpy Generator or None."""

    def validate(instance: Any, attribute: Any, value: Any) -> None:
        ok = value is None or isinstance(value, np.random.Generator)
        ok = ok or (isinstance(value, int | np.integer) and not isinstance(value, bool))
        if not ok:
            raise bad_parameter(owner, "random_state", "an int, a numpy Generator or None", value)

    return validate


def as_generator(random_state: int | np.random.Generator | None) -> np.random.Generator:
    """A generator from ``random_state`` (a Generator is used as it is)."""
    if isinstance(random_state, np.random.Generator):
        return random_state
    return np.random.default_rng(random_state)


def to_matrix(
    data: Any, owner: str, what: str, columns: list[str] | None = None
) -> tuple[FloatMatrix, list[str]]:
    """A 2-D float matrix of ``data`` (a DataFrame or an array) and its column names.

    With ``columns`` (those seen by ``fit``), a DataFrame's columns are selected in that order
    and an array must have as many columns. Non-numerical columns, NaN and infinities are
    refused with a message that names them.
    """
    import pandas as pd

    if isinstance(data, pd.DataFrame):
        names = [str(c) for c in data.columns]
        if columns is not None:
            missing = [c for c in columns if c not in names]
            if missing:
                raise ValidationError(
                    f"{owner}: the {what} data lacks the column(s) {missing} seen by fit. "
                    "Pass the same columns as the reference."
                )
            data = data[[data.columns[names.index(c)] for c in columns]]
            names = list(columns)
        bad = [
            str(c)
            for c, dtype in data.dtypes.items()
            if not (pd.api.types.is_numeric_dtype(dtype) or pd.api.types.is_bool_dtype(dtype))
        ]
        if bad:
            raise ValidationError(
                f"{owner} takes numerical columns only; {bad} are not. Encode them first "
                "(e.g. one-hot) or leave them out."
            )
        matrix = data.to_numpy(dtype=np.float64, na_value=np.nan)
    else:
        try:
            matrix = np.array(data, dtype=np.float64)
        except (TypeError, ValueError) as error:
            raise ValidationError(
                f"{owner} takes a DataFrame or a 2-D numerical array as {what} data: {error}"
            ) from None
        if matrix.ndim != 2:
            raise ValidationError(
                f"{owner} takes a DataFrame or a 2-D array as {what} data; got an array of "
                f"shape {matrix.shape}. Reshape it to (rows, features)."
            )
        names = [f"x{i}" for i in range(matrix.shape[1])] if columns is None else list(columns)
        if columns is not None and matrix.shape[1] != len(columns):
            raise ValidationError(
                f"{owner}: the {what} data has {matrix.shape[1]} columns, the reference had "
                f"{len(columns)}."
            )
    finite = np.isfinite(matrix)
    if not finite.all():
        bad_cols = [names[j] for j in np.flatnonzero(~finite.all(axis=0))]
        raise ValidationError(
            f"{owner}: the {what} data holds NaN or infinite values in {bad_cols}. "
            "Impute or drop those rows first."
        )
    if matrix.shape[0] < 2 or matrix.shape[1] < 1:
        raise ValidationError(
            f"{owner} needs at least 2 rows and 1 column of {what} data; got shape {matrix.shape}."
        )
    return matrix, names


def subsample(matrix: FloatMatrix, limit: int | None, rng: np.random.Generator) -> FloatMatrix:
    """At most ``limit`` rows of ``matrix``, drawn without replacement."""
    if limit is None or matrix.shape[0] <= limit:
        return matrix
    out: FloatMatrix = matrix[np.sort(rng.choice(matrix.shape[0], size=limit, replace=False))]
    return out


def squared_distances(a: FloatMatrix, b: FloatMatrix) -> FloatMatrix:
    """Pairwise squared Euclidean distances, clipped at 0."""
    d = (a * a).sum(axis=1)[:, None] + (b * b).sum(axis=1)[None, :] - 2.0 * (a @ b.T)
    out: FloatMatrix = np.maximum(d, 0.0)
    return out


def median_bandwidth(pooled: FloatMatrix, rng: np.random.Generator, limit: int = 1000) -> float:
    """The median heuristic: the median pairwise distance of (at most ``limit``) pooled rows."""
    points = subsample(pooled, limit, rng)
    d = squared_distances(points, points)
    upper = d[np.triu_indices(points.shape[0], k=1)]
    positive = upper[upper > 0]
    return float(math.sqrt(np.median(positive))) if positive.size else 1.0


def mmd2_unbiased(kernel_xx: Any, kernel_yy: Any, kernel_xy: Any, n: int, m: int) -> Any:
    """Unbiased MMD² from block sums of an RBF kernel matrix (whose diagonal is 1)."""
    return (
        (kernel_xx - n) / (n * (n - 1))
        + (kernel_yy - m) / (m * (m - 1))
        - 2.0 * kernel_xy / (n * m)
    )


def scaling(matrix: FloatMatrix) -> tuple[FloatMatrix, FloatMatrix]:
    """The column means and standard deviations of ``matrix`` (a constant column's is 1)."""
    scale = matrix.std(axis=0)
    return matrix.mean(axis=0), np.where(scale > 0, scale, 1.0)


def standardize(matrix: FloatMatrix, mean: FloatMatrix, scale: FloatMatrix) -> FloatMatrix:
    """``(matrix - mean) / scale``."""
    out: FloatMatrix = (matrix - mean) / scale
    return out


def dataset_report(**fields: Any) -> DriftReport:
    """A dataset-level report: ``drift_share`` is 1.0 with drift, 0.0 without."""
    return DriftReport(drift_share=1.0 if fields["drifted"] else 0.0, **fields)


@attrs.define(kw_only=True, slots=False)  # learned attributes appear with fit
class MMDDriftDetector:
    r"""Kernel two-sample test: the unbiased MMD² with an RBF kernel and a permutation p-value.

    Features are standardized with the reference's mean and standard deviation. The kernel is
    :math:`k(a, b) = \exp(-\|a - b\|^2 / (2\sigma^2))` with :math:`\sigma` the median pairwise
    distance of the pooled rows (the median heuristic, on at most 1,000 of them). The
    statistic is the unbiased estimate

    .. math::
        \widehat{MMD}^2_u = \frac{\sum_{i \ne j} k(x_i, x_j)}{n(n-1)}
        + \frac{\sum_{i \ne j} k(y_i, y_j)}{m(m-1)} - \frac{2 \sum_{i,j} k(x_i, y_j)}{nm},

    and the p-value is :math:`(1 + \#\{b : MMD^2_b \ge MMD^2\}) / (1 + B)` over ``B`` random
    re-splits of the pooled rows. The kernel matrix is computed once, block by block, and all
    permutation statistics come from one product of it with the matrix of split indicators.

    Parameters
    ----------
    threshold
        Drift when the p-value is below it (0.05).
    n_permutations
        Number of random re-splits ``B`` (500).
    max_samples
        At most this many rows of each side are used (drawn at random; ``None``: all). The
        cost grows with the square of the pooled rows.
    random_state
        Seeds sub-sampling, the bandwidth's sample and the permutations.

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(2)
    >>> cov = [[1.0, 0.9], [0.9, 1.0]]
    >>> reference = rng.multivariate_normal([0, 0], cov, 300)
    >>> current = rng.multivariate_normal([0, 0], [[1.0, -0.9], [-0.9, 1.0]], 300)
    >>> detector = MMDDriftDetector(random_state=0).fit(reference)
    >>> detector.detect(current).drifted
    True
    >>> detector.detect(rng.multivariate_normal([0, 0], cov, 300)).drifted
    False
    """

    threshold: float = attrs.field(
        default=0.05, validator=check_unit("MMDDriftDetector", "threshold")
    )
    n_permutations: int = attrs.field(
        default=500, validator=check_count("MMDDriftDetector", "n_permutations", 1)
    )
    max_samples: int | None = attrs.field(
        default=5000, validator=check_count("MMDDriftDetector", "max_samples", 2, optional=True)
    )
    random_state: int | np.random.Generator | None = attrs.field(
        default=None, validator=check_random_state("MMDDriftDetector")
    )
    reference_: FloatMatrix = attrs.field(init=False, repr=False)
    columns_: list[str] = attrs.field(init=False, repr=False)
    mean_: FloatMatrix = attrs.field(init=False, repr=False)
    scale_: FloatMatrix = attrs.field(init=False, repr=False)

    def fit(self, reference: Any, /) -> MMDDriftDetector:
        """Learn the reference (a DataFrame or a 2-D array of numbers); return ``self``."""
        matrix, self.columns_ = to_matrix(reference, "MMDDriftDetector", "reference")
        self.mean_, self.scale_ = scaling(matrix)
        self.reference_ = standardize(matrix, self.mean_, self.scale_)
        return self

    def detect(self, current: Any, /) -> DriftReport:
        """Test ``current`` against the reference; return a dataset-level report."""
        if not hasattr(self, "reference_"):
            raise NotFittedError("This MMDDriftDetector is not fitted yet. Call fit first.")
        matrix, _ = to_matrix(current, "MMDDriftDetector", "current", self.columns_)
        rng = as_generator(self.random_state)
        x = subsample(self.reference_, self.max_samples, rng)
        y = subsample(standardize(matrix, self.mean_, self.scale_), self.max_samples, rng)
        statistic, p_value, sigma = mmd_permutation_test(x, y, self.n_permutations, rng)
        drifted = p_value < self.threshold
        return dataset_report(
            drifted=drifted,
            method="mmd",
            statistic=statistic,
            p_value=p_value,
            threshold=self.threshold,
            n_reference=self.reference_.shape[0],
            n_current=matrix.shape[0],
            detector="MMDDriftDetector",
            details={
                "bandwidth": sigma,
                "kernel": "rbf",
                "n_permutations": self.n_permutations,
                "n_reference_used": int(x.shape[0]),
                "n_current_used": int(y.shape[0]),
                "features": list(self.columns_),
            },
        )


def mmd_permutation_test(
    x: FloatMatrix, y: FloatMatrix, n_permutations: int, rng: np.random.Generator
) -> tuple[float, float, float]:
    """The unbiased MMD² of ``x`` against ``y``, its permutation p-value and the bandwidth.

    Examples
    --------
    >>> rng = np.random.default_rng(1)
    >>> stat, p, sigma = mmd_permutation_test(rng.normal(size=(50, 2)),
    ...                                       rng.normal(size=(50, 2)) + 2, 99, rng)
    >>> p
    0.01
    """
    n, m = x.shape[0], y.shape[0]
    pooled = np.concatenate([x, y])
    total = n + m
    sigma = median_bandwidth(pooled, rng)
    gamma = 1.0 / (2.0 * sigma * sigma)
    # split indicators: column 0 is the observed split, the others random re-splits
    splits = np.zeros((total, n_permutations + 1), dtype=np.float32)
    splits[:n, 0] = 1.0
    order = rng.permuted(np.tile(np.arange(total), (n_permutations, 1)), axis=1)[:, :n]
    splits[order, np.arange(1, n_permutations + 1)[:, None]] = 1.0
    quad = np.zeros(n_permutations + 1)
    row_sums = np.zeros(total)
    xx = yy = xy = 0.0  # the observed block sums, in float64
    block = max(64, min(total, 8_000_000 // total))
    for a in range(0, total, block):  # the kernel is symmetric: rows a:b against columns a:
        b = min(total, a + block)
        kernel = np.exp(-gamma * squared_distances(pooled[a:b], pooled[a:]))
        diag, off = kernel[:, : b - a], kernel[:, b - a :]
        row_sums[a:b] += kernel.sum(axis=1)
        row_sums[b:] += off.sum(axis=0)
        rx, cx = min(max(n - a, 0), b - a), min(max(n - b, 0), total - b)  # rows / cols in x
        xx += diag[:rx, :rx].sum() + 2.0 * off[:rx, :cx].sum()
        yy += diag[rx:, rx:].sum() + 2.0 * off[rx:, cx:].sum()
        xy += diag[:rx, rx:].sum() + off[:rx, cx:].sum() + off[rx:, :cx].sum()
        own = splits[a:b]
        quad += np.einsum("ij,ij->j", own, diag.astype(np.float32) @ own, dtype=np.float64)
        if b < total:
            shared = off.astype(np.float32) @ splits[b:]
            quad += 2.0 * np.einsum("ij,ij->j", own, shared, dtype=np.float64)
    linear = row_sums @ splits.astype(np.float64)
    grand = float(row_sums.sum())
    null = mmd2_unbiased(quad, grand - 2.0 * linear + quad, linear - quad, n, m)
    statistic = float(mmd2_unbiased(xx, yy, xy, n, m))
    exceed = int(np.count_nonzero(null[1:] >= null[0]))
    return statistic, (1 + exceed) / (1 + n_permutations), sigma
