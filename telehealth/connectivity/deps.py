"""Dependencies of the connection check: who may run one, and this process's probe peers."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from telehealth.accounts.context import Actor
from telehealth.accounts.deps import require_roles
from telehealth.connectivity.peers import ProbePeers
from telehealth.models import Role

# Staff check their station before a session; patients check their phone or computer.
CheckerActor = Annotated[
    Actor, Depends(require_roles(Role.patient, Role.clinician, Role.facility_admin))
]


def _probe_peers(request: Request) -> ProbePeers:
    return request.app.state.connection_probes  # type: ignore[no-any-return]


ProbePeersDep = Annotated[ProbePeers, Depends(_probe_peers)]
