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

__getattr__, __all__ = lazy_getattr(
    __name__,
    {
        "nlptk.newwords": ["discover_words", "DiscoveryConfig", "Word"],
        "nlptk.ngrams": ["NgramCounter", "NgramTable", "count_to_table"],
        "nlptk.lexicon": ["Lexicon", "segment", "segment_lines"],
        "nlptk.evaluate": ["score_segmentation"],
        "nlptk.minent": [
            "UnitCorpus",
            "MinentConfig",
            "induce_lexicon",
            "read_corpus",
            "induce_templates",
            "TemplateConfig",
            "TemplateParser",
        ],
        "nlptk.text": ["CharVocab", "fragments"],
        "nlptk.errors": ["NlptkError"],
        # the shipped segmenter (numpy; torch optional)
        "nlptk.tagging.segmenter": ["Segmenter", "load_segmenter", "segment_texts"],
        # with the torch extra: the generators
        "nlptk.seq2seq.couplet.model": ["CoupletModel"],
        "nlptk.seq2seq.couplet.generate": ["answer_lines"],
        "nlptk.seq2seq.title.model": ["TitleModel"],
        "nlptk.seq2seq.title.data": ["Article"],
        "nlptk.seq2seq.title.generate": ["title_articles"],
    },
)
