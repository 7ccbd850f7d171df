"""VTelehealth signaling: the realtime WebSocket service (contract: signaling v1)."""

PROTOCOL_PATH = "/ws/signaling/v1"

__all__ = ["PROTOCOL_PATH"]
