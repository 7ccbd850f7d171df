"""deploy/nginx/nginx.conf: TLS, the WebSocket upgrade, and nothing internal exposed."""

from __future__ import annotations

import re

from signaling.affinity import ROOM_KEY_PARAM
from tests.deploy.manifests import DEPLOY

CONF = (DEPLOY / "nginx/nginx.conf").read_text()


def _block(start: str) -> str:
    """The text of the block opened by `start` (braces balanced)."""
    begin = CONF.index(start)
    depth, i = 0, CONF.index("{", begin)
    for j in range(i, len(CONF)):
        depth += {"{": 1, "}": -1}.get(CONF[j], 0)
        if depth == 0:
            return CONF[i:j + 1]
    raise AssertionError(f"unbalanced block {start}")


def test_braces_balance() -> None:
    assert CONF.count("{") == CONF.count("}")


def test_signaling_sockets_are_upgraded() -> None:
    ws = _block("location /ws/")
    assert "proxy_http_version 1.1" in CONF
    assert "proxy_set_header Upgrade $http_upgrade" in ws
    assert "proxy_set_header Connection $connection_upgrade" in ws
    # Longer than the client's 10 s ping and uvicorn's 20 s ping.
    assert int(re.search(r"proxy_read_timeout (\d+)s", ws).group(1)) > 20  # type: ignore[union-attr]


def test_signaling_sockets_are_routed_by_room_key() -> None:
    ws = _block("location /ws/")
    upstream = re.search(r"proxy_pass http://(\w+);", ws).group(1)  # type: ignore[union-attr]
    balanced = _block(f"upstream {upstream} ")
    (variable,) = re.findall(r"^\s*hash (\$\w+) consistent;$", balanced, re.M)
    # The same instances as every other request, addressed one by one.
    assert re.findall(r"server (\S+)", balanced) == re.findall(
        r"server (\S+)", _block("upstream telehealth_app "))
    affinity = _block(f"map $arg_{ROOM_KEY_PARAM} {variable} ")
    assert re.search(rf"default\s+\$arg_{ROOM_KEY_PARAM};", affinity)
    # No key: spread per connection, never every keyless socket onto one instance.
    assert re.search(r'""\s+\$request_id;', affinity)


def test_pages_and_api_are_not_routed_by_room() -> None:
    assert "hash " not in _block("upstream telehealth_app ")
    upstreams = re.findall(r"proxy_pass http://(\w+);", CONF)
    assert upstreams.count("telehealth_signaling") == 1  # /ws/ only
    assert set(upstreams) == {"telehealth_app", "telehealth_signaling"}


def test_tls_is_terminated_and_http_redirects() -> None:
    assert re.search(r"listen 443 ssl", CONF)
    assert "ssl_protocols TLSv1.2 TLSv1.3" in CONF
    plain = CONF[CONF.index("listen 80;"):CONF.index("listen 443 ssl")]
    assert "return 301 https://" in plain


def test_metrics_and_internal_api_are_not_public() -> None:
    assert "location = /metrics { return 404; }" in CONF
    assert "location /api/v1/internal/ { return 404; }" in CONF


def test_access_log_leaves_out_query_strings() -> None:
    log_format = CONF[CONF.index("log_format"):CONF.index("access_log")]
    assert "$uri" in log_format
    assert "$request_uri" not in log_format and "$args" not in log_format
    assert '"$request"' not in log_format
