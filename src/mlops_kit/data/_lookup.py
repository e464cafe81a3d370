"""Look-ups and tags of a :class:`~mlops_kit.data.DataRepository`: references, log, tags."""

from __future__ import annotations

import difflib
import random
import re
import time
from collections.abc import Callable
from datetime import datetime, timezone
from typing import Any

from mlops_kit.data._version import DataVersion, LogEntry
from mlops_kit.exceptions import ConflictError, NotFoundError, ValidationError
from mlops_kit.storage import Store
from mlops_kit.storage._validation import NAME_PATTERN, validate_name

__all__ = ["Lookups", "now", "retry"]

MANIFESTS = "data.manifests"
VERSIONS = "data.versions"
IDS = "data.ids"
LOGS = "data.logs"
TAGS = "data.tags"
HEX = re.compile(r"[0-9a-f]+")
MIN_PREFIX = 4


def now() -> datetime:
    return datetime.now(timezone.utc)


def retry(action: Callable[[], Any], attempts: int = 200) -> Any:
    """Run a compare-and-swap ``action`` until it does not raise ConflictError."""
    for attempt in range(attempts):
        try:
            return action()
        except ConflictError:
            if attempt == attempts - 1:
                raise
            time.sleep(random.uniform(0, 0.002 * min(attempt + 1, 25)))
    return None  # pragma: no cover - the loop returns or raises


class Lookups:
    """The read side of a data repository and its tags (a mixin of DataRepository)."""

    store: Store

    # ----------------------------------------------------------------------- look-ups

    def _entries(self, name: str) -> list[dict[str, Any]]:
        document = self.store.metadata.get(LOGS, name)
        if document is None:
            known = self.datasets()
            close = difflib.get_close_matches(name, known, n=3)
            hint = f" Did you mean {', '.join(map(repr, close))}?" if close else ""
            raise NotFoundError(
                f"No dataset named {name!r}.{hint} Known datasets: "
                f"{', '.join(map(repr, known)) or 'none'}."
            )
        return list(document.value["entries"])

    def _latest_id(self, name: str) -> str | None:
        document = self.store.metadata.get(LOGS, name)
        if document is None or not document.value["entries"]:
            return None
        return str(document.value["entries"][-1]["id"])

    def _record(self, name: str, version_id: str) -> DataVersion:
        document = self.store.metadata.get(VERSIONS, f"{name}/{version_id}")
        if document is None:
            raise NotFoundError(f"Dataset {name!r} has no version {version_id!r}.")
        return DataVersion.from_dict(document.value)

    def get(self, name: str, ref: str = "latest") -> DataVersion:
        """The version that ``ref`` names in dataset ``name``.

        ``ref`` resolves as ``"latest"``, then a tag, then a full id, then a unique id prefix of
        at least 4 characters; otherwise :class:`~mlops_kit.exceptions.NotFoundError` lists
        close matches.

        Examples
        --------
        >>> import pandas as pd
        >>> from mlops_kit.data import DataRepository
        >>> from mlops_kit.storage import open_store
        >>> repo = DataRepository(open_store("memory://"))
        >>> v = repo.commit("d", pd.DataFrame({"a": [1]}))
        >>> repo.tag(v, "gold")
        >>> repo.get("d", "gold") == repo.get("d", v.id[:6]) == repo.get("d") == v
        True
        """
        validate_name(name, "dataset name")
        entries = self._entries(name)
        if not isinstance(ref, str) or not ref:
            raise ValidationError(f"A reference must be a non-empty str. Got {ref!r} instead.")
        if ref == "latest":
            if not entries:  # pragma: no cover - a log is created with its first entry
                raise NotFoundError(f"Dataset {name!r} has no version yet.")
            return self._record(name, entries[-1]["id"])
        if NAME_PATTERN.fullmatch(ref):
            tag = self.store.metadata.get(TAGS, f"{name}/{ref}")
            if tag is not None:
                return self._record(name, tag.value["id"])
        if HEX.fullmatch(ref) and len(ref) == 64:
            return self._record(name, ref)
        if HEX.fullmatch(ref) and len(ref) >= MIN_PREFIX:
            found = [key.split("/", 1)[1] for key, _ in self._scan(VERSIONS, f"{name}/{ref}")]
            if len(found) == 1:
                return self._record(name, found[0])
            if len(found) > 1:
                shown = ", ".join(f[: len(ref) + 4] for f in found[:5])
                raise NotFoundError(
                    f"The id prefix {ref!r} is ambiguous in dataset {name!r}: it matches "
                    f"{len(found)} versions ({shown}). Use more characters."
                )
        candidates = ["latest", *self.tags(name), *(e["id"][:12] for e in entries)]
        close = difflib.get_close_matches(ref, candidates, n=3, cutoff=0.5)
        hint = f" Close matches: {', '.join(map(repr, close))}." if close else ""
        raise NotFoundError(
            f"No version {ref!r} in dataset {name!r}: not 'latest', a tag, an id or a unique id "
            f"prefix of at least {MIN_PREFIX} characters.{hint}"
        )

    def _scan(self, collection: str, prefix: str) -> list[tuple[str, Any]]:
        return list(self.store.metadata.scan(collection, prefix))

    def version(self, id: str) -> DataVersion:
        """The version with full id ``id``, in whichever dataset holds it.

        When the same content was committed to several datasets, the record of the dataset
        whose name sorts first is returned.

        Examples
        --------
        >>> import pandas as pd
        >>> from mlops_kit.data import DataRepository
        >>> from mlops_kit.storage import open_store
        >>> repo = DataRepository(open_store("memory://"))
        >>> v = repo.commit("d", pd.DataFrame({"a": [1]}))
        >>> repo.version(v.id).name
        'd'
        """
        if not isinstance(id, str) or len(id) != 64 or not HEX.fullmatch(id):
            raise NotFoundError(
                f"No data version {id!r}: a version id is 64 lowercase hexadecimal characters."
            )
        for key, _ in self._scan(IDS, f"{id}/"):
            return self._record(key.split("/", 1)[1], id)
        raise NotFoundError(f"No data version with id {id!r} in this store.")

    def datasets(self) -> list[str]:
        """The names of every dataset, sorted.

        Examples
        --------
        >>> from mlops_kit.data import DataRepository
        >>> from mlops_kit.storage import open_store
        >>> DataRepository(open_store("memory://")).datasets()
        []
        """
        return [key for key, _ in self._scan(LOGS, "")]

    def log(self, name: str) -> list[DataVersion]:
        """The versions the dataset's ``latest`` has pointed at, newest first.

        A version committed again after others appears again (see :meth:`history`).

        Examples
        --------
        >>> import pandas as pd
        >>> from mlops_kit.data import DataRepository
        >>> from mlops_kit.storage import open_store
        >>> repo = DataRepository(open_store("memory://"))
        >>> a = repo.commit("d", pd.DataFrame({"a": [1]}))
        >>> b = repo.commit("d", pd.DataFrame({"a": [2]}))
        >>> [v.id for v in repo.log("d")] == [b.id, a.id]
        True
        """
        validate_name(name, "dataset name")
        entries = self._entries(name)
        cache: dict[str, DataVersion] = {}
        out = []
        for entry in reversed(entries):
            if entry["id"] not in cache:
                cache[entry["id"]] = self._record(name, entry["id"])
            out.append(cache[entry["id"]])
        return out

    def history(self, name: str) -> list[LogEntry]:
        """Every move of the dataset's ``latest`` (commit or revert), newest first.

        Examples
        --------
        >>> import pandas as pd
        >>> from mlops_kit.data import DataRepository
        >>> from mlops_kit.storage import open_store
        >>> repo = DataRepository(open_store("memory://"))
        >>> for values in ([1], [2], [1]):
        ...     _ = repo.commit("d", pd.DataFrame({"a": values}))
        >>> [e.action for e in repo.history("d")]
        ['revert', 'commit', 'commit']
        """
        validate_name(name, "dataset name")
        return [LogEntry.from_dict(e) for e in reversed(self._entries(name))]

    # --------------------------------------------------------------------------- tags

    def tag(self, version: DataVersion, tag: str, *, move: bool = False) -> None:
        """Give ``version`` a name in its dataset; moving an existing tag needs ``move=True``.

        Examples
        --------
        >>> import pandas as pd
        >>> from mlops_kit.data import DataRepository
        >>> from mlops_kit.storage import open_store
        >>> repo = DataRepository(open_store("memory://"))
        >>> a = repo.commit("d", pd.DataFrame({"a": [1]}))
        >>> b = repo.commit("d", pd.DataFrame({"a": [2]}))
        >>> repo.tag(a, "train")
        >>> repo.tag(b, "train", move=True)
        >>> repo.get("d", "train") == b
        True
        """
        if not isinstance(version, DataVersion):
            raise ValidationError(
                f"DataRepository.tag takes a DataVersion. Got {type(version).__name__} instead; "
                "use repo.get(name, ref) to find one."
            )
        validate_name(tag, "tag")
        if tag == "latest" or (HEX.fullmatch(tag) and len(tag) >= MIN_PREFIX):
            raise ValidationError(
                f"The tag {tag!r} would be read as {'latest' if tag == 'latest' else 'an id'}; "
                "choose a tag with a non-hexadecimal character."
            )
        self._record(version.name, version.id)
        key = f"{version.name}/{tag}"
        value = {"id": version.id, "at": now().isoformat()}

        def put() -> None:
            current = self.store.metadata.get(TAGS, key)
            if current is not None and current.value["id"] == version.id:
                return
            if current is not None and not move:
                raise ValidationError(
                    f"The tag {tag!r} of dataset {version.name!r} already points at "
                    f"{current.value['id'][:12]}; pass move=True to move it."
                )
            revision = 0 if current is None else current.revision
            self.store.metadata.put(TAGS, key, value, expected_revision=revision)

        retry(put)

    def untag(self, name: str | DataVersion, tag: str) -> None:
        """Remove a tag from a dataset (``name`` may be a version of it).

        Examples
        --------
        >>> import pandas as pd
        >>> from mlops_kit.data import DataRepository
        >>> from mlops_kit.storage import open_store
        >>> repo = DataRepository(open_store("memory://"))
        >>> v = repo.commit("d", pd.DataFrame({"a": [1]}))
        >>> repo.tag(v, "gold"); repo.untag("d", "gold"); repo.tags("d")
        {}
        """
        dataset = name.name if isinstance(name, DataVersion) else validate_name(name, "dataset")
        if self.store.metadata.get(TAGS, f"{dataset}/{tag}") is None:
            raise NotFoundError(
                f"Dataset {dataset!r} has no tag {tag!r}. Tags: "
                f"{', '.join(map(repr, self.tags(dataset))) or 'none'}."
            )
        self.store.metadata.delete(TAGS, f"{dataset}/{tag}")

    def tags(self, name: str) -> dict[str, str]:
        """The dataset's tags and the version id each points at.

        Examples
        --------
        >>> from mlops_kit.data import DataRepository
        >>> from mlops_kit.storage import open_store
        >>> DataRepository(open_store("memory://")).tags("d")
        {}
        """
        validate_name(name, "dataset name")
        return {
            key.split("/", 1)[1]: str(doc.value["id"]) for key, doc in self._scan(TAGS, f"{name}/")
        }
