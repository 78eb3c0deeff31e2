"""Minimum-entropy lexicon induction, sentence templates and template-based structure parsing."""

from nlptk.minent.build import read_corpus
from nlptk.minent.corpus import UnitCorpus
from nlptk.minent.entropy import Entropy
from nlptk.minent.induction import InducedLexicon, MinentConfig, RoundStats, induce_lexicon
from nlptk.minent.parse import ParseNode, TemplateParser, read_templates
from nlptk.minent.templates import TemplateConfig, induce_templates

__all__ = [
    "Entropy",
    "InducedLexicon",
    "MinentConfig",
    "ParseNode",
    "RoundStats",
    "TemplateConfig",
    "TemplateParser",
    "UnitCorpus",
    "induce_lexicon",
    "induce_templates",
    "read_corpus",
    "read_templates",
]
