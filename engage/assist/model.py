"""The assistant's classifier: TF-IDF character and word n-grams with a logistic regression.

Needs the optional extra (``pip install engage[assist]``: scikit-learn, joblib).  The model reads
:func:`engage.assist.features.model_text` (the moderation layer's Vietnamese keys) and answers a
probability per label; the *risk* is the probability that a moderator would not approve the
comment, ``1 - P("clean")``.  Labels are lowercase strings; ``"clean"`` is always one of them.

Choices, measured on the ViHSD train/dev splits (README "Moderation assistant"; the test split
was never used): character n-grams 1–5 within word boundaries (``char_wb``) catch misspelt and
glued insults the word lists miss, word uni- and bigrams catch phrases; ``min_df=2`` keeps the
model small; sublinear TF; multinomial logistic regression with ``C=2`` and balanced class
weights (macro-F1 0.644 on dev vs 0.641 unweighted; LinearSVC with sigmoid calibration ranked
slightly better but its macro-F1 was 0.602).  Logistic regression's probabilities are the
calibrated score the issue asks for without a second calibration fit.
"""
from __future__ import annotations

import math
import pickle
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import joblib
import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import FeatureUnion

from engage.assist.features import CLEAN, model_text, model_tokens
FORMAT_VERSION = 1
# Hyper-parameters (see the module docstring for how they were chosen).
CHAR_NGRAMS = (1, 5)
WORD_NGRAMS = (1, 2)
MIN_DF = 2
C = 2.0


@dataclass(frozen=True)
class Term:
    """A word of the comment that pushed its risk up.

    :param text: the word as it appears in the comment.
    :param weight: its share of the risk's log-odds (unitless; larger pushes harder).
    :param start: offset of the word in the scored text (code points).
    :param end: offset just after it.
    """

    text: str
    weight: float
    start: int
    end: int

    def as_json(self) -> dict:
        """Storable form ``{"term", "weight", "spans"}`` (weight rounded to 3 decimals)."""
        return {"term": self.text, "weight": round(self.weight, 3),
                "spans": [[self.start, self.end]]}


@dataclass(frozen=True)
class AssistScore:
    """The model's answer for one comment: ``risk`` in [0, 1] and the words behind it."""

    risk: float
    terms: tuple[Term, ...] = ()


@dataclass
class AssistModel:
    """A trained classifier and what it was trained on.

    :param meta: ``trained_at`` (ISO 8601 UTC), ``counts`` (rows per label), ``sources``,
        ``validation`` (figures on held-out rows) — written by :mod:`engage.assist.training`.
    """

    vectorizer: FeatureUnion
    classifier: LogisticRegression
    meta: dict = field(default_factory=dict)

    def __post_init__(self) -> None:
        self._setup()

    def _setup(self) -> None:
        """Index the fitted parts once: label order, vocabularies, feature offsets."""
        self.labels: list[str] = [str(c) for c in self.classifier.classes_]
        if CLEAN not in self.labels:
            raise ValueError(f"a model needs the label {CLEAN!r}; it has {self.labels}")
        self._clean = self.labels.index(CLEAN)
        char_vec, word_vec = (t for _, t in self.vectorizer.transformer_list)
        self._char_vocab: dict[str, int] = char_vec.vocabulary_
        self._word_vocab: dict[str, int] = word_vec.vocabulary_
        self._word_offset = len(self._char_vocab)
        self._char_range = char_vec.ngram_range
        self._char_idf = char_vec.idf_.astype(np.float64)
        self._word_idf = word_vec.idf_.astype(np.float64)
        coef = np.asarray(self.classifier.coef_, dtype=np.float64)
        intercept = np.asarray(self.classifier.intercept_, dtype=np.float64)
        if len(self.labels) == 2:  # binary: one row z for labels[1]; softmax of (0, z) = σ(z)
            coef = np.vstack([np.zeros_like(coef), coef])
            intercept = np.concatenate([[0.0], intercept])
        self._coef = np.ascontiguousarray(coef)
        self._intercept = intercept
        self._others = np.array([i for i in range(len(self.labels)) if i != self._clean])

    def __getstate__(self) -> dict:
        return {"vectorizer": self.vectorizer, "classifier": self.classifier, "meta": self.meta}

    def __setstate__(self, state: dict) -> None:
        self.__dict__.update(state)
        self._setup()

    def probabilities(self, texts: Sequence[str]) -> np.ndarray:
        """Label probabilities, shape ``(len(texts), len(self.labels))``."""
        return self.classifier.predict_proba(
            self.vectorizer.transform([model_text(t) for t in texts]))

    def risks(self, texts: Sequence[str]) -> np.ndarray:
        """``1 - P(clean)`` for each text (a batch; :meth:`score` for one comment with terms)."""
        return 1.0 - self.probabilities(texts)[:, self._clean]

    def predict(self, texts: Sequence[str]) -> list[str]:
        """The most probable label of each text."""
        return [self.labels[i] for i in self.probabilities(texts).argmax(axis=1)]

    def score(self, text: str, top: int = 5) -> AssistScore:
        """Score one comment and name the ``top`` words that raised its risk most.

        The posting path: TF-IDF and the logistic regression are computed here from the fitted
        vocabularies, IDF weights and coefficients (the same numbers scikit-learn's
        ``transform`` + ``predict_proba`` give, without their per-call validation, which costs
        several milliseconds per comment; a test compares both).

        A word's weight is its features' share of the gradient of the risk log-odds
        ``log Σ_{c≠clean} e^{z_c} − z_clean`` times their TF-IDF values: its character n-grams
        (shared equally between the words they occur in) plus its word n-grams (a bigram's
        half to each word).  Only words with a positive weight are named.

        :param text: the comment as stored; term offsets index this string.
        :param top: how many words at most; ``0`` skips the attribution.
        """
        tokens = model_tokens(text)
        keys = [t.exact for t in tokens]
        char_feats, word_feats = self._features(keys)
        values: dict[int, float] = {}
        for feats, idf, offset in ((char_feats, self._char_idf, 0),
                                   (word_feats, self._word_idf, self._word_offset)):
            counts: dict[int, float] = {}
            for word in feats:  # a bigram is listed under both its words, half each
                for j, part in word:
                    counts[j] = counts.get(j, 0.0) + part
            weighted = {j: (1.0 + math.log(round(n))) * idf[j] for j, n in counts.items()}
            norm = math.sqrt(sum(v * v for v in weighted.values())) or 1.0
            values.update((offset + j, v / norm) for j, v in weighted.items())
        index = np.fromiter(values, dtype=np.int64, count=len(values))
        data = np.fromiter(values.values(), dtype=np.float64, count=len(values))
        coef = self._coef[:, index]
        logits = coef @ data + self._intercept
        probs = np.exp(logits - logits.max())
        probs /= probs.sum()
        risk = float(1.0 - probs[self._clean])
        if top <= 0 or not values:
            return AssistScore(risk)
        share = probs[self._others] / probs[self._others].sum()
        gradient = share @ coef[self._others] - coef[self._clean]
        contribution = dict(zip(values, (data * gradient).tolist()))
        return AssistScore(risk, self._top_terms(text, tokens, char_feats, word_feats,
                                                 contribution, top))

    def _features(self, keys: list[str]) -> tuple[list[list[tuple[int, float]]],
                                                   list[list[tuple[int, float]]]]:
        """Per word: its character n-gram feature ids, and its word n-gram ids with the
        share of each that is its own (1 for a unigram, 1/2 for a bigram), as scikit-learn's
        ``char_wb`` and ``word`` analyzers produce them (repeats kept: they are counts)."""
        low, high = self._char_range
        char_vocab, word_vocab = self._char_vocab, self._word_vocab
        chars: list[list[tuple[int, float]]] = []
        words: list[list[tuple[int, float]]] = [[] for _ in keys]
        for i, key in enumerate(keys):
            padded = f" {key} "
            found = []
            for n in range(low, high + 1):
                for s in range(max(1, len(padded) - n + 1)):
                    j = char_vocab.get(padded[s:s + n])
                    if j is not None:
                        found.append((j, 1.0))
                if n >= len(padded):  # scikit-learn counts a short word once, then stops
                    break
            chars.append(found)
            j = word_vocab.get(key)
            if j is not None:
                words[i].append((j, 1.0))
            if i + 1 < len(keys):
                j = word_vocab.get(f"{key} {keys[i + 1]}")
                if j is not None:
                    words[i].append((j, 0.5))
                    words[i + 1].append((j, 0.5))
        return chars, words

    def _top_terms(self, text: str, tokens, chars, words, contribution: dict[int, float],
                   top: int) -> tuple[Term, ...]:
        """Spread feature contributions over the words they came from; best ``top`` words."""
        owners = Counter(j for found in chars for j in {j for j, _ in found})
        offset = self._word_offset
        best: dict[str, Term] = {}
        for token, own_chars, own_words in zip(tokens, chars, words):
            weight = sum(contribution[j] / owners[j] for j in {j for j, _ in own_chars})
            weight += sum(contribution[offset + j] * part for j, part in own_words)
            if weight > 0 and (token.exact not in best or best[token.exact].weight < weight):
                best[token.exact] = Term(text[token.start:token.end], weight, token.start,
                                         token.end)
        return tuple(sorted(best.values(), key=lambda t: -t.weight)[:top])

    def save(self, path: Path) -> int:
        """Write the model (compressed joblib); returns the file size in bytes."""
        path.parent.mkdir(parents=True, exist_ok=True)
        joblib.dump({"format": FORMAT_VERSION, "model": self}, path, compress=3)
        return path.stat().st_size


def load_model(path: Path) -> AssistModel:
    """Read a model written by :meth:`AssistModel.save`.

    Only load files you wrote: joblib files are pickles and run code when loaded.

    :raises ValueError: the file is not an Engage assistant model of this format.
    :raises OSError: the file cannot be read.
    """
    try:
        data = joblib.load(path)
    except (pickle.UnpicklingError, KeyError, IndexError, EOFError, TypeError,
            AttributeError, ImportError) as err:  # what joblib raises on a foreign file
        raise ValueError(f"{path}: not an Engage assistant model ({err!r})") from None
    if not isinstance(data, dict) or data.get("format") != FORMAT_VERSION \
            or not isinstance(data.get("model"), AssistModel):
        raise ValueError(f"{path}: not an Engage assistant model (format {FORMAT_VERSION})")
    return data["model"]


def fit_model(texts: Sequence[str], labels: Sequence[str], meta: dict | None = None
              ) -> AssistModel:
    """Fit a new model on labelled texts (no data checks: :func:`.training.train` has them).

    :param texts: comments as stored.
    :param labels: one lowercase label per text; :data:`CLEAN` marks the acceptable ones.
    :raises ValueError: fewer than two labels, or no :data:`CLEAN` label.
    """
    if CLEAN not in set(labels) or len(set(labels)) < 2:
        raise ValueError(f"training needs {CLEAN!r} rows and rows of another label")
    vectorizer = FeatureUnion([
        ("char", TfidfVectorizer(analyzer="char_wb", ngram_range=CHAR_NGRAMS, min_df=MIN_DF,
                                 sublinear_tf=True, dtype=np.float32)),
        ("word", TfidfVectorizer(analyzer="word", ngram_range=WORD_NGRAMS, min_df=MIN_DF,
                                 sublinear_tf=True, token_pattern=r"\S+", dtype=np.float32)),
    ])
    features = vectorizer.fit_transform([model_text(t) for t in texts])
    for _, part in vectorizer.transformer_list:
        part.stop_words_ = None  # the pruned terms: large, and never needed to score
    classifier = LogisticRegression(C=C, class_weight="balanced", max_iter=2000)
    classifier.fit(features, np.asarray(labels))
    return AssistModel(vectorizer, classifier, dict(meta or {}))


def top_share(risks: Sequence[float], positives: Sequence[bool], share: float = 0.2) -> float:
    """The share of positives found in the riskiest ``share`` of rows (ties in row order).

    :returns: a fraction in [0, 1]; ``nan`` when there is no positive.
    """
    positives = np.asarray(positives, dtype=bool)
    if not positives.any():
        return math.nan
    k = int(round(share * len(positives)))
    order = np.argsort(-np.asarray(risks, dtype=float), kind="stable")[:k]
    return float(positives[order].sum() / positives.sum())
