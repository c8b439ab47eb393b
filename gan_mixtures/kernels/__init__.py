"""Pure, per-example math kernels (no Flax); callers vmap over the batch."""
