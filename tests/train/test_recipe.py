"""Recipes: TOML in, flags on top, effective recipe out (and back in unchanged)."""

from __future__ import annotations

import pytest

from embedlab.errors import InputError, ParameterError
from embedlab.train.recipe import Recipe, load_recipe, recipe_toml, save_recipe


def test_flags_override_file_and_none_flags_do_not(tmp_path):
    (tmp_path / "pairs.jsonl").write_text('{"anchor": "a", "positive": "b"}\n')
    path = tmp_path / "r.toml"
    path.write_text('train = "pairs.jsonl"\nepochs = 3\nbatch_size = 16\n\n[columns]\nq = "anchor"\n')
    r = load_recipe(path, epochs=1, batch_size=None)
    assert r.epochs == 1  # flag wins
    assert r.batch_size == 16  # flag not given: the file's value stays
    assert r.columns == {"q": "anchor"}
    # relative data paths are relative to the recipe file
    assert r.train == str((tmp_path / "pairs.jsonl").resolve())


def test_effective_recipe_round_trips(tmp_path):
    r = Recipe(
        train="x.jsonl",
        epochs=2.5,
        learning_rate=2e-5,
        matryoshka_dims=[384, 64],
        columns={"question": "anchor", "odd key": "positive"},
        dual={"temperature": 0.05, "from_scratch": True},
        architecture="dual",
    )
    path = save_recipe(r, tmp_path / "recipe.toml")
    again = load_recipe(path)
    assert again.to_dict() | {"train": "x.jsonl"} == r.to_dict()
    assert "learning_rate = 2e-05" in recipe_toml(r)


def test_unknown_key_names_file_and_line(tmp_path):
    path = tmp_path / "r.toml"
    path.write_text('train = "x"\nepoch = 3\n')
    with pytest.raises(InputError, match=r"r\.toml:2: unknown recipe key 'epoch'"):
        load_recipe(path)


def test_bad_toml_and_missing_file(tmp_path):
    path = tmp_path / "r.toml"
    path.write_text("train = \n")
    with pytest.raises(InputError, match="not valid TOML"):
        load_recipe(path)
    with pytest.raises(InputError, match="recipe file not found"):
        load_recipe(tmp_path / "missing.toml")


@pytest.mark.parametrize(
    "field, value",
    [
        ("loss", "triplet"),
        ("eval_split", 1.5),
        ("learning_rate", 2.0),
        ("architecture", "siamese"),
        ("batch_size", 0),
        ("precision", "int8"),
        ("epochs", "many"),
        ("epochs", float("nan")),
        ("weight_decay", -1.0),
    ],
)
def test_validate_names_the_parameter(field, value):
    with pytest.raises(ParameterError, match=f"^{field}: ") as info:
        Recipe(train="x", **{field: value}).validate()
    assert info.value.param == field


def test_train_is_required():
    with pytest.raises(ParameterError, match=r"^train: no training data"):
        Recipe().validate()


def test_a_value_of_the_wrong_type_in_a_file_names_the_key_and_line(tmp_path, cli):
    path = tmp_path / "r.toml"
    path.write_text('train = "x"\nepochs = "many"\n')
    with pytest.raises(InputError, match=r"r\.toml:2: recipe key 'epochs': expected a number, got 'many'"):
        load_recipe(path)
    code, _, err = cli("train", path)
    assert code == 2 and err.strip().endswith("r.toml:2: recipe key 'epochs': expected a number, got 'many'")
    assert len(err.strip().splitlines()) == 1


def test_cli_maps_parameters_to_its_flags(cli, tmp_path):
    (tmp_path / "p.jsonl").write_text('{"anchor": "a", "positive": "b"}\n')
    code, _, err = cli("train", "--train", tmp_path / "p.jsonl", "--lr", "2", "-o", tmp_path / "m")
    assert code == 2 and "option --lr: must be in (0, 1), got 2.0" in err
    code, _, err = cli("train", "--train", tmp_path / "p.jsonl", "--loss", "hinge")
    assert code == 2 and "hinge" in err  # an Enum choice, refused by the CLI itself
