"""The production benchmark (tests/benchmarks/production.py) run end to end on tiny counts, so it does not rot.

Nothing is timed and no figure is judged here: the benchmark is a command (README "Performance"), and speed is
only ever read from it, as ratios. This runs its real code path: gunicorn on a fresh SQLite database, forked
clients, the bulk loader, the document and memory phases, the report and the JSON file. SQLite only, on both
passes of the suite: the benchmark makes its own databases (the PostgreSQL side starts a cluster of its own with
.ci/pg-throwaway, which the suite's PostgreSQL pass already depends on), and the code path is the same.
"""

import json

import pytest

from tests.benchmarks import production

pytestmark = pytest.mark.slow


def test_the_benchmark_measures_every_figure_of_the_issue_and_writes_them_down(tmp_path):
    output = tmp_path / "bench.json"
    result = production.run(production.Settings.tiny(), ["sqlite"], output=output)

    measured = result["databases"]["sqlite"]
    assert set(measured["figures"]) == set(production.GOALS)
    assert all(value > 0 for value in measured["figures"].values())
    assert measured["lists"]["large"] == production.Settings.tiny().list_large
    written = json.loads(output.read_text())
    assert written["machine"]["cores"] >= 1
    assert written["machine"]["versions"]["weasyprint"]
    assert set(written["databases"]["sqlite"]["figures"]) == set(production.GOALS)
    report = production.report(result)
    for what, goal, _ in production.GOALS.values():
        assert what in report
        assert goal in report
