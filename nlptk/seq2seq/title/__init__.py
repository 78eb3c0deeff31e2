"""Article → title generation: a character-level encoder–decoder with attention and a copy prior,
decoded through :mod:`nlptk.decode`."""
