"""The figures of the analysis notebooks: every module that imports matplotlib or
seaborn. :mod:`~casekit.figures.plots` draws the pattern rates, sides, pain course
and flare timing; :mod:`~casekit.figures.bars` the bar charts they share;
:mod:`~casekit.figures.bodymap` the body chain. Nothing here computes a statistic."""
