"""manifests/k8s and the Dockerfile hold together: what `kubectl apply -k` and `docker build` rely on."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from bot.config import Settings, env_name

REPO = Path(__file__).resolve().parents[2]
K8S = REPO / "manifests" / "k8s"
SETTINGS_ENV = {env_name(field) for field in Settings.model_fields}
OTHER_ENV = {"HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE", "NVIDIA_VISIBLE_DEVICES", "NVIDIA_DRIVER_CAPABILITIES"}
"""Variables read by libraries rather than kb (object-store credentials are matched by prefix below)."""

API_VERSIONS = {"Namespace": "v1", "ConfigMap": "v1", "Secret": "v1", "PersistentVolumeClaim": "v1", "Service": "v1",
                "Deployment": "apps/v1"}


def _documents() -> list[dict]:
    kustomization = yaml.safe_load((K8S / "kustomization.yaml").read_text())
    documents = []
    for resource in kustomization["resources"]:
        documents.extend(doc for doc in yaml.safe_load_all((K8S / resource).read_text()) if doc)
    return documents


def _by_kind(kind: str) -> dict[str, dict]:
    return {doc["metadata"]["name"]: doc for doc in _documents() if doc["kind"] == kind}


def _known_env(name: str) -> bool:
    return name in SETTINGS_ENV or name in OTHER_ENV or name.startswith(("AWS_", "AZURE_STORAGE_", "GOOGLE_"))


def test_every_file_parses_and_every_resource_is_listed() -> None:
    kustomization = yaml.safe_load((K8S / "kustomization.yaml").read_text())
    listed = set(kustomization["resources"])

    assert kustomization["kind"] == "Kustomization"
    assert all((K8S / resource).is_file() for resource in listed)
    assert listed == {path.name for path in K8S.glob("*.yaml")} - {"kustomization.yaml"}


def test_kinds_api_versions_and_required_fields() -> None:
    for doc in _documents():
        assert doc["apiVersion"] == API_VERSIONS[doc["kind"]], doc["kind"]
        assert re.fullmatch(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?", doc["metadata"]["name"])
        if doc["kind"] == "Deployment":
            spec = doc["spec"]
            assert spec["replicas"] >= 1 and spec["template"]["spec"]["containers"]
            for container in spec["template"]["spec"]["containers"]:
                assert container["name"] and container["image"]
                assert container["securityContext"]["allowPrivilegeEscalation"] is False
            assert spec["template"]["spec"]["securityContext"]["runAsNonRoot"] is True
        if doc["kind"] == "Service":
            assert doc["spec"]["selector"] and doc["spec"]["ports"]
        if doc["kind"] == "PersistentVolumeClaim":
            assert doc["spec"]["accessModes"] and doc["spec"]["resources"]["requests"]["storage"]


def test_selectors_match_labels_and_ports_line_up() -> None:
    deployments = _by_kind("Deployment")
    for name, deployment in deployments.items():
        selector = deployment["spec"]["selector"]["matchLabels"]
        labels = deployment["spec"]["template"]["metadata"]["labels"]
        assert selector.items() <= labels.items(), name
    for name, service in _by_kind("Service").items():
        matches = [d for d in deployments.values()
                   if service["spec"]["selector"].items() <= d["spec"]["template"]["metadata"]["labels"].items()]
        assert len(matches) == 1, f"service {name} selects {len(matches)} deployments"
        ports = {port["name"]: port["containerPort"] for c in matches[0]["spec"]["template"]["spec"]["containers"]
                 for port in c["ports"]}
        for port in service["spec"]["ports"]:
            assert port["targetPort"] in ports or port["targetPort"] in ports.values(), (name, port)
        for container in matches[0]["spec"]["template"]["spec"]["containers"]:
            for probe in ("readinessProbe", "livenessProbe", "startupProbe"):
                if probe in container:
                    assert container[probe]["httpGet"]["port"] in ports


def test_the_bot_reaches_the_worker_and_its_volume() -> None:
    settings = _by_kind("ConfigMap")["kb-settings"]["data"]
    worker_service = _by_kind("Service")["kb-worker"]
    bot = _by_kind("Deployment")["kb-bot"]["spec"]["template"]["spec"]
    worker = _by_kind("Deployment")["kb-worker"]["spec"]["template"]["spec"]["containers"][0]

    assert settings["KB_EMBED_URL"] == f"http://kb-worker:{worker_service['spec']['ports'][0]['port']}"
    assert worker["resources"]["limits"]["nvidia.com/gpu"] == 1
    assert "--port" in worker["args"] and str(worker["ports"][0]["containerPort"]) in worker["args"]
    assert bot["containers"][0]["ports"][0]["containerPort"] == int(settings["KB_PORT"])
    claim = bot["volumes"][0]["persistentVolumeClaim"]["claimName"]
    assert claim in _by_kind("PersistentVolumeClaim")
    mount = bot["containers"][0]["volumeMounts"][0]["mountPath"]
    assert settings["KB_DATA_DIR"].startswith(mount + "/")
    refs = {ref.get("configMapRef", ref.get("secretRef"))["name"] for ref in bot["containers"][0]["envFrom"]}
    assert refs == {"kb-settings", "kb-secrets"}
    Settings(**{env_name(f): v for f in Settings.model_fields if (v := settings.get(env_name(f))) is not None})


def test_every_environment_variable_is_a_real_setting() -> None:
    names = set(_by_kind("ConfigMap")["kb-settings"]["data"]) | set(_by_kind("Secret")["kb-secrets"]["stringData"])
    for deployment in _by_kind("Deployment").values():
        for container in deployment["spec"]["template"]["spec"]["containers"]:
            names |= {variable["name"] for variable in container.get("env", [])}

    unknown = sorted(name for name in names if not _known_env(name))
    assert unknown == []
    assert {"KB_EMBED_URL", "KB_SYNC_CRON", "KB_SCHEDULER_ENABLED", "SLACK_BOT_TOKEN"} <= names


@pytest.mark.skipif(shutil.which("kubectl") is None, reason="kubectl is not installed")
def test_kubectl_kustomize_builds_the_manifests() -> None:
    built = subprocess.run(["kubectl", "kustomize", str(K8S)], capture_output=True, text=True, timeout=60)

    assert built.returncode == 0, built.stderr
    documents = [doc for doc in yaml.safe_load_all(built.stdout) if doc]
    assert sorted(doc["kind"] for doc in documents) == sorted(doc["kind"] for doc in _documents())
    assert all(doc["metadata"].get("namespace") == "kb" for doc in documents if doc["kind"] != "Namespace")
    images = {c["image"] for doc in documents if doc["kind"] == "Deployment"
              for c in doc["spec"]["template"]["spec"]["containers"]}
    assert images == {"ghcr.io/example/kb:0.1.0", "ghcr.io/example/kb-worker:0.1.0"}


# -- Dockerfile ------------------------------------------------------------------------------------
def _stages() -> dict[str, list[str]]:
    """Instructions per build stage (continuation lines joined)."""
    text = (REPO / "Dockerfile").read_text().replace("\\\n", " ")
    stages: dict[str, list[str]] = {}
    current = None
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        match = re.match(r"FROM\s+\S+\s+AS\s+(\S+)", line, re.IGNORECASE)
        if match:
            current = match.group(1)
            stages[current] = [line]
        elif current:
            stages[current].append(line)
    return stages


def test_dockerfile_builds_a_cpu_bot_and_a_cuda_worker_as_non_root() -> None:
    stages = _stages()

    assert {"bot", "worker"} <= set(stages)
    for name in ("bot", "worker"):
        lines = stages[name]
        torch = next(i for i, line in enumerate(lines) if "torch==2.13.0" in line)
        project = next(i for i, line in enumerate(lines) if re.search(r"pip install .*-c constraints.txt \.", line))
        assert torch < project and "-c constraints.txt" in lines[torch]  # torch first, pinned
        assert any(line.startswith("USER kb") for line in lines)
        assert any(line.startswith("HEALTHCHECK") for line in lines)
        assert "default_model_path" in lines[project]  # the bundled model is importable at build time
    assert "download.pytorch.org/whl/cpu" in " ".join(stages["bot"])
    assert "download.pytorch.org/whl/cpu" not in " ".join(stages["worker"])
    assert "/healthz" in " ".join(stages["bot"])
    assert "/health" in " ".join(stages["worker"]) and "/healthz" not in " ".join(stages["worker"])
    base = " ".join(stages["base"])
    assert "useradd" in base and "HF_HUB_OFFLINE=1" in base


def test_dockerfile_copies_only_what_exists_and_dockerignore_keeps_the_context_small() -> None:
    for lines in _stages().values():
        for line in lines:
            if line.startswith("COPY") and "--from" not in line:
                for source in line.split()[1:-1]:
                    assert "*" in source or (REPO / source).exists(), source
    ignored = (REPO / ".dockerignore").read_text().split()
    assert {".venv", ".git", ".kb-data", "tests"} <= set(ignored)
