"""Training a tagger with early stopping on dev scores, and scoring one on tagged data."""

from __future__ import annotations

import math
import random
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field, replace

import numpy as np
import torch

from nlptk import checks
from nlptk.checks import at_least, between, positive_float
from nlptk.cpu import cpu_threads
from nlptk.errors import NlptkError, OptionError
from nlptk.evaluate import score_segmentation, score_spans
from nlptk.io import read_lines, resolve_inputs
from nlptk.progress import NoProgress, Progress
from nlptk.tagging.data import Example, chunk_example
from nlptk.tagging.features import DictionaryMatcher, Featurizer, entity_matcher, normalised_codepoints
from nlptk.tagging.model import Tagger, TaggerConfig
from nlptk.tagging.pretrain import char_vectors, frequent_chars
from nlptk.tagging.schemes import TagScheme, spans
from nlptk.tagging.segmenter import segment_texts


@dataclass
class TrainOptions:
    """Hyperparameters of :func:`train_tagger` (the model's shape comes from :class:`TaggerConfig`)."""

    epochs: int = 20
    patience: int = 3
    batch_chars: int = 16000
    lr: float = 3e-3
    crf_lr_multiplier: float = 100.0  # transitions need a much larger learning rate than the body
    lr_decay: float = 0.9  # learning rates are multiplied by this after every epoch
    clip: float = 5.0
    seed: int = 0
    max_minutes: float = 0.0  # stop after this long (0: no limit)
    evaluations_per_epoch: int = 1
    min_char_count: int = 2
    min_bigram_count: int = 3
    pretrain_chars: list[str] = field(default_factory=list)  # raw text files for character vectors
    pretrain_min_count: int = 5  # characters this frequent in that text join the vocabulary
    threads: int = 0  # torch threads (0: every CPU)
    average: bool = False  # also average the weights of every dev evaluation; keep the average if it scores better
    entity_folds: int = 0  # flag training entities; each of this many folds sees only the others' (0: off)
    extra: dict = field(default_factory=dict)

    def __post_init__(self) -> None:
        for name in ("epochs", "patience", "batch_chars", "min_char_count", "min_bigram_count", "pretrain_min_count"):
            at_least(name, getattr(self, name), 1)
        at_least("evaluations", self.evaluations_per_epoch, 1)  # the option --evaluations
        for name in ("lr", "crf_lr_multiplier", "clip"):
            positive_float(name, getattr(self, name))
        positive_float("lr_decay", self.lr_decay)
        between("lr_decay", self.lr_decay, 0, 1)
        at_least("max_minutes", self.max_minutes, 0)
        checks.seed(self.seed)
        checks.threads(self.threads)
        at_least("entity_folds", self.entity_folds, 0)
        if self.entity_folds == 1:
            raise OptionError("entity_folds", "must be 0 (off) or at least 2, not 1")


def train_tagger(
    task: str,
    train: Sequence[Example],
    dev: Sequence[Example],
    shape: dict,
    options: TrainOptions,
    progress: Progress | None = None,
    log: callable = print,  # type: ignore[valid-type]
    initial: Tagger | None = None,
) -> Tagger:
    """Train on ``train``, keep the weights with the best dev score, return that model.

    With ``initial``, training continues from that model (its vocabulary, tags and shape;
    ``shape`` and the pretraining options are then not used).
    """
    if initial is None:
        TaggerConfig.check_shape(task, shape)
    progress = progress or NoProgress()
    random.seed(options.seed)
    np.random.seed(options.seed)
    torch.manual_seed(options.seed)
    cpu_threads(options.threads)
    model = _continued(initial, task, train) if initial is not None else _new_model(task, train, shape, options, log)
    folds, fold_entities = [list(train)], [None]
    if options.entity_folds:
        folds, fold_entities, entities = _entity_folds(train, options.entity_folds)
        model = _with_entity_flags(model, entities)
        log(f"{len(entities)} training entities flagged; {len(folds)} folds see only the others'")
    elif model.config.entities:
        raise NlptkError("the model flags training entities: give --entity-folds")
    config = model.config
    crf_params = list(model.crf.parameters())
    body_params = [p for n, p in model.named_parameters() if not n.startswith("crf.")]
    optimizer = torch.optim.Adam(
        [
            {"params": body_params, "lr": options.lr},
            {"params": crf_params, "lr": options.lr * options.crf_lr_multiplier},
        ]
    )
    fold_pieces = [[c for e in fold for c in chunk_example(e, config.max_len)] for fold in folds]
    started = time.monotonic()
    best_score, best_state, best_epoch, stale = -1.0, None, 0, 0
    average = _WeightAverage() if options.average else None
    history = []
    stop = False
    schedule = torch.optim.lr_scheduler.ExponentialLR(optimizer, gamma=options.lr_decay)
    for epoch in range(1, options.epochs + 1):
        rng = random.Random(options.seed + epoch)
        batches = [(f, b) for f, pieces in enumerate(fold_pieces) for b in _batches(pieces, options.batch_chars, rng)]
        if len(fold_pieces) > 1:
            rng.shuffle(batches)  # each batch comes from one fold; the folds' batches interleave
        checkpoints = {
            round(len(batches) * (i + 1) / options.evaluations_per_epoch) for i in range(options.evaluations_per_epoch)
        }
        progress.stage(f"epoch {epoch}", len(batches))
        model.train()
        total_loss = 0.0
        for step, (fold, batch) in enumerate(batches, 1):
            loss = model.loss([b.text for b in batch], [b.tags for b in batch], fold_entities[fold])
            optimizer.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), options.clip)
            optimizer.step()
            total_loss += float(loss.detach())
            progress.advance(1)
            out_of_time = options.max_minutes and (time.monotonic() - started) / 60 > options.max_minutes
            if step in checkpoints or out_of_time:
                model.eval()  # no dropout while scoring
                scores = evaluate_tagger(model, dev)
                model.train()
                history.append({"epoch": epoch, "step": step, "loss": total_loss / step, **scores})
                if average is not None:
                    average.add(model)
                log(f"epoch {epoch} step {step}/{len(batches)} loss {total_loss / step:.3f} dev " + _fmt(scores))
                if scores["f1"] > best_score:
                    best_score, best_epoch, stale = scores["f1"], epoch, 0
                    best_state = {k: v.detach().clone() for k, v in model.state_dict().items()}
                if out_of_time:
                    stop = True
                    break
        if stop:
            break
        schedule.step()
        stale = 0 if best_epoch == epoch else stale + 1
        if stale >= options.patience:
            break
    if best_state is not None:
        model.load_state_dict(best_state)
    model.eval()
    best_dev = next((h for h in history if h["f1"] == best_score), {})
    averaged = {}
    if average is not None and average.count > 1:
        single = {k: v.detach().clone() for k, v in model.state_dict().items()}
        model.load_state_dict(average.state(single))
        scores = evaluate_tagger(model, dev)
        log(f"average of {average.count} evaluated weights: dev " + _fmt(scores))
        if scores["f1"] > best_score:
            best_dev, averaged = scores, {"averaged_checkpoints": average.count}
        else:
            model.load_state_dict(single)
    minutes = (time.monotonic() - started) / 60
    earlier = {"continued_from": initial.config.training} if initial is not None else {}
    model.config.training = {
        **earlier,
        "epochs_run": len({h["epoch"] for h in history}),
        "best_epoch": best_epoch,
        "minutes": round(minutes, 1),
        "train_examples": len(train),
        "dev_examples": len(dev),
        "options": {k: v for k, v in vars(options).items() if k != "extra"},
        **options.extra,
        **averaged,
        "dev": best_dev,
    }
    return model


class _WeightAverage:
    """The running mean of a model's floating-point weights over the times :meth:`add` saw them."""

    def __init__(self) -> None:
        self.count = 0
        self.sums: dict[str, torch.Tensor] = {}

    def add(self, model: Tagger) -> None:
        self.count += 1
        for name, value in model.state_dict().items():
            if value.is_floating_point():
                value = value.detach().double()
                self.sums[name] = self.sums[name] + value if name in self.sums else value.clone()

    def state(self, like: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
        """``like`` with every averaged tensor replaced by its mean (in its own dtype)."""
        return {
            name: (self.sums[name] / self.count).to(value.dtype) if name in self.sums else value
            for name, value in like.items()
        }


MAX_RAW_CHARS = 8000


def _new_model(task: str, train: Sequence[Example], shape: dict, options: TrainOptions, log: callable) -> Tagger:  # type: ignore[valid-type]
    """A freshly initialised tagger whose vocabulary and tags come from ``train``."""
    raw_chars: list[str] = []
    if options.pretrain_chars:
        raw_chars = frequent_chars(_raw_lines(options.pretrain_chars), options.pretrain_min_count, MAX_RAW_CHARS)
        log(f"{len(raw_chars)} characters of the raw text join the vocabulary")
    featurizer = Featurizer.build(
        (e.text for e in train),
        options.min_char_count,
        options.min_bigram_count,
        shape.get("dictionary", ""),
        shape.get("dictionary_tags", ()),
        extra_chars=raw_chars,
    )
    scheme = TagScheme.from_tags(t for e in train for t in e.tags)
    config = TaggerConfig(task=task, tags=list(scheme.tags), chars=featurizer.vocab.to_list(), **shape)
    model = Tagger(config, featurizer)
    if raw_chars:
        _pretrain_char_embeddings(model, options.pretrain_chars, raw_chars, options.seed)
    return model


def _continued(model: Tagger, task: str, train: Sequence[Example]) -> Tagger:
    """``model`` made ready for more training on ``train`` (float32 weights, same task and tags)."""
    if model.config.task != task:
        raise NlptkError(f"the model to continue from is a {model.config.task} model, not {task}")
    unknown = sorted({t for e in train for t in e.tags} - set(model.config.tags))
    if unknown:
        raise NlptkError(f"the training data has tags the model lacks: {', '.join(unknown[:5])}")
    return model.float()


def _entity_folds(
    train: Sequence[Example], count: int
) -> tuple[list[list[Example]], list[DictionaryMatcher], list[tuple[str, str]]]:
    """``train`` cut into ``count`` contiguous folds, the entities each fold may see (those of the
    other folds: what a model meets on new documents), and every training entity."""
    if not 2 <= count <= len(train):
        raise NlptkError(f"--entity-folds must be between 2 and the number of training sentences, not {count}")
    folds = [list(train[i * len(train) // count : (i + 1) * len(train) // count]) for i in range(count)]
    found = [{(e.text[s:t], kind) for e in fold for s, t, kind in spans(e.tags) if kind} for fold in folds]
    entities = sorted(set().union(*found))
    if not entities:
        raise NlptkError("--entity-folds needs training data with typed spans (NER or POS)")
    types = sorted({kind for _, kind in entities})
    others = [sorted(set().union(*(f for j, f in enumerate(found) if j != i))) for i in range(count)]
    return folds, [entity_matcher(o, types) for o in others], entities


def _with_entity_flags(model: Tagger, entities: list[tuple[str, str]]) -> Tagger:
    """``model`` flagging ``entities``. A model without entity flags gets them with zero input
    weights, so it starts out predicting exactly as before."""
    known = {kind for _, kind in model.config.entities}
    if known and known != {kind for _, kind in entities}:
        raise NlptkError(f"the model flags entities of types {', '.join(sorted(known))}, the data has others")
    config = replace(model.config, entities=[list(e) for e in entities])
    featurizer = Featurizer(
        config.chars, model.featurizer.bigram_keys, config.dictionary, config.dictionary_tags, config.entities
    )
    extended = Tagger(config, featurizer)
    state = model.state_dict()
    weight = state["encoder.project.weight"]
    missing = extended.encoder.project.in_features - weight.shape[1]
    state["encoder.project.weight"] = torch.cat([weight, weight.new_zeros(weight.shape[0], missing)], dim=1)
    extended.load_state_dict(state)
    return extended


def _raw_lines(paths: Sequence[str]) -> Iterator[str]:
    return read_lines(resolve_inputs(paths))


def _pretrain_char_embeddings(model: Tagger, paths: Sequence[str], raw_chars: list[str], seed: int) -> None:
    """Start the character embeddings of the raw text's characters from their PPMI-SVD vectors."""
    table = model.encoder.chars.weight
    vectors = char_vectors(_raw_lines(paths), raw_chars, table.shape[1], seed=seed)
    ids = model.featurizer.vocab.encode_chars(
        normalised_codepoints("".join(raw_chars)), np.ones(len(raw_chars), dtype=bool), grow=False
    )
    with torch.no_grad():
        scale = float(table[1:].std())
        table[torch.from_numpy(ids.astype(np.int64))] = torch.from_numpy(vectors) * scale


def _batches(pieces: Sequence[Example], batch_chars: int, rng: random.Random) -> list[list[Example]]:
    """Shuffled batches of similar-length examples with about ``batch_chars`` characters each."""
    order = list(range(len(pieces)))
    rng.shuffle(order)
    # Sort within pools of 100 batches' worth so that padding stays small but batches still vary.
    pool = max(1, 100 * batch_chars // max(1, int(np.mean([len(p.text) for p in pieces]))))
    batches: list[list[Example]] = []
    for start in range(0, len(order), pool):
        chunk = sorted(order[start : start + pool], key=lambda i: len(pieces[i].text))
        batch: list[Example] = []
        for i in chunk:
            if batch and (len(batch) + 1) * len(pieces[i].text) > batch_chars:
                batches.append(batch)
                batch = []
            batch.append(pieces[i])
        if batch:
            batches.append(batch)
    rng.shuffle(batches)
    return batches


def evaluate_tagger(model: Tagger, examples: Sequence[Example], training_words: set[str] | None = None) -> dict:
    """Scores of ``model`` on gold ``examples``: seg P/R/F1 (+OOV), entity P/R/F1, or POS F1/accuracy.

    Segmentation models are scored as ``nlptk segment`` runs them (:mod:`nlptk.tagging.segmenter`).
    """
    task = model.config.task
    if task == "seg":
        gold_lines = [" ".join(e.text[s:t] for s, t, _ in spans(e.tags)) for e in examples]
        pred_lines = [" ".join(words) for words in segment_texts(model, [e.text for e in examples])]
        score = score_segmentation(gold_lines, pred_lines, training_words)
        result = {"precision": score.precision, "recall": score.recall, "f1": score.f1}
        if score.oov_recall is not None:
            result["oov_recall"] = score.oov_recall
        return result
    predicted = model.predict([e.text for e in examples])
    gold_spans = [spans(e.tags) for e in examples]
    pred_spans = [spans(p) for p in predicted]
    typed = score_spans(gold_spans, pred_spans)
    result = {"precision": typed.precision, "recall": typed.recall, "f1": typed.f1}
    if task == "pos":
        words = score_spans(([s[:2] for s in g] for g in gold_spans), ([s[:2] for s in p] for p in pred_spans))
        result["seg_f1"] = words.f1
        # Accuracy: the share of gold words found with the right boundaries and tag.
        result["accuracy"] = typed.recall
    return result


def _fmt(scores: dict) -> str:
    return " ".join(f"{k} {v:.4f}" for k, v in scores.items() if isinstance(v, float) and math.isfinite(v))
