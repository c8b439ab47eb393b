"""Flax Linen networks and the factory that picks them from a config."""

import flax.linen as nn

from gan_mixtures.nets import dcgan, resnet
from gan_mixtures.nets.dcgan import (
    ConditionalDCGANGenerator, DCGANDiscriminator, DCGANEncoder, DCGANGenerator,
)
from gan_mixtures.nets.heads import EncoderHeads
from gan_mixtures.nets.mlp import MLP, SharedTrunkMLP
from gan_mixtures.nets.resnet import ResNetGenerator, SNResNetDiscriminator
from gan_mixtures.nets.shared import SharedTrunkGenerator

NETS = ("mlp", "dcgan", "resnet")


def make_generator(model_config, out_shape: tuple[int, ...]):
  """The generator network named by `model_config.name`."""
  m = model_config
  if m.name == "mlp":
    (out_dim,) = out_shape
    return MLP(
        hidden=tuple(m.g_hidden),
        out_dim=out_dim,
        activation=m.g_activation,
        out_scale=m.g_out_scale,
    )
  if m.name == "dcgan":
    size, _, channels = out_shape
    return DCGANGenerator(size, channels, width=m.g_width, norm=m.g_norm)
  if m.name == "resnet":
    size, _, channels = out_shape
    return ResNetGenerator(size, channels, width=m.g_width)
  raise ValueError(f"unknown model {m.name!r}; choose from {NETS}")


def make_discriminator(model_config, out_dim: int):
  """The discriminator network named by `model_config.name`, `out_dim` outputs."""
  m = model_config
  if m.name == "mlp":
    return MLP(
        hidden=tuple(m.d_hidden), out_dim=out_dim, activation=m.d_activation,
        norm=m.d_norm,
    )
  if m.name == "dcgan":
    return DCGANDiscriminator(out_dim, width=m.d_width, norm=m.d_norm)
  if m.name == "resnet":
    return SNResNetDiscriminator(out_dim, width=m.d_width)
  raise ValueError(f"unknown model {m.name!r}; choose from {NETS}")


def make_encoder(model_config) -> nn.Module:
  """The discriminator body (no output layer) of `model_config.name`."""
  m = model_config
  if m.name == "dcgan":
    return DCGANEncoder(width=m.d_width, norm=m.d_norm)
  raise ValueError(f"a shared encoder needs model.name='dcgan', got {m.name!r}")


def make_encoder_heads(model_config, d_out: int, c_out: int, c_hidden: int = 0):
  """Encoder + discriminator head (d_out) + classifier head (c_out)."""
  return EncoderHeads(make_encoder(model_config), d_out, c_out, c_hidden)


def make_conditional_generator(model_config, out_shape, num_classes: int):
  """G(z, c) with `num_classes` conditions (DCGAN, conditional batch norm)."""
  m = model_config
  if m.name != "dcgan":
    raise ValueError(f"a conditional generator needs model.name='dcgan', got {m.name!r}")
  size, _, channels = out_shape
  return ConditionalDCGANGenerator(num_classes, size, channels, m.g_width, m.g_norm,
                                   m.g_condition)


def make_shared_trunk_generator(model_config, out_shape, num_generators: int):
  """K generators sharing every layer but the first: z [B, Dz] -> [K, B, ...]."""
  m, k = model_config, num_generators
  if m.name == "mlp":
    (out_dim,) = out_shape
    return SharedTrunkMLP(k, tuple(m.g_hidden), out_dim, m.g_activation, m.g_out_scale)
  size, _, channels = out_shape
  if m.name == "dcgan":
    return SharedTrunkGenerator(
        k, dcgan.trunk_input_shape(size, m.g_width),
        dcgan.DCGANTrunk(size, channels, m.g_width, m.g_norm),
    )
  if m.name == "resnet":
    return SharedTrunkGenerator(
        k, resnet.trunk_input_shape(size, m.g_width),
        resnet.ResNetTrunk(size, channels, m.g_width),
    )
  raise ValueError(f"unknown model {m.name!r}; choose from {NETS}")
