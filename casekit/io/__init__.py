"""Files in and out: :mod:`~casekit.io.importer` (CSV, XLSX, REDCap exports, all or
nothing), :mod:`~casekit.io.exporter` (CSV or a REDCap project, full or fit to share)
and :mod:`~casekit.io.redcap` (REDCap's data dictionary and raw-data layout)."""
