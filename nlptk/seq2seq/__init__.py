"""The encoder–decoder room: what the generators share, and the generators themselves.

- :mod:`~nlptk.seq2seq.vocab`: token ids, with the special ids defined once;
- :mod:`~nlptk.seq2seq.layers`: the gated convolution block and self-attention;
- :mod:`~nlptk.seq2seq.training`: the one training loop (:func:`~nlptk.seq2seq.training.fit`)
  and its typed record, used by every trainer (the tagger's too);
- :mod:`~nlptk.seq2seq.model_dir`: model directories (config.json + weights, loaded safely) and
  the shipped models;
- the applications: :mod:`~nlptk.seq2seq.lm` (language models), :mod:`~nlptk.seq2seq.couplet`
  and :mod:`~nlptk.seq2seq.title`.

Importing this package imports no torch; its modules that need torch import it themselves.
"""
