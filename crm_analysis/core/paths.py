"""Where things live, relative to the project root (one place, as cookiecutter-data-science advises)."""

from __future__ import annotations

from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent.parent
PROJECT_ROOT = PACKAGE_DIR.parent
DATA_DIR = PROJECT_ROOT / "data"
TEACHING_DIR = DATA_DIR / "teaching"
CDNOW_DIR = DATA_DIR / "cdnow"
NOTEBOOKS_DIR = PROJECT_ROOT / "notebooks"
REPORTS_DIR = PROJECT_ROOT / "reports"

# File names of a canonical folder (the teaching data is one).
TABLE_FILES = {
    "customers": "customers.csv",
    "transactions": "transactions.csv",
    "interactions": "interactions.csv",
    "exit_survey": "exit_survey.csv",
}
TRUTH_SUBDIR = "truth"
TRUTH_FILES = {"customers": "customers.csv", "defects": "defects.csv", "interactions": "interactions.csv",
               "care_plan": "care_plan.csv"}
