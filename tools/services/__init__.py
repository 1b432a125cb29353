"""What the site does, as plain functions, kept out of views (docs/CONTRACTS.md, "Layers").

One concern a module: ``cutouts`` (the cut-out service every way in submits to), ``processing``
(what a worker runs for a job), ``downloads`` (makes and stores downloads and the page's
pictures), ``compositing`` and ``choices`` (the saved background choice and its images),
``storage`` (where a job's files live: ``storage.FILES``), ``queue`` (the one way work is
queued), ``jobs``, ``estimates``, ``capacity``, ``refine``, ``refine_queue``, ``labels``,
``previews``, ``filenames``, ``background_uploads``, ``batches``, ``sweep``, ``counters``,
``metrics``. Nothing here imports tools.api, tools.views or tools.tasks.
"""
