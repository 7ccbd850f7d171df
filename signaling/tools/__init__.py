"""Reusable signaling tools: a protocol client, server runners, an aiortc test peer."""
