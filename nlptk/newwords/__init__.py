"""New-word discovery: multi-order cohesion, cutting, recounting and fragment rejection."""

from nlptk.newwords.boundary import reject_fragments
from nlptk.newwords.config import DiscoveryConfig, Word, WordSelection
from nlptk.newwords.discover import discover_words

__all__ = ["DiscoveryConfig", "Word", "WordSelection", "discover_words", "reject_fragments"]
