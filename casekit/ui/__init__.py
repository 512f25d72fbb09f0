"""What a practitioner works in: the logging forms (:mod:`~casekit.ui.widgets`,
:mod:`~casekit.ui.forms`, :mod:`~casekit.ui.logbook`), the pattern explorer
(:mod:`~casekit.ui.explore`) and the servers that show them,
JupyterLab and Voila (:mod:`~casekit.ui.launch`). Every module that imports
ipywidgets is here; importing this package imports none of them."""
