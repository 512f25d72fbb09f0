"""The case-series report, shared or kept private.

:mod:`~casekit.report.series` reads the cases and makes the flow and baseline
tables, :mod:`~casekit.report.rates` the patterns and outcomes,
:mod:`~casekit.report.timing` pain over the sessions and flare timing,
:mod:`~casekit.report.text` the sentences, :mod:`~casekit.report.markup` how a
table is shown, :mod:`~casekit.report.figures` the figures drawn from safe tables,
and :mod:`~casekit.report.render` runs the report notebook and writes one page that
loads nothing from the network.
"""
