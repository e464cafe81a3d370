"""Streaming drift detectors with River 0.26.1's semantics (private: use ``mlops_kit.drift``)."""

from mlops_kit.drift._stream._adwin import ADWIN
from mlops_kit.drift._stream._base import StreamDetectorBase
from mlops_kit.drift._stream._cusum import CUSUM
from mlops_kit.drift._stream._ddm import DDM
from mlops_kit.drift._stream._eddm import EDDM
from mlops_kit.drift._stream._hddm_a import HDDM_A
from mlops_kit.drift._stream._hddm_w import HDDM_W
from mlops_kit.drift._stream._kswin import KSWIN
from mlops_kit.drift._stream._page_hinkley import PageHinkley

__all__ = [
    "ADWIN",
    "CUSUM",
    "DDM",
    "EDDM",
    "HDDM_A",
    "HDDM_W",
    "KSWIN",
    "PageHinkley",
    "StreamDetectorBase",
]
