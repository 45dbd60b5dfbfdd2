"""tlearn: classical transfer-learning algorithms in scikit-learn style.

Every estimator is fitted the same way, ``est.fit(X, y, sample_domain=None)``,
on the rows of every domain stacked together. :func:`stack_domains` builds
``(X, y, sample_domain)`` from separate source and target arrays and
:func:`split_domains` takes them apart again.

The families live in sub-packages, imported on demand:

- :mod:`tlearn.instance`: reweight source rows (TrAdaBoost, TrAdaBoostR2, KMM) and
  estimate the density ratio :math:`p_t / p_s` (KLIEP, ULSIF, DiscriminativeRatio);
- :mod:`tlearn.feature`: map the domains into a shared space (TCA, CORAL, SA);
- :mod:`tlearn.parameter`: share a prior between source and target models;
- :mod:`tlearn.baselines`: source-only and pooled reference estimators;
- :mod:`tlearn.model_selection`: cross-validation folds for stacked domains and
  label-free scorers (IWCV, DEV, reverse validation, entropy, SND);
- :mod:`tlearn.metrics`: divergences between the domains (MMD and its
  permutation test, proxy A-distance, CORAL distance);
- :mod:`tlearn.datasets`: shift generators and benchmark loaders.
"""

from ._domains import split_domains, stack_domains

__version__ = "0.1.0.dev0"

__all__ = ["__version__", "split_domains", "stack_domains"]
