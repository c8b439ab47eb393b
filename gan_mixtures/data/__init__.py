"""Data sets, chosen by `config.data.name`.

2D sets (`kind == '2d'`, `on_device`): `sample(rng, shape)` is jittable and
runs inside the train step; they expose `means`, `stds`, `weights` (None
where there are no modes). Image sets (`kind == 'image'`): host batches with
deterministic per-step indices (`host_batch(step, shape)`), see images.py.
Both have `example_shape` and `example_batch(n)`.
"""

from typing import Callable

from gan_mixtures.data import images, sources, splits, synthetic

DATASETS_2D: dict[str, Callable] = {
    "ring": synthetic.make_ring,
    "grid": synthetic.make_grid,
    "spiral": synthetic.make_spiral,
    "lda_mixture": synthetic.make_lda_mixture,
}

# Image sets: tfds name, native channels, number of classes.
IMAGE_SETS: dict[str, tuple[str, int, int]] = {
    "mnist": ("mnist", 1, 10),
    "fashion_mnist": ("fashion_mnist", 1, 10),
    "stacked_mnist": ("mnist", 1, 1000),
    "digits": ("", 1, 10),
    "cifar10": ("cifar10", 3, 10),
    "cifar100": ("cifar100", 3, 100),
    "imagenet32": ("downsampled_imagenet/32x32", 3, 1000),
    "celeb_a": ("celeb_a", 3, 1),
    "oxford_flowers102": ("oxford_flowers102", 3, 102),
    "utzap50k": ("", 3, 1),  # UT Zappos50K: no tfds set; data.source 'folder'
}

DATASETS = sorted(DATASETS_2D) + sorted(IMAGE_SETS)
SOURCES = ("auto", "tfds", "local_mnist", "sklearn_digits", "folder", "random")


def make_source(dc, split: str):
  """The random-access source of an image set (see sources.py)."""
  tfds_name = dc.tfds_name or IMAGE_SETS[dc.name][0]
  kind = dc.source
  if kind not in SOURCES:
    raise ValueError(f"unknown data.source {kind!r}; choose from {SOURCES}")
  if kind == "auto":
    if dc.name == "digits":
      kind = "sklearn_digits"
    elif not tfds_name:
      kind = "folder"
    elif tfds_name == "mnist" and not dc.download:
      kind = "local_mnist"  # offline by default: the IDX files
    else:
      kind = "tfds"
  if kind == "random":  # noise images of the set's native channels
    side = max(dc.image_size, dc.crop)
    _, channels, classes = IMAGE_SETS[dc.name]
    classes = 10 if dc.name == "stacked_mnist" else classes  # MNIST digits
    src = sources.random_images((side, side, channels), classes)
  elif kind == "sklearn_digits":
    src = sources.sklearn_digits(split)
  elif kind == "local_mnist":
    src = sources.local_mnist(sources.mnist_dir(dc.mnist_dir), split)
  elif kind == "folder":
    src = sources.FolderSource(dc.image_dir, split, dc.folder_test_size)
  else:
    src = sources.TfdsSource(
        tfds_name, split, dc.tfds_data_dir or None, dc.download
    )
  if len(dc.classes) or dc.major_class >= 0:
    src = sources.SubsetSource(
        src,
        sources.class_subset(
            src.all_labels, tuple(dc.classes), dc.major_class, dc.minor_count
        ),
    )
  return src


def make_dataset(data_config, seed: int = 0, split: str | None = None):
  """Builds the data set named by `data_config.name`."""
  dc = data_config
  if dc.name in DATASETS_2D:
    return DATASETS_2D[dc.name](dc)
  if dc.name not in IMAGE_SETS:
    raise ValueError(f"unknown dataset {dc.name!r}; choose from {DATASETS}")
  split = split or dc.split
  source = make_source(dc, split)
  if dc.split_case or len(dc.label_sets):
    return make_multi_set(dc, source, seed, split)
  return _image_dataset(dc, source, seed, split)


def source_key(dc) -> dict:
  """The data options that select a source's examples (cache keys)."""
  return {"source": dc.source, "tfds_name": dc.tfds_name,
          "image_dir": dc.image_dir if dc.source == "folder" else "",
          "classes": list(dc.classes), "major_class": dc.major_class,
          "minor_count": dc.minor_count if dc.major_class >= 0 else None}


def _image_dataset(dc, source, seed: int, split: str,
                   part: int | None = None) -> images.ImageDataset:
  _, native_channels, num_classes = IMAGE_SETS[dc.name]
  return images.ImageDataset(
      name=dc.name,
      source=source,
      split_name=split,
      image_size=dc.image_size,
      channels=dc.channels or native_channels,
      resize=dc.resize,
      crop=dc.crop,
      seed=seed,
      stack=3 if dc.name == "stacked_mnist" else 1,
      num_classes=num_classes,
      source_key={**source_key(dc), "part": part},
  )


def make_multi_set(dc, source, seed: int, split: str) -> splits.MultiSetDataset:
  """The n disjoint class-split sets of `data.split_case` / `label_sets`."""
  label_sets = splits.resolve_label_sets(dc.split_case, dc.label_sets)
  labels = source.all_labels
  parts = splits.disjoint_class_splits(labels, label_sets, seed=seed)
  sets = [
      _image_dataset(dc, sources.SubsetSource(source, idx), seed * 1000 + i,
                     split, part=i)
      for i, idx in enumerate(parts)
  ]
  return splits.MultiSetDataset(
      sets, label_sets, splits.true_priors(labels, parts, label_sets)
  )
