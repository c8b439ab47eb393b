"""Flax Linen networks and the factory that picks them from a config."""

import flax.linen as nn

from gan_mixtures.nets import dcgan, plans, resnet, shared
from gan_mixtures.nets.dcgan import (
    ConditionalDCGANGenerator, DCGANDiscriminator, DCGANEncoder, DCGANGenerator,
)
from gan_mixtures.nets.heads import EncoderHeads
from gan_mixtures.nets.mlp import MLP, MLPEncoder, SharedTrunkMLP
from gan_mixtures.nets.resnet import ResNetGenerator, SNResNetDiscriminator
from gan_mixtures.nets.shared import GeneratorHeads, SharedTrunkGenerator

NETS = ("mlp", "dcgan", "resnet", "tfdcgan", "unrolled")
PLAN_NETS = ("tfdcgan", "unrolled")  # nets/plans.py


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
    return DCGANGenerator(size, channels, width=m.g_width, norm=m.g_norm,
                          out_conv=m.g_out_conv, kernel=m.g_kernel,
                          init_std=m.g_init_std)
  if m.name == "resnet":
    size, _, channels = out_shape
    return ResNetGenerator(size, channels, width=m.g_width)
  if m.name in PLAN_NETS:
    size, _, channels = out_shape
    return plans.PlanGenerator(m.name, size, channels, m.g_width)
  raise ValueError(f"unknown model {m.name!r}; choose from {NETS}")


def make_discriminator(model_config, out_dim: int):
  """The discriminator network named by `model_config.name`, `out_dim`
  outputs."""
  m = model_config
  if m.name == "mlp":
    return MLP(
        hidden=tuple(m.d_hidden), out_dim=out_dim, activation=m.d_activation,
        norm=m.d_norm,
    )
  if m.name == "dcgan":
    return DCGANDiscriminator(out_dim, **_encoder_options(m))
  if m.name == "resnet":
    return SNResNetDiscriminator(out_dim, width=m.d_width)
  if m.name in PLAN_NETS:
    return plans.PlanDiscriminator(m.name, out_dim, m.d_width)
  raise ValueError(f"unknown model {m.name!r}; choose from {NETS}")


def _encoder_options(m) -> dict:
  return dict(width=m.d_width, norm=m.d_norm, kernels=tuple(m.d_kernels),
              norm_first=m.d_norm_first, activation=m.d_activation,
              init_std=m.d_init_std, layers=m.d_layers,
              spectral_norm=m.d_spectral_norm)


def make_encoder(model_config) -> nn.Module:
  """The discriminator body (no output layer) of `model_config.name`."""
  m = model_config
  if m.name == "dcgan":
    return DCGANEncoder(**_encoder_options(m))
  if m.name == "mlp":
    if m.d_spectral_norm:
      raise ValueError("model.d_spectral_norm is for the dcgan D")
    return MLPEncoder(tuple(m.d_hidden), m.d_activation, m.d_norm)
  raise ValueError(
      f"a shared encoder needs model.name 'dcgan' or 'mlp', got {m.name!r}")


def make_encoder_heads(model_config, d_out: int, c_out: int, c_hidden: int = 0):
  """Encoder + discriminator head (d_out) + classifier head (c_out)."""
  return EncoderHeads(make_encoder(model_config), d_out, c_out, c_hidden,
                      model_config.d_spectral_norm)


def make_conditional_generator(model_config, out_shape, num_classes: int):
  """G(z, c) with `num_classes` conditions (DCGAN, conditional batch norm)."""
  m = model_config
  if m.name != "dcgan":
    raise ValueError(
        f"a conditional generator needs model.name='dcgan', got {m.name!r}")
  size, _, channels = out_shape
  return ConditionalDCGANGenerator(num_classes, size, channels, m.g_width,
                                   m.g_norm, m.g_condition, m.g_out_conv)


def make_trunk(model_config, out_shape, blocks=None) -> dcgan.DCGANTrunk:
  """The DCGAN trunk after G's first layer (`blocks` of it)."""
  m = model_config
  size, _, channels = out_shape
  return dcgan.DCGANTrunk(size, channels, m.g_width, m.g_norm,
                          out_conv=m.g_out_conv, kernel=m.g_kernel,
                          init_std=m.g_init_std, blocks=blocks)


def first_layer_norm(model_config) -> str:
  """The norm of K generators' first layers: model.g_first_norm, or by
  default g_norm's per-generator form ('layer' has none)."""
  m = model_config
  if m.g_first_norm:
    return m.g_first_norm
  return m.g_norm if m.g_norm in shared.FIRST_NORMS else "none"


def make_shared_trunk_generator(model_config, out_shape, num_generators: int):
  """K generators sharing every layer but the first (`model.g_unshared`
  layers): z [B, Dz] -> [K, B, ...]."""
  m, k = model_config, num_generators
  if m.name == "mlp":
    (out_dim,) = out_shape
    return SharedTrunkMLP(k, tuple(m.g_hidden), out_dim, m.g_activation,
                          m.g_out_scale)
  size, _, channels = out_shape
  if m.name == "dcgan":
    heads = GeneratorHeads(k, dcgan.trunk_input_shape(size, m.g_width),
                           first_layer_norm(m), "relu",
                           shared.first_init(m.g_init_std, m.g_first_init))
    trunk = lambda blocks: make_trunk(m, out_shape, blocks)
    _, n = dcgan.num_upsamples(size)
    u = m.g_unshared - 1  # trunk blocks per generator
    return SharedTrunkGenerator(
        k, heads, trunk((u, n)), trunk((0, u)) if u > 0 else None)
  if m.name == "resnet":  # the first res-block normalises and activates
    heads = GeneratorHeads(k, resnet.trunk_input_shape(size, m.g_width),
                           "none", "none", shared.XAVIER_SQRT2)
    return SharedTrunkGenerator(k, heads,
                                resnet.ResNetTrunk(size, channels, m.g_width))
  raise ValueError(f"unknown model {m.name!r}; choose from {NETS}")
