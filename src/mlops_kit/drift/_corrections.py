"""Multiple-testing corrections of p-values across the columns of one report."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from mlops_kit.exceptions import ValidationError

__all__ = ["CORRECTIONS", "adjust_p_values"]

#: The accepted names of ``correction``.
CORRECTIONS = ("bonferroni", "holm", "fdr_bh")


def adjust_p_values(p_values: Sequence[float], method: str | None) -> list[float]:
    """Adjusted p-values, compared with the unchanged threshold to decide drift.

    ``"bonferroni"`` multiplies by the number of tests; ``"holm"`` is Holm's step-down
    (family-wise error rate); ``"fdr_bh"`` is Benjamini-Hochberg's step-up (false discovery
    rate). All are capped at 1 and keep the input order; ``None`` returns the p-values
    unchanged. They equal ``statsmodels.stats.multitest.multipletests(p, method=...)[1]``.

    Parameters
    ----------
    p_values
        Raw p-values in [0, 1].
    method
        ``None``, ``"bonferroni"``, ``"holm"`` or ``"fdr_bh"``.

    Returns
    -------
    list of float
        The adjusted p-values, in the input order.

    Examples
    --------
    >>> adjust_p_values([0.01, 0.04, 0.03], "holm")
    [0.03, 0.06, 0.06]
    >>> adjust_p_values([0.01, 0.04, 0.03], "fdr_bh")
    [0.03, 0.04, 0.04]
    """
    p = np.asarray(p_values, dtype=np.float64)
    if method is None or p.size == 0:
        return [float(x) for x in p]
    if method not in CORRECTIONS:
        raise ValidationError(
            "The 'correction' parameter must be None, 'bonferroni', 'holm' or 'fdr_bh'. "
            f"Got {method!r} instead."
        )
    m = p.size
    if method == "bonferroni":
        adjusted = np.minimum(p * m, 1.0)
    elif method == "holm":
        order = np.argsort(p, kind="stable")
        stepped = np.maximum.accumulate(p[order] * (m - np.arange(m)))
        adjusted = np.empty(m)
        adjusted[order] = np.minimum(stepped, 1.0)
    else:
        order = np.argsort(p, kind="stable")[::-1]
        ranks = m - np.arange(m)  # rank of each p-value, largest first
        stepped = np.minimum.accumulate(p[order] * m / ranks)
        adjusted = np.empty(m)
        adjusted[order] = np.minimum(stepped, 1.0)
    return [float(x) for x in adjusted]
