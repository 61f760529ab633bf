"""The offline local classifier, the default when no AI service is configured: hashed text features
(`features`) and a two-headed logistic regression (`softmax`) that predicts the category and the urgency
of a mail, with a calibrated confidence and a one-sentence rationale naming the strongest evidence words.

It learns from the operator: `with_corrections` retrains on the base examples plus the corrections and
returns a *new* instance. Instances are never mutated, so a model that another thread is reading stays
valid; the caller swaps its reference. Models are saved as numpy `.npz` (loaded with
allow_pickle=False) with JSON metadata inside: never pickle, since a model file may come from anywhere.
"""

from __future__ import annotations

import asyncio
import html
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import nh3
import numpy as np

from emailbot_gui.classify import local_io
from emailbot_gui.classify.features import FeatureConfig, FloatArray, HashingFeaturizer, SparseRows, fit_idf
from emailbot_gui.classify.local_io import ExampleStore, TrainingExample
from emailbot_gui.classify.local_rules import RATIONALE_SKIP, SPAM_CATEGORY, apply_cues, guess_language, rationale
from emailbot_gui.classify.neighbours import SKETCH_CHUNK, MemoryConfig, NeighbourMemory
from emailbot_gui.classify.softmax import Head, SoftmaxModel, TrainConfig, fit, fit_temperature, softmax
from emailbot_gui.core.categories import category_label
from emailbot_gui.core.types import Classification, Email, Urgency

__all__ = ["CORRECTION_WEIGHT", "LocalClassifier", "Prediction", "TrainingExample", "email_text"]

MODEL_VERSION = 2  # 2: idf weighting, separate word/character feature blocks, neighbour memory
CORRECTION_WEIGHT = 4.0  # an operator's correction counts as this many ordinary examples
INLINE_LIMIT = 16  # batches up to this size are classified on the loop (a few milliseconds)
PREDICT_CHUNK = 256
EXPLAIN_WORDS = 60  # distinct words per mail considered for the rationale
# Chosen on the demo corpus holdout (unseen wording) and 5-fold CV of a public ticket set: tf-idf rows,
# class-balanced losses (rare categories such as outages matter as much as common ones), enough epochs
# for the mini-batch optimiser to settle, light weight decay, feature dropout.
DEFAULT_TRAIN_CONFIG = TrainConfig(epochs=10, batch_size=64, learning_rate=0.03, head_weight_decay=(0.1, 0.05),
                                   class_balance=1.0, feature_dropout=0.3)
# A centred, sharply weighted vote (the closest few examples decide it), blended lightly into the category
# and strongly into the urgency: on the ticket set's CV it beat the plain, flatter vote for both heads.
DEFAULT_MEMORY = MemoryConfig(centred=True, power=8.0, blend=(0.2, 0.5))
URGENCIES: tuple[Urgency, ...] = tuple(Urgency)


@dataclass(frozen=True, slots=True)
class Prediction:
    category: str
    confidence: float  # probability of `category`
    urgency: Urgency
    urgency_confidence: float
    category_probs: Mapping[str, float]  # over the configured categories; sums to 1
    urgency_probs: Mapping[Urgency, float]
    evidence: tuple[str, ...]  # the words that spoke most for `category`, strongest first
    rationale: str
    language: str = ""


class LocalClassifier:
    """Implements the `Classifier` protocol. Build with `train` or `load`, never mutate."""

    name = "local"

    def __init__(self, model: SoftmaxModel, *, model_categories: Sequence[str], feature_config: FeatureConfig,
                 temperatures: tuple[float, float], base: ExampleStore, corrections: ExampleStore,
                 train_config: TrainConfig, categories: Sequence[str] | None = None, seed: int = 0,
                 featurizer: HashingFeaturizer | None = None, idf: FloatArray | None = None,
                 memory_config: MemoryConfig | None = None, memory: NeighbourMemory | None = None) -> None:
        self._model = model
        self.idf = idf
        self.memory_config = memory_config
        self._memory = memory
        self.model_categories = tuple(model_categories)
        self.feature_config = feature_config
        self.temperatures = temperatures
        self.train_config = train_config
        self.seed = seed
        self._base = base
        self._corrections = corrections
        self._featurizer = featurizer if featurizer is not None and featurizer.idf is idf else \
            HashingFeaturizer(feature_config, idf)
        # word -> its centred category weights, for rationales; filled lazily, race-tolerant
        self._push_cache: dict[str, np.ndarray] = {}
        self.categories = tuple(categories) if categories is not None else self.model_categories
        self._labels = [category_label(c) for c in self.categories]
        known = {c: i for i, c in enumerate(self.model_categories)}
        self._columns = np.array([known.get(c, -1) for c in self.categories], dtype=np.intp)
        if not (self._columns >= 0).any():
            raise ValueError("the model knows none of the configured categories "
                             f"({', '.join(self.categories)}); it knows {', '.join(self.model_categories)}")

    # -- building ---------------------------------------------------------------------------------
    @classmethod
    def train(cls, examples: Sequence[TrainingExample], *, categories: Sequence[str], seed: int = 0,
              feature_config: FeatureConfig | None = None, train_config: TrainConfig | None = None,
              calibrate: bool = True, memory: MemoryConfig | None = DEFAULT_MEMORY) -> LocalClassifier:
        """Fit a new classifier. With `calibrate`, a 15% split first fits the softmax temperatures that
        make the confidences honest probabilities; the final model is then fitted on everything.
        `memory=None` leaves out the neighbour memory (a purely linear model)."""
        cats = tuple(dict.fromkeys(categories))
        unknown = sorted({e.category for e in examples} - set(cats))
        if unknown:
            raise ValueError(f"examples use categories outside the configured set: {', '.join(unknown)}")
        feature_config = feature_config or FeatureConfig()
        train_config = train_config or DEFAULT_TRAIN_CONFIG
        base = ExampleStore.from_examples(examples, cats)
        plain = HashingFeaturizer(feature_config)
        raw = base.raw_features(plain)
        idf = fit_idf(raw, 2 * feature_config.n_features)
        featurizer = plain.with_idf(idf)
        x = featurizer.weigh(raw)
        temperatures = (1.0, 1.0)
        if calibrate and len(base) >= 100:
            rng = np.random.default_rng(seed + 1)
            held = np.zeros(len(base), bool)
            held[rng.permutation(len(base))[: max(20, len(base) * 15 // 100)]] = True
            fit_rows, held_rows = np.flatnonzero(~held), np.flatnonzero(held)
            probe = _fit(x.take(fit_rows), base, fit_rows, len(cats), feature_config, train_config, seed)
            probe_memory = _memory(x.take(fit_rows), base, fit_rows, len(cats), memory, feature_config)
            held_x = x.take(held_rows)
            cat_scores, urg_scores = _head_log_probs(probe, held_x, probe_memory)
            temperatures = (fit_temperature(cat_scores, base.category[held_rows]),
                            fit_temperature(urg_scores, base.urgency[held_rows]))
        model = _fit(x, base, np.arange(len(base)), len(cats), feature_config, train_config, seed)
        return cls(model, model_categories=cats, feature_config=feature_config, temperatures=temperatures,
                   base=base, corrections=ExampleStore.empty(), train_config=train_config, seed=seed,
                   featurizer=featurizer, idf=idf, memory_config=memory,
                   memory=_memory(x, base, np.arange(len(base)), len(cats), memory, feature_config))

    def with_corrections(self, corrections: Sequence[TrainingExample]) -> LocalClassifier:
        """A new classifier trained on the base examples plus `corrections`, each weighted
        CORRECTION_WEIGHT times. `corrections` is the complete set to apply: it replaces, not adds to,
        the corrections an earlier call applied, so the caller can always pass everything it has.
        A correction may name a category the model has not seen; the model then learns it."""
        cats = tuple(dict.fromkeys(self.model_categories + tuple(c.category for c in corrections)))
        base = self._base.with_categories(cats)
        extra = ExampleStore.from_examples(corrections, cats, weight_factor=CORRECTION_WEIGHT)
        both = ExampleStore.concat(base, extra)
        raw = SparseRows.concat([base.raw_features(self._featurizer), extra.raw_features(self._featurizer)])
        idf = fit_idf(raw, 2 * self.feature_config.n_features)
        featurizer = self._featurizer.with_idf(idf)
        x = featurizer.weigh(raw)
        rows = np.arange(len(both))
        model = _fit(x, both, rows, len(cats), self.feature_config, self.train_config, self.seed)
        configured = None if self.categories == self.model_categories else self.categories
        return LocalClassifier(model, model_categories=cats, feature_config=self.feature_config,
                               temperatures=self.temperatures, base=base, corrections=extra,
                               train_config=self.train_config, categories=configured, seed=self.seed,
                               featurizer=featurizer, idf=idf, memory_config=self.memory_config,
                               memory=_memory(x, both, rows, len(cats), self.memory_config, self.feature_config))

    async def retrained(self, corrections: Sequence[TrainingExample]) -> LocalClassifier:
        """`with_corrections` on an executor thread: retraining takes seconds."""
        return await asyncio.get_running_loop().run_in_executor(None, self.with_corrections,
                                                                tuple(corrections))

    def with_categories(self, categories: Sequence[str]) -> LocalClassifier:
        """The same model answering over another configured category set: categories the model does
        not know get no probability mass, and the ones it knows but are not configured are dropped."""
        return LocalClassifier(self._model, model_categories=self.model_categories,
                               feature_config=self.feature_config, temperatures=self.temperatures,
                               base=self._base, corrections=self._corrections,
                               train_config=self.train_config, categories=categories, seed=self.seed,
                               featurizer=self._featurizer, idf=self.idf, memory_config=self.memory_config,
                               memory=self._memory)

    def __reduce__(self) -> tuple[Any, ...]:
        """Pickled (for the classification worker process) without the caches and the neighbour memory,
        which the receiving process rebuilds: a few MB instead of tens."""
        return (_rebuilt, (self._model, {
            "model_categories": self.model_categories, "feature_config": self.feature_config,
            "temperatures": self.temperatures, "base": self._base, "corrections": self._corrections,
            "train_config": self.train_config, "categories": self.categories, "seed": self.seed, "idf": self.idf,
            "memory_config": self.memory_config}))

    # -- persistence ------------------------------------------------------------------------------
    def save(self, path: Path) -> None:
        """Write the model (base examples included, so a loaded model can still learn corrections)."""
        local_io.save_model(path, model=self._model, meta={
            "version": MODEL_VERSION, "categories": list(self.model_categories),
            "urgencies": [u.name for u in URGENCIES], "feature_config": self.feature_config.to_json(),
            "train_config": local_io.train_config_to_json(self.train_config),
            "temperatures": list(self.temperatures), "example_count": len(self._base),
            "correction_count": len(self._corrections), "seed": self.seed,
            "memory": None if self.memory_config is None else local_io.memory_config_to_json(self.memory_config),
        }, base=self._base, corrections=self._corrections, idf=self.idf)

    @classmethod
    def load(cls, path: Path, *, categories: Sequence[str] | None = None) -> LocalClassifier:
        """Load a model saved by `save`; raises `local_io.ModelFormatError` for anything else."""
        loaded = local_io.load_model(Path(path), min_version=MODEL_VERSION, max_version=MODEL_VERSION)
        meta = loaded.meta
        memory = meta.get("memory")
        return cls(loaded.model, model_categories=meta["categories"],
                   feature_config=FeatureConfig.from_json(meta["feature_config"]),
                   temperatures=(float(meta["temperatures"][0]), float(meta["temperatures"][1])),
                   base=loaded.base, corrections=loaded.corrections,
                   train_config=local_io.train_config_from_json(meta.get("train_config", {})),
                   categories=categories, seed=int(meta.get("seed", 0)), idf=loaded.idf,
                   memory_config=None if memory is None else local_io.memory_config_from_json(memory))

    # -- predicting -------------------------------------------------------------------------------
    @property
    def description(self) -> str:
        extra = f" + {len(self._corrections)} corrections" if len(self._corrections) else ""
        return f"local-v{MODEL_VERSION} ({len(self._base)} examples{extra})"

    @property
    def example_count(self) -> int:
        return len(self._base)

    @property
    def memory(self) -> NeighbourMemory | None:
        """The neighbour memory, built on first use after loading (a race only builds it twice)."""
        if self._memory is None and self.memory_config is not None:
            both = ExampleStore.concat(self._base, self._corrections.with_categories(self._base.categories))
            texts, featurizer = both.texts(), self._featurizer
            chunks = (featurizer.transform(texts[i:i + SKETCH_CHUNK]) for i in range(0, len(texts), SKETCH_CHUNK))
            self._memory = _memory(chunks, both, np.arange(len(both)), len(self.model_categories),
                                   self.memory_config, self.feature_config)
        return self._memory

    def predict(self, texts: Sequence[tuple[str, str]]) -> list[Prediction]:
        """Predict (subject, body) pairs. Pure CPU work: call it off the event loop for big batches."""
        results: list[Prediction] = []
        # Chunks keep the temporaries (features x classes) small: allocating hundreds of MB for a large
        # batch costs more in page faults than the arithmetic itself.
        for start in range(0, len(texts), PREDICT_CHUNK):
            results.extend(self._predict_chunk(texts[start:start + PREDICT_CHUNK]))
        return results

    def _predict_chunk(self, texts: Sequence[tuple[str, str]]) -> list[Prediction]:
        words: list[list[str]] = []
        x = self._featurizer.transform(texts, words_out=words)
        lengths = np.diff(x.indptr)
        cat_scores, urg_scores = _head_log_probs(self._model, x, self.memory)
        cat_probs = self._category_probs(cat_scores)
        urg_probs = softmax(urg_scores, self.temperatures[1])
        chosen = cat_probs.argmax(axis=1)

        explained = self._explain(words, chosen, lengths)
        word_sets = [set(ws) for ws in words]
        urg_probs, urgencies = apply_cues(urg_probs, word_sets, texts, [self.categories[c] for c in chosen])
        cat_rows, urg_rows = cat_probs.tolist(), urg_probs.tolist()
        labels = self._labels
        results = []
        for i, c in enumerate(chosen.tolist()):
            category, evidence, u = self.categories[c], explained[i], urgencies[i]
            results.append(Prediction(
                category=category, confidence=_unit(cat_rows[i][c]),
                urgency=URGENCIES[u], urgency_confidence=_unit(urg_rows[i][u]),
                category_probs=dict(zip(self.categories, cat_rows[i], strict=True)),
                urgency_probs=dict(zip(URGENCIES, urg_rows[i], strict=True)),
                evidence=evidence, rationale=rationale(evidence, labels[c]),
                language=guess_language(word_sets[i])))
        return results

    async def classify(self, emails: Sequence[Email]) -> list[Classification]:
        if not emails:
            return []
        if len(emails) <= INLINE_LIMIT and (self._memory is not None or self.memory_config is None):
            return self.classify_now(emails)  # the first call after loading builds the memory: executor
        return await asyncio.get_running_loop().run_in_executor(None, self.classify_now, tuple(emails))

    def classify_now(self, emails: Sequence[Email]) -> list[Classification]:
        """`classify`, on the calling thread."""
        predictions = self.predict([(e.subject, email_text(e)) for e in emails])
        model = self.description
        return [Classification(category=p.category, urgency=p.urgency, confidence=p.confidence,
                               rationale=p.rationale, model=model, language=e.language_hint or p.language,
                               flags=("phishing-suspect",) if p.category == SPAM_CATEGORY else ())
                for e, p in zip(emails, predictions, strict=True)]

    def _category_probs(self, raw: np.ndarray) -> np.ndarray:
        """Softmax over the configured categories the model knows; unknown ones get exactly zero."""
        known = self._columns >= 0
        probs = np.zeros((raw.shape[0], len(self.categories)))
        probs[:, known] = softmax(raw[:, self._columns[known]], self.temperatures[0])
        return probs

    def _explain(self, words: Sequence[Sequence[str]], chosen: np.ndarray,
                 lengths: np.ndarray) -> list[tuple[str, ...]]:
        """Per mail, up to three words that pushed it most towards its chosen category. A word's push is
        the weight its unigram and its character n-grams give the category over the average category;
        per-word figures are cached, and the scoring runs for the whole chunk at once."""
        # the first words (subject first) name the problem; capping them bounds the cost of long mails
        skip = RATIONALE_SKIP
        candidates = [[w for w in ws[:EXPLAIN_WORDS] if len(w) > 2 and w not in skip] for ws in words]
        vocab = {w: j for j, w in enumerate(dict.fromkeys(w for ws in candidates for w in ws))}
        if not vocab:
            return [()] * len(words)
        table = self._word_pushes(list(vocab))  # (vocab, 2, category columns)
        counts = np.array([len(c) for c in candidates])
        doc = np.repeat(np.arange(len(candidates)), counts)
        rows = np.fromiter((vocab[w] for ws in candidates for w in ws), np.intp, int(counts.sum()))
        columns = self._columns[chosen][doc]
        # a word-block value outweighs a character-block value by about sqrt(#chars / #words)
        n_word_values = 2 * np.array([len(ws) for ws in words])
        char_scale = np.sqrt(n_word_values / np.maximum(1, lengths - n_word_values))[doc]
        score = table[rows, 0, columns] + char_scale * table[rows, 1, columns]
        order = np.lexsort((-score, doc)).tolist()  # by mail, strongest first
        score_list = score.tolist()
        flat = [w for ws in candidates for w in ws]
        out: list[tuple[str, ...]] = []
        start = 0
        for n in counts.tolist():
            top = order[start:start + 3]
            out.append(tuple(flat[j] for j in top if score_list[j] > 0))
            start += n
        return out

    def _word_pushes(self, words: Sequence[str]) -> np.ndarray:
        """(len(words), 2, category columns): unigram and summed character n-gram weights, centred.
        Reads and fills the cache without assuming it stays the same (another thread may replace it)."""
        cache = self._push_cache
        found: dict[str, np.ndarray] = {w: cache[w] for w in words if w in cache}
        missing = [w for w in words if w not in found]
        if missing:
            keys = [self._featurizer.word_keys(w) for w in missing]
            flat = np.concatenate(keys)
            weights = self._model.columns_for(flat)[self._model.head_slices[0]]
            weights -= weights.mean(axis=0)
            starts = np.cumsum([0] + [len(k) for k in keys[:-1]])
            sums = np.add.reduceat(weights, starts, axis=1)  # unigram + characters, per word
            if len(cache) > 100_000:  # a safety valve for a console that runs for months
                self._push_cache = cache = {}
            for j, w in enumerate(missing):
                uni = weights[:, starts[j]]
                found[w] = cache[w] = np.stack([uni, sums[:, j] - uni])
        return np.stack([found[w] for w in words])


def _rebuilt(model: SoftmaxModel, kwargs: dict[str, Any]) -> LocalClassifier:
    return LocalClassifier(model, **kwargs)


def _fit(x: SparseRows, store: ExampleStore, rows: np.ndarray, n_categories: int,
         feature_config: FeatureConfig, train_config: TrainConfig, seed: int) -> SoftmaxModel:
    heads = [Head(store.category[rows], n_categories), Head(store.urgency[rows], len(URGENCIES))]
    model = fit(x, heads, 2 * feature_config.n_features, sample_weight=store.weight[rows], config=train_config,
                seed=seed)
    return local_io.quantised(model)


def _memory(x: SparseRows | Iterable[SparseRows], store: ExampleStore, rows: np.ndarray, n_categories: int,
            config: MemoryConfig | None, feature_config: FeatureConfig) -> NeighbourMemory | None:
    if config is None:
        return None
    return NeighbourMemory(x, [store.category[rows], store.urgency[rows]], [n_categories, len(URGENCIES)],
                           store.weight[rows], config, word_features=feature_config.n_features)


def _head_log_probs(model: SoftmaxModel, x: SparseRows, memory: NeighbourMemory | None
                    ) -> tuple[np.ndarray, np.ndarray]:
    """Per head, the linear model's log-probabilities, blended with the neighbour vote when there is a
    memory. Temperatures are applied by the caller (they were fitted on exactly these scores)."""
    scores = model.scores(x).astype(np.float64)
    heads = [scores[:, s] - _logsumexp(scores[:, s]) for s in model.head_slices]
    if memory is not None:
        heads = memory.blend(heads, x)
    return heads[0], heads[1]


def _logsumexp(z: np.ndarray) -> np.ndarray:
    top: np.ndarray = z.max(axis=1, keepdims=True)
    total: np.ndarray = np.log(np.exp(z - top).sum(axis=1, keepdims=True))
    out: np.ndarray = top + total
    return out


def email_text(email: Email) -> str:
    """The readable body: the text part, or the HTML part reduced to its text."""
    if email.body_text.strip() or not email.body_html:
        return email.body_text
    # nh3 with no allowed tags keeps only text (script/style content dropped); entities stay escaped
    return html.unescape(nh3.clean(email.body_html, tags=set()))


def _unit(p: float) -> float:
    return min(1.0, max(0.0, float(p)))
