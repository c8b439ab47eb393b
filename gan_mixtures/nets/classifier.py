"""A small CNN digit classifier; its penultimate layer gives "domain
features" for FID / 5-NN on small images."""

import flax.linen as nn
import jax


class DigitClassifier(nn.Module):
  """[B, H, W, C] in [-1, 1] -> logits [B, num_classes] (and features)."""

  num_classes: int = 10
  width: int = 32
  feature_dim: int = 256

  @nn.compact
  def __call__(self, x: jax.Array, return_features: bool = False):
    x = jax.nn.relu(nn.Conv(self.width, (3, 3))(x))
    x = jax.nn.relu(nn.Conv(self.width, (3, 3))(x))
    x = nn.max_pool(x, (2, 2), (2, 2))  # [B, H/2, W/2, w]
    x = jax.nn.relu(nn.Conv(2 * self.width, (3, 3))(x))
    x = nn.max_pool(x, (2, 2), (2, 2))  # [B, H/4, W/4, 2w]
    x = x.reshape(x.shape[0], -1)
    feats = jax.nn.relu(nn.Dense(self.feature_dim)(x))  # [B, feature_dim]
    logits = nn.Dense(self.num_classes)(feats)
    return (logits, feats) if return_features else logits


class PCMClassifier(nn.Module):
  """The stand-alone C of the PCM GAN (Table I, "not shared"): conv5 s1 32
  + ReLU, max-pool 2, conv5 s2 16 + ReLU, Dense 1024 + ReLU, Dense K logits."""

  num_classes: int
  hidden: int = 1024

  @nn.compact
  def __call__(self, x: jax.Array) -> jax.Array:
    x = jax.nn.relu(nn.Conv(32, (5, 5))(x))  # [B, H, W, 32]
    x = nn.max_pool(x, (2, 2), (2, 2))  # [B, H/2, W/2, 32]
    x = jax.nn.relu(nn.Conv(16, (5, 5), strides=(2, 2))(x))  # [B, H/4, W/4, 16]
    x = x.reshape(x.shape[0], -1)
    x = jax.nn.relu(nn.Dense(self.hidden)(x))
    return nn.Dense(self.num_classes)(x)
