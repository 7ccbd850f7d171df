"""Operations: Prometheus metrics (also across uvicorn worker processes) and JSON logs."""
