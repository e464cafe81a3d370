"""The reconstruction drift detector: PCA learnt on the reference, its error on current data."""

from __future__ import annotations

import math
from typing import Any

import attrs
import numpy as np

from mlops_kit.drift._multivariate import (
    FloatMatrix,
    as_generator,
    check_count,
    check_random_state,
    dataset_report,
    scaling,
    standardize,
    to_matrix,
)
from mlops_kit.drift._report import DriftReport
from mlops_kit.drift._stream._base import bad_parameter
from mlops_kit.exceptions import NotFittedError, ValidationError

__all__ = ["ReconstructionDriftDetector"]

_OWNER = "ReconstructionDriftDetector"


def _check_components(instance: Any, attribute: Any, value: Any) -> None:
    ok = isinstance(value, int | np.integer) and not isinstance(value, bool) and value >= 1
    ok = ok or (isinstance(value, float) and 0.0 < value < 1.0)
    if not ok:
        raise bad_parameter(
            _OWNER, "n_components", "an int >= 1 or a float in (0, 1) (a share of variance)", value
        )


def _check_threshold(instance: Any, attribute: Any, value: Any) -> None:
    ok = isinstance(value, int | float) and not isinstance(value, bool)
    if not (ok and math.isfinite(value) and value > 0):
        raise bad_parameter(_OWNER, "threshold", "a positive float (standard deviations)", value)


def _residuals(pca: Any, matrix: FloatMatrix) -> FloatMatrix:
    """Squared reconstruction residual of every cell."""
    rebuilt = pca.inverse_transform(pca.transform(matrix))
    out: FloatMatrix = (matrix - rebuilt) ** 2
    return out


@attrs.define(kw_only=True, slots=False)  # learned attributes appear with fit
class ReconstructionDriftDetector:
    r"""PCA reconstruction error: a change of the correlation structure is not rebuilt well.

    Features are standardized with the reference's mean and standard deviation and a PCA
    keeps ``n_components``. The statistic is the mean squared reconstruction error of the
    current rows (per cell). Its threshold comes from the reference cut into ``n_chunks``
    random chunks: each chunk is rebuilt by a PCA fitted on the other chunks (so its error is
    out of sample), and with :math:`\mu, s` the mean and standard deviation of the chunk
    errors and :math:`c` the chunk size, drift is signalled for :math:`m` current rows when
    the error exceeds :math:`\mu + z\, s \sqrt{c / m}`. The p-value is the normal tail
    :math:`P(Z > (e - \mu) / (s \sqrt{c/m}))`.

    Parameters
    ----------
    n_components
        Components kept: an int, or a share of the variance to explain (0.9).
    n_chunks
        Chunks of the reference used to set the threshold (10).
    threshold
        :math:`z`, the standard deviations above the mean chunk error that signal drift (3.0).
    random_state
        Seeds the split of the reference into chunks.

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> reference = rng.multivariate_normal([0, 0], [[1, 0.9], [0.9, 1]], 1000)
    >>> detector = ReconstructionDriftDetector(random_state=0).fit(reference)
    >>> detector.detect(rng.multivariate_normal([0, 0], [[1, -0.9], [-0.9, 1]], 500)).drifted
    True
    >>> detector.detect(rng.multivariate_normal([0, 0], [[1, 0.9], [0.9, 1]], 500)).drifted
    False
    """

    n_components: int | float = attrs.field(default=0.9, validator=_check_components)
    n_chunks: int = attrs.field(default=10, validator=check_count(_OWNER, "n_chunks", 2))
    threshold: float = attrs.field(default=3.0, validator=_check_threshold)
    random_state: int | np.random.Generator | None = attrs.field(
        default=None, validator=check_random_state(_OWNER)
    )
    columns_: list[str] = attrs.field(init=False, repr=False)
    mean_: FloatMatrix = attrs.field(init=False, repr=False)
    scale_: FloatMatrix = attrs.field(init=False, repr=False)
    pca_: Any = attrs.field(init=False, repr=False)
    chunk_errors_: FloatMatrix = attrs.field(init=False, repr=False)
    chunk_size_: float = attrs.field(init=False, repr=False)
    reference_cell_errors_: FloatMatrix = attrs.field(init=False, repr=False)
    n_reference_: int = attrs.field(init=False, repr=False)

    def _pca(self, n_rows: int, n_features: int) -> Any:
        from sklearn.decomposition import PCA

        if isinstance(self.n_components, float):
            return PCA(n_components=self.n_components, svd_solver="full")
        if self.n_components > min(n_rows, n_features):
            raise ValidationError(
                f"{_OWNER}: n_components={self.n_components} exceeds what {n_rows} rows of "
                f"{n_features} features allow. Lower it or pass a share of variance."
            )
        return PCA(n_components=int(self.n_components))

    def fit(self, reference: Any, /) -> ReconstructionDriftDetector:
        """Learn the reference (a DataFrame or a 2-D array of numbers); return ``self``."""
        matrix, columns = to_matrix(reference, _OWNER, "reference")
        rows = matrix.shape[0]
        if rows < 2 * self.n_chunks:
            raise ValidationError(
                f"{_OWNER} needs at least 2 * n_chunks = {2 * self.n_chunks} reference rows; "
                f"got {rows}. Lower n_chunks or give more rows."
            )
        mean, scale = scaling(matrix)
        data = standardize(matrix, mean, scale)
        chunks = np.array_split(as_generator(self.random_state).permutation(rows), self.n_chunks)
        errors, cells = [], np.zeros(data.shape[1])
        for i, chunk in enumerate(chunks):
            rest = np.concatenate([c for j, c in enumerate(chunks) if j != i])
            pca = self._pca(rest.size, data.shape[1]).fit(data[rest])
            residual = _residuals(pca, data[chunk])
            errors.append(float(residual.mean()))
            cells += residual.sum(axis=0)
        self.columns_, self.mean_, self.scale_ = columns, mean, scale
        self.pca_ = self._pca(rows, data.shape[1]).fit(data)
        self.chunk_errors_ = np.asarray(errors)
        self.chunk_size_ = rows / self.n_chunks
        self.reference_cell_errors_ = cells / rows
        self.n_reference_ = rows
        return self

    def detect(self, current: Any, /) -> DriftReport:
        """Rebuild ``current`` with the reference's PCA; return a dataset-level report."""
        from scipy.stats import norm

        if not hasattr(self, "pca_"):
            raise NotFittedError(f"This {_OWNER} is not fitted yet. Call fit first.")
        matrix, _ = to_matrix(current, _OWNER, "current", self.columns_)
        residual = _residuals(self.pca_, standardize(matrix, self.mean_, self.scale_))
        error = float(residual.mean())
        center = float(self.chunk_errors_.mean())
        spread = float(self.chunk_errors_.std(ddof=1)) * math.sqrt(
            self.chunk_size_ / matrix.shape[0]
        )
        upper = center + self.threshold * spread
        if spread > 0:
            p_value = float(norm.sf((error - center) / spread))
        else:
            p_value = 0.0 if error > center else 1.0
        per_feature = residual.mean(axis=0)
        return dataset_report(
            drifted=error > upper,
            method="pca_reconstruction",
            statistic=error,
            p_value=p_value,
            threshold=upper,
            n_reference=self.n_reference_,
            n_current=matrix.shape[0],
            detector=_OWNER,
            details={
                "reference_error": center,
                "chunk_errors": self.chunk_errors_.tolist(),
                "z": self.threshold,
                "n_components": int(self.pca_.n_components_),
                "explained_variance_ratio": float(self.pca_.explained_variance_ratio_.sum()),
                "feature_errors": {c: float(v) for c, v in zip(self.columns_, per_feature)},
                "reference_feature_errors": {
                    c: float(v) for c, v in zip(self.columns_, self.reference_cell_errors_)
                },
                "features": list(self.columns_),
            },
        )
