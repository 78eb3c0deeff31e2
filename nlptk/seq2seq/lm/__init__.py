"""Word-level recurrent language models (softmax or self-terminating head) and the
non-termination experiment run on them."""
