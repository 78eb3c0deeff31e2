"""The tagger on numpy alone: the same model directory and the same answers as the torch
:class:`~nlptk.tagging.model.Tagger`, without torch (``pip install nlptk``, no extras).

The forward pass is the encoder's, in float32: embeddings of the character and of the bigrams
ending and starting at it (plus dictionary flags and the standard's vector where the model has
them) -> a linear projection -> gated dilated convolutions, each one matrix product over shifted
copies of its input -> an optional BiLSTM -> emission scores; decoding is the shared Viterbi.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import numpy as np

from nlptk.parallel import default_workers, ordered_map
from nlptk.seq2seq.model_dir import expand_state, load_model_directory, model_path
from nlptk.tagging import inference
from nlptk.tagging.config import TaggerConfig
from nlptk.tagging.features import Batch, Featurizer
from nlptk.tagging.inference import TaggerBase
from nlptk.tagging.schemes import TagScheme


@dataclass
class ConvLayer:
    """A gated convolution as one matrix product: ``weight`` (kernel · dim, 2 · dim) applied to the
    input's copies shifted by ``(k − kernel // 2) · dilation`` positions, side by side. The gate's
    weights and bias are stored negated, so the product gives −gate and σ(gate) = 1 / (1 + e^−gate)
    needs no negation (negating is exact: the result is the same)."""

    weight: np.ndarray
    bias: np.ndarray
    dilation: int
    kernel: int

    @classmethod
    def of(cls, weight: np.ndarray, bias: np.ndarray, dilation: int) -> ConvLayer:
        """From torch's Conv1d layout (2 · dim, dim, kernel)."""
        out, dim, kernel = weight.shape
        stacked = np.ascontiguousarray(weight.transpose(2, 1, 0).reshape(kernel * dim, out))
        stacked[:, dim:] *= -1
        bias = bias.copy()
        bias[dim:] *= -1
        return cls(stacked, bias, dilation, kernel)

    @property
    def reach(self) -> int:
        """How many positions to each side the layer reads."""
        return self.dilation * (self.kernel // 2)

    def __call__(self, x: np.ndarray, padding: np.ndarray, margin: int) -> np.ndarray:
        """x(1−σ) + value·σ of the rows ``margin:-margin`` of ``x`` (positions, dim), whose
        margins are zeros; zero at the rows ``padding`` of the result."""
        size, dim = x.shape[0] - 2 * margin, x.shape[1]
        shifted = np.empty((size, self.kernel * dim), dtype=np.float32)
        for k in range(self.kernel):
            at = margin + (k - self.kernel // 2) * self.dilation
            shifted[:, k * dim : (k + 1) * dim] = x[at : at + size]
        out = shifted @ self.weight
        out += self.bias
        value, gate = out[:, :dim], sigmoid_of_negated(out[:, dim:])
        core = x[margin : margin + size]
        value -= core
        value *= gate
        value += core
        value[padding] = 0
        return value


@dataclass
class LSTMDirection:
    """One direction of a BiLSTM layer (torch's gate order: input, forget, cell, output)."""

    input_weight: np.ndarray  # (in, 4H)
    hidden_weight: np.ndarray  # (H, 4H)
    bias: np.ndarray  # (4H,)
    reverse: bool

    def __call__(self, x: np.ndarray, mask: np.ndarray) -> np.ndarray:
        """``x`` (B, T, in), ``mask`` (B, T, 1) of right-padded rows -> (B, T, H), each row read
        from its own end when ``reverse``."""
        batch, length, _ = x.shape
        size = self.hidden_weight.shape[0]
        inputs = x @ self.input_weight + self.bias
        h = np.zeros((batch, size), dtype=np.float32)
        c = np.zeros((batch, size), dtype=np.float32)
        out = np.zeros((batch, length, size), dtype=np.float32)
        for t in range(length - 1, -1, -1) if self.reverse else range(length):
            gates = inputs[:, t] + h @ self.hidden_weight
            i, f, g, o = np.split(gates, 4, axis=1)
            c_next = sigmoid(f) * c + sigmoid(i) * np.tanh(g)
            h_next = sigmoid(o) * np.tanh(c_next)
            live = mask[:, t]
            c = np.where(live, c_next, c)
            h = np.where(live, h_next, h)
            out[:, t] = h_next * live
        return out


def sigmoid(x: np.ndarray) -> np.ndarray:
    """1 / (1 + e^−x), computed in place in ``x``."""
    return sigmoid_of_negated(np.negative(x, out=x))


def sigmoid_of_negated(x: np.ndarray) -> np.ndarray:
    """σ(−x) = 1 / (1 + e^x), computed in place in ``x`` (e^x may overflow to inf: the result is then 0)."""
    with np.errstate(over="ignore"):
        np.exp(x, out=x)
    x += 1
    np.reciprocal(x, out=x)
    return x


class NumpyTagger(TaggerBase):
    """A tagger model directory run with numpy; ``NumpyTagger.load()`` is the shipped segmenter.
    Batches are tagged side by side on ``threads`` threads (0: every CPU), each with a
    single-threaded BLAS."""

    backend = "numpy"
    threads = 0

    def __init__(self, config: TaggerConfig, featurizer: Featurizer, state: dict[str, np.ndarray]) -> None:
        self.config = config
        self.featurizer = featurizer
        self.scheme = TagScheme(tuple(config.tags))
        weights = expand_state(state)
        self.chars = weights["encoder.chars.weight"]
        self.bigrams = weights.get("encoder.bigrams.weight")
        self.standards = weights.get("encoder.standards.weight")
        self.project_weight = np.ascontiguousarray(weights["encoder.project.weight"].T)
        self.project_bias = weights["encoder.project.bias"]
        self.blocks = [
            ConvLayer.of(weights[f"encoder.blocks.{i}.conv.weight"], weights[f"encoder.blocks.{i}.conv.bias"], d)
            for i, d in enumerate(config.dilations)
        ]
        directions = (self._lstm(weights, suffix, reverse) for suffix, reverse in (("", False), ("_reverse", True)))
        self.lstm = [direction for direction in directions if direction is not None]
        self.output_weight = np.ascontiguousarray(weights["output.weight"].T)
        self.output_bias = weights["output.bias"]
        self._crf = tuple(
            weights[f"crf.{name}"] + weights[f"crf.{penalty}"]
            for name, penalty in (("transitions", "trans_penalty"), ("start", "start_penalty"), ("end", "end_penalty"))
        )

    @staticmethod
    def _lstm(weights: dict[str, np.ndarray], suffix: str, reverse: bool) -> LSTMDirection | None:
        name = f"encoder.lstm.weight_ih_l0{suffix}"
        if name not in weights:
            return None
        bias = weights[f"encoder.lstm.bias_ih_l0{suffix}"] + weights[f"encoder.lstm.bias_hh_l0{suffix}"]
        hidden = weights[f"encoder.lstm.weight_hh_l0{suffix}"]
        return LSTMDirection(np.ascontiguousarray(weights[name].T), np.ascontiguousarray(hidden.T), bias, reverse)

    @classmethod
    def load(cls, path: str | os.PathLike[str] | None = None) -> NumpyTagger:
        """Load a model directory (without ``path``, the shipped segmenter)."""
        path = model_path(path, inference.SHIPPED, inference.TRAIN_COMMAND)
        return load_model_directory(path, inference.FORMAT, inference.NAME, cls.from_saved)

    @classmethod
    def from_saved(cls, raw: dict, state: dict[str, np.ndarray]) -> NumpyTagger:
        config, featurizer = inference.read_parts(raw, state)
        return cls(config, featurizer, state)

    def crf_scores(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        return self._crf  # type: ignore[return-value]

    def map_batches(self, tag: Callable[[list[int]], list[np.ndarray]], batches: list[list[int]]) -> Iterator:
        from threadpoolctl import threadpool_limits

        threads = self.threads or default_workers()
        workers = max(1, min(threads, len(batches)))
        with threadpool_limits(1 if workers > 1 else threads, user_api="blas"):
            yield from ordered_map(tag, batches, workers)

    def emissions(self, batch: Batch) -> np.ndarray:
        """The rows of the batch laid end to end, each followed by zeros enough for every layer's
        reach, so that each convolution is one matrix product over shifted slices of one array."""
        rows, length = batch.chars.shape
        margin = max((block.reach for block in self.blocks), default=0)
        stride = length + margin  # a row and the zeros after it
        flat_mask = np.zeros((rows, stride), dtype=bool)
        flat_mask[:, :length] = batch.mask
        padding = np.flatnonzero(~flat_mask.ravel())
        x = np.zeros((rows * stride + 2 * margin, self.project_weight.shape[1]), dtype=np.float32)
        core = x[margin : margin + rows * stride].reshape(rows, stride, -1)
        core[:, :length] = self._projected(batch)
        core[~flat_mask] = 0
        for block in self.blocks:
            x[margin : margin + rows * stride] = block(x, padding, margin)
        encoded = x[margin : margin + rows * stride].reshape(rows, stride, -1)[:, :length]
        if self.lstm:
            row_mask = batch.mask[:, :, None].astype(np.float32)
            encoded = np.concatenate([direction(encoded, row_mask) for direction in self.lstm], axis=2)
        out = encoded.reshape(-1, encoded.shape[2]) @ self.output_weight
        out += self.output_bias
        return out.reshape(rows, length, -1)

    def _projected(self, batch: Batch) -> np.ndarray:
        """(B, T, dim): the projection of each position's features."""
        parts = [self.chars.take(batch.chars, axis=0)]
        if self.bigrams is not None:
            parts += [self.bigrams.take(batch.left, axis=0), self.bigrams.take(batch.right, axis=0)]
        if batch.words is not None:
            parts.append(batch.words)
        if self.standards is not None:
            rows = batch.standards if batch.standards is not None else np.zeros(len(batch.chars), dtype=np.int64)
            vectors = self.standards[rows][:, None, :]
            parts.append(np.broadcast_to(vectors, (*batch.chars.shape, vectors.shape[2])))
        features = np.concatenate(parts, axis=2)
        x = features.reshape(-1, features.shape[2]) @ self.project_weight  # one product (3-d @ loops rows)
        x += self.project_bias
        return x.reshape(*batch.chars.shape, -1)
