"""The whole app served by uvicorn on a free port, for tests with real sockets and browsers."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

import httpx
from fastapi import FastAPI

from signaling import PROTOCOL_PATH
from signaling.tools.serve import serve_in_process
from telehealth.app import create_app
from telehealth.clock import Clock
from telehealth.config import Settings
from telehealth.db import Database
from tests.fixtures.http import login


@dataclass
class LiveApp:
    app: FastAPI
    base_url: str  # http://127.0.0.1:<port>
    ws_url: str  # ws://127.0.0.1:<port>/ws/signaling/v1

    @property
    def db(self) -> Database:
        return self.app.state.db  # type: ignore[no-any-return]

    async def join_token(self, username: str, room: str) -> dict[str, object]:
        """Log in through the API and ask for a join token, as a mobile app would."""
        async with httpx.AsyncClient(base_url=self.base_url) as client:
            headers = await login(client, username)
            response = await client.post(
                "/api/v1/sessions/join-token", json={"room": room}, headers=headers
            )
            assert response.status_code == 200, response.text
            return response.json()  # type: ignore[no-any-return]


@asynccontextmanager
async def serve_app(settings: Settings, clock: Clock) -> AsyncIterator[LiveApp]:
    # No STUN server: everything is on loopback and a test must not depend on the Internet.
    settings = settings.model_copy(update={"stun_urls": [], "turn_urls": []})
    app = create_app(settings, clock=clock)
    async with serve_in_process(app) as ws_url:
        base = ws_url.removesuffix(PROTOCOL_PATH).replace("ws://", "http://", 1)
        yield LiveApp(app, base, ws_url)
