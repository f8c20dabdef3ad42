"""Background work: a Huey queue built from settings, task registration, periodic jobs."""
