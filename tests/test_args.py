"""Config arguments (configs/args.py): order-free, named, typed, listed,
one-line errors; README's table is the generated one."""

import itertools
import os

import pytest

from configs import args, hmegan, ldagan, mdgan, mmgan, pcmgan, vanilla
from experiments import list_configs
from tests.helpers import REPO, run_module

# (module, spelling) with several tokens each
SPELLINGS = [
    (vanilla, "mnist,small,wgan_gp"),
    (hmegan, "spiral,me,z1"),
    (ldagan, "ring8,untie2,k4,delay2"),
    (mmgan, "mnist_a,fixed,ns"),
    (pcmgan, "mnist,small,weighted_xx,ns"),
    (mdgan, "ring8,paper_nets"),
]


@pytest.mark.parametrize("module,spelling", SPELLINGS)
def test_any_order_of_the_tokens_gives_one_config(module, spelling):
  tokens = spelling.split(",")
  want = module.get_config(spelling).to_dict()
  for order in itertools.permutations(tokens):
    assert module.get_config(",".join(order)).to_dict() == want, order


def test_a_lone_option_gets_the_methods_defaults_for_its_default_data():
  assert (hmegan.get_config("z1").to_dict()
          == hmegan.get_config("spiral,z1").to_dict())
  z1 = hmegan.get_config("z1")
  assert z1.data.name == "spiral" and z1.method.gp_weight == hmegan.GP_WEIGHT_2D
  assert z1.model.z_dim == 1  # after the data set's own z_dim (4)
  k4 = ldagan.get_config("k4")
  assert k4.data.name == "ring" and k4.method.num_generators == 4
  # an image preset's generator count, then k: k wins whatever the order
  assert ldagan.get_config("k4,cifar10").method.num_generators == 4


def test_named_values_are_the_bare_spellings():
  named = hmegan.get_config("data=spiral,z_dim=1").to_dict()
  assert named == hmegan.get_config("z1,spiral").to_dict()
  assert (ldagan.get_config("k=4,delay=2").to_dict()
          == ldagan.get_config("ring8,k4,delay2").to_dict())
  assert ldagan.get_config("k=4").name == "ldagan:ring8,k4"
  assert (pcmgan.get_config("mnist,ns=true").to_dict()
          == pcmgan.get_config("mnist,ns").to_dict())
  assert pcmgan.get_config("ns,ns=false").method.loss == "minimax"


@pytest.mark.parametrize("module,arg,message", [
    (mdgan, "moons", "mdgan: unknown argument 'moons'; valid: grid25, ring8"),
    (mdgan, "data=moons", "unknown data 'moons'; valid: grid25"),
    (hmegan, "spiral,grid25", "one data set, got spiral, grid25"),
    (vanilla, "hinge,minimax", "choose one loss, got hinge, minimax"),
    (pcmgan, "kl,js", "choose one consistency"),
    (ldagan, "k=four", "k=four: expected int"),
    (ldagan, "k4,k=5", "k given twice"),
    (hmegan, "depth=3", "unknown argument 'depth'; valid:"),
])
def test_bad_argument_is_one_line_naming_the_valid_ones(module, arg, message):
  with pytest.raises(args.ArgumentError, match=message) as e:
    module.get_config(arg)
  assert "\n" not in str(e.value)


def test_help_lists_every_argument(capsys):
  for name, table in list_configs.tables().items():
    with pytest.raises(SystemExit) as e:
      table.build("help")
    assert e.value.code == 0
    text = capsys.readouterr().out
    for entry in (*table.data, *table.options, *table.params):
      assert entry in text, (name, entry)
  assert set(list_configs.tables()) >= {
      "vanilla", "mdgan", "ldagan", "hmegan", "madgan", "mgan", "megan",
      "gmgan", "pcmgan", "mmgan"}


def test_a_table_refuses_a_name_used_twice():
  with pytest.raises(ValueError, match="named twice"):
    args.Table(method="x", base=dict, default_data="a",
               data={"a": args.Option("")}, options={"a": args.Option("")})


def test_readme_table_is_the_generated_one():
  with open(os.path.join(REPO, "README.md")) as f:
    readme = f.read()
  assert list_configs.markdown(list_configs.tables()) in readme


def test_help_from_the_command_line_exits_zero():
  proc = run_module("experiments.main", "--config=configs/hmegan.py:help",
                    "--workdir=/tmp/unused")
  assert proc.returncode == 0, proc.stderr[-2000:]
  assert "z_dim=<int> (or z<N>)" in proc.stdout
  listing = run_module("experiments.list_configs", "mmgan")
  assert listing.returncode == 0 and "author_code" in listing.stdout
  bad = run_module("experiments.list_configs", "nope")
  assert bad.returncode != 0 and "no config file 'nope'" in bad.stderr
