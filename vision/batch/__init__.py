"""Batch analysis: seasons of footage and photo archives into one DuckDB database.

``sponsorlens batch`` is a thin command over this package:

- :mod:`vision.batch.sources`: the videos and photos under the paths, and when each was shot;
- :mod:`vision.batch.jobs`: what crosses between the driver and a worker (the worker's spec, a
  job, its result) and what identifies a run (the run key's model and settings);
- :mod:`vision.batch.worker`: the worker, which opens the detectors and analyses one job;
- :mod:`vision.batch.retry`: the one rule every engine follows when a worker dies;
- :mod:`vision.batch.engines`: where the workers run (this process, a process pool) and the choice;
- :mod:`vision.batch.ray_engine`: the workers as Ray actors;
- :mod:`vision.batch.run`: the driver, :func:`~vision.batch.run.run_batch`.

The package imports nothing here, so importing one module loads only what that module needs.
"""
