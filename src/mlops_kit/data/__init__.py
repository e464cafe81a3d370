"""Versioned, deduplicated DataFrames with lineage, diffs and a stable fingerprint.

``DataRepository`` commits frames to a :class:`~mlops_kit.storage.Store` as content-defined
chunks; every commit returns a :class:`DataVersion` whose id is :func:`fingerprint` of the frame.

Examples
--------
>>> import pandas as pd
>>> from mlops_kit.data import DataRepository, fingerprint
>>> from mlops_kit.storage import open_store
>>> df = pd.DataFrame({"id": [1, 2, 3], "amount": [9.5, 3.0, 4.25]})
>>> repo = DataRepository(open_store("memory://"))
>>> v1 = repo.commit("transactions", df, message="November extract")
>>> v1.id == fingerprint(df)
True
>>> repo.load(v1).equals(df)
True
"""

from mlops_kit.data._dask import profile_dask
from mlops_kit.data._diff import ColumnChange, DataDiff, SchemaChange
from mlops_kit.data._fingerprint import FINGERPRINT_VERSION, fingerprint
from mlops_kit.data._profile import ColumnProfile, Profile, profile_frame
from mlops_kit.data._repository import DataRepository
from mlops_kit.data._schema import ColumnSchema, Schema
from mlops_kit.data._version import DataVersion, LogEntry

__all__ = [
    "ColumnChange",
    "ColumnProfile",
    "ColumnSchema",
    "DataDiff",
    "DataRepository",
    "DataVersion",
    "FINGERPRINT_VERSION",
    "LogEntry",
    "Profile",
    "Schema",
    "SchemaChange",
    "fingerprint",
    "profile_dask",
    "profile_frame",
]
