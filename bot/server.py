"""The one HTTP server of `kb serve`: chat surfaces, /healthz and /metrics on KB_PORT.

Surfaces mount their own routes (`/slack/events` now, Teams' `/api/messages` later) onto one
aiohttp application, so a deployment exposes one port and one health check whatever it enables.
`build_app` takes the surfaces explicitly so tests (and later surfaces) choose what is mounted.
"""

from __future__ import annotations

import asyncio
import re
import uuid
from collections.abc import Sequence
from typing import Protocol

import structlog
from aiohttp import web
from aiohttp.typedefs import Handler

from bot import metrics
from bot.conversation.services import ChatServices
from bot.runtime import Runtime

log = structlog.get_logger(__name__)

RUNTIME = web.AppKey("runtime", Runtime)
SURFACES = web.AppKey("surfaces", list)
WARM_UP = web.AppKey("warm_up", asyncio.Task)
SCHEDULER = web.AppKey("scheduler", object)

MAX_BODY_BYTES = 1_000_000
"""Slack and Teams payloads are kilobytes; anything near this is not a chat event."""


class Surface(Protocol):
    name: str

    def mount(self, app: web.Application) -> None:
        """Add routes and startup/shutdown hooks to the server."""
        ...


def default_surfaces(services: ChatServices) -> list[Surface]:
    """Every surface whose settings are present."""
    from bot.surfaces.slack import setup as slack_setup
    from bot.surfaces.slack import surface as slack
    from bot.surfaces.teams import surface as teams

    surfaces: list[Surface] = []
    if slack.configured(services.settings):
        surfaces.append(slack.SlackSurface(services))
    elif slack_setup.awaiting_install(services.settings):  # Slack checks the Request URL before install
        surfaces.append(slack_setup.SlackUrlVerification(services.settings))
    if teams.configured(services.settings):
        surfaces.append(teams.TeamsSurface(services))
    return surfaces


REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,64}$")
"""A caller's X-Request-Id is kept only when it is this tame (it ends up in every log line)."""


@web.middleware
async def request_context(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Bind a request id to every log line the request causes, answers in background tasks included.

    Tasks and worker threads started while handling copy the context, so an answer posted seconds
    after the ack still logs the id of the request that asked. Unexpected errors become a bare 500:
    a stack trace belongs in the log, never in a reply.
    """
    given = request.headers.get("X-Request-Id", "")
    request_id = given if REQUEST_ID.match(given) else uuid.uuid4().hex[:16]
    tokens = structlog.contextvars.bind_contextvars(request_id=request_id)
    try:
        response = await handler(request)
    except web.HTTPException:
        raise
    except Exception as error:
        log.exception("server.request_failed", path=request.path, error_type=type(error).__name__)
        response = web.json_response({"error": "internal error", "request_id": request_id}, status=500)
    finally:
        structlog.contextvars.reset_contextvars(**tokens)
    response.headers["X-Request-Id"] = request_id
    return response


def build_app(runtime: Runtime, surfaces: Sequence[Surface] | None = None) -> web.Application:
    """The aiohttp application; `surfaces` None means every configured one."""
    app = web.Application(client_max_size=MAX_BODY_BYTES, middlewares=[request_context])
    app[RUNTIME] = runtime
    chosen = list(default_surfaces(ChatServices(runtime)) if surfaces is None else surfaces)
    app[SURFACES] = runtime.chat_surfaces = chosen
    app.router.add_get("/healthz", healthz)
    app.router.add_get("/metrics", metrics_page)
    for surface in chosen:
        surface.mount(app)
    log.info("server.built", surfaces=[surface.name for surface in chosen])
    return app


async def healthz(request: web.Request) -> web.Response:
    return web.json_response({"ok": True, "surfaces": [surface.name for surface in request.app[SURFACES]]})


async def metrics_page(_: web.Request) -> web.Response:
    body, content_type = metrics.render()
    return web.Response(body=body, headers={"Content-Type": content_type})


async def _warm_up(app: web.Application) -> None:
    """Load the embedding model in the background so the first question is not the slow one."""
    runtime: Runtime = app[RUNTIME]
    app[WARM_UP] = asyncio.get_running_loop().create_task(asyncio.to_thread(lambda: (runtime.embedder, runtime.answers)))


async def _start_scheduler(app: web.Application) -> None:
    from bot.scheduler import start_scheduler

    app[SCHEDULER] = start_scheduler(app[RUNTIME])


async def _stop_scheduler(app: web.Application) -> None:
    scheduler = app.get(SCHEDULER)
    if scheduler is not None:
        scheduler.shutdown(wait=False)


def serve(runtime: Runtime, host: str = "0.0.0.0", port: int | None = None) -> None:
    """Run until interrupted: surfaces, the nightly schedule, health and metrics on one port."""
    app = build_app(runtime)
    app.on_startup.extend([_warm_up, _start_scheduler])
    app.on_shutdown.append(_stop_scheduler)
    if not app[SURFACES]:
        log.warning("server.no_surfaces", hint="set SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET or SLACK_APP_TOKEN")
    web.run_app(app, host=host, port=port or runtime.settings.port, print=None, access_log=None)
