"""New-word discovery: multi-order cohesion, cutting, recounting and fragment rejection; words
new in time against a baseline."""

from nlptk.newwords.baseline import BaselineConfig, Comparison, RisingWord, check_baselines, rising_words
from nlptk.newwords.boundary import reject_fragments
from nlptk.newwords.config import DiscoveryConfig, Word, WordSelection
from nlptk.newwords.discover import discover_words

__all__ = [
    "BaselineConfig",
    "Comparison",
    "DiscoveryConfig",
    "RisingWord",
    "Word",
    "WordSelection",
    "check_baselines",
    "discover_words",
    "reject_fragments",
    "rising_words",
]
