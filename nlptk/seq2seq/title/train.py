"""Training a title model: Adam on the masked cross-entropy of the titles (teacher forcing),
keeping the weights whose greedy titles score the best ROUGE-L on dev articles."""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from nlptk import checks
from nlptk.batching import length_batches
from nlptk.decode import Decoding
from nlptk.progress import Progress
from nlptk.seq2seq.title.data import Article
from nlptk.seq2seq.title.evaluation import score_titles
from nlptk.seq2seq.title.generate import generate_titles, title_text
from nlptk.seq2seq.title.model import TitleConfig, TitleModel
from nlptk.seq2seq.training import Fit, FitOptions, seed_everything, train


@dataclass
class TitleTrainOptions(FitOptions):
    """:class:`FitOptions` with the title trainer's defaults: an evaluation every 300 batches."""

    epochs: int = 10
    patience: int = 6
    eval_every: int = 300
    batch_size: int = 64  # articles

    def __post_init__(self) -> None:
        super().__post_init__()
        checks.at_least("batch_size", self.batch_size, 1)
        checks.at_least("eval_every", self.eval_every, 1)


def dev_rouge_l(model: TitleModel, dev: Sequence[Article]) -> float:
    hypotheses = generate_titles(model, [a.text for a in dev], Decoding("greedy", max_len=model.config.max_title))
    return score_titles(dev, [title_text(model, h) for h in hypotheses])["rouge-l"]


def train_title_model(
    config: TitleConfig,
    train_articles: Sequence[Article],
    dev: Sequence[Article],
    options: TitleTrainOptions,
    progress: Progress | None = None,
    log: Callable[[str], None] = print,
) -> TitleModel:
    """A model trained on ``train_articles``, with the weights of its best dev ROUGE-L (greedy)."""
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
        batches=lambda epoch: length_batches(train_articles, options.batch_size, rng, length),
        loss=lambda batch: model.loss([a.text for a in batch], [a.title for a in batch]),
        evaluate=evaluate,
    )
    record = train(task, options, {"train": len(train_articles), "dev": len(dev)}, progress, log)
    model.config.training = record.to_dict()
    return model
