"""How hard a victim-facing text is to read, as a school grade (English and Spanish).

Two published formulas, with a simple syllable count (no dictionary): Flesch-Kincaid for
English (``0.39 * words/sentence + 11.8 * syllables/word - 15.59``) and Crawford's formula for
Spanish (years of schooling: ``-0.205 * sentences per 100 words + 0.049 * syllables per 100
words - 3.407``). The shipped wording aims at grade 6 or lower; the measured grades are in
docs/sharing.md and a test keeps them there. Each line of the text ends a sentence (the heading
has no full stop).

Syllables are counted by vowel groups: for English with the usual silent-ending rules, for
Spanish with diphthongs kept together and two strong vowels split (hiatus). Both are estimates
good to a syllable or so per sentence, which is what the formulas were fitted with.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = ["Readability", "grade", "syllables"]

_APOSTROPHES = "'\u2019"
_WORD = re.compile(rf"[^\W\d_]+(?:[{_APOSTROPHES}][^\W\d_]+)?")
_SENTENCE_END = re.compile(r"[.!?]+|\n+")
_SPANISH_VOWELS = frozenset("aeiouáéíóúü")
_SPANISH_STRONG = frozenset("aeoáéíóú")


def _english_syllables(word: str) -> int:
    w = re.split(f"[{_APOSTROPHES}]", word.lower())[0]
    if len(w) <= 3:
        return 1
    w = re.sub(r"(?:[^laeiouy]es|[^laeiouy]ed|[^laeiouy]e)$", "", w)
    w = re.sub(r"^y", "", w)
    return max(1, len(re.findall(r"[aeiouy]{1,2}", w)))


def _spanish_syllables(word: str) -> int:
    count = 0
    previous = ""
    for letter in word.lower():
        if letter in _SPANISH_VOWELS:
            if not previous or (previous in _SPANISH_STRONG and letter in _SPANISH_STRONG):
                count += 1
            previous = letter
        else:
            previous = ""
    return max(1, count)


def syllables(word: str, *, language_code: str) -> int:
    """The syllables of one word in English ("en") or Spanish ("es")."""
    if language_code.split("-")[0] == "es":
        return _spanish_syllables(word)
    return _english_syllables(word)


@dataclass(frozen=True)
class Readability:
    words: int
    sentences: int
    syllables: int
    grade: float  # school grade (US), rounded to one decimal

    @property
    def words_per_sentence(self) -> float:
        return self.words / self.sentences if self.sentences else 0.0


def grade(text: str, *, language_code: str) -> Readability:
    """The reading grade of ``text`` in English (Flesch-Kincaid) or Spanish (Crawford)."""
    sentences = [part for part in _SENTENCE_END.split(text) if _WORD.search(part)]
    words = _WORD.findall(text)
    if not words:
        return Readability(words=0, sentences=0, syllables=0, grade=0.0)
    count = sum(syllables(word, language_code=language_code) for word in words)
    n_words, n_sentences = len(words), max(1, len(sentences))
    if language_code.split("-")[0] == "es":
        per_100_sentences = 100 * n_sentences / n_words
        per_100_syllables = 100 * count / n_words
        value = -0.205 * per_100_sentences + 0.049 * per_100_syllables - 3.407
    else:
        value = 0.39 * (n_words / n_sentences) + 11.8 * (count / n_words) - 15.59
    return Readability(words=n_words, sentences=n_sentences, syllables=count, grade=round(value, 1))
