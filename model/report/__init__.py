"""The report: one document model laid out twice, as a self-contained HTML file and as a PDF
typeset by Typst (a brief, then the technical appendix), the figures as SVG (and PNG on
request), ``results.json`` with every number in the report, and every table as CSV.

The entry point is :func:`write_report` (the pipeline computes its :class:`ReportInputs`).
The parts, one module each:

* ``inputs`` - what the report shows (:class:`ReportInputs`);
* ``content`` - the report as data: ``results.json``, the tables, the changes since the last run;
* ``story`` - the lead scenario, the headline sentence, the plan sentences;
* ``document`` - the report model: sections, paragraphs, tables, figures, boxes;
* ``build`` - the model built once from the inputs: ``brief`` (the verdict, the scenarios, the
  bargain, the evidence, the ``glossary``) and ``appendix``; ``vintage`` (the header's data
  vintage and stale flags); ``words`` (numbers as the report writes them);
* ``figures`` - the charts (matplotlib), ``draw`` - drawing them with the figure cache;
* ``render`` - the HTML (Jinja templates in ``model/report_templates``), ``typeset`` - the PDF
  (Typst, ``model/report_templates/report.typ``);
* ``format`` - numbers as the report prints them;
* ``output`` - the output folder: ownership, the swap, recovery after a crash;
* ``write`` - all of it into the output folder.
"""

from __future__ import annotations

from model.report.inputs import ReportInputs
from model.report.write import write_report

__all__ = ["ReportInputs", "write_report"]
