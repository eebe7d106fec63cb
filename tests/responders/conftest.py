"""Directories for the assignment tests: the shipped 山西 example, a small 山西 one with zones,
aliases and a policy registry, a 贵阳 city one (guizhou profile), and variants of their switches."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from responders.config import DirectoryConfig
from responders.directory import build_directory, directory_problems

DATA = Path(__file__).parent / "data"


def load_directory_config(name: str) -> DirectoryConfig:
    config = DirectoryConfig.model_validate(tomllib.loads((DATA / name).read_text(encoding="utf-8")))
    assert directory_problems(config) == []
    return config


def variant(config: DirectoryConfig, *, profile: str | None = None, **switches) -> DirectoryConfig:
    """Return `config` with another profile and/or `[directory.assignment]` switches."""
    update = {"assignment": config.assignment.model_copy(update=switches)} if switches else {}
    if profile:
        update["profile"] = profile
    return config.model_copy(update=update)


@pytest.fixture(scope="session")
def directories(example_config):
    """Name -> Directory, built on first use."""
    shanxi = example_config.directory
    mini = load_directory_config("shanxi_mini.toml")
    guizhou = load_directory_config("guizhou_city.toml")
    recipes = {
        "shanxi": lambda: shanxi,
        "shanxi_national": lambda: variant(shanxi, profile="national"),
        "shanxi_no_locality_jurisdiction": lambda: variant(shanxi, no_locality="jurisdiction"),
        "shanxi_cross_triage": lambda: variant(shanxi, cross_province="triage"),
        "shanxi_vertical_triage": lambda: variant(shanxi, vertical_multi_locality="triage"),
        "shanxi_leader_principal": lambda: variant(shanxi, multi_department_leader="principal"),
        "shanxi_no_cyber": lambda: variant(shanxi, cyberspace_for_rumours=False),
        "mini": lambda: mini,
        "mini_zones_parent": lambda: variant(mini, zones="parent"),
        "guizhou": lambda: guizhou,
        "guizhou_local": lambda: variant(guizhou, guizhou_policy_owner="local_government"),
    }
    built = {}

    class Lazy(dict):
        def __missing__(self, name):
            built[name] = build_directory(recipes[name]())
            return built[name]

    return Lazy()
