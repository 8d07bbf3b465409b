"""manifests/k8s and the Dockerfile hold together: what `kubectl apply -k` and `docker build` rely on.

The manifests are checked against the Kubernetes API schemas (kubernetes-validate, strict: an
unknown or misspelt field fails), against the "restricted" Pod Security Standard the namespace
enforces, and rendered by kustomize (`kubectl kustomize`) as an admin would apply them.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import kubernetes_validate
import pytest
import yaml

from bot.config import Settings, env_name

REPO = Path(__file__).resolve().parents[2]
K8S = REPO / "manifests" / "k8s"
SECRETS_EXAMPLE = K8S / "secrets" / "secrets.env.example"
SETTINGS_ENV = {env_name(field) for field in Settings.model_fields}
OTHER_ENV = {"HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE", "NVIDIA_VISIBLE_DEVICES", "NVIDIA_DRIVER_CAPABILITIES",
             "CUDA_CACHE_PATH"}
"""Variables read by libraries rather than kb (object-store credentials are matched by prefix below)."""

API_VERSIONS = {"Namespace": "v1", "ConfigMap": "v1", "PersistentVolumeClaim": "v1", "Service": "v1",
                "Deployment": "apps/v1", "Ingress": "networking.k8s.io/v1", "PodDisruptionBudget": "policy/v1",
                "HorizontalPodAutoscaler": "autoscaling/v2"}
KUBERNETES_VERSIONS = ("1.30.0", kubernetes_validate.latest_version())
"""The oldest Kubernetes release still commonly run, and the newest the validator knows."""
KUBECTL = shutil.which("kubectl")


def _documents() -> list[dict]:
    kustomization = yaml.safe_load((K8S / "kustomization.yaml").read_text())
    documents = []
    for resource in kustomization["resources"]:
        documents.extend(doc for doc in yaml.safe_load_all((K8S / resource).read_text()) if doc)
    return documents


def _by_kind(kind: str, documents: list[dict] | None = None) -> dict[str, dict]:
    return {doc["metadata"]["name"]: doc for doc in documents or _documents() if doc["kind"] == kind}


def _known_env(name: str) -> bool:
    return name in SETTINGS_ENV or name in OTHER_ENV or name.startswith(("AWS_", "AZURE_STORAGE_", "GOOGLE_"))


def _env_file_names(path: Path) -> set[str]:
    """Variable names in an env file, the commented-out examples (`# NAME=`) included."""
    return set(re.findall(r"^(?:# )?([A-Z][A-Z0-9_]*)=", path.read_text(), re.MULTILINE))


def test_every_file_parses_and_every_resource_is_listed() -> None:
    kustomization = yaml.safe_load((K8S / "kustomization.yaml").read_text())
    listed = set(kustomization["resources"])

    assert kustomization["kind"] == "Kustomization"
    assert all((K8S / resource).is_file() for resource in listed)
    assert listed == {path.name for path in K8S.glob("*.yaml")} - {"kustomization.yaml"}
    component = yaml.safe_load((K8S / "secrets" / "kustomization.yaml").read_text())
    assert kustomization["components"] == ["secrets"] and component["kind"] == "Component"
    assert component["secretGenerator"] == [{"name": "kb-secrets", "envs": ["secrets.env"]}]


def test_kinds_api_versions_and_required_fields() -> None:
    for doc in _documents():
        assert doc["apiVersion"] == API_VERSIONS[doc["kind"]], doc["kind"]
        assert re.fullmatch(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?", doc["metadata"]["name"])
        if doc["kind"] == "Deployment":
            assert doc["spec"]["template"]["spec"]["containers"]
        if doc["kind"] == "Service":
            assert doc["spec"]["selector"] and doc["spec"]["ports"]
        if doc["kind"] == "PersistentVolumeClaim":
            assert doc["spec"]["accessModes"] and doc["spec"]["resources"]["requests"]["storage"]


@pytest.mark.parametrize("version", KUBERNETES_VERSIONS)
def test_every_manifest_passes_the_kubernetes_schema_strictly(version: str) -> None:
    for doc in _documents():
        kubernetes_validate.validate(doc, version, strict=True)


def test_a_misspelt_field_fails_the_strict_schema() -> None:
    """The check above can fail: the validator rejects what the API server would."""
    deployment = _by_kind("Deployment")["kb-bot"]
    deployment["spec"]["template"]["spec"]["containers"][0]["securityContext"]["readOnlyRootFileSystem"] = True

    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(deployment, KUBERNETES_VERSIONS[-1], strict=True)


# -- the "restricted" Pod Security Standard ----------------------------------------------------------
RESTRICTED_VOLUMES = {"configMap", "csi", "downwardAPI", "emptyDir", "ephemeral", "persistentVolumeClaim",
                      "projected", "secret"}


def restricted_violations(pod: dict) -> list[str]:
    """What the restricted profile (Kubernetes' Pod Security Standards) forbids in a pod spec.

    Written from the published profile: host namespaces, privileged or privilege-escalating
    containers, added capabilities beyond NET_BIND_SERVICE or ALL not dropped, host paths and ports,
    volume types outside the allowed list, running as root, and a seccomp profile other than
    RuntimeDefault / Localhost. Plus what this project asks beyond it: a read-only root file system.
    """
    problems = []
    pod_security = pod.get("securityContext", {})
    for field in ("hostNetwork", "hostPID", "hostIPC"):
        if pod.get(field):
            problems.append(field)
    problems += [f"volume {v['name']}" for v in pod.get("volumes", []) if not set(v) - {"name"} <= RESTRICTED_VOLUMES]
    for container in pod.get("initContainers", []) + pod["containers"]:
        security = container.get("securityContext", {})
        name = container["name"]
        if security.get("privileged"):
            problems.append(f"{name}: privileged")
        if security.get("allowPrivilegeEscalation") is not False:
            problems.append(f"{name}: allowPrivilegeEscalation not false")
        capabilities = security.get("capabilities", {})
        if "ALL" not in capabilities.get("drop", []) or set(capabilities.get("add", [])) - {"NET_BIND_SERVICE"}:
            problems.append(f"{name}: capabilities")
        if not security.get("runAsNonRoot", pod_security.get("runAsNonRoot")):
            problems.append(f"{name}: runAsNonRoot")
        if security.get("runAsUser", pod_security.get("runAsUser")) == 0:
            problems.append(f"{name}: runAsUser 0")
        seccomp = security.get("seccompProfile", pod_security.get("seccompProfile", {})).get("type")
        if seccomp not in ("RuntimeDefault", "Localhost"):
            problems.append(f"{name}: seccompProfile {seccomp}")
        if any(port.get("hostPort") for port in container.get("ports", [])):
            problems.append(f"{name}: hostPort")
        if security.get("readOnlyRootFilesystem") is not True:
            problems.append(f"{name}: writable root file system")
    return problems


def test_both_pods_meet_the_restricted_pod_security_standard() -> None:
    namespace = _by_kind("Namespace")["kb"]
    assert namespace["metadata"]["labels"]["pod-security.kubernetes.io/enforce"] == "restricted"
    for name, deployment in _by_kind("Deployment").items():
        assert restricted_violations(deployment["spec"]["template"]["spec"]) == [], name
        assert deployment["spec"]["template"]["spec"]["automountServiceAccountToken"] is False, name


def test_the_restricted_check_catches_a_pod_that_breaks_it() -> None:
    pod = _by_kind("Deployment")["kb-worker"]["spec"]["template"]["spec"]
    del pod["securityContext"]["seccompProfile"]
    pod["containers"][0]["securityContext"]["capabilities"] = {"add": ["SYS_ADMIN"]}
    pod["volumes"].append({"name": "host", "hostPath": {"path": "/var"}})

    assert restricted_violations(pod) == ["volume host", "worker: capabilities", "worker: seccompProfile None"]


def test_only_tmp_and_the_index_are_writable() -> None:
    """With a read-only root, kb writes its index under /data and temporary files under /tmp."""
    for name, deployment in _by_kind("Deployment").items():
        pod = deployment["spec"]["template"]["spec"]
        volumes = {volume["name"]: volume for volume in pod["volumes"]}
        mounts = {mount["mountPath"]: volumes[mount["name"]] for mount in pod["containers"][0]["volumeMounts"]}
        assert "emptyDir" in mounts["/tmp"], name
        assert set(mounts) <= {"/tmp", "/data"}, name
    bot_mounts = {m["mountPath"] for m in _by_kind("Deployment")["kb-bot"]["spec"]["template"]["spec"]["containers"][0]
                  ["volumeMounts"]}
    assert _by_kind("ConfigMap")["kb-settings"]["data"]["KB_DATA_DIR"].startswith("/data/") and "/data" in bot_mounts


# -- how the pieces reach each other -------------------------------------------------------------------
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
    claims = [v["persistentVolumeClaim"]["claimName"] for v in bot["volumes"] if "persistentVolumeClaim" in v]
    assert claims and set(claims) <= set(_by_kind("PersistentVolumeClaim"))
    refs = {ref.get("configMapRef", ref.get("secretRef"))["name"] for ref in bot["containers"][0]["envFrom"]}
    assert refs == {"kb-settings", "kb-secrets"}
    Settings(**{env_name(f): v for f in Settings.model_fields if (v := settings.get(env_name(f))) is not None})


def test_the_ingress_exposes_only_the_two_chat_endpoints_over_tls() -> None:
    ingress = _by_kind("Ingress")["kb-bot"]["spec"]
    [rule] = ingress["rules"]
    service = _by_kind("Service")["kb-bot"]

    assert {path["path"] for path in rule["http"]["paths"]} == {"/slack/events", "/api/messages"}
    for path in rule["http"]["paths"]:
        assert path["backend"]["service"]["name"] == "kb-bot"
        assert path["backend"]["service"]["port"]["name"] in {port["name"] for port in service["spec"]["ports"]}
    assert [rule["host"]] == ingress["tls"][0]["hosts"] and ingress["tls"][0]["secretName"]
    from bot.surfaces.slack.surface import EVENTS_PATH  # the paths the surfaces really mount
    from bot.surfaces.teams.surface import MESSAGES_PATH
    assert EVENTS_PATH in {p["path"] for p in rule["http"]["paths"]}
    assert MESSAGES_PATH in {p["path"] for p in rule["http"]["paths"]}


def test_the_worker_has_a_disruption_budget_and_an_autoscaler() -> None:
    worker = _by_kind("Deployment")["kb-worker"]
    pdb = _by_kind("PodDisruptionBudget")["kb-worker"]["spec"]
    hpa = _by_kind("HorizontalPodAutoscaler")["kb-worker"]["spec"]

    assert pdb["selector"]["matchLabels"].items() <= worker["spec"]["template"]["metadata"]["labels"].items()
    assert pdb["maxUnavailable"] == 1  # a drain proceeds with one worker, and never takes two at once
    assert hpa["scaleTargetRef"] == {"apiVersion": "apps/v1", "kind": "Deployment", "name": "kb-worker"}
    assert 1 <= hpa["minReplicas"] < hpa["maxReplicas"]
    assert "replicas" not in worker["spec"]  # `kubectl apply` would undo the autoscaler's choice
    container = worker["spec"]["template"]["spec"]["containers"][0]
    assert container["resources"]["requests"]["cpu"]  # Utilization is a share of the request


def test_every_environment_variable_is_a_real_setting() -> None:
    names = set(_by_kind("ConfigMap")["kb-settings"]["data"]) | _env_file_names(SECRETS_EXAMPLE)
    for deployment in _by_kind("Deployment").values():
        for container in deployment["spec"]["template"]["spec"]["containers"]:
            names |= {variable["name"] for variable in container.get("env", [])}

    unknown = sorted(name for name in names if not _known_env(name))
    assert unknown == []
    assert {"KB_EMBED_URL", "KB_SYNC_CRON", "KB_SCHEDULER_ENABLED", "SLACK_BOT_TOKEN", "AWS_ENDPOINT"} <= names


def test_the_secrets_file_stays_out_of_git() -> None:
    ignored = subprocess.run(["git", "check-ignore", "-q", "manifests/k8s/secrets/secrets.env"], cwd=REPO)
    example = subprocess.run(["git", "check-ignore", "-q", "manifests/k8s/secrets/secrets.env.example"], cwd=REPO)

    assert ignored.returncode == 0 and example.returncode == 1
    assert not list(K8S.rglob("secret.yaml"))


# -- rendered by kustomize, as `kubectl apply -k` sends it ----------------------------------------------
def _render(folder: Path) -> subprocess.CompletedProcess:
    assert KUBECTL is not None
    return subprocess.run([KUBECTL, "kustomize", str(folder)], capture_output=True, text=True, timeout=120)


@pytest.fixture()
def admin_copy(tmp_path: Path) -> Path:
    """manifests/k8s as an admin has it after step 2: secrets.env filled in (never the repository's copy)."""
    folder = tmp_path / "k8s"
    shutil.copytree(K8S, folder, ignore=shutil.ignore_patterns("secrets.env"))
    (folder / "secrets" / "secrets.env").write_text("SLACK_BOT_TOKEN=xoxb-1-2-3\nSLACK_SIGNING_SECRET=abc\n")
    return folder


@pytest.mark.skipif(KUBECTL is None, reason="kubectl is not installed")
def test_kustomize_renders_valid_objects_with_the_generated_secret(admin_copy: Path) -> None:
    built = _render(admin_copy)

    assert built.returncode == 0, built.stderr
    documents = [doc for doc in yaml.safe_load_all(built.stdout) if doc]
    for version in KUBERNETES_VERSIONS:
        for doc in documents:
            kubernetes_validate.validate(doc, version, strict=True)
    assert sorted(doc["kind"] for doc in documents) == sorted([d["kind"] for d in _documents()] + ["Secret"])
    assert all(doc["metadata"].get("namespace") == "kb" for doc in documents if doc["kind"] != "Namespace")
    [secret] = _by_kind("Secret", documents).values()
    assert secret["metadata"]["name"].startswith("kb-secrets-")  # hashed: a changed token rolls the pods
    bot = _by_kind("Deployment", documents)["kb-bot"]["spec"]["template"]["spec"]
    assert {"secretRef": {"name": secret["metadata"]["name"]}} in bot["containers"][0]["envFrom"]
    images = {c["image"] for doc in documents if doc["kind"] == "Deployment"
              for c in doc["spec"]["template"]["spec"]["containers"]}
    kustomization = yaml.safe_load((K8S / "kustomization.yaml").read_text())
    assert images == {f"{image['newName']}:{image['newTag']}" for image in kustomization["images"]}
    for deployment in _by_kind("Deployment", documents).values():
        assert restricted_violations(deployment["spec"]["template"]["spec"]) == []


@pytest.mark.skipif(KUBECTL is None, reason="kubectl is not installed")
def test_kustomize_renders_without_a_secret_when_it_is_managed_elsewhere(admin_copy: Path) -> None:
    kustomization = admin_copy / "kustomization.yaml"
    kustomization.write_text(kustomization.read_text().replace("components:\n  - secrets\n", ""))

    built = _render(admin_copy)

    assert built.returncode == 0, built.stderr
    documents = [doc for doc in yaml.safe_load_all(built.stdout) if doc]
    assert "Secret" not in {doc["kind"] for doc in documents}
    bot = _by_kind("Deployment", documents)["kb-bot"]["spec"]["template"]["spec"]
    assert {"secretRef": {"name": "kb-secrets"}} in bot["containers"][0]["envFrom"]


@pytest.mark.skipif(KUBECTL is None, reason="kubectl is not installed")
def test_kustomize_without_the_secrets_file_names_it(admin_copy: Path) -> None:
    (admin_copy / "secrets" / "secrets.env").unlink()

    built = _render(admin_copy)

    assert built.returncode != 0 and "secrets.env" in built.stderr


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
    assert "MALLOC_ARENA_MAX=2" in base  # a long sync's memory, measured in the README


def test_dockerfile_copies_only_what_exists_and_dockerignore_keeps_the_context_small() -> None:
    for lines in _stages().values():
        for line in lines:
            if line.startswith("COPY") and "--from" not in line:
                for source in line.split()[1:-1]:
                    assert "*" in source or (REPO / source).exists(), source
    ignored = (REPO / ".dockerignore").read_text().split()
    assert {".venv", ".git", ".kb-data", "tests"} <= set(ignored)
