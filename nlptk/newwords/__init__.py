"""New-word discovery: multi-order cohesion, cutting, recounting and fragment rejection."""

from nlptk.newwords.discover import DiscoveryConfig, Word, discover_words, reject_fragments

__all__ = ["DiscoveryConfig", "Word", "discover_words", "reject_fragments"]
