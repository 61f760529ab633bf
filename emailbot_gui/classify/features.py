"""Text featurizer for the local classifier: normalised words, word bigrams and in-word character
n-grams, hashed into a fixed space and returned as sparse rows (CSR arrays).

Why this shape:
- Hashing needs no vocabulary, so a model trained on one corpus accepts any text, and corrections can be
  learned without refitting a vocabulary. The hash is zlib.crc32 (stable across runs and machines),
  never Python's salted hash().
- Character n-grams (3-5, inside word boundaries) let "passwort", "mot de passe" and "pasword" share
  evidence with "password", which matters for the German/French/Spanish/Dutch mail and for typos.
- Every word's hashed features are computed once and cached, so transform is O(tokens) in practice.
- Quoted history ("> ..." lines, "On ... wrote:" tails) is dropped: it describes an older message.
- Subject words count `subject_weight` times; tf is sublinear (1 + log count); words+bigrams and
  character n-grams are L2-normalised as two blocks, so neither drowns the other.
- SHOUTED words and "!!!" become tokens of their own: lower-casing would erase an urgency signal.
"""

from __future__ import annotations

import math
import re
import zlib
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

IntArray = npt.NDArray[np.int32]
FloatArray = npt.NDArray[np.float32]

URL_TOKEN = "_url_"
EMAIL_TOKEN = "_email_"
NUMBER_TOKEN = "_num_"
SHOUT_TOKEN = "_shout_"
BANG_TOKEN = "_bang_"

_QUOTED_LINE = re.compile(r"^[ \t]*>.*$", re.MULTILINE)
# The start of a quoted earlier message, in the languages the console sees most. Everything after it is
# history. The "On ... wrote:" line is often wrapped over two lines by the sending client.
_REPLY_HEADER = re.compile(
    r"^[ \t]*(?:"
    r"on\b[^\n]{0,200}?(?:\n[^\n]{0,200}?)?\bwrote:"
    r"|am\b[^\n]{0,200}?(?:\n[^\n]{0,200}?)?\bschrieb[^\n]{0,60}:"
    r"|le\b[^\n]{0,200}?(?:\n[^\n]{0,200}?)?\ba écrit\s*:"
    r"|el\b[^\n]{0,200}?(?:\n[^\n]{0,200}?)?\bescribió\s*:"
    r"|op\b[^\n]{0,200}?(?:\n[^\n]{0,200}?)?\bschreef[^\n]{0,60}:"
    r"|-{2,}\s*(?:original message|ursprüngliche nachricht|message d'origine|mensaje original"
    r"|oorspronkelijk bericht)"
    r")",
    re.MULTILINE,
)
_URL = re.compile(r"(?:https?://|www\.)\S+")
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_NUMBER = re.compile(r"\b\d[\d.,:/-]*\b")
_WORD = re.compile(r"\w+")
_SHOUTED = re.compile(r"\b[A-ZÄÖÜÉÈ]{4,}\b")  # 4+: leaves acronyms such as VPN, ERP and SAP alone
_BANGS = re.compile(r"!+")

# An odd multiplier (< 2**31, so products of 32-bit hashes stay within int64) that combines two word
# hashes into a bigram hash in numpy: cheaper than hashing the joined string, and just as stable.
_MIX = 0x5BD1E995


@dataclass(frozen=True, slots=True)
class FeatureConfig:
    """Everything that changes the feature space; stored with a model so it is rebuilt identically."""

    n_features: int = 2**18
    char_min: int = 3
    char_max: int = 5
    subject_weight: int = 2  # a subject word counts as this many body words (an integer: see transform)
    word_block_weight: float = 1.0  # words+bigrams vs character n-grams, each L2-normalised first
    char_block_weight: float = 1.0
    bigrams: bool = True
    shape_tokens: bool = True  # _shout_ / _bang_ tokens for SHOUTED words and exclamation marks
    max_chars: int = 6000  # of body text: the signal is early, and huge mails must stay cheap
    max_word_len: int = 30  # longer "words" are hashes, tokens or base64 junk: no char n-grams

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> FeatureConfig:
        known = {k: data[k] for k in cls.__dataclass_fields__ if k in data}
        return cls(**known)


@dataclass(frozen=True, slots=True)
class SparseRows:
    """Rows of a sparse matrix in CSR form: row i is indices[indptr[i]:indptr[i+1]] with data."""

    indptr: npt.NDArray[np.int64]
    indices: IntArray
    data: FloatArray

    def __len__(self) -> int:
        return len(self.indptr) - 1

    def take(self, rows: npt.NDArray[np.int64] | Sequence[int]) -> SparseRows:
        rows = np.asarray(rows, dtype=np.int64)
        starts, ends = self.indptr[rows], self.indptr[rows + 1]
        lengths = ends - starts
        indptr = np.zeros(len(rows) + 1, dtype=np.int64)
        np.cumsum(lengths, out=indptr[1:])
        # positions of every kept element, built without a Python loop over the rows
        pos = np.repeat(starts - indptr[:-1], lengths) + np.arange(indptr[-1], dtype=np.int64)
        return SparseRows(indptr, self.indices[pos], self.data[pos])

    @staticmethod
    def concat(parts: Iterable[SparseRows]) -> SparseRows:
        parts = list(parts)
        if not parts:
            return SparseRows(np.zeros(1, np.int64), np.zeros(0, np.int32), np.zeros(0, np.float32))
        offsets = np.cumsum([0] + [int(p.indptr[-1]) for p in parts[:-1]])
        tails = [p.indptr[1:] + off for p, off in zip(parts, offsets, strict=True)]
        indptr = np.concatenate([parts[0].indptr[:1], *tails])
        return SparseRows(indptr.astype(np.int64), np.concatenate([p.indices for p in parts]),
                          np.concatenate([p.data for p in parts]))

    def scaled_rows(self, factors: npt.NDArray[np.float32]) -> SparseRows:
        return SparseRows(self.indptr, self.indices,
                          (self.data * np.repeat(factors, np.diff(self.indptr))).astype(np.float32))


def normalise(text: str, *, quoted: bool = True) -> str:
    """Lower-cased text without quoted history, with URLs, addresses and numbers collapsed to tokens.
    The cheap `in` checks skip regexes that cannot match: this runs for every mail."""
    if quoted and ">" in text:
        text = _QUOTED_LINE.sub(" ", text)
    text = text.casefold()
    if quoted and ":" in text:
        match = _REPLY_HEADER.search(text)
        if match and match.start() > 0:  # a mail that is *only* a forwarded header keeps its text
            text = text[: match.start()]
    if "://" in text or "www." in text:
        text = _URL.sub(f" {URL_TOKEN} ", text)
    if "@" in text:
        text = _EMAIL.sub(f" {EMAIL_TOKEN} ", text)
    return _NUMBER.sub(f" {NUMBER_TOKEN} ", text)


def tokenize(text: str) -> list[str]:
    return _WORD.findall(text)


def _shape_tokens(text: str) -> list[str]:
    """Tokens for what lower-casing and tokenizing erase but urgency shows: SHOUTED words and "!!!"."""
    if "!" not in text and not _SHOUTED.search(text):
        return []
    shouted = min(3, len(_SHOUTED.findall(text)))
    bangs = min(3, len(_BANGS.findall(text)))
    return [SHOUT_TOKEN] * shouted + [BANG_TOKEN] * bangs


def _crc(namespace: str, token: str) -> int:
    return zlib.crc32(f"{namespace}\x00{token}".encode("utf-8", "surrogatepass"))


class HashingFeaturizer:
    """Turns (subject, body) pairs into L2-normalised sparse rows. Safe to share between threads: the
    only state is a cache of per-word hashes, and a lost or duplicated cache entry is harmless."""

    _CACHE_LIMIT = 200_000  # words; about 20 MB of arrays

    def __init__(self, config: FeatureConfig | None = None, idf: FloatArray | None = None) -> None:
        self.config = config or FeatureConfig()
        if idf is not None and len(idf) != 2 * self.config.n_features:
            raise ValueError("idf needs one value per feature (2 * n_features)")
        self.idf = idf
        self._cache: dict[str, tuple[int, IntArray]] = {}
        self._norm = math.hypot(self.config.word_block_weight, self.config.char_block_weight) or 1.0

    # -- per-word features ---------------------------------------------------------------------
    def _entry(self, word: str) -> tuple[int, IntArray]:
        """(raw 32-bit word hash, indices of the word's unigram and character n-grams); the character
        indices are offset by n_features, so the two blocks never collide."""
        hit = self._cache.get(word)
        if hit is not None:
            return hit
        cfg = self.config
        n = cfg.n_features
        whash = _crc("w", word)
        grams: set[str] = set()
        if len(word) <= cfg.max_word_len:
            padded = f" {word} "
            grams = {padded[i:i + k] for k in range(cfg.char_min, cfg.char_max + 1)
                     for i in range(len(padded) - k + 1)}
        keys = np.array([whash % n] + [n + _crc("c", g) % n for g in grams], dtype=np.int32)
        if len(self._cache) >= self._CACHE_LIMIT:  # bounded memory on a long-running console
            self._cache = {}
        entry = (whash, keys)
        self._cache[word] = entry
        return entry

    def word_keys(self, word: str) -> IntArray:
        """The feature indices a word contributes: its unigram, then its character n-grams."""
        return self._entry(word)[1]

    # -- documents ------------------------------------------------------------------------------
    def tokens(self, subject: str, body: str) -> tuple[list[str], list[str]]:
        cfg = self.config
        body = body[: cfg.max_chars * 2]
        subj_tokens = tokenize(normalise(subject, quoted=False))
        body_tokens = tokenize(normalise(body)[: cfg.max_chars])
        if cfg.shape_tokens:
            subj_tokens.extend(_shape_tokens(subject))
            body_tokens.extend(_shape_tokens(body))
        return subj_tokens, body_tokens

    def raw_one(self, subject: str, body: str, words_out: list[list[str]] | None = None
                ) -> tuple[IntArray, FloatArray]:
        """Sorted feature indices and their sublinear tf (1 + log count), before idf and normalisation.
        Word and bigram indices lie in [0, n_features), character n-grams in [n_features, 2 n_features).
        With `words_out`, the mail's distinct words (subject first) are appended to it."""
        cfg = self.config
        n = cfg.n_features
        subj_tokens, body_tokens = self.tokens(subject, body)
        if words_out is not None:
            words_out.append(list(dict.fromkeys(subj_tokens + body_tokens)))
        if not subj_tokens and not body_tokens:
            return np.zeros(0, np.int32), np.zeros(0, np.float32)
        # This runs for every mail, so it is written for few numpy calls: the keys of every token
        # occurrence are concatenated (a subject token `subject_weight` times), then sorted, and the
        # run lengths are the counts. That beats Counter + np.unique + a weighted bincount.
        get = self._cache.get
        subj = [get(t) or self._entry(t) for t in subj_tokens]
        body_entries = [get(t) or self._entry(t) for t in body_tokens]
        parts = [e[1] for e in subj] * cfg.subject_weight + [e[1] for e in body_entries]
        if cfg.bigrams and len(subj) + len(body_entries) >= 2:
            h = np.array([e[0] for e in subj] + [e[0] for e in body_entries], dtype=np.int64)
            bigrams = (((h[:-1] * _MIX) ^ h[1:]) % n).astype(np.int32)
            ns = len(subj)
            if ns >= 2:
                parts.extend([bigrams[: ns - 1]] * cfg.subject_weight)
            parts.append(bigrams[ns:])  # skips the pair that straddles subject and body

        keys = np.sort(np.concatenate(parts))
        starts = np.flatnonzero(np.concatenate(([True], keys[1:] != keys[:-1])))
        uniq = keys[starts]
        counts = np.empty(len(starts), np.float32)
        counts[:-1] = starts[1:] - starts[:-1]
        counts[-1] = len(keys) - starts[-1]
        tf = np.log(counts)
        tf += 1.0  # sublinear tf: 1 + log(count)
        return uniq, tf

    def transform_one(self, subject: str, body: str, words_out: list[list[str]] | None = None
                      ) -> tuple[IntArray, FloatArray]:
        """Feature indices and their weights (tf-idf, each block L2-normalised) for one mail."""
        idx, tf = self.raw_one(subject, body, words_out)
        x = self.weigh(SparseRows(np.array([0, len(idx)], np.int64), idx, tf))
        return x.indices, x.data

    def raw(self, pairs: Iterable[tuple[str, str]], words_out: list[list[str]] | None = None) -> SparseRows:
        """CSR rows of `raw_one` for many (subject, body) pairs; indices sorted within each row."""
        idx_parts: list[IntArray] = []
        val_parts: list[FloatArray] = []
        lengths: list[int] = []
        for subject, body in pairs:
            idx, val = self.raw_one(subject, body, words_out)
            idx_parts.append(idx)
            val_parts.append(val)
            lengths.append(len(idx))
        indptr = np.zeros(len(lengths) + 1, dtype=np.int64)
        np.cumsum(lengths, out=indptr[1:])
        if not idx_parts:
            return SparseRows(indptr, np.zeros(0, np.int32), np.zeros(0, np.float32))
        return SparseRows(indptr, np.concatenate(idx_parts), np.concatenate(val_parts))

    def weigh(self, raw: SparseRows) -> SparseRows:
        """Raw tf rows -> tf-idf rows whose word block and character block are each L2-normalised and
        scaled by their block weights (so neither block drowns the other)."""
        cfg = self.config
        data = raw.data * self.idf[raw.indices] if self.idf is not None else raw.data.copy()
        if not len(data):
            return SparseRows(raw.indptr, raw.indices, data.astype(np.float32))
        row = np.repeat(np.arange(len(raw), dtype=np.int64), np.diff(raw.indptr))
        group = 2 * row + (raw.indices >= cfg.n_features)
        sq = np.bincount(group, weights=data.astype(np.float64) ** 2, minlength=2 * len(raw))
        scale: npt.NDArray[np.float64] = np.zeros(sq.shape, np.float64)
        nonzero = sq > 0
        scale[nonzero] = 1.0 / (self._norm * np.sqrt(sq[nonzero]))
        scale[0::2] *= cfg.word_block_weight
        scale[1::2] *= cfg.char_block_weight
        data *= scale[group].astype(np.float32)
        return SparseRows(raw.indptr, raw.indices, data.astype(np.float32))

    def transform(self, pairs: Iterable[tuple[str, str]], words_out: list[list[str]] | None = None
                  ) -> SparseRows:
        """Weighted CSR rows for many (subject, body) pairs (see `raw` and `weigh`)."""
        return self.weigh(self.raw(pairs, words_out))

    def with_idf(self, idf: FloatArray | None) -> HashingFeaturizer:
        """A featurizer with these idf weights, sharing this one's word cache."""
        other = HashingFeaturizer(self.config, idf)
        other._cache = self._cache
        return other


def fit_idf(raw: SparseRows, n_total: int, min_df: int = 1) -> FloatArray:
    """Smoothed inverse document frequency, log((1 + n) / (1 + df)) + 1, for all `n_total` features,
    rounded to float16 precision (as stored). Features seen in fewer than `min_df` documents are
    treated as unseen."""
    df = np.bincount(raw.indices, minlength=n_total).astype(np.float64)
    if min_df > 1:
        df[df < min_df] = 0
    idf = np.log((1.0 + len(raw)) / (1.0 + df)) + 1.0
    return idf.astype(np.float16).astype(np.float32)
