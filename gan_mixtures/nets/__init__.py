"""Flax Linen networks and the factory that picks them from a config."""

from gan_mixtures.nets.mlp import MLP

NETS = ("mlp",)


def make_generator(model_config, out_shape: tuple[int, ...]):
  """The generator network named by `model_config.name`."""
  if model_config.name == "mlp":
    (out_dim,) = out_shape
    return MLP(
        hidden=tuple(model_config.g_hidden),
        out_dim=out_dim,
        activation=model_config.g_activation,
        out_scale=model_config.g_out_scale,
    )
  raise ValueError(f"unknown model {model_config.name!r}; choose from {NETS}")


def make_discriminator(model_config, out_dim: int):
  """The discriminator network named by `model_config.name`, `out_dim` outputs."""
  if model_config.name == "mlp":
    return MLP(
        hidden=tuple(model_config.d_hidden),
        out_dim=out_dim,
        activation=model_config.d_activation,
    )
  raise ValueError(f"unknown model {model_config.name!r}; choose from {NETS}")
