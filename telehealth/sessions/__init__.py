"""Live video sessions: who may join which room, join tokens, and the platform side of signaling."""
