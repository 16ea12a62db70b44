"""Many randomised runs of a scenario on Dask (``foxbat montecarlo``; docs/montecarlo.md).

>>> from foxbat.montecarlo import load_study, local_client, run_study, write_summary
>>> study = load_study("belenko-1976")               # its `uncertain:` section  # doctest: +SKIP
>>> with local_client(2) as client:                                             # doctest: +SKIP
...     run_study(study, client, 100, "results.parquet")
>>> write_summary("results.parquet")                                            # doctest: +SKIP
"""

from foxbat.montecarlo.params import Uncertain, apply_params, parse_uncertain
from foxbat.montecarlo.runner import (Study, load_study, local_client, remote_client, run_row, run_seed, run_study,
                                      study_from_scenario)
from foxbat.montecarlo.summary import summarise, wilson, write_summary

__all__ = ["Uncertain", "apply_params", "parse_uncertain", "Study", "load_study", "local_client", "remote_client",
           "run_row", "run_seed", "run_study", "study_from_scenario", "summarise", "wilson", "write_summary"]
