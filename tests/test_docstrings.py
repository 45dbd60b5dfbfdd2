"""Every public name has the docstring sections that the API reference promises.

Public names are those in the ``__all__`` of tlearn's public modules. Each
class and function has an Examples section with at least one example that
runs (not all ``+SKIP``; pytest runs them with ``--doctest-modules``); each
estimator also has References and says what it costs.
"""

import importlib
import inspect
import pkgutil
import re

import pytest
from sklearn.base import BaseEstimator

import tlearn


def _public_names():
    names = []
    for info in pkgutil.walk_packages(tlearn.__path__, "tlearn."):
        if any(part.startswith("_") for part in info.name.split(".")):
            continue
        module = importlib.import_module(info.name)
        names += [(info.name, name) for name in getattr(module, "__all__", [])]
    names += [("tlearn", name) for name in tlearn.__all__ if name != "__version__"]
    return names


PUBLIC = _public_names()


def _section(doc, title):
    match = re.search(rf"^{title}\n-+\n(.*?)(?=^\S[^\n]*\n-+\n|\Z)", doc, flags=re.M | re.S)
    return match[1] if match else None


def _obj(module, name):
    return getattr(importlib.import_module(module), name)


def test_public_names_are_found():
    found = {f"{m}.{n}" for m, n in PUBLIC}
    assert {"tlearn.stack_domains", "tlearn.feature.TCA", "tlearn.instance.KMM"} <= found


@pytest.mark.parametrize(("module", "name"), PUBLIC, ids=[f"{m}.{n}" for m, n in PUBLIC])
def test_examples_that_run(module, name):
    doc = inspect.getdoc(_obj(module, name)) or ""
    examples = _section(doc, "Examples")
    assert examples, f"{module}.{name} has no Examples section"
    runnable = [
        line
        for line in examples.splitlines()
        if line.lstrip().startswith(">>>") and "doctest: +SKIP" not in line
    ]
    assert runnable, f"every example of {module}.{name} is skipped"


ESTIMATORS = [
    (m, n)
    for m, n in PUBLIC
    if inspect.isclass(_obj(m, n))
    and issubclass(_obj(m, n), BaseEstimator)
    and not n.startswith("Base")
]


@pytest.mark.parametrize(("module", "name"), ESTIMATORS, ids=[f"{m}.{n}" for m, n in ESTIMATORS])
def test_estimators_give_references_and_cost(module, name):
    doc = inspect.getdoc(_obj(module, name)) or ""
    assert _section(doc, "References"), f"{module}.{name} has no References section"
    assert re.search(r"\bCost\b|[Cc]omplexity", doc), f"{module}.{name} does not state its cost"
