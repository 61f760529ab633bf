"""Training examples in compact form, and the local classifier's safe file format.

A model file is a numpy `.npz` read with allow_pickle=False: numeric arrays plus the metadata as UTF-8
JSON bytes, in one file so the two can never disagree. It also holds the base training examples (their
text as one UTF-8 blob, zlib-compressed by `savez_compressed`), so a shipped model can still learn from
the operator's corrections after it is loaded. Anything unexpected in a file raises ModelFormatError;
nothing in it is ever executed or unpickled.
"""

from __future__ import annotations

import json
import os
import tempfile
import zipfile
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from emailbot_gui.classify.features import FloatArray, HashingFeaturizer, SparseRows
from emailbot_gui.classify.neighbours import MemoryConfig
from emailbot_gui.classify.softmax import SoftmaxModel, TrainConfig
from emailbot_gui.core.types import Urgency

FORMAT_NAME = "emailbot-local-classifier"


class ModelFormatError(ValueError):
    """The file is not a local-classifier model this version can read."""


@dataclass(frozen=True)
class TrainingExample:
    subject: str
    body: str
    category: str
    urgency: str  # "LOW" .. "CRITICAL"
    weight: float = 1.0


@dataclass(frozen=True, eq=False)
class ExampleStore:
    """Labelled examples as flat arrays: about a tenth of the memory of the Python objects, and
    directly storable in an .npz. Label indices refer to `categories` and to Urgency (0 = LOW)."""

    blob: npt.NDArray[np.uint8]  # UTF-8 of subject 0, body 0, subject 1, body 1, ...
    offsets: npt.NDArray[np.int64]  # 2n + 1 boundaries into blob
    category: npt.NDArray[np.int64]
    urgency: npt.NDArray[np.int64]
    weight: npt.NDArray[np.float64]
    categories: tuple[str, ...]
    # texts never change, so their features are cached per feature config (shared with copies that only
    # relabel categories); a race between two threads only computes the same value twice
    _features: dict[Any, SparseRows] = field(default_factory=dict, repr=False)

    def __len__(self) -> int:
        return len(self.category)

    def __reduce__(self) -> tuple[Any, ...]:
        """Pickled (for the classification worker) without the feature cache, which can be tens of MB."""
        return (ExampleStore, (self.blob, self.offsets, self.category, self.urgency, self.weight, self.categories))

    @classmethod
    def empty(cls, categories: Sequence[str] = ()) -> ExampleStore:
        return cls.from_examples((), categories)

    @classmethod
    def from_examples(cls, examples: Sequence[TrainingExample], categories: Sequence[str], *,
                      weight_factor: float = 1.0) -> ExampleStore:
        index = {c: i for i, c in enumerate(categories)}
        parts = [t.encode("utf-8", "replace") for e in examples for t in (e.subject, e.body)]
        offsets = np.zeros(len(parts) + 1, np.int64)
        np.cumsum([len(p) for p in parts], out=offsets[1:])
        try:
            category = np.array([index[e.category] for e in examples], np.int64)
        except KeyError as exc:
            raise ValueError(f"unknown category {exc.args[0]!r}") from None
        urgency = np.array([Urgency.parse(e.urgency).value - 1 for e in examples], np.int64)
        weight = np.array([float(e.weight) * weight_factor for e in examples], np.float64)
        if (weight < 0).any() or not np.isfinite(weight).all():
            raise ValueError("example weights must be finite and not negative")
        blob = np.frombuffer(b"".join(parts), np.uint8).copy()
        return cls(blob, offsets, category, urgency, weight, tuple(categories))

    def texts(self) -> list[tuple[str, str]]:
        raw = self.blob.tobytes()
        o = self.offsets.tolist()
        return [(raw[o[2 * i]:o[2 * i + 1]].decode("utf-8", "replace"),
                 raw[o[2 * i + 1]:o[2 * i + 2]].decode("utf-8", "replace")) for i in range(len(self))]

    def raw_features(self, featurizer: HashingFeaturizer) -> SparseRows:
        """The examples' raw tf rows (before idf weighting), cached per feature config."""
        key = featurizer.config
        cached = self._features.get(key)
        if cached is None:
            cached = featurizer.raw(self.texts())
            self._features[key] = cached
        return cached

    def with_categories(self, categories: Sequence[str]) -> ExampleStore:
        """The same examples with label indices into `categories` (which must include the current ones)."""
        categories = tuple(categories)
        if categories == self.categories:
            return self
        index = {c: i for i, c in enumerate(categories)}
        remap = np.array([index[c] for c in self.categories], np.int64)
        return ExampleStore(self.blob, self.offsets, remap[self.category] if len(self) else self.category,
                            self.urgency, self.weight, categories, self._features)

    @staticmethod
    def concat(a: ExampleStore, b: ExampleStore) -> ExampleStore:
        if a.categories != b.categories:
            raise ValueError("cannot join examples labelled with different category lists")
        return ExampleStore(np.concatenate([a.blob, b.blob]),
                            np.concatenate([a.offsets, b.offsets[1:] + a.offsets[-1]]),
                            np.concatenate([a.category, b.category]), np.concatenate([a.urgency, b.urgency]),
                            np.concatenate([a.weight, b.weight]), a.categories)


def quantised(model: SoftmaxModel) -> SoftmaxModel:
    """The model with its weights rounded to float16 precision, which is how they are stored: a model
    then predicts exactly the same before saving and after loading, at half the file size."""
    weights = model.weights.astype(np.float16).astype(np.float32)
    return SoftmaxModel(model.feature_ids, weights, model.bias, model.head_sizes, model.n_features)


def train_config_to_json(config: TrainConfig) -> dict[str, Any]:
    return asdict(config)


def train_config_from_json(data: dict[str, Any]) -> TrainConfig:
    values = {k: data[k] for k in TrainConfig.__dataclass_fields__ if k in data}
    if "head_weight_decay" in values:  # JSON has no tuples
        values["head_weight_decay"] = tuple(float(v) for v in values["head_weight_decay"])
    return TrainConfig(**values)


def memory_config_to_json(config: MemoryConfig) -> dict[str, Any]:
    return asdict(config)


def memory_config_from_json(data: dict[str, Any]) -> MemoryConfig:
    values = {k: data[k] for k in MemoryConfig.__dataclass_fields__ if k in data}
    if "blend" in values:
        values["blend"] = tuple(float(v) for v in values["blend"])
    return MemoryConfig(**values)


def save_model(path: Path, *, model: SoftmaxModel, meta: dict[str, Any], base: ExampleStore,
               corrections: ExampleStore, idf: FloatArray | None = None) -> None:
    """Write atomically (temp file + rename), so a crash never leaves half a model behind."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    meta = dict(meta, format=FORMAT_NAME, n_features=model.n_features, head_sizes=list(model.head_sizes))
    arrays: dict[str, np.ndarray] = {
        "meta": np.frombuffer(json.dumps(meta, sort_keys=True).encode("utf-8"), np.uint8),
        "feature_ids": model.feature_ids.astype(np.int32),
        "weights": model.weights.astype(np.float16),
        "bias": model.bias.astype(np.float32),
    }
    if idf is not None:
        arrays["idf"] = idf.astype(np.float16)  # fit_idf already rounds to float16: lossless
    for prefix, store in (("base", base), ("corr", corrections)):
        arrays[f"{prefix}_blob"] = store.blob
        arrays[f"{prefix}_offsets"] = store.offsets
        arrays[f"{prefix}_category"] = store.category.astype(np.int32)
        arrays[f"{prefix}_urgency"] = store.urgency.astype(np.int8)
        arrays[f"{prefix}_weight"] = store.weight
    fd, tmp = tempfile.mkstemp(prefix=path.name, suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            np.savez_compressed(fh, **arrays)  # type: ignore[arg-type]
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


@dataclass(frozen=True)
class LoadedModel:
    model: SoftmaxModel
    meta: dict[str, Any]
    base: ExampleStore
    corrections: ExampleStore
    idf: FloatArray | None = None


def load_model(path: Path, *, max_version: int, min_version: int = 1) -> LoadedModel:
    try:
        # open the file ourselves: np.load(path) leaks its handle when the zip structure is broken
        with open(path, "rb") as fh, np.load(fh, allow_pickle=False) as npz:
            arrays = {name: npz[name] for name in npz.files}
    except (OSError, ValueError, zipfile.BadZipFile, EOFError) as exc:
        raise ModelFormatError(f"{path}: not a readable model file ({exc})") from exc
    try:
        return _validated(arrays, max_version, min_version)
    except (KeyError, TypeError, ValueError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ModelFormatError(f"{path}: invalid model file ({exc!r})") from exc


def _validated(a: dict[str, np.ndarray], max_version: int, min_version: int) -> LoadedModel:
    meta = json.loads(_typed(a, "meta", "u").tobytes().decode("utf-8"))
    if not isinstance(meta, dict) or meta.get("format") != FORMAT_NAME:
        raise ValueError("not a local classifier model")
    if not isinstance(meta.get("version"), int) or not min_version <= meta["version"] <= max_version:
        raise ValueError(f"model version {meta.get('version')!r} is not supported "
                         f"({min_version} to {max_version}); rebuild it with the build_model script")
    categories = meta["categories"]
    if (not isinstance(categories, list) or not categories or len(set(categories)) != len(categories)
            or not all(isinstance(c, str) and c for c in categories)):
        raise ValueError("bad category list")
    n_features = int(meta["n_features"])
    head_sizes = tuple(int(s) for s in meta["head_sizes"])
    if head_sizes != (len(categories), len(Urgency)) or not 0 < n_features <= 2**27:
        raise ValueError("head sizes or feature space do not match the metadata")
    if len(meta["temperatures"]) != 2 or not all(0 < float(t) < 100 for t in meta["temperatures"]):
        raise ValueError("bad temperatures")
    feature_ids = _typed(a, "feature_ids", "i").astype(np.int32)
    weights = _typed(a, "weights", "f").astype(np.float32)
    bias = _typed(a, "bias", "f").astype(np.float32)
    if (weights.shape != (sum(head_sizes), len(feature_ids)) or bias.shape != (sum(head_sizes),)
            or not np.isfinite(weights).all() or not np.isfinite(bias).all()):
        raise ValueError("weight shapes do not match")
    if len(feature_ids) and (feature_ids.min() < 0 or feature_ids.max() >= n_features
                             or (np.diff(feature_ids) <= 0).any()):
        raise ValueError("feature ids out of range or unsorted")
    stores = [_store(a, prefix, tuple(categories)) for prefix in ("base", "corr")]
    model = SoftmaxModel(feature_ids, weights, bias, head_sizes, n_features)
    idf = None
    if "idf" in a:
        idf = _typed(a, "idf", "f").astype(np.float32)
        if idf.shape != (n_features,) or not np.isfinite(idf).all() or (idf <= 0).any():
            raise ValueError("idf does not match the feature space")
    if meta.get("memory") is not None:
        memory_config_from_json(meta["memory"])  # raises on nonsense
    return LoadedModel(model, meta, stores[0], stores[1], idf)


def _store(a: dict[str, np.ndarray], prefix: str, categories: tuple[str, ...]) -> ExampleStore:
    blob = _typed(a, f"{prefix}_blob", "u").astype(np.uint8)
    offsets = _typed(a, f"{prefix}_offsets", "i").astype(np.int64)
    category = _typed(a, f"{prefix}_category", "i").astype(np.int64)
    urgency = _typed(a, f"{prefix}_urgency", "i").astype(np.int64)
    weight = _typed(a, f"{prefix}_weight", "f").astype(np.float64)
    n = len(category)
    if (offsets.shape != (2 * n + 1,) or offsets[0] != 0 or offsets[-1] != len(blob)
            or (np.diff(offsets) < 0).any() or len(urgency) != n or len(weight) != n):
        raise ValueError(f"{prefix} examples are inconsistent")
    if n and (category.min() < 0 or category.max() >= len(categories) or urgency.min() < 0
              or urgency.max() >= len(Urgency) or (weight < 0).any() or not np.isfinite(weight).all()):
        raise ValueError(f"{prefix} example labels out of range")
    return ExampleStore(blob, offsets, category, urgency, weight, categories)


def _typed(a: dict[str, np.ndarray], name: str, kinds: str) -> np.ndarray:
    value = a[name]
    if value.dtype.kind not in kinds or value.ndim not in (1, 2):
        raise ValueError(f"array {name!r} has an unexpected type {value.dtype}")
    return value
