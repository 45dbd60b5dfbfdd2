"""Sphinx configuration of tlearn's documentation.

Build from the repository root, warnings as errors:

    python -m pip install -e ".[docs]"
    python -m sphinx -W --keep-going -b html docs docs/_build/html

The gallery (``examples/plot_*.py``) runs at build time and writes
``docs/auto_examples/``; the API pages are generated into ``docs/generated/``.
Both are build products (git-ignored), as is ``docs/sg_execution_times.rst``.
"""

import importlib
import inspect
import os
import pkgutil
import re
import sys
from pathlib import Path

import matplotlib

matplotlib.use("agg")  # the gallery draws to files, never to a window

import tlearn  # noqa: E402

DOCS = Path(__file__).resolve().parent
sys.path.insert(0, os.fspath(DOCS / "_ext"))

# -- Project -------------------------------------------------------------------------------

project = "tlearn"
author = "The tlearn developers"
copyright = "the tlearn developers, BSD-3-Clause"
release = tlearn.__version__
version = ".".join(release.split(".")[:2])

# -- Extensions ----------------------------------------------------------------------------

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.mathjax",
    # MathJax copied into the build, so the formulas render without a network
    # (the default loads it from a CDN)
    "sphinx-mathjax-offline",
    "numpydoc",
    "sphinx_gallery.gen_gallery",
    # the benchmark pages are markdown: the scripts print markdown tables, and the
    # pages include exactly what they print (benchmark_pages, from the result files)
    "myst_parser",
    "benchmark_pages",
]

root_doc = "index"
source_suffix = {".rst": "restructuredtext", ".md": "markdown"}
# design.md is the project's design record, read in the repository; the user
# guide says the same for users. Build products are never sources: the
# benchmark fragments are included by their pages, not pages of their own.
exclude_patterns = ["_build", "design.md", "**.ipynb_checkpoints", "benchmarks/generated"]
templates_path = ["_templates"]
default_role = "literal"  # `x` is code, as ``x``
nitpicky = False  # scikit-learn and NumPy types in docstrings have no local targets
pygments_style = "sphinx"

# -- autodoc / autosummary / numpydoc --------------------------------------------------------

autosummary_generate = True
autosummary_ignore_module_all = False  # a module's public names are its __all__
autodoc_typehints = "none"  # the numpydoc sections say the types
autoclass_content = "class"

numpydoc_show_class_members = False  # the class template lists the methods
numpydoc_class_members_toctree = False
numpydoc_attributes_as_param_list = True
numpydoc_xref_param_type = False
# Checked on every documented object, with -W: a public name without a
# docstring, or a parameter missing from (or unknown to) its docstring.
numpydoc_validation_checks = {"GL08", "PR01", "PR02"}
numpydoc_validation_exclude = {
    # scikit-learn's own methods, inherited by every estimator
    r"\.get_params$",
    r"\.set_params$",
    r"\.get_metadata_routing$",
    r"\.set_\w+_request$",
    r"\.__init__$",
}


def _unavailable_methods(cls):
    """Public methods of ``cls`` that its default instance does not have."""
    if cls.__init__ is object.__init__:
        return []  # a base class without parameters of its own: document all
    try:
        instance = cls()
    except Exception:  # a class that needs arguments: document what it defines
        return []
    return sorted(
        name
        for name in dir(cls)
        if not name.startswith("_") and hasattr(cls, name) and not hasattr(instance, name)
    )


def _hidden_methods():
    """``{"module.Class": [method, ...]}`` for every public class of tlearn.

    Prediction methods exist only when the wrapped estimator has them
    (``available_if``): ``TrAdaBoostR2`` has no ``predict_proba``, for
    example. The class template (``_templates/autosummary/class.rst``)
    excludes them, so that a page never documents a method that the default
    estimator does not have.
    """
    hidden = {}
    for info in pkgutil.walk_packages(tlearn.__path__, "tlearn."):
        if any(part.startswith("_") for part in info.name.split(".")):
            continue
        module = importlib.import_module(info.name)
        for name in getattr(module, "__all__", []):
            obj = getattr(module, name)
            if inspect.isclass(obj):
                hidden[f"{info.name}.{name}"] = _unavailable_methods(obj)
    return hidden


autosummary_context = {"hidden_methods": _hidden_methods()}

# numpydoc type specs in scikit-learn's style, such as
# "ndarray of shape (n_features_in_,)", hold names that end with "_", which
# reStructuredText reads as hyperlink references. Render them as code.
_TYPE_LINE = re.compile(r"^(\s*[\w*][\w*, ]* : )(.+)$")
_TRAILING_UNDERSCORE = re.compile(r"(?<![`\w])([A-Za-z]\w*_)(?![\w`])")


def _quote_type_names(app, what, name, obj, options, lines):
    for i, line in enumerate(lines):
        match = _TYPE_LINE.match(line)
        if match:
            head, spec = match.groups()
            lines[i] = head + _TRAILING_UNDERSCORE.sub(r"``\1``", spec)


# Methods inherited from scikit-learn (get_params, set_fit_request, ...) keep
# their docstrings, whose :term: and :ref: roles point into scikit-learn's own
# documentation: render them as plain text, so that a new scikit-learn
# release cannot break this build. (No intersphinx: the build needs no network.)
_SKLEARN_ROLE = re.compile(r":(?:term|ref):`([^`<]*?)\s*(?:<[^`>]*>)?`")


def _unlink_sklearn_roles(app, what, name, obj, options, lines):
    if getattr(obj, "__module__", "").startswith("sklearn"):
        lines[:] = [_SKLEARN_ROLE.sub(r"\1", line) for line in lines]


def setup(app):
    # before numpydoc (priority 500) turns the sections into reST
    app.connect("autodoc-process-docstring", _quote_type_names, priority=400)
    app.connect("autodoc-process-docstring", _unlink_sklearn_roles, priority=400)


# -- Gallery ------------------------------------------------------------------------------


sphinx_gallery_conf = {
    "examples_dirs": os.fspath(DOCS.parent / "examples"),
    "gallery_dirs": os.fspath(DOCS / "auto_examples"),
    "filename_pattern": r"/plot_",
    "ignore_pattern": r"__init__\.py|/_",
    "within_subsection_order": "FileNameSortKey",
    "doc_module": ("tlearn",),
    "backreferences_dir": os.fspath(DOCS / "generated" / "backreferences"),
    "reference_url": {"tlearn": None},
    "remove_config_comments": True,
    "matplotlib_animations": False,
    "image_scrapers": ("matplotlib",),
    "plot_gallery": "True",
    "download_all_examples": False,
    "show_memory": False,
    "min_reported_time": 0,
    # no docs/sg_execution_times.rst (and no per-gallery timing page): a generated file
    # in the source tree would be read as a page, by Sphinx and by tests/test_docs.py
    "write_computation_times": False,
    # A failing example fails the build: every picture comes from a real run.
    "abort_on_example_error": False,
    "only_warn_on_example_error": False,
}

# -- HTML -----------------------------------------------------------------------------------

html_theme = "alabaster"
html_title = f"tlearn {release}"
html_static_path = ["_static"]
html_css_files = ["tlearn.css"]
html_theme_options = {
    "description": "Classical transfer learning in scikit-learn style",
    "fixed_sidebar": True,
    "page_width": "1100px",
    "sidebar_width": "230px",
    "show_powered_by": False,
    "show_relbars": True,
}
html_sidebars = {"**": ["about.html", "navigation.html", "relations.html", "searchbox.html"]}
html_show_sourcelink = False
html_copy_source = False
