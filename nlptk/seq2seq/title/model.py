"""The title model (character level, one embedding shared by encoder and decoder).

Encoder: a 2-layer BiLSTM, or gated residual convolutions (``encoder="conv"``). Decoder: a
2-layer LSTM whose state attends (multiplicative attention, padding masked) over the encoder
states; [state, context, max-pool of the encoder] → Dense(relu) → scores over characters.
Copy prior: χ ∈ {0,1}^V marks the characters present in the article, and the scores are
averaged with a learned per-character scale-and-shift of χ: (y + s⊗χ + t) / 2. Copy attention
(``copy_attention``): the output distribution is mixed, by a learned gate g, with the attention
weights summed per article character, g·softmax(scores) + (1 − g)·copy, so a character can be
copied from where the decoder attends.

:class:`TitleDecoder` is the :class:`~nlptk.decode.StepModel` view: the article is encoded once
and each step feeds one character to the LSTM with its cached state.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, fields

import torch
from torch import nn

from nlptk.seq2seq.layers import GatedConvBlock
from nlptk.seq2seq.model_dir import SavedModel
from nlptk.seq2seq.title.config import TitleConfig
from nlptk.seq2seq.vocab import EOS_ID, UNK_ID, Vocabulary


@dataclass(frozen=True)
class TitleMemory:
    """The decoder's view of a batch of encoded articles."""

    ids: torch.Tensor  # (B, S) character ids of the article
    states: torch.Tensor  # (B, S, D) encoder states
    mask: torch.Tensor  # (B, S) real positions
    pooled: torch.Tensor  # (B, D) max-pool of the states
    chi: torch.Tensor  # (B, V) 1 for the characters present in the article (the copy prior's input)

    def select(self, rows: torch.Tensor) -> TitleMemory:
        """The memory of ``rows`` of the batch (repeats allowed)."""
        return TitleMemory(*(getattr(self, f.name)[rows] for f in fields(self)))


class TitleModel(nn.Module, SavedModel):
    FORMAT, CONFIG, NAME, INT8 = "nlptk-title", TitleConfig, "title model", ("embedding.weight",)
    SHIPPED, TRAIN_COMMAND = "title", "nlptk title train"

    def __init__(self, config: TitleConfig) -> None:
        super().__init__()
        self.config = config
        self.vocab = Vocabulary(config.chars)
        size, width = len(config.chars), config.encoder_size
        self.embedding = nn.Embedding(size, config.dim)
        self.dropout = nn.Dropout(config.dropout)
        if config.encoder == "lstm":
            self.lstm = nn.LSTM(config.dim, width // 2, 2, batch_first=True, bidirectional=True, dropout=config.dropout)
        else:
            self.project = nn.Linear(config.dim, width)
            self.blocks = nn.ModuleList(GatedConvBlock(width, 3, d, config.dropout) for d in config.dilations)
        self.decoder = nn.LSTM(config.dim, config.decoder_size, 2, batch_first=True, dropout=config.dropout)
        self.attend = nn.Linear(config.decoder_size, width, bias=False)
        self.mix = nn.Linear(config.decoder_size + 2 * width, config.hidden)
        self.output = nn.Linear(config.hidden, size)
        if config.copy_attention:
            self.copy_gate = nn.Linear(config.decoder_size + width, 1)
        if config.copy_prior:
            self.prior_log_scale = nn.Parameter(torch.zeros(size))
            self.prior_shift = nn.Parameter(torch.zeros(size))

    def encode_texts(self, texts: Sequence[str], limit: int, end: bool = False) -> tuple[torch.Tensor, torch.Tensor]:
        """Character ids (B, T) of the first ``limit`` characters of each text (0-padded; ``end``
        appends <eos>), and the mask of real positions."""
        rows = [self.vocab.encode(text[:limit]) + ([EOS_ID] if end else []) for text in texts]
        width = max(1, max(len(r) for r in rows))
        ids = torch.zeros((len(rows), width), dtype=torch.long)
        mask = torch.zeros((len(rows), width), dtype=torch.bool)
        for i, row in enumerate(rows):
            ids[i, : len(row)] = torch.tensor(row, dtype=torch.long)
            mask[i, : len(row)] = True
        return ids, mask

    def encode(self, ids: torch.Tensor, mask: torch.Tensor) -> TitleMemory:
        """The decoder's view of the articles: encoder states, their mask, their max-pool and χ."""
        x = self.dropout(self.embedding(ids))
        if self.config.encoder == "lstm":
            lengths = mask.sum(1).clamp(min=1).cpu()
            packed = nn.utils.rnn.pack_padded_sequence(x, lengths, batch_first=True, enforce_sorted=False)
            states, _ = self.lstm(packed)
            states, _ = nn.utils.rnn.pad_packed_sequence(states, batch_first=True, total_length=ids.shape[1])
        else:
            maskf = mask[:, None, :].float()
            h = self.project(x).transpose(1, 2) * maskf
            for block in self.blocks:
                h = block(h, maskf)
            states = h.transpose(1, 2)
        pooled = states.masked_fill(~mask[..., None], float("-inf")).max(dim=1).values
        chi = torch.zeros((len(ids), len(self.vocab)))
        chi.scatter_(1, ids, mask.float())
        chi[:, EOS_ID] = chi[:, UNK_ID] = 0
        return TitleMemory(ids, states, mask, pooled, chi)

    def scores(self, memory: TitleMemory, previous: torch.Tensor, state=None):
        """Log-probabilities (B, T, V) of the characters after ``previous`` (B, T), and the LSTM state."""
        hidden, state = self.decoder(self.dropout(self.embedding(previous)), state)
        # Multiplicative attention: softmax over article positions of (h W) · s.
        weights = torch.einsum("btd,bsd->bts", self.attend(hidden), memory.states) / self.config.encoder_size**0.5
        weights = weights.masked_fill(~memory.mask[:, None, :], float("-inf")).softmax(dim=-1)
        context = torch.einsum("bts,bsd->btd", weights, memory.states)
        pooled = memory.pooled[:, None, :].expand(-1, hidden.shape[1], -1)
        mixed = torch.relu(self.mix(self.dropout(torch.cat([hidden, context, pooled], dim=-1))))
        logits = self.output(self.dropout(mixed))
        if self.config.copy_prior:
            prior = memory.chi * self.prior_log_scale.exp() + self.prior_shift
            logits = (logits + prior[:, None, :]) / 2
        if not self.config.copy_attention:
            return torch.log_softmax(logits.float(), dim=-1), state
        # p = g·softmax(scores) + (1 − g)·(attention weights summed per article character).
        keep = torch.sigmoid(self.copy_gate(torch.cat([hidden, context], dim=-1)).float())
        sources = memory.ids[:, None, :].expand(-1, hidden.shape[1], -1)
        copied = torch.zeros_like(logits, dtype=torch.float32).scatter_add_(2, sources, weights.float())
        probs = keep * torch.softmax(logits.float(), dim=-1) + (1 - keep) * copied
        return torch.log(probs.clamp(min=1e-30)), state

    def loss(self, articles: Sequence[str], titles: Sequence[str]) -> torch.Tensor:
        """Mean cross-entropy per title character (and final <eos>), teacher forcing."""
        ids, mask = self.encode_texts(articles, self.config.max_input)
        targets, target_mask = self.encode_texts(titles, self.config.max_title, end=True)
        previous = torch.cat([torch.full((len(targets), 1), EOS_ID), targets[:, :-1]], dim=1)
        log_probs, _ = self.scores(self.encode(ids, mask), previous)
        picked = log_probs.gather(2, targets[..., None])[..., 0]
        return -picked[target_mask].mean()


class TitleDecoder:
    """:class:`~nlptk.decode.StepModel` over encoded articles; the state is (memory, LSTM state)."""

    def __init__(self, model: TitleModel) -> None:
        self.model = model

    def step(self, state, tokens: torch.Tensor):
        memory, recurrent = state
        log_probs, recurrent = self.model.scores(memory, tokens[:, None], recurrent)
        return log_probs[:, 0], (memory, recurrent)

    def select(self, state, rows: torch.Tensor):
        memory, recurrent = state
        memory = memory.select(rows)
        if recurrent is not None:
            recurrent = tuple(part[:, rows] for part in recurrent)
        return memory, recurrent
