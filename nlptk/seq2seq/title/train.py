"""Training a title model: Adam on the masked cross-entropy of the titles (teacher forcing),
keeping the weights whose greedy titles score the best ROUGE-L on dev articles."""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from dataclasses import replace

from nlptk.batching import length_batches
from nlptk.decode import Decoding
from nlptk.errors import NlptkError
from nlptk.progress import Progress
from nlptk.seq2seq.title.config import TitleConfig, TitleTrainOptions
from nlptk.seq2seq.title.data import Article
from nlptk.seq2seq.title.evaluation import score_titles
from nlptk.seq2seq.title.generate import generate_titles, title_text
from nlptk.seq2seq.title.model import TitleModel
from nlptk.seq2seq.training import Fit, seed_everything, train
from nlptk.seq2seq.vocab import Vocabulary


def dev_rouge_l(model: TitleModel, dev: Sequence[Article]) -> float:
    hypotheses = generate_titles(model, [a.text for a in dev], Decoding("greedy", max_len=model.config.max_title))
    return score_titles(dev, [title_text(model, h) for h in hypotheses])["rouge-l"]


def train_title_model(
    config: TitleConfig,
    train_articles: Sequence[Article],
    dev_articles: Sequence[Article],
    options: TitleTrainOptions,
    progress: Progress | None = None,
    log: Callable[[str], None] = print,
) -> TitleModel:
    """A model trained on ``train_articles`` (with their titles) with the weights of its best dev
    ROUGE-L (greedy), scored on the first ``options.dev_limit`` dev articles. Its characters are
    those of the articles' first ``config.max_input`` characters and the titles seen
    ``options.min_count`` times (``config.chars`` is replaced)."""
    stories = [a for a in train_articles if a.text and a.title]
    dev = [a for a in dev_articles if a.text and a.title][: options.dev_limit or None]
    if not stories or not dev:
        raise NlptkError("no training or dev stories (records with content and title)")
    vocab = Vocabulary.build([a.text[: config.max_input] + a.title for a in stories], options.min_count)
    config = replace(config, chars=vocab.words)
    log(f"{len(stories)} training stories, {len(dev)} dev stories, {len(vocab)} characters")
    seed_everything(options.seed)
    rng = random.Random(options.seed)
    model = TitleModel(config)

    def length(article: Article) -> int:
        return min(len(article.text), config.max_input)

    def evaluate() -> tuple[float, dict[str, float]]:
        rouge = dev_rouge_l(model, dev)
        return rouge, {"rouge-l": rouge}

    task = Fit(
        model,
        batches=lambda epoch: length_batches(stories, options.batch_size, rng, length),
        loss=lambda batch: model.loss([a.text for a in batch], [a.title for a in batch]),
        evaluate=evaluate,
    )
    return train(task, options, {"train": len(stories), "dev": len(dev)}, progress, log)
