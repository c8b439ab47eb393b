"""The reproduction manifest: every row's config builds and validates, the
HME rows are the thesis' tables, the CLI lists every row."""

import pytest

from experiments import manifest
from experiments.paper_tables import HME_TABLES
from gan_mixtures import validation
from tests.helpers import run_module


@pytest.mark.parametrize("row", manifest.ROWS, ids=lambda r: r.id)
def test_every_row_config_validates(row):
  c = manifest.row_config(row)
  validation.validate_config(c, num_devices=1)
  assert len(row.metrics) == len(row.scale or row.metrics)


def test_rows_cover_the_papers():
  papers = {r.paper for r in manifest.ROWS}
  assert papers == {"MD-GAN", "LDAGAN", "PCM GAN", "MMGAN", "HME-GAN"}
  hme = [r for r in manifest.ROWS if r.paper == "HME-GAN"]
  assert len(hme) == sum(len(v) for v in HME_TABLES.values()) == 150
  row = manifest.BY_ID["hme_t5.8_mnist_hme_l4"]
  assert row.paper_value.startswith("FID 9.15 +- 0.45")
  assert row.config == "configs/hmegan.py:mnist_hme_l4"
  assert manifest.BY_ID["hme_t5.10_celeba_megan_k4"].config == "configs/megan.py:celeba_k4"


def test_list_prints_every_row():
  proc = run_module("experiments.reproduce", "--list")
  assert proc.returncode == 0, proc.stderr[-2000:]
  assert f"{len(manifest.ROWS)} rows" in proc.stdout
  assert "mdgan_ring8" in proc.stdout and "89.03" in proc.stdout
