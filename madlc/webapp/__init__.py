"""madlc's browser GUI (``madlc gui``): a local web server and five plain HTML/JS pages.

- :mod:`madlc.webapp.server` — the app, ``gui``, ``label_frames``, ``extract_frames_manual``,
  ``serve_page`` (start the server on one page), ``start_server`` (background thread).
- :mod:`madlc.webapp.context` — the open project and the path gate (nothing outside the project).
- ``routes_project`` / ``routes_label`` / ``routes_extract`` / ``routes_refine`` / ``routes_report`` — one API module per page.
- :mod:`madlc.webapp.labels_store` — CollectedData of one labeled-data folder, saved on every edit.
- :mod:`madlc.webapp.jobs` — ``madlc run`` subprocesses with streamed output and progress.

Importing this package imports neither torch nor the web framework.
"""
