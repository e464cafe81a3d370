"""Profiles of Dask DataFrames: one profile per partition, merged on the client."""

from __future__ import annotations

import importlib
from typing import Any

from mlops_kit.data._profile import Profile, profile_frame
from mlops_kit.exceptions import ValidationError

__all__ = ["profile_dask"]


def profile_dask(ddf: Any, /) -> Profile:
    """Profile a Dask DataFrame partition by partition, and merge the partitions' profiles.

    Each partition is profiled with :func:`profile_frame` where it lives (on the scheduler in
    use: configure it with ``dask.config.set(scheduler=...)`` or a ``distributed.Client``);
    only the small profiles travel back, and :meth:`Profile.merge_all` combines them. Row
    and null counts, min, max, mean and std equal those of ``profile_frame(ddf.compute())``
    (up to floating-point rounding); quantiles and top categories are approximate (see
    :meth:`ColumnProfile.merge`).

    Note that Dask turns text columns into ``string[pyarrow]`` by default
    (``dataframe.convert-string``), so their dtype may read ``string`` rather than ``str``.

    Parameters
    ----------
    ddf
        A ``dask.dataframe.DataFrame``.

    Returns
    -------
    Profile

    Raises
    ------
    ImportError
        When Dask is not installed.
    ValidationError
        When ``ddf`` is not a Dask DataFrame.

    Examples
    --------
    >>> import dask, pandas as pd
    >>> import dask.dataframe as dd
    >>> df = pd.DataFrame({"x": [1.0, 2.0, 3.0, 4.0, None, 6.0]})
    >>> with dask.config.set(scheduler="synchronous"):
    ...     profile = profile_dask(dd.from_pandas(df, npartitions=3))
    >>> profile.n_rows, profile["x"].count, profile["x"].nulls, profile["x"].mean
    (6, 5, 1, 3.2)
    """
    try:
        dask = importlib.import_module("dask")
        dd = importlib.import_module("dask.dataframe")
    except ImportError as error:  # pragma: no cover - dask is installed for the tests
        raise ImportError(
            "profile_dask needs Dask. Install it with: pip install 'mlops-kit[dask]'"
        ) from error
    if not isinstance(ddf, dd.DataFrame):
        raise ValidationError(
            "profile_dask takes a dask.dataframe.DataFrame. Got "
            f"{type(ddf).__name__} instead; use profile_frame for a pandas DataFrame."
        )
    parts = [dask.delayed(profile_frame)(part) for part in ddf.to_delayed()]
    profiles = dask.compute(*parts)
    return Profile.merge_all(profiles)
