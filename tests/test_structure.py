"""The import structure: no family reaches into another, the shared layer sits at the bottom.

The layers, from the bottom: ``_params``; ``_kernels`` and ``_domains``;
``metrics`` (the divergences, on the bottom layer only); then ``base``, the
families, ``baselines``, ``model_selection``, ``pipeline``, ``datasets``. A
module may import the layers below its own: the families and
``model_selection`` may use the metrics, the metrics use no family, no base
class and no data set.

Issue 18: ``instance/_kmm.py`` imported the kernel Gram, its parameter checks,
the landmarks and the Nystrom map from ``feature/_tca.py``. They now live in
``tlearn/_kernels.py`` (and the parameter checks of every estimator in
``tlearn/_params.py``); this test draws the import picture of every module with
``ast`` and fails on any arrow between families or from the bottom layer up.
"""

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "tlearn"
FAMILIES = ("instance", "feature", "parameter")
BOTTOM = ("_kernels", "_params", "_domains")
#: The metrics sit just above the bottom layer.
METRICS = "metrics"


def _module_name(path):
    return ".".join(("tlearn", *path.relative_to(PACKAGE).with_suffix("").parts)).removesuffix(
        ".__init__"
    )


def _imports(path):
    """The tlearn modules that ``path`` imports (absolute names)."""
    name = _module_name(path)
    package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names if a.name.startswith("tlearn")}
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            if target.startswith("tlearn"):
                found.add(target)
    return found


def _family(module):
    parts = module.split(".")
    return parts[1] if len(parts) > 1 and parts[1] in FAMILIES else None


MODULES = sorted(PACKAGE.rglob("*.py"))


def test_the_picture_is_drawn():
    kmm = PACKAGE / "instance" / "_kmm.py"
    assert "tlearn._kernels" in _imports(kmm)
    assert "tlearn.base" in _imports(kmm)
    assert "tlearn._params" in _imports(PACKAGE / "feature" / "_tca.py")
    assert "tlearn._params" in _imports(PACKAGE / "_kernels.py")
    divergence = _imports(PACKAGE / METRICS / "_divergence.py")
    assert {"tlearn._kernels", "tlearn._domains", "tlearn._params"} <= divergence
    assert "tlearn.metrics._divergence" in _imports(PACKAGE / METRICS / "__init__.py")


@pytest.mark.parametrize("path", MODULES, ids=lambda p: p.relative_to(PACKAGE).as_posix())
def test_no_arrow_between_families(path):
    family = _family(_module_name(path))
    if family is None:
        return
    crossing = sorted(m for m in _imports(path) if _family(m) not in (None, family))
    assert not crossing, f"{path.name} ({family}) imports {crossing}"


@pytest.mark.parametrize("name", BOTTOM)
def test_the_shared_layer_imports_no_family(name):
    imported = _imports(PACKAGE / f"{name}.py")
    assert not {m for m in imported if _family(m)}, imported
    assert not {m for m in imported if m in ("tlearn.base", "tlearn.baselines")}, imported


@pytest.mark.parametrize("name", BOTTOM)
def test_the_bottom_layer_imports_only_the_bottom_layer(name):
    imported = _imports(PACKAGE / f"{name}.py")
    bottom = {f"tlearn.{b}" for b in BOTTOM}
    assert imported <= bottom, sorted(imported - bottom)
    assert not _imports(PACKAGE / "_params.py")  # the lowest: no tlearn import at all


METRICS_MODULES = sorted((PACKAGE / METRICS).rglob("*.py"))


@pytest.mark.parametrize("path", METRICS_MODULES, ids=lambda p: p.relative_to(PACKAGE).as_posix())
def test_the_metrics_import_only_the_bottom_layer(path):
    allowed = {f"tlearn.{b}" for b in BOTTOM}
    own = f"tlearn.{METRICS}"
    imported = {m for m in _imports(path) if m != own and not m.startswith(own + ".")}
    assert imported <= allowed, sorted(imported - allowed)


def test_no_bottom_module_imports_the_metrics():
    for name in BOTTOM:
        assert not {m for m in _imports(PACKAGE / f"{name}.py") if m.startswith("tlearn.metrics")}
