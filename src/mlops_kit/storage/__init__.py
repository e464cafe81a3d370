"""Storage: the two protocols' built-in backends, and ``open_store``.

===========================  ==============================================================
backend                      what it is for
===========================  ==============================================================
``InMemoryBlobStore``         tests and short-lived work, in one process
``InMemoryMetadataStore``     same, for metadata
``LocalBlobStore``            a folder: the embedded default for blobs
``SQLiteMetadataStore``       one SQLite file: the embedded default for metadata
``FsspecBlobStore``           any fsspec file system (S3, GCS, Azure): the ``s3`` extra
===========================  ==============================================================

Examples
--------
>>> from mlops_kit.storage import open_store
>>> store = open_store("memory://")
>>> store.blobs.get(store.blobs.put(b"x"))
b'x'
"""

from mlops_kit.protocols import BlobStore, Document, MetadataStore
from mlops_kit.storage._fsspec import FsspecBlobStore
from mlops_kit.storage._local import LocalBlobStore
from mlops_kit.storage._memory import InMemoryBlobStore, InMemoryMetadataStore
from mlops_kit.storage._sqlite import SQLiteMetadataStore
from mlops_kit.storage._store import MetadataOnlyBlobStore, Store, open_store

__all__ = [
    "BlobStore",
    "Document",
    "FsspecBlobStore",
    "InMemoryBlobStore",
    "InMemoryMetadataStore",
    "LocalBlobStore",
    "MetadataOnlyBlobStore",
    "MetadataStore",
    "SQLiteMetadataStore",
    "Store",
    "open_store",
]
