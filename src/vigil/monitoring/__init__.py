"""Monitoring: sources, pipeline, watchlists, review queue, surges, dashboards and reports.

``MonitoringService`` (``service.py``) is the front; ``base.Source`` is the extension point.
"""

from vigil.monitoring.service import MonitoringService
from vigil.monitoring.settings import MonitorSettings

__all__ = ["MonitorSettings", "MonitoringService"]
