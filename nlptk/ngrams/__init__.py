"""Streaming n-gram counting: exact counts of 1..n-grams in bounded memory, saved as tables."""

from nlptk.ngrams.counting import NgramCounter, aggregate
from nlptk.ngrams.keys import KeyLayout
from nlptk.ngrams.table import NgramTable, TableWriter, count_to_table

__all__ = ["KeyLayout", "NgramCounter", "NgramTable", "TableWriter", "aggregate", "count_to_table"]
