"""The model registry: versions, aliases with history and rollback, lineage, safe loading.

Examples
--------
>>> from mlops_kit.registry import ModelRegistry
>>> ModelRegistry("memory://").models()
[]
"""

from mlops_kit.registry._environment import VersionMismatchWarning
from mlops_kit.registry._lineage import DataNode, Lineage
from mlops_kit.registry._records import AliasEvent, GCReport, ModelVersion, RegisteredModel
from mlops_kit.registry._registry import ModelRegistry
from mlops_kit.registry._serializers import (
    JoblibSerializer,
    PickleSerializer,
    SkopsSerializer,
    get_serializer,
    register_serializer,
    serializer_names,
)
from mlops_kit.registry._signature import ColumnSpec, Signature

__all__ = [
    "AliasEvent",
    "ColumnSpec",
    "DataNode",
    "GCReport",
    "JoblibSerializer",
    "Lineage",
    "ModelRegistry",
    "ModelVersion",
    "PickleSerializer",
    "RegisteredModel",
    "Signature",
    "SkopsSerializer",
    "VersionMismatchWarning",
    "get_serializer",
    "register_serializer",
    "serializer_names",
]
