"""Training a tagger with early stopping on dev scores, and scoring one on tagged data."""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator, Sequence
from dataclasses import asdict, replace

import numpy as np
import torch

from nlptk.cpu import cpu_threads
from nlptk.errors import NlptkError, OptionError
from nlptk.io import read_lines, resolve_inputs
from nlptk.progress import Progress
from nlptk.seq2seq.training import Fit, seed_everything, train
from nlptk.tagging.config import TaggerConfig, TaggerShape, TrainOptions
from nlptk.tagging.data import Example, chunk_example
from nlptk.tagging.evaluation import evaluate_tagger
from nlptk.tagging.features import DictionaryMatcher, Featurizer, entity_matcher, normalised_codepoints
from nlptk.tagging.model import Tagger
from nlptk.tagging.pretrain import char_vectors, frequent_chars
from nlptk.tagging.schemes import TagScheme, spans


def train_tagger(
    task: str,
    train_examples: Sequence[Example],
    dev: Sequence[Example],
    shape: TaggerShape,
    options: TrainOptions,
    progress: Progress | None = None,
    log: Callable[[str], None] = print,
    initial: Tagger | None = None,
) -> Tagger:
    """Train on ``train_examples``, keep the weights with the best dev F1, return that model.

    With ``initial``, training continues from that model (its vocabulary, tags and shape;
    ``shape`` and the pretraining options are then not used).
    """
    seed_everything(options.seed)
    cpu_threads(options.threads)
    if initial is not None:
        model = _continued(initial, task, train_examples)
    else:
        model = _new_model(task, train_examples, shape, options, log)
    folds, fold_entities = [list(train_examples)], [None]
    if options.entity_folds:
        folds, fold_entities, entities = _entity_folds(train_examples, options.entity_folds)
        model = _with_entity_flags(model, entities)
        log(f"{len(entities)} training entities flagged; {len(folds)} folds see only the others'")
    elif model.config.entities:
        raise OptionError("entity_folds", "must be given: the model to continue from flags training entities")
    fold_pieces = [[c for e in fold for c in chunk_example(e, model.config.max_len)] for fold in folds]

    def batches(epoch: int) -> list[tuple[int, list[Example]]]:
        rng = random.Random(options.seed + epoch)
        epoch_pieces = [_sample_standards(p, options.standard_sampling, rng) for p in fold_pieces]
        found = [(f, b) for f, pieces in enumerate(epoch_pieces) for b in _batches(pieces, options.batch_chars, rng)]
        if len(fold_pieces) > 1:
            rng.shuffle(found)  # each batch comes from one fold; the folds' batches interleave
        return found

    def loss(batch: tuple[int, list[Example]]) -> torch.Tensor:
        fold, examples = batch
        texts, tags, standards = [e.text for e in examples], [e.tags for e in examples], [e.standard for e in examples]
        return model.loss(texts, tags, fold_entities[fold], standards)

    def evaluate() -> tuple[float, dict[str, float]]:
        scores = evaluate_tagger(model, dev)
        return scores["f1"], scores

    crf = list(model.crf.parameters())
    body = [p for n, p in model.named_parameters() if not n.startswith("crf.")]
    groups = [{"params": body}, {"params": crf, "lr": options.crf_lr_multiplier}]
    data = {"train": len(train_examples), "dev": len(dev)}
    earlier = initial.config.training if initial is not None else None
    return train(Fit(model, batches, loss, evaluate, groups), options, data, progress, log, earlier)


MAX_RAW_CHARS = 8000


def _new_model(
    task: str, examples: Sequence[Example], shape: TaggerShape, options: TrainOptions, log: Callable[[str], None]
) -> Tagger:
    """A freshly initialised tagger whose vocabulary and tags come from ``train``."""
    raw_chars: list[str] = []
    if options.pretrain_chars:
        raw_chars = frequent_chars(_raw_lines(options.pretrain_chars), options.pretrain_min_count, MAX_RAW_CHARS)
        log(f"{len(raw_chars)} characters of the raw text join the vocabulary")
    featurizer = Featurizer.build(
        (e.text for e in examples),
        options.min_char_count,
        options.min_bigram_count,
        shape.dictionary,
        shape.dictionary_tags,
        extra_chars=raw_chars,
    )
    scheme = TagScheme.from_tags(t for e in examples for t in e.tags)
    config = TaggerConfig(task=task, tags=list(scheme.tags), chars=featurizer.vocab.to_list(), **asdict(shape))
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
        raise OptionError("entity_folds", f"must be between 2 and the number of training sentences, not {count}")
    folds = [list(train[i * len(train) // count : (i + 1) * len(train) // count]) for i in range(count)]
    found = [{(e.text[s:t], kind) for e in fold for s, t, kind in spans(e.tags) if kind} for fold in folds]
    entities = sorted(set().union(*found))
    if not entities:
        raise OptionError("entity_folds", "needs training data with typed spans (NER or POS)")
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
        config.chars,
        model.featurizer.bigram_keys,
        config.dictionary,
        config.dictionary_tags,
        config.entities,
        model.featurizer.matcher,
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


def _sample_standards(pieces: list[Example], power: float, rng: random.Random) -> list[Example]:
    """An epoch's pieces when they follow several standards: as many in all, each standard's share
    proportional to its size to ``power`` (so a corpus of a thousand lines is not drowned by one
    of forty thousand), drawn without replacement where a standard has enough, with it where not."""
    by_standard: dict[int, list[Example]] = {}
    for piece in pieces:
        by_standard.setdefault(piece.standard, []).append(piece)
    if len(by_standard) < 2:
        return pieces
    weights = {s: len(p) ** power for s, p in by_standard.items()}
    total = sum(weights.values())
    drawn: list[Example] = []
    for standard, own in sorted(by_standard.items()):
        want = max(1, round(len(pieces) * weights[standard] / total))
        drawn += rng.sample(own, want) if want <= len(own) else own + rng.choices(own, k=want - len(own))
    return drawn


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
