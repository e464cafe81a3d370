"""Conformance checks and test fakes for plug-ins: run them on your own backends and detectors.

In the spirit of scikit-learn's ``check_estimator``: a ``check_*`` function runs every check on
an object and raises ``AssertionError`` naming the first that fails; the ``*Suite`` classes are
pytest mixins that turn each check into a test once you define one fixture. pytest is imported
only inside the pytest helpers.

Examples
--------
>>> from mlops_kit.storage import InMemoryMetadataStore
>>> from mlops_kit.testing import check_metadata_store
>>> check_metadata_store(InMemoryMetadataStore())
"""

from mlops_kit.retrain import check_trigger
from mlops_kit.testing._checks import check_check, default_evidence
from mlops_kit.testing._drift import FixedDriftDetector, check_drift_detector
from mlops_kit.testing._storage import (
    BlobStoreSuite,
    MetadataStoreSuite,
    check_blob_store,
    check_metadata_store,
)
from mlops_kit.testing._stream import check_stream_detector

__all__ = [
    "BlobStoreSuite",
    "FixedDriftDetector",
    "MetadataStoreSuite",
    "check_blob_store",
    "check_check",
    "check_drift_detector",
    "check_metadata_store",
    "check_stream_detector",
    "check_trigger",
    "default_evidence",
]
