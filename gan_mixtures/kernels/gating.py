"""Gates of (hierarchical) mixtures of experts (HME-GAN / ME-GAN thesis).

HME: a complete binary tree of depth L with M = 2^L - 1 internal nodes in
heap order (node m's children are 2m+1 and 2m+2); node m's gate is
sigma_m = sigmoid(w_m . z + b_m); the left child takes sigma_m, the right
1 - sigma_m; a leaf's weight is the product along its root path (Eq. 4.8).
Computed level by level with array ops: no Python loop over nodes (only over
the L levels, unrolled at trace time). ME: a softmax gate over K leaves.
MEGAN: a hard choice of one generator by the straight-through Gumbel-softmax.
"""

import jax
import jax.numpy as jnp


def node_probabilities(
    z: jax.Array, node_w: jax.Array, node_b: jax.Array
) -> jax.Array:
  """Probability of reaching every node of the tree (root first, heap order).

  Args:
    z: [Dz] input.
    node_w: [M, Dz] gate weights of the M = 2^L - 1 internal nodes.
    node_b: [M] gate biases.

  Returns:
    [2M + 1] reach probabilities of all nodes (internal then leaves, heap
    order); the last 2^L entries are the leaf weights. They are the
    soft counts of every node.
  """
  num_internal = node_w.shape[0]
  depth = (num_internal + 1).bit_length() - 1
  sig = jax.nn.sigmoid(node_w @ z + node_b)  # [M]
  levels = [jnp.ones((1,), z.dtype)]
  for level in range(depth):
    first = 2**level - 1  # heap index of the first node of this level
    s = sig[first : first + 2**level]  # [2^level]
    parent = levels[-1]
    children = jnp.stack([parent * s, parent * (1.0 - s)], axis=-1)  # [2^l, 2]
    levels.append(children.reshape(-1))  # [2^(l+1)], heap order
  return jnp.concatenate(levels)


def hme_gates(z: jax.Array, node_w: jax.Array, node_b: jax.Array) -> jax.Array:
  """Leaf weights [2^L] of a depth-L tree for one input z [Dz]; sum to 1."""
  num_leaves = node_w.shape[0] + 1
  return node_probabilities(z, node_w, node_b)[-num_leaves:]


def me_gates(z: jax.Array, w: jax.Array, b: jax.Array) -> jax.Array:
  """Softmax gate a(z) = softmax(W z + b) over K leaves; w [K, Dz], b [K]."""
  return jax.nn.softmax(w @ z + b)


def mix_leaves(gates: jax.Array, leaves: jax.Array) -> jax.Array:
  """sum_i gates_i leaves_i for gates [K] and leaves [K, ...]."""
  return jnp.tensordot(gates, leaves, axes=1)


def gumbel_softmax(
    rng: jax.Array, logits: jax.Array, tau: float = 1.0
) -> jax.Array:
  """A soft Gumbel-softmax sample softmax((logits + g) / tau), g standard
  Gumbel noise (-log(-log u)); logits [..., K] -> [..., K]."""
  g = jax.random.gumbel(rng, logits.shape, logits.dtype)
  return jax.nn.softmax((logits + g) / tau, axis=-1)


def straight_through(soft: jax.Array) -> jax.Array:
  """The one-hot argmax of `soft` in the forward pass, the gradient of
  `soft` in the backward pass (Jang et al. 2017; MEGAN's gate)."""
  hard = jax.nn.one_hot(jnp.argmax(soft, axis=-1), soft.shape[-1],
                        dtype=soft.dtype)
  return soft + jax.lax.stop_gradient(hard - soft)
