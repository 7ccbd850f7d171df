"""deploy/k8s: every object valid for the Kubernetes API, probes, graceful stop, migrations."""

from __future__ import annotations

from typing import Any

import kubernetes_validate
import pytest

from signaling.affinity import ROOM_KEY_PARAM
from tests.deploy.manifests import K8S, k8s_documents, k8s_object, load_yaml

# The oldest Kubernetes we support and the newest the schemas know.
VERSIONS = ("1.29.0", kubernetes_validate.latest_version())
DOCUMENTS = k8s_documents()


def _pod(kind: str, name: str) -> dict[str, Any]:
    return k8s_object(kind, name)["spec"]["template"]["spec"]  # type: ignore[no-any-return]


@pytest.mark.parametrize("version", VERSIONS)
@pytest.mark.parametrize(("filename", "doc"), DOCUMENTS,
                         ids=[f"{f}:{d['kind']}/{d['metadata']['name']}" for f, d in DOCUMENTS])
def test_object_is_valid(filename: str, doc: dict[str, Any], version: str) -> None:
    # strict: an unknown or misspelt field is an error, not silently dropped by the API.
    kubernetes_validate.validate(doc, version, strict=True)


def test_the_validator_refuses_a_misspelt_field() -> None:
    app = k8s_object("Deployment", "vtelehealth-app")
    broken = {**app, "spec": {**app["spec"], "replica": 3}}
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(broken, VERSIONS[-1], strict=True)


def test_kustomization_lists_every_manifest_but_the_secret_and_the_job() -> None:
    listed = set(load_yaml(K8S / "kustomization.yaml")["resources"])
    files = {p.name for p in K8S.glob("*.yaml")} - {"kustomization.yaml"}
    assert listed <= files
    assert files - listed == {"secret.yaml", "migrate-job.yaml"}


def test_app_probes_liveness_and_readiness() -> None:
    (container,) = _pod("Deployment", "vtelehealth-app")["containers"]
    assert container["livenessProbe"]["httpGet"]["path"] == "/healthz"
    assert container["readinessProbe"]["httpGet"]["path"] == "/readyz"
    assert container["startupProbe"]["httpGet"]["path"] == "/healthz"


def test_a_rolling_restart_leaves_time_to_resume() -> None:
    app = k8s_object("Deployment", "vtelehealth-app")
    assert app["spec"]["strategy"]["rollingUpdate"]["maxUnavailable"] == 0
    pod = app["spec"]["template"]["spec"]
    (container,) = pod["containers"]
    pre_stop = float(container["lifecycle"]["preStop"]["exec"]["command"][-1])
    command = container["command"]
    graceful = float(command[command.index("--graceful-timeout") + 1])
    assert pod["terminationGracePeriodSeconds"] > pre_stop + graceful


def test_app_runs_as_non_root_with_a_read_only_root() -> None:
    for name in ("vtelehealth-app", "vtelehealth-worker"):
        pod = _pod("Deployment", name)
        assert pod["securityContext"]["runAsNonRoot"] is True
        for container in pod["containers"]:
            assert container["securityContext"]["readOnlyRootFilesystem"] is True
            mounts = {m["mountPath"] for m in container["volumeMounts"]}
            assert "/tmp" in mounts  # the metrics files and temporary uploads


def test_autoscaler_targets_the_app() -> None:
    hpa = k8s_object("HorizontalPodAutoscaler", "vtelehealth-app")
    target = hpa["spec"]["scaleTargetRef"]
    assert (target["kind"], target["name"]) == ("Deployment", "vtelehealth-app")
    assert hpa["spec"]["minReplicas"] >= 2


def test_services_select_existing_pods() -> None:
    pods = {tuple(sorted(d["spec"]["template"]["metadata"]["labels"].items()))
            for _, d in DOCUMENTS if d["kind"] == "Deployment"}
    for _, doc in DOCUMENTS:
        if doc["kind"] == "Service":
            selector = doc["spec"]["selector"].items()
            assert any(set(selector) <= set(labels) for labels in pods), doc["metadata"]["name"]


def test_signaling_sockets_reach_one_pod_per_room() -> None:
    (container,) = _pod("Deployment", "vtelehealth-app")["containers"]
    command = container["command"]
    assert command[command.index("--workers") + 1] == "1"
    ingresses = [d for _, d in DOCUMENTS if d["kind"] == "Ingress"]
    hashed = {}
    for ingress in ingresses:
        for rule in ingress["spec"]["rules"]:
            for path in rule["http"]["paths"]:
                key = ingress["metadata"].get("annotations", {}).get(
                    "nginx.ingress.kubernetes.io/upstream-hash-by")
                hashed[path["path"]] = (key, path["backend"]["service"]["name"])
    assert hashed["/ws/"][0] == f"$arg_{ROOM_KEY_PARAM}"
    assert hashed["/"][0] is None  # pages and API stay evenly balanced
    # Hashing applies to a whole backend: signaling has a Service of its own, on the app pods.
    assert hashed["/ws/"][1] != hashed["/"][1]
    service = k8s_object("Service", hashed["/ws/"][1])
    assert service["spec"]["selector"] == k8s_object("Service", hashed["/"][1])["spec"]["selector"]


def test_migration_job_runs_the_release_image_once() -> None:
    (job,) = [d for _, d in DOCUMENTS if d["kind"] == "Job"]
    (container,) = job["spec"]["template"]["spec"]["containers"]
    assert container["command"] == ["telehealth", "migrate"]
    assert job["spec"]["template"]["spec"]["restartPolicy"] == "Never"
    (app,) = _pod("Deployment", "vtelehealth-app")["containers"]
    assert container["image"] == app["image"]
    assert job["metadata"]["name"].endswith(container["image"].rsplit(":", 1)[1])


def test_app_and_worker_share_configuration() -> None:
    for name in ("vtelehealth-app", "vtelehealth-worker"):
        (container,) = _pod("Deployment", name)["containers"]
        sources = {next(iter(s.values()))["name"] for s in container["envFrom"]}
        assert sources == {"vtelehealth-config", "vtelehealth-secrets"}
