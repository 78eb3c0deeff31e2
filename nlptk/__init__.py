"""nlptk: a Chinese-first NLP toolkit for the Unix shell.

The library API is what the commands call; names are imported on first use so that
``import nlptk`` stays cheap:

>>> import nlptk
>>> words = nlptk.discover_words(["corpus.txt"])          # nlptk newwords
>>> nlptk.segment("今天天气不错", nlptk.Lexicon.jieba())   # nlptk segment --lexicon jieba
"""

from __future__ import annotations

from nlptk.lazy import lazy_getattr

__version__ = "0.1.0"

_API = {
    "discover_words": "nlptk.newwords",
    "DiscoveryConfig": "nlptk.newwords",
    "Word": "nlptk.newwords",
    "NgramCounter": "nlptk.ngrams",
    "NgramTable": "nlptk.ngrams",
    "count_to_table": "nlptk.ngrams",
    "Lexicon": "nlptk.lexicon",
    "segment": "nlptk.lexicon",
    "segment_lines": "nlptk.lexicon",
    "score_segmentation": "nlptk.evaluate",
    "UnitCorpus": "nlptk.minent",
    "MinentConfig": "nlptk.minent",
    "induce_lexicon": "nlptk.minent",
    "read_corpus": "nlptk.minent",
    "induce_templates": "nlptk.minent",
    "TemplateConfig": "nlptk.minent",
    "TemplateParser": "nlptk.minent",
    "CharVocab": "nlptk.text",
    "fragments": "nlptk.text",
    "NlptkError": "nlptk.errors",
    # with the torch extra: the shipped models
    "load_segmenter": "nlptk.tagging.segmenter",
    "segment_texts": "nlptk.tagging.segmenter",
    "CoupletModel": "nlptk.seq2seq.couplet.model",
    "answer_lines": "nlptk.seq2seq.couplet.generate",
    "TitleModel": "nlptk.seq2seq.title.model",
    "Article": "nlptk.seq2seq.title.data",
    "title_articles": "nlptk.seq2seq.title.generate",
}

__all__ = sorted(_API)


__getattr__ = lazy_getattr(__name__, _API)
