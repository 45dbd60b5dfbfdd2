"""The code of the documentation pages runs as written.

Every ``>>>`` block of ``docs/**/*.rst`` is a doctest (the pages are plain
reStructuredText; Sphinx shows the blocks as they are). The gallery examples
run when the documentation is built, not here.
"""

import doctest
from pathlib import Path

import pytest

DOCS = Path(__file__).resolve().parents[1] / "docs"
# Build products and templates are not pages.
SKIP = {"_build", "_templates", "auto_examples", "generated"}
# sphinx-gallery's timing page, should an older build have left one behind
GENERATED = {"sg_execution_times.rst"}
PAGES = sorted(
    p
    for p in DOCS.rglob("*.rst")
    if SKIP.isdisjoint(p.relative_to(DOCS).parts) and p.name not in GENERATED
)


def test_the_pages_are_found():
    names = {p.relative_to(DOCS).as_posix() for p in PAGES}
    assert {"index.rst", "user_guide/scikit_learn.rst"} <= names
    assert not GENERATED & names


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.relative_to(DOCS).as_posix())
def test_page_doctests(page):
    result = doctest.testfile(
        str(page),
        module_relative=False,
        optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE,
        raise_on_error=False,
        verbose=False,
        encoding="utf-8",
    )
    assert result.failed == 0, f"{result.failed} of {result.attempted} examples failed in {page}"
