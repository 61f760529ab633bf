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
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import nh3
import numpy as np

from emailbot_gui.classify import local_io
from emailbot_gui.classify.features import FeatureConfig, HashingFeaturizer, SparseRows
from emailbot_gui.classify.local_io import ExampleStore, TrainingExample
from emailbot_gui.classify.softmax import Head, SoftmaxModel, TrainConfig, fit, fit_temperature, softmax
from emailbot_gui.core.categories import category_label
from emailbot_gui.core.types import Classification, Email, Urgency

__all__ = ["CORRECTION_WEIGHT", "LocalClassifier", "Prediction", "TrainingExample"]

MODEL_VERSION = 1
CORRECTION_WEIGHT = 4.0  # an operator's correction counts as this many ordinary examples
INLINE_LIMIT = 16  # batches up to this size are classified on the loop (a few milliseconds)
PREDICT_CHUNK = 256
EXPLAIN_WORDS = 60  # distinct words per mail considered for the rationale
# Chosen on the demo corpus holdout (unseen wording) and 5-fold CV of a public ticket set: strong
# regularisation of the category head generalises best; the urgency head wants a light touch.
DEFAULT_TRAIN_CONFIG = TrainConfig(epochs=4, batch_size=64, learning_rate=0.03, head_weight_decay=(0.3, 0.05))
SPAM_CATEGORY = "spam_phishing"
URGENCIES: tuple[Urgency, ...] = tuple(Urgency)


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


# Urgency floors for unambiguous wording, in the languages the console sees. The learned head decides
# between the levels above a floor. Each floor is a judgement, kept deliberately small: a mail about a
# breach or a whole site being down is never low priority, whatever the wording around it; a sender who
# calls a mail urgent is at least not LOW ("not urgent" is excluded by the lookbehinds).
_CUES: tuple[tuple[frozenset[str], re.Pattern[str], Urgency], ...] = (
    (_words("production security data ransomware users nobody whole produktion sicherheitsvorfall niemand "
            "alle tous personne fuite todos nadie brecha gebruikers datalek"),
     re.compile(r"\b(?:production (?:is |went )?down|security (?:breach|incident)|data (?:breach|leak)"
                r"|ransomware|all users|nobody can work|whole (?:company|site|office) is down"
                r"|produktion steht|sicherheitsvorfall|niemand kann arbeiten|alle (?:benutzer|nutzer)"
                r"|tous les utilisateurs|personne ne peut travailler|fuite de données"
                r"|todos los usuarios|nadie puede trabajar|brecha de seguridad"
                r"|alle gebruikers|niemand kan werken|datalek)\b"), Urgency.HIGH),
    (_words("urgent dringend urgente spoed"),
     re.compile(r"(?<!not )(?<!n't )(?<!no )(?<!nicht )(?<!pas )(?<!niet )"
                r"\b(?:urgent|dringend|urgente|spoed)\b"), Urgency.MEDIUM),
)
_STOPWORDS: Mapping[str, frozenset[str]] = {
    "en": _words("the and you for this that with have are not please can our from but was"),
    "de": _words("der die das und ich nicht mit ist sie bitte wir ein eine auf für den"),
    "fr": _words("les des est pas vous nous une pour que dans avec sur mon je le la"),
    "es": _words("los las que por una para con del nos mi el está no es favor"),
    "nl": _words("het een van ik niet met voor zijn wij op dat ook graag de en"),
}
_RATIONALE_SKIP = frozenset().union(*_STOPWORDS.values()) | {"_num_", "_url_", "_email_"}


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
                 featurizer: HashingFeaturizer | None = None) -> None:
        self._model = model
        self.model_categories = tuple(model_categories)
        self.feature_config = feature_config
        self.temperatures = temperatures
        self.train_config = train_config
        self.seed = seed
        self._base = base
        self._corrections = corrections
        self._featurizer = featurizer or HashingFeaturizer(feature_config)
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
              calibrate: bool = True) -> LocalClassifier:
        """Fit a new classifier. With `calibrate`, a 15% split first fits the softmax temperatures that
        make the confidences honest probabilities; the final model is then fitted on everything."""
        cats = tuple(dict.fromkeys(categories))
        unknown = sorted({e.category for e in examples} - set(cats))
        if unknown:
            raise ValueError(f"examples use categories outside the configured set: {', '.join(unknown)}")
        feature_config = feature_config or FeatureConfig()
        train_config = train_config or DEFAULT_TRAIN_CONFIG
        featurizer = HashingFeaturizer(feature_config)
        base = ExampleStore.from_examples(examples, cats)
        x = base.features(featurizer)
        temperatures = (1.0, 1.0)
        if calibrate and len(base) >= 100:
            rng = np.random.default_rng(seed + 1)
            held = np.zeros(len(base), bool)
            held[rng.permutation(len(base))[: max(20, len(base) * 15 // 100)]] = True
            fit_rows, held_rows = np.flatnonzero(~held), np.flatnonzero(held)
            probe = _fit(x.take(fit_rows), base, fit_rows, len(cats), feature_config, train_config, seed)
            scores = probe.scores(x.take(held_rows))
            slices = probe.head_slices
            temperatures = (fit_temperature(scores[:, slices[0]], base.category[held_rows]),
                            fit_temperature(scores[:, slices[1]], base.urgency[held_rows]))
        model = _fit(x, base, np.arange(len(base)), len(cats), feature_config, train_config, seed)
        return cls(model, model_categories=cats, feature_config=feature_config, temperatures=temperatures,
                   base=base, corrections=ExampleStore.empty(), train_config=train_config, seed=seed,
                   featurizer=featurizer)

    def with_corrections(self, corrections: Sequence[TrainingExample]) -> LocalClassifier:
        """A new classifier trained on the base examples plus `corrections`, each weighted
        CORRECTION_WEIGHT times. `corrections` is the complete set to apply: it replaces, not adds to,
        the corrections an earlier call applied, so the caller can always pass everything it has.
        A correction may name a category the model has not seen; the model then learns it."""
        cats = tuple(dict.fromkeys(self.model_categories + tuple(c.category for c in corrections)))
        base = self._base.with_categories(cats)
        extra = ExampleStore.from_examples(corrections, cats, weight_factor=CORRECTION_WEIGHT)
        both = ExampleStore.concat(base, extra)
        x = SparseRows.concat([base.features(self._featurizer), extra.features(self._featurizer)])
        model = _fit(x, both, np.arange(len(both)), len(cats), self.feature_config, self.train_config,
                     self.seed)
        configured = None if self.categories == self.model_categories else self.categories
        return LocalClassifier(model, model_categories=cats, feature_config=self.feature_config,
                               temperatures=self.temperatures, base=base, corrections=extra,
                               train_config=self.train_config, categories=configured, seed=self.seed,
                               featurizer=self._featurizer)

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
                               featurizer=self._featurizer)

    # -- persistence ------------------------------------------------------------------------------
    def save(self, path: Path) -> None:
        """Write the model (base examples included, so a loaded model can still learn corrections)."""
        local_io.save_model(path, model=self._model, meta={
            "version": MODEL_VERSION, "categories": list(self.model_categories),
            "urgencies": [u.name for u in URGENCIES], "feature_config": self.feature_config.to_json(),
            "train_config": local_io.train_config_to_json(self.train_config),
            "temperatures": list(self.temperatures), "example_count": len(self._base),
            "correction_count": len(self._corrections), "seed": self.seed,
        }, base=self._base, corrections=self._corrections)

    @classmethod
    def load(cls, path: Path, *, categories: Sequence[str] | None = None) -> LocalClassifier:
        """Load a model saved by `save`; raises `local_io.ModelFormatError` for anything else."""
        loaded = local_io.load_model(Path(path), max_version=MODEL_VERSION)
        meta = loaded.meta
        return cls(loaded.model, model_categories=meta["categories"],
                   feature_config=FeatureConfig.from_json(meta["feature_config"]),
                   temperatures=(float(meta["temperatures"][0]), float(meta["temperatures"][1])),
                   base=loaded.base, corrections=loaded.corrections,
                   train_config=local_io.train_config_from_json(meta.get("train_config", {})),
                   categories=categories, seed=int(meta.get("seed", 0)))

    # -- predicting -------------------------------------------------------------------------------
    @property
    def description(self) -> str:
        extra = f" + {len(self._corrections)} corrections" if len(self._corrections) else ""
        return f"local-v{MODEL_VERSION} ({len(self._base)} examples{extra})"

    @property
    def example_count(self) -> int:
        return len(self._base)

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
        contrib = self._model.columns_for(x.indices)
        contrib *= x.data
        scores = np.tile(self._model.bias, (len(x), 1))
        lengths = np.diff(x.indptr)
        nonempty = np.flatnonzero(lengths > 0)
        if len(nonempty):
            scores[nonempty] += np.add.reduceat(contrib, x.indptr[:-1][nonempty], axis=1).T
        cat_slice, urg_slice = self._model.head_slices
        cat_probs = self._category_probs(scores[:, cat_slice])
        urg_probs = softmax(scores[:, urg_slice], self.temperatures[1])
        chosen = cat_probs.argmax(axis=1)

        explained = self._explain(words, chosen, lengths)
        word_sets = [set(ws) for ws in words]
        urg_probs, urgencies = _apply_cues(urg_probs, word_sets, texts, [self.categories[c] for c in chosen])
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
                evidence=evidence, rationale=_rationale(evidence, labels[c]),
                language=_guess_language(word_sets[i])))
        return results

    async def classify(self, emails: Sequence[Email]) -> list[Classification]:
        if not emails:
            return []
        if len(emails) <= INLINE_LIMIT:
            return self._classify_now(emails)
        return await asyncio.get_running_loop().run_in_executor(None, self._classify_now, tuple(emails))

    def _classify_now(self, emails: Sequence[Email]) -> list[Classification]:
        predictions = self.predict([(e.subject, _body_text(e)) for e in emails])
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
        skip = _RATIONALE_SKIP
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
            flat = np.concatenate(keys) % self.feature_config.n_features
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


def _fit(x: SparseRows, store: ExampleStore, rows: np.ndarray, n_categories: int,
         feature_config: FeatureConfig, train_config: TrainConfig, seed: int) -> SoftmaxModel:
    heads = [Head(store.category[rows], n_categories), Head(store.urgency[rows], len(URGENCIES))]
    model = fit(x, heads, feature_config.n_features, sample_weight=store.weight[rows], config=train_config,
                seed=seed)
    return local_io.quantised(model)


def _apply_cues(probs: np.ndarray, words: Sequence[set[str]], texts: Sequence[tuple[str, str]],
                categories: Sequence[str]) -> tuple[np.ndarray, list[int]]:
    """The learned urgency, raised to the floor of any cue found. Probability mass below a floor is
    dropped and the rest renormalised, so the confidence stays a probability. A cue's regex runs only
    when one of its anchor words is in the mail: most mails have none, and this runs for every mail."""
    probs = np.array(probs, dtype=np.float64)
    for i, (ws, (subject, body), category) in enumerate(zip(words, texts, categories, strict=True)):
        if category in (SPAM_CATEGORY, "out_of_office"):  # "URGENT: verify your mailbox" is bait
            continue
        floor = Urgency.LOW
        text = ""
        for anchors, pattern, level in _CUES:
            if level > floor and not anchors.isdisjoint(ws):
                text = text or f"{subject}\n{body}".casefold()
                if pattern.search(text):
                    floor = level
        if floor > Urgency.LOW and probs[i, floor.value - 1:].sum() > 0:
            probs[i, : floor.value - 1] = 0.0
            probs[i] /= probs[i].sum()
    return probs, probs.argmax(axis=1).tolist()


def _rationale(evidence: Sequence[str], label: str) -> str:
    if not evidence:
        return f"No strong keywords; closest match is {label}."
    quoted = ", ".join(f"'{w}'" for w in evidence)
    return f"Mentions {quoted} — typical of {label}."


def _guess_language(words: set[str]) -> str:
    hits = {lang: len(stop & words) for lang, stop in _STOPWORDS.items()}
    lang, best = max(hits.items(), key=lambda kv: kv[1])
    return lang if best >= 2 else ""


def _body_text(email: Email) -> str:
    if email.body_text.strip() or not email.body_html:
        return email.body_text
    # nh3 with no allowed tags keeps only text (script/style content dropped); entities stay escaped
    return html.unescape(nh3.clean(email.body_html, tags=set()))


def _unit(p: float) -> float:
    return min(1.0, max(0.0, float(p)))
