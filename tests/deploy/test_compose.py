"""compose.yaml: the bot and a worker on one host, the index on a volume, hardened like the pods.

`docker compose config` (or the older `docker-compose config`) checks the file against the Compose
specification where docker is installed; the structure is checked everywhere.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from bot.config import Settings, env_name
from tests.deploy.test_manifests import SECRETS_EXAMPLE, _env_file_names, _known_env

REPO = Path(__file__).resolve().parents[2]
COMPOSE = REPO / "compose.yaml"


def _compose_command() -> list[str] | None:
    """`docker compose` (v2 plugin) or `docker-compose` (v1), whichever answers."""
    if shutil.which("docker"):
        probe = subprocess.run(["docker", "compose", "version"], capture_output=True, text=True, timeout=30)
        if probe.returncode == 0:
            return ["docker", "compose"]
    if shutil.which("docker-compose"):
        return ["docker-compose"]
    return None


COMPOSE_CMD = _compose_command()


def _services() -> dict[str, dict]:
    return yaml.safe_load(COMPOSE.read_text())["services"]


def test_the_bot_and_a_worker_share_one_host_with_the_index_on_a_volume() -> None:
    document = yaml.safe_load(COMPOSE.read_text())
    bot, worker = document["services"]["bot"], document["services"]["worker"]

    assert bot["build"]["target"] == "bot" and worker["build"]["target"] == "worker"
    assert bot["environment"]["KB_EMBED_URL"] == f"http://worker:{worker['command'][-1]}"
    assert bot["environment"]["KB_SCHEDULER_ENABLED"] == "true"  # the nightly sync runs in the bot
    volume, mount = bot["volumes"][0].split(":")[:2]
    assert volume in document["volumes"] and bot["environment"]["KB_DATA_DIR"].startswith(mount + "/")
    assert bot["depends_on"]["worker"]["condition"] == "service_healthy"
    assert bot["env_file"] == "kb.env"
    Settings(**{env_name(f): v for f in Settings.model_fields if (v := bot["environment"].get(env_name(f))) is not None})


def test_both_containers_are_hardened_like_the_pods() -> None:
    for name, service in _services().items():
        assert service["read_only"] is True and "/tmp" in service["tmpfs"], name
        assert service["cap_drop"] == ["ALL"] and "no-new-privileges:true" in service["security_opt"], name


def test_every_environment_variable_is_known_and_the_secrets_stay_out_of_git() -> None:
    names = {name for service in _services().values() for name in service.get("environment", {})}
    names |= _env_file_names(SECRETS_EXAMPLE)  # what kb.env is copied from

    assert sorted(name for name in names if not _known_env(name)) == []
    assert subprocess.run(["git", "check-ignore", "-q", "kb.env"], cwd=REPO).returncode == 0
    assert "kb.env" in (REPO / ".dockerignore").read_text().split()


@pytest.mark.skipif(COMPOSE_CMD is None, reason="docker compose is not installed")
@pytest.mark.parametrize("files", [["compose.yaml"], ["compose.yaml", "compose.gpu.yaml"]])
def test_docker_compose_accepts_the_file(tmp_path: Path, files: list[str]) -> None:
    assert COMPOSE_CMD is not None
    for name in files:
        shutil.copy(REPO / name, tmp_path / name)
    shutil.copy(SECRETS_EXAMPLE, tmp_path / "kb.env")  # as docs/deployment.md says, before filling it in
    arguments = [part for name in files for part in ("-f", name)]

    checked = subprocess.run([*COMPOSE_CMD, *arguments, "config"], cwd=tmp_path, capture_output=True, text=True,
                             timeout=60)

    assert checked.returncode == 0, checked.stderr
    rendered = yaml.safe_load(checked.stdout)
    assert set(rendered["services"]) == {"bot", "worker"}
    assert rendered["services"]["bot"]["read_only"] is True
