"""deploy/k8s and deploy/helm, offline: every manifest valid against the Kubernetes schemas
(kubernetes-validate), and what a reviewer checks by hand held by the code itself: every
process has its Deployment with probes, resources and no root; every ADUAN_ setting named
is a real one; the alert rules read metrics Aduan exports; the Helm values match Aduan."""

from __future__ import annotations

import base64
import copy
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import kubernetes_validate
import pytest
import yaml
from prometheus_client import REGISTRY

# Each of these registers metrics on import: the registry the alert rules are checked against.
import aduan.adapters.attachments
import aduan.store.submission  # noqa: F401
import services.intake.inbound
import services.intake.watch  # noqa: F401
from aduan.adapters.temporal import SEARCH_ATTRIBUTES
from aduan.config import Settings
from aduan.processes import NEEDS, PROCESS_NAMES
from tests.support.containerfile import image_user

ROOT = Path(__file__).resolve().parents[3]
DEPLOY = ROOT / "deploy"
K8S = DEPLOY / "k8s"
# The oldest Kubernetes these manifests are written for (deploy/README.md).
KUBERNETES = "1.33"
DEV_ONLY = {"mailsink"}  # the local mail sink: production points at a real relay
KUSTOMIZATION: dict[str, Any] = yaml.safe_load((K8S / "kustomization.yaml").read_text("utf-8"))


def _documents() -> Iterator[tuple[str, dict[str, Any]]]:
    for name in KUSTOMIZATION["resources"]:
        for document in yaml.safe_load_all((K8S / name).read_text("utf-8")):
            if document:
                yield name, document


def rendered(document: dict[str, Any]) -> dict[str, Any]:
    """What `kubectl apply -k` sends for it (kustomize is not installed here): the
    kustomization's namespace, labels and image applied."""
    out = copy.deepcopy(document)
    if out["kind"] != "Namespace":
        out["metadata"]["namespace"] = KUSTOMIZATION["namespace"]
    for labels in KUSTOMIZATION["labels"]:
        out["metadata"].setdefault("labels", {}).update(labels["pairs"])
    for image in KUSTOMIZATION["images"]:
        for container in _containers(out):
            if container["image"] == image["name"]:
                container["image"] = f"{image['newName']}:{image['newTag']}"
    return out


def _pod(document: dict[str, Any]) -> dict[str, Any] | None:
    template = document.get("spec", {}).get("template")
    return template["spec"] if document["kind"] in ("Deployment", "Job") and template else None


def _containers(document: dict[str, Any]) -> list[dict[str, Any]]:
    pod = _pod(document)
    return pod["containers"] if pod else []


DOCUMENTS = [(name, rendered(document)) for name, document in _documents()]
IDS = [f"{name}:{d['kind']}/{d['metadata']['name']}" for name, d in DOCUMENTS]


def of_kind(kind: str) -> dict[str, dict[str, Any]]:
    return {d["metadata"]["name"]: d for _, d in DOCUMENTS if d["kind"] == kind}


CONFIG: dict[str, str] = of_kind("ConfigMap")["aduan-config"]["data"]
SECRETS: dict[str, str] = of_kind("Secret")["aduan-secrets"]["stringData"]
DEPLOYMENTS = of_kind("Deployment")


def test_every_file_in_deploy_k8s_is_in_the_kustomization() -> None:
    files = {p.name for p in K8S.iterdir()} - {"kustomization.yaml"}
    assert files == set(KUSTOMIZATION["resources"])


@pytest.mark.parametrize("document", [d for _, d in DOCUMENTS], ids=IDS)
def test_each_manifest_is_valid_for_kubernetes(document: dict[str, Any]) -> None:
    # strict: a misspelt field is an error, not silently dropped by the API server. The
    # alert rules are a ConfigMap, not a PrometheusRule, so no kind lacks a schema here.
    kubernetes_validate.validate(document, KUBERNETES, strict=True)


def test_every_production_process_has_its_deployment() -> None:
    assert set(DEPLOYMENTS) == set(PROCESS_NAMES) - DEV_ONLY
    for name, deployment in DEPLOYMENTS.items():
        (container,) = _containers(deployment)
        assert container["args"] == ["serve", name]


def _port(name: str) -> int:
    """The port a process answers /healthz, /readyz and /metrics on, by the settings."""
    if name in NEEDS:  # no HTTP of its own: the ops port
        return int(CONFIG["ADUAN_OPS_PORT"])
    return int(CONFIG[f"ADUAN_{name.upper()}_PORT"])


@pytest.mark.parametrize("name", sorted(DEPLOYMENTS))
def test_every_deployment_is_probed_bounded_scraped_and_not_root(name: str) -> None:
    deployment = DEPLOYMENTS[name]
    (container,) = _containers(deployment)
    ports = {p["name"]: p["containerPort"] for p in container["ports"]}
    for probe, path in (
        ("startupProbe", "/healthz"),
        ("livenessProbe", "/healthz"),
        ("readinessProbe", "/readyz"),
    ):
        get = container[probe]["httpGet"]
        assert get["path"] == path and ports[get["port"]] == _port(name), probe
    annotations = deployment["spec"]["template"]["metadata"]["annotations"]
    assert annotations["prometheus.io/scrape"] == "true"
    assert int(annotations["prometheus.io/port"]) == _port(name)
    assert annotations["prometheus.io/path"] == "/metrics/"
    assert {e.get("configMapRef", e.get("secretRef"))["name"] for e in container["envFrom"]} == {
        "aduan-config",
        "aduan-secrets",
    }


@pytest.mark.parametrize(
    "document",
    [d for _, d in DOCUMENTS if _pod(d)],
    ids=[i for i, (_, d) in zip(IDS, DOCUMENTS, strict=True) if _pod(d)],
)
def test_every_pod_has_resources_and_runs_read_only_as_the_image_user(
    document: dict[str, Any],
) -> None:
    pod = _pod(document)
    assert pod is not None
    user = image_user()
    context = pod["securityContext"]
    assert context["runAsNonRoot"] is True
    assert [str(context["runAsUser"]), str(context["runAsGroup"])] == user
    assert pod["automountServiceAccountToken"] is False
    writable = {"/tmp", CONFIG["ADUAN_DATA_DIR"]}
    for container in pod["containers"]:
        for bound in ("requests", "limits"):
            assert set(container["resources"][bound]) == {"cpu", "memory"}, bound
        security = container["securityContext"]
        assert security["readOnlyRootFilesystem"] is True
        assert security["allowPrivilegeEscalation"] is False
        assert security["capabilities"]["drop"] == ["ALL"]
        assert {m["mountPath"] for m in container["volumeMounts"]} == writable


def test_the_setup_job_runs_aduan_setup() -> None:
    (job,) = of_kind("Job").values()
    (container,) = _containers(job)
    assert container["args"] == ["setup"]
    assert job["spec"]["template"]["spec"]["restartPolicy"] == "OnFailure"


def _selects(selector: dict[str, str], deployment: dict[str, Any]) -> bool:
    labels = deployment["spec"]["template"]["metadata"]["labels"]
    return all(labels.get(k) == v for k, v in selector.items())


def test_each_deployment_keeps_a_pod_through_disruptions_and_two_run_or_autoscale() -> None:
    budgets = of_kind("PodDisruptionBudget")
    autoscaled = {
        h["spec"]["scaleTargetRef"]["name"]: h for h in of_kind("HorizontalPodAutoscaler").values()
    }
    assert set(autoscaled) == {"intake", "worker"}
    for name, deployment in DEPLOYMENTS.items():
        budget = budgets[name]
        assert budget["spec"]["minAvailable"] == 1
        assert _selects(budget["spec"]["selector"]["matchLabels"], deployment)
        if name in autoscaled:
            # An apply would reset what the autoscaler set.
            assert "replicas" not in deployment["spec"]
            assert autoscaled[name]["spec"]["minReplicas"] >= 2
        else:
            assert deployment["spec"]["replicas"] >= 2


def test_services_and_the_ingress_reach_ports_that_exist() -> None:
    services = of_kind("Service")
    assert set(services) == {"intake", "desk", "inbound-mail"}
    for name, service in services.items():
        (container,) = _containers(DEPLOYMENTS[name])
        assert _selects(service["spec"]["selector"], DEPLOYMENTS[name])
        ports = {p["name"] for p in container["ports"]}
        assert {p["targetPort"] for p in service["spec"]["ports"]} <= ports
    (ingress,) = of_kind("Ingress").values()
    hosts = {
        rule["host"]: {p["backend"]["service"]["name"] for p in rule["http"]["paths"]}
        for rule in ingress["spec"]["rules"]
    }
    public = CONFIG["ADUAN_PUBLIC_URL"].removeprefix("https://")
    desk = CONFIG["ADUAN_DESK_PUBLIC_URL"].removeprefix("https://")
    assert hosts == {public: {"intake"}, desk: {"desk"}}
    assert {h for tls in ingress["spec"]["tls"] for h in tls["hosts"]} == {public, desk}


def test_every_aduan_setting_named_in_deploy_is_a_real_setting() -> None:
    named = set(CONFIG) | set(SECRETS)
    for path in DEPLOY.rglob("*"):
        if path.is_file() and path.suffix != ".md":
            named |= set(re.findall(r"\bADUAN_[A-Z0-9_]*[A-Z0-9]\b", path.read_text("utf-8")))
    known = {f"ADUAN_{field.upper()}" for field in Settings.model_fields}
    assert named - known == set()
    assert not set(CONFIG) & set(SECRETS)


def _filled_secrets() -> dict[str, str]:
    key = base64.b64encode(bytes(range(32))).decode()
    filled = {
        "ADUAN_SECRET_KEY": "s" * 64,
        "ADUAN_PAYLOAD_KEYS": f"2026-12:{key}",
        "ADUAN_METRICS_TOKEN": "m" * 32,
    }
    return {
        name: filled.get(name, value.replace("CHANGE-ME", "password"))
        for name, value in SECRETS.items()
    }


def test_the_settings_are_valid_once_the_secrets_are_filled_in_and_refused_before(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for name in list(Settings.model_fields):
        monkeypatch.delenv(f"ADUAN_{name.upper()}", raising=False)
    for name, value in {**CONFIG, **SECRETS}.items():
        monkeypatch.setenv(name, value)
    with pytest.raises(ValueError):
        Settings()  # a template applied as it is: every process refuses to start
    for name, value in _filled_secrets().items():
        monkeypatch.setenv(name, value)
    settings = Settings()
    assert settings.environment == "production"
    assert len(settings.nats_servers) == settings.stream_replicas == 3
    assert settings.intake_workers == 1


# --- alert rules ------------------------------------------------------------------------

PROMQL_WORDS = {"and", "or", "unless", "bool", "offset"}


def metric_names(expression: str) -> set[str]:
    """The metrics a PromQL expression reads (not its functions, labels or keywords)."""
    text = re.sub(r'"[^"]*"', "", expression)
    text = re.sub(r"\{[^}]*\}|\[[^\]]*\]", "", text)
    text = re.sub(r"\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)", "", text)
    names = set()
    for match in re.finditer(r"[a-zA-Z_:][a-zA-Z0-9_:]*", text):
        if not text[match.end() :].lstrip().startswith("(") and match[0] not in PROMQL_WORDS:
            names.add(match[0])
    return names


def exported_metrics() -> set[str]:
    """Every series name Aduan's processes expose, from their registry."""
    names: set[str] = set()
    for family in REGISTRY.collect():
        suffixes = {"counter": ["_total"], "histogram": ["_bucket", "_sum", "_count"]}
        names |= {family.name + s for s in suffixes.get(family.type, [""])}
    return names


RULES = yaml.safe_load(of_kind("ConfigMap")["aduan-prometheus-rules"]["data"]["aduan.rules.yaml"])
ALERTS = [rule for group in RULES["groups"] for rule in group["rules"]]


def test_metric_names_reads_only_the_metrics_of_an_expression() -> None:
    assert metric_names(
        'max by (consumer) (rate(a_total{job="x"}[5m])) / on (consumer) b > 0 and time() - c'
    ) == {"a_total", "b", "c"}


@pytest.mark.parametrize("rule", ALERTS, ids=[r["alert"] for r in ALERTS])
def test_each_alert_reads_exported_metrics_and_says_what_it_means(rule: dict[str, Any]) -> None:
    names = metric_names(rule["expr"])
    assert names and names <= exported_metrics(), names - exported_metrics()
    assert rule["labels"]["severity"] in ("warning", "critical")
    assert re.fullmatch(r"\d+m", rule["for"])
    summary = rule["annotations"]["summary"]
    assert " / " in summary, "Bahasa Indonesia, then English"
    guide = (DEPLOY / "README.md").read_text("utf-8")
    anchor = rule["annotations"]["runbook"].removeprefix("deploy/README.md#")
    assert anchor == rule["alert"].lower()
    assert re.search(rf"^#+ `?{rule['alert']}`?$", guide, re.MULTILINE), "its section"


def test_the_watched_metrics_each_have_an_alert() -> None:
    watched = {
        name
        for name in exported_metrics()
        if name.startswith(("aduan_outbox", "aduan_consumer", "aduan_deliveries", "aduan_deadl"))
    }
    read = set().union(*(metric_names(rule["expr"]) for rule in ALERTS))
    assert watched - read == {"aduan_outbox_pending"}  # shown beside its age, not alerted on


# --- Helm values ------------------------------------------------------------------------

TEMPORAL = yaml.safe_load((DEPLOY / "helm" / "temporal-values.yaml").read_text("utf-8"))
NATS = yaml.safe_load((DEPLOY / "helm" / "nats-values.yaml").read_text("utf-8"))
NODE_CONF = (DEPLOY / "nats" / "node-1.conf").read_text("utf-8")


def test_temporal_keeps_everything_in_postgresql_and_serves_aduans_namespace() -> None:
    persistence = TEMPORAL["server"]["config"]["persistence"]
    for store in (persistence["defaultStore"], persistence["visibilityStore"]):
        sql = persistence["datastores"][store]["sql"]
        assert sql["pluginName"] == sql["driverName"] == "postgres12"
        assert "password" not in sql and sql["existingSecret"]
    namespaces = TEMPORAL["server"]["config"]["namespaces"]
    assert namespaces["create"] is True
    assert CONFIG["ADUAN_TEMPORAL_NAMESPACE"] in {n["name"] for n in namespaces["namespace"]}
    ui = {e["name"]: e["value"] for e in TEMPORAL["web"]["additionalEnv"]}
    assert ui["TEMPORAL_CODEC_ENDPOINT"] == CONFIG["ADUAN_DESK_PUBLIC_URL"] + "/codec"
    assert ui["TEMPORAL_CODEC_INCLUDE_CREDENTIALS"] == "true"
    assert TEMPORAL["web"]["ingress"]["hosts"] == [
        CONFIG["ADUAN_TEMPORAL_UI_URL"].removeprefix("https://")
    ]


def test_temporal_registers_the_search_attributes_aduan_uses() -> None:
    (job,) = TEMPORAL["extraObjects"]
    kubernetes_validate.validate(job, KUBERNETES, strict=True)
    (container,) = job["spec"]["template"]["spec"]["containers"]
    env = {e["name"]: e["value"] for e in container["env"]}
    registered = dict(pair.split("=") for pair in env["SEARCH_ATTRIBUTES"].split())
    assert registered == {
        key.name: key.indexed_value_type.name.title() for key in SEARCH_ATTRIBUTES
    }
    assert env["TEMPORAL_ADDRESS"] == CONFIG["ADUAN_TEMPORAL_ADDRESS"]
    assert f"--namespace {CONFIG['ADUAN_TEMPORAL_NAMESPACE']}" in container["args"][0]


def _conf(key: str) -> str:
    found = re.search(rf"^\s*{key}:\s*\"?([^\"\s]+)\"?", NODE_CONF, re.MULTILINE)
    assert found, key
    return found[1]


def test_nats_runs_the_cluster_of_deploy_nats_with_every_write_on_disk() -> None:
    config = NATS["config"]
    assert config["cluster"]["enabled"] is True
    assert config["cluster"]["replicas"] == int(CONFIG["ADUAN_STREAM_REPLICAS"]) == 3
    assert config["cluster"]["merge"]["name"] == re.search(r"name:\s*(\w+)", NODE_CONF)[1]  # type: ignore[index]
    jetstream = config["jetstream"]
    assert jetstream["enabled"] is True and jetstream["fileStore"]["enabled"] is True
    assert jetstream["fileStore"]["pvc"]["enabled"] is True
    assert jetstream["merge"]["sync_interval"] == _conf("sync_interval") == "always"
    assert jetstream["fileStore"]["maxSize"] == _conf("max_file_store")
    assert jetstream["memoryStore"]["maxSize"] == _conf("max_memory_store")
    for key in ("lame_duck_duration", "lame_duck_grace_period"):
        assert config["merge"][key] == _conf(key)
    urls = CONFIG["ADUAN_NATS_URL"].split(",")
    assert urls == [f"nats://nats-{i}.nats-headless.nats.svc.cluster.local:4222" for i in range(3)]
