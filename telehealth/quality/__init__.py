"""Call quality: ingestion of stats samples, per-session rollups, service KPIs and dashboards."""
