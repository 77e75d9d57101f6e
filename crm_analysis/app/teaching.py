"""Classroom support: student editions of the chapter notebooks, with the exercise solutions removed.

In the teacher's notebooks every exercise is a Markdown prompt followed by one or more code cells
tagged ``solution``. A student edition replaces each run of solution cells with a single empty
code cell tagged ``answer`` (so the prompt and a place to answer stay), clears outputs, and keeps
everything else, so it still runs top to bottom.
"""

from __future__ import annotations

from pathlib import Path

import nbformat

from crm_analysis.core.paths import NOTEBOOKS_DIR

SOLUTION_TAG = "solution"
ANSWER_TAG = "answer"
ANSWER_PLACEHOLDER = "# Your answer here (你的答案)\n"


def _tags(cell: nbformat.NotebookNode) -> list[str]:
    return list(cell.get("metadata", {}).get("tags", []))


def student_edition(notebook: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """Return a copy of ``notebook`` with solution cells replaced by empty answer cells.

    Parameters
    ----------
    notebook : nbformat.NotebookNode
        A teacher's notebook (version 4).

    Returns
    -------
    nbformat.NotebookNode
        The student edition: no cell tagged ``solution``; one empty code cell tagged ``answer``
        where each run of consecutive solution cells stood; outputs cleared.

    Examples
    --------
    >>> from nbformat.v4 import new_notebook, new_markdown_cell, new_code_cell
    >>> nb = new_notebook(cells=[new_markdown_cell("Exercise 1"),
    ...                          new_code_cell("print(42)", metadata={"tags": ["solution"]})])
    >>> [(c.cell_type, c.source, c.metadata["tags"]) for c in student_edition(nb).cells[1:]]
    [('code', '# Your answer here (你的答案)\\n', ['answer'])]
    """
    student = nbformat.from_dict(nbformat.from_dict(notebook))  # deep copy
    cells = []
    previous_was_solution = False
    for cell in student.cells:
        is_solution = SOLUTION_TAG in _tags(cell)
        if is_solution and not previous_was_solution:
            cells.append(nbformat.v4.new_code_cell(ANSWER_PLACEHOLDER, metadata={"tags": [ANSWER_TAG]}))
        if not is_solution:
            if cell.cell_type == "code":
                cell.outputs = []
                cell.execution_count = None
            cells.append(cell)
        previous_was_solution = is_solution
    student.cells = cells
    return student


def write_student_notebooks(out_dir: str | Path, notebooks_dir: str | Path = NOTEBOOKS_DIR) -> list[Path]:
    """Write student editions of every chapter notebook (``NN_*.ipynb``) into ``out_dir``.

    Parameters
    ----------
    out_dir : str or Path
        Folder to write into (created if needed). Existing files of the same name are replaced,
        so a teacher can reset a class folder by running the command again.
    notebooks_dir : str or Path
        Where the teacher's notebooks are.

    Returns
    -------
    list of Path
        The files written, in chapter order.

    Raises
    ------
    FileNotFoundError
        If ``notebooks_dir`` holds no chapter notebooks.

    Examples
    --------
    >>> import tempfile
    >>> written = write_student_notebooks(tempfile.mkdtemp())  # doctest: +SKIP
    >>> [p.name for p in written]  # doctest: +SKIP
    ['01_collection_quality.ipynb', '02_segmentation.ipynb', '03_churn_reasons.ipynb', '04_customer_value.ipynb']
    """
    sources = sorted(Path(notebooks_dir).glob("[0-9][0-9]_*.ipynb"))
    if not sources:
        raise FileNotFoundError(f"no chapter notebooks (NN_name.ipynb) in {notebooks_dir}")
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for source in sources:
        target = out / source.name
        nbformat.write(student_edition(nbformat.read(source, as_version=4)), target)
        written.append(target)
    return written
