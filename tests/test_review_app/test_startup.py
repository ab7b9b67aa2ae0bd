"""`flask` commands start without the heavy libraries: numpy, SciPy, OR-Tools, openpyxl, pypdf and Alembic
are imported where they are used (the solver, the exports, the imports, the migrations), not at start."""

import subprocess
import sys
from pathlib import Path

import scoring
from review_app.services.results.labels import AGGREGATION_METHOD, DEFAULT_METHOD

ROOT = Path(__file__).resolve().parents[2]
HEAVY = ("numpy", "scipy", "ortools", "openpyxl", "pypdf", "alembic", "jieba", "reportlab")

# What a `flask --app review_app --help` does, in a fresh interpreter: build the app with every command,
# print the help, then name the heavy packages that were imported on the way.
PROBE = """
import sys
from review_app import create_app
app = create_app({"DATABASE_URL": sys.argv[1], "SECRET_KEY": "x"}, instance_path=sys.argv[2])
result = app.test_cli_runner().invoke(args=["--help"])
assert result.exit_code == 0 and "run-jobs" in result.output, result.output
print(" ".join(sorted({name.split(".")[0] for name in sys.modules} & set(sys.argv[3:]))))
"""


def test_the_commands_start_without_the_heavy_libraries(tmp_path):
    database = f"sqlite:///{tmp_path / 'review.db'}"
    probe = [sys.executable, "-c", PROBE, database, str(tmp_path / "instance"), *HEAVY]
    done = subprocess.run(probe, cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "", f"imported at start: {done.stdout.strip()}"


def test_the_assignment_library_loads_each_name_on_first_use():
    probe = (
        "import sys, assignment\n"
        "assert 'numpy' not in sys.modules\n"
        "import assignment.solve\n"  # solve imports the module diagnose: the name stays the function
        "assert callable(assignment.diagnose) and callable(assignment.solve) and callable(assignment.check)\n"
        "assert all(hasattr(assignment, n) for n in assignment.__all__)\n"
    )
    done = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr


def test_the_rank_command_offers_the_librarys_methods(runner):
    assert set(AGGREGATION_METHOD) == set(scoring.METHODS) and DEFAULT_METHOD == scoring.DEFAULT_METHOD
    help_text = runner.invoke(args=["rank", "--help"]).output
    assert "calibrated" in help_text and "zscore" in help_text
