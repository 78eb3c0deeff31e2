"""Couplet (对联) generation as character-level sequence labelling: the second line answers the
first position by position, under constraints (see :mod:`nlptk.seq2seq.couplet.constraints`)."""
