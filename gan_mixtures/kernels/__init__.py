"""Pure math kernels (no Flax): per-example ones that callers vmap over the
batch, and conv.py's batched convolutions."""
