"""Flax Linen networks and the factory that picks them from a config."""

from gan_mixtures.nets.dcgan import DCGANDiscriminator, DCGANGenerator
from gan_mixtures.nets.mlp import MLP

NETS = ("mlp", "dcgan")


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
  raise ValueError(f"unknown model {m.name!r}; choose from {NETS}")
