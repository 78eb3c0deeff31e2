"""Sequence tagging (torch): gated-convolution encoder + linear-chain CRF for segmentation, NER and POS."""
