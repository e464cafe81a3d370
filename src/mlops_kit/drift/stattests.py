"""Two-sample statistical tests and distances for drift, by name, with a registry.

Every measure of the table below is defined once and tested equal to its reference
implementation. Call a test with the reference and the current values; it returns a
:class:`StatResult` with ``statistic`` and ``p_value`` (``None`` for distances). Binned measures
use bins fixed from the reference: 10 quantile bins for numbers, with an overflow bin on each
side, or one bin per reference category plus one for unseen categories.

================  ========  ===========  ===========================================================
name              kind      data         definition (reference)
================  ========  ===========  ===========================================================
``ks``            p-value   numerical    ``scipy.stats.ks_2samp``, method "auto"
``cramervonmises`` p-value  numerical    ``scipy.stats.cramervonmises_2samp``
``anderson``      p-value   numerical    ``scipy.stats.anderson_ksamp`` (p-value clipped to
                                         [0.001, 0.25] by scipy)
``mannwhitney``   p-value   numerical    ``scipy.stats.mannwhitneyu``, two-sided
``ttest``         p-value   numerical    Welch: ``scipy.stats.ttest_ind(equal_var=False)``
``chi2``          p-value   categorical  ``chi2_contingency(2 x k table, correction=False)``
``gtest``         p-value   categorical  ``chi2_contingency(..., lambda_="log-likelihood")``
``fisher``        p-value   binary       ``scipy.stats.fisher_exact`` on the 2 x 2 table
``ztest``         p-value   binary       pooled two-proportion z-test, two-sided
``wasserstein``   distance  numerical    ``wasserstein_distance`` / reference std (ddof 0)
``energy``        distance  numerical    ``scipy.stats.energy_distance``
``jensenshannon`` distance  both         ``jensenshannon(p, q, base=2)`` on shared bins
``hellinger``     distance  both         ``sqrt(1 - sum(sqrt(p * q)))`` on shared bins
``psi``           distance  both         ``sum((q - p) * ln(q / p))``, proportions floored at 1e-4
``kl``            distance  both         ``scipy.stats.entropy(q, p)``, floored at 1e-4
``tvd``           distance  both         ``0.5 * sum(abs(p - q))``
================  ========  ===========  ===========================================================

``p`` holds the reference proportions and ``q`` the current ones. Plug-ins register with
:func:`register_test` or through the ``mlops_kit.drift_tests`` entry-point group.

Examples
--------
>>> import numpy as np
>>> from mlops_kit.drift import stattests
>>> rng = np.random.default_rng(0)
>>> reference, current = rng.normal(size=500), rng.normal(0.5, 1.0, size=500)
>>> stattests.get("ks")(reference, current).p_value < 0.05
True
>>> round(stattests.psi(reference, current).statistic, 2)
0.24
"""

from mlops_kit.drift._binning import DEFAULT_BINS, numeric_edges
from mlops_kit.drift._builtin import BUILTINS, FLOOR
from mlops_kit.drift._corrections import CORRECTIONS, adjust_p_values
from mlops_kit.drift._registry import (
    ENTRY_POINT_GROUP,
    StatResult,
    StatTest,
    available,
    get,
    register_test,
    reload_entry_points,
    unregister_test,
)

__all__ = [
    "CORRECTIONS",
    "DEFAULT_BINS",
    "ENTRY_POINT_GROUP",
    "FLOOR",
    "StatResult",
    "StatTest",
    "adjust_p_values",
    "anderson",
    "available",
    "chi2",
    "cramervonmises",
    "energy",
    "fisher",
    "get",
    "gtest",
    "hellinger",
    "jensenshannon",
    "kl",
    "ks",
    "mannwhitney",
    "numeric_edges",
    "psi",
    "register_test",
    "reload_entry_points",
    "ttest",
    "tvd",
    "unregister_test",
    "wasserstein",
    "ztest",
]

ks = BUILTINS["ks"]
cramervonmises = BUILTINS["cramervonmises"]
anderson = BUILTINS["anderson"]
mannwhitney = BUILTINS["mannwhitney"]
ttest = BUILTINS["ttest"]
chi2 = BUILTINS["chi2"]
gtest = BUILTINS["gtest"]
fisher = BUILTINS["fisher"]
ztest = BUILTINS["ztest"]
wasserstein = BUILTINS["wasserstein"]
energy = BUILTINS["energy"]
jensenshannon = BUILTINS["jensenshannon"]
hellinger = BUILTINS["hellinger"]
psi = BUILTINS["psi"]
kl = BUILTINS["kl"]
tvd = BUILTINS["tvd"]
