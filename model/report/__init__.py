"""The report: one self-contained HTML file, the same content as a paginated PDF, the figures
as PNG and SVG, and ``results.json`` with every number in the report.

The entry point is :func:`write_report` (the pipeline computes its :class:`ReportInputs`).
The parts, one module each:

* ``inputs`` - what the report shows (:class:`ReportInputs`);
* ``content`` - the report as data: ``results.json``, the tables, the changes since the last run;
* ``story`` - the lead scenario, the headline sentence, the plan sentences;
* ``figures`` - the charts (matplotlib), ``draw`` - drawing them with the figure cache;
* ``render`` - the HTML (Jinja templates in ``model/report_templates``) and the PDF's HTML;
* ``format`` - numbers as the report prints them;
* ``output`` - the output folder: ownership, the swap, recovery after a crash;
* ``write`` - all of it into the output folder.
"""

from __future__ import annotations

from model.report.inputs import ReportInputs
from model.report.write import write_report

__all__ = ["ReportInputs", "write_report"]
