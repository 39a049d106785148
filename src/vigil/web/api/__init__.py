"""The JSON API under /api/v1. Each concept adds its router to ``ROUTERS``-style includes."""
