"""
=====================================================
The benchmark's chart: every method on every task
=====================================================

``python benchmarks/office31.py`` is tlearn's main benchmark: it fits every
method on every task of a data set (Office-31, Office-Caltech-10, the Amazon
reviews, or synthetic tasks) beside the source-only, target-only and pooled
baselines, under two protocols:

- **unsupervised**: the whole target domain is unlabelled in ``fit`` and is
  the test set (source-only, TCA, subspace alignment, CORAL, KMM);
- **few-label**: ``K`` labelled target rows per class, drawn by each seed; the
  other target rows are the test set (source-only, target-only, pooled,
  TrAdaBoost, the shared-prior logistic regression).

Besides its markdown table, CSV and JSON, the script draws the chart below as a
PNG under ``benchmarks/results/``. Here the same code runs the same grid on
the synthetic tasks that need no download (the command
``python benchmarks/office31.py --dataset synthetic --quick``): two tasks
built by :func:`tlearn.datasets.make_domain_shift`, 100 source and 100 target
rows each, two seeds. On the real data sets the chart has 6 or 12 tasks; the
benchmark pages of this documentation show the tables and charts of the
latest full runs, made from their result files.

Read each panel column by column: a method below source-only on a task is
*negative transfer*, common on these benchmarks, and the table marks it ↓.
"""

# %%
# Run the grid
# ------------
# The benchmark is a script in the repository's ``benchmarks/`` folder, not a
# part of the installed package, so it is loaded from its file. ``prepare``
# parses the same arguments as the command line, ``execute`` runs the (task,
# method, seed) grid (one process here; ``--n-jobs`` and ``--backend dask``
# spread it out), and ``summarise`` takes the mean and standard deviation over
# the seeds.

import importlib.util
from pathlib import Path

import matplotlib.pyplot as plt

try:
    HERE = Path(__file__).resolve().parent
except NameError:  # run cell by cell, from the examples folder
    HERE = Path.cwd()
script = HERE.parent / "benchmarks" / "office31.py"
spec = importlib.util.spec_from_file_location("office31", script)
office31 = importlib.util.module_from_spec(spec)
spec.loader.exec_module(office31)

plan = office31.prepare(["--dataset", "synthetic", "--quick", "--no-progress"])
records, info = office31.execute(plan, n_jobs=1)
tasks, seeds = plan["args"].tasks, plan["args"].seeds
summary = office31.summarise(records, tasks, seeds)
print(f"{len(records)} fits on tasks {', '.join(tasks)}, seeds {seeds}")

# %%
# The table
# ---------
# Target test accuracy (%), mean ± std over the seeds for the few-label
# protocol; bold is the best of a protocol's column, ↓ a transfer method below
# source-only.

print(office31.accuracy_table(summary, tasks))

# %%
# The chart
# ---------
# One marker per method and task, with the seeds' standard deviation as error
# bars (the unsupervised protocol has no seeds), and the mean over the tasks in
# the last column.

fig = office31.chart(summary, tasks, "tlearn on the synthetic tasks (--dataset synthetic --quick)")
plt.show()
