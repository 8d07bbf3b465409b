"""Every setting kb reads, in one place.

Names are the environment variables of DESIGN.md (a contract: deployment scripts set them), so each
field carries its variable as an alias while code uses the short Python name. Values come from the
environment, then a `.env` file, then `kb.toml`, then the defaults below. `kb settings` prints this
table, and a test checks the README lists every variable, so docs and code cannot drift apart.
"""

from __future__ import annotations

import json
import os
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import AliasChoices, Field, SecretStr, field_validator
from pydantic_settings import (
    BaseSettings,
    NoDecode,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

CommaList = Annotated[list[str], NoDecode]
SECRETS = ("slack_bot_token", "slack_signing_secret", "slack_app_token", "microsoft_app_password", "anthropic_api_key",
           "confluence_api_token", "confluence_personal_token", "notion_token", "question_hash_key")
"""Fields read only from the environment, `.env` or secret files, never from kb.toml, and never logged."""
ChannelSources = Annotated[dict[str, list[str]], NoDecode]


def _env(name: str, description: str, default: Any = None, **kwargs: Any) -> Any:
    """A field read from environment variable `name` (and settable by its Python name in code)."""
    return Field(default, validation_alias=AliasChoices(name, name.lower()), description=description, **kwargs)


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_file=".env",
        toml_file="kb.toml",
        extra="ignore",
        populate_by_name=True,
    )

    # Storage and server
    data_dir: str = _env("KB_DATA_DIR", "Where the LanceDB index lives: a folder, or an object-store URI (s3://bucket/kb).", ".kb-data")
    read_consistency: float = _env("KB_READ_CONSISTENCY", "Seconds a serving process may keep reading a table version before it checks for a newer one written by another process (a `kb sync`, the writer replica); 0 checks on every read.", 5.0, ge=0)
    port: int = _env("KB_PORT", "Port of the one HTTP server (/slack/events, /api/messages, /healthz, /metrics).", 3000)
    admins: CommaList = _env("KB_ADMINS", "Comma-separated Slack user ids, Teams AAD object ids or emails allowed to reindex and to see the question report. Empty: nobody.", [])
    log_level: str = _env("KB_LOG_LEVEL", "Log level: DEBUG, INFO, WARNING, ERROR.", "INFO")
    log_format: str = _env("KB_LOG_FORMAT", "Log format: json, console, or auto (console on a terminal, JSON otherwise).", "auto")
    mode: Literal["production", "development"] = _env("KB_MODE", "production: every inbound request must be verified (Slack signing secret, Bot Framework JWT); development allows anonymous Teams requests.", "production")
    secrets_dir: str = _env("KB_SECRETS_DIR", "Folder of secret files named after their variable (e.g. /run/secrets/SLACK_BOT_TOKEN); NAME_FILE=path works for one secret too.", "")

    # Access control (docs/security.md)
    access_file: str = _env("KB_ACCESS_FILE", "YAML mapping each principal a document names (group:…, space:…) to who holds it (emails, group:…, domain:…, *).", "")
    public_principals: CommaList = _env("KB_PUBLIC_PRINCIPALS", "Principals every employee holds besides *, e.g. domain:corp.com,space:IT; channel answers may use them.", [])
    channel_sources: ChannelSources = _env("KB_CHANNEL_SOURCES", "Sources a channel may search: C0123=local/it,confluence/IT Help;19:abc@thread.tacv2=gdrive (* = every other channel).", {})
    notion_acl: CommaList = _env("KB_NOTION_ACL", "Principals that may read Notion documents (the Notion API exposes no page permissions).", ["*"])
    directory_ttl: float = _env("KB_DIRECTORY_TTL", "Seconds a user's email and guest status (Slack users.info, Teams roster) are cached.", 600.0, ge=0)

    # Slack
    slack_bot_token: SecretStr | None = _env("SLACK_BOT_TOKEN", "Slack bot token (xoxb-...).")
    slack_signing_secret: SecretStr | None = _env("SLACK_SIGNING_SECRET", "Slack signing secret, verifies HTTP Events API requests.")
    slack_app_token: SecretStr | None = _env("SLACK_APP_TOKEN", "Slack app-level token (xapp-...); when set the bot uses Socket Mode.")
    slack_api_url: str = _env("KB_SLACK_API_URL", "Slack Web API base URL.", "https://slack.com/api/")
    slack_usergroups: bool = _env("KB_SLACK_USERGROUPS", "Read the workspace's Slack user groups (scope usergroups:read): members hold slack-group:HANDLE and slack-group:ID, which KB_ACCESS_FILE maps to source groups.", False)
    slack_usergroups_ttl: float = _env("KB_SLACK_USERGROUPS_TTL", "Seconds one read of the Slack user groups (one usergroups.list call) is used before the next; a failed read grants no group until one succeeds.", 300.0, ge=30)
    slack_looking_after: float = _env("KB_SLACK_LOOKING_AFTER", "Seconds an answer may take before the bot reacts with :mag: to show it is looking.", 1.0, ge=0)

    # Chat (every surface)
    user_rate_limit: int = _env("KB_USER_RATE_LIMIT", "Questions one user may ask per minute before a polite limit message; 0: no limit.", 10, ge=0)

    # Microsoft Teams
    microsoft_app_id: str = _env("MICROSOFT_APP_ID", "Azure Bot app id; empty allows anonymous requests (development only).", "")
    microsoft_app_password: SecretStr | None = _env("MICROSOFT_APP_PASSWORD", "Azure Bot client secret.")
    microsoft_app_tenant_id: str = _env("MICROSOFT_APP_TENANT_ID", "Azure AD tenant of the single-tenant bot.", "")
    teams_service_url: str = _env("KB_TEAMS_SERVICE_URL", "Bot Framework connector URL for posts the bot starts (queue cards), e.g. https://smba.trafficmanager.net/teams/; empty: the serviceUrl of the last Teams activity received.", "")
    teams_history_turns: int = _env("KB_TEAMS_HISTORY_TURNS", "Earlier questions of a Teams thread or chat remembered (in the index database, for an hour) as context for follow-ups; 0: none.", 6, ge=0)
    teams_aad_groups: bool = _env("KB_TEAMS_AAD_GROUPS", "Read Teams askers' Azure AD groups from Microsoft Graph (application permission GroupMember.Read.All, admin consent; needs MICROSOFT_APP_ID, MICROSOFT_APP_PASSWORD, MICROSOFT_APP_TENANT_ID): members hold aad-group:ID and aad-group:NAME, which KB_ACCESS_FILE maps to source groups.", False)
    teams_aad_groups_ttl: float = _env("KB_TEAMS_AAD_GROUPS_TTL", "Seconds one asker's AAD groups (one Graph read) are used before the next; a failed read grants no group until one succeeds.", 300.0, ge=30)
    graph_url: str = _env("KB_GRAPH_URL", "Microsoft Graph base URL.", "https://graph.microsoft.com")
    graph_token_url: str = _env("KB_GRAPH_TOKEN_URL", "OAuth2 token endpoint for the Graph token ({tenant} is MICROSOFT_APP_TENANT_ID).", "https://login.microsoftonline.com/{tenant}/oauth2/v2.0/token")

    # Language model
    anthropic_api_key: SecretStr | None = _env("ANTHROPIC_API_KEY", "Anthropic API key; without one kb answers with cited snippets.")
    anthropic_base_url: str | None = _env("ANTHROPIC_BASE_URL", "Anthropic API base URL (read by the SDK).")
    llm_model: str = _env("KB_LLM_MODEL", "Anthropic model that writes grounded answers.", "claude-sonnet-4-5")
    llm_timeout: float = _env("KB_LLM_TIMEOUT", "Seconds a generated answer may take in all, retries included; later: the cited-snippets answer.", 20.0, gt=0)
    llm_retries: int = _env("KB_LLM_RETRIES", "Retries of a request the API refused as rate-limited (429) or overloaded (529), with back-off, within KB_LLM_TIMEOUT.", 2, ge=0)
    llm_max_tokens: int = _env("KB_LLM_MAX_TOKENS", "Longest generated answer, in tokens.", 700, ge=50)
    llm_system_prompt: str = _env("KB_LLM_SYSTEM_PROMPT", "The company's voice for generated answers; kb's grounding and citation rules always follow it.",
                                  "You are kb, the internal IT and HR help bot. Be friendly, brief and plain: a few short sentences, or numbered steps for a procedure. No greetings or sign-offs.")
    llm_breaker_failures: int = _env("KB_LLM_BREAKER_FAILURES", "Consecutive failed LLM calls after which kb answers with snippets for a while without trying.", 3, ge=1)
    llm_breaker_cooldown: float = _env("KB_LLM_BREAKER_COOLDOWN", "Seconds kb stays in snippets mode after KB_LLM_BREAKER_FAILURES failures before trying the API again.", 60.0, gt=0)
    llm_update_every: float = _env("KB_LLM_UPDATE_EVERY", "Seconds between updates of a streamed answer in Slack and Teams (platforms rate-limit edits).", 1.0, gt=0)

    # Embeddings
    embed_model: str = _env("KB_EMBED_MODEL", "sentence-transformers model name or path; empty: the bundled all-MiniLM-L6-v2.", "")
    embed_url: str = _env("KB_EMBED_URL", "Embedding worker URL(s), comma-separated; empty: embed in-process.", "")
    embed_device: str = _env("KB_EMBED_DEVICE", "Device for in-process embedding: auto (CUDA when present), cpu, cuda.", "auto")
    embed_backend: Literal["auto", "torch", "onnx"] = _env("KB_EMBED_BACKEND", "What runs the in-process model (and kb worker's): onnx (a copy exported at first use, CPU; KB_EMBED_INT8 says how much of it is int8), torch, or auto (torch on CUDA, onnx otherwise).", "auto")
    embed_int8: Literal["none", "ffn-up", "all-but-ffn-down", "all"] = _env("KB_EMBED_INT8", "Which weight matrix products of the ONNX model are int8: none (fp32, the same vectors as torch), ffn-up (feed-forward up-projections), all-but-ffn-down, or all. Each int8 set is faster and moves answers (README, Embedding on a CPU). Part of the cached model's key.", "none")
    embed_cache_dir: str = _env("KB_EMBED_CACHE_DIR", "Folder for the ONNX models built at first use, one per model and quantization, and (under policy/) the vectors of the policy's labelled questions; empty: ~/.cache/kb/onnx.", "")
    embed_batch_size: int = _env("KB_EMBED_BATCH_SIZE", "Texts per forward pass when embedding.", 32, ge=1)
    query_prefix: str = _env("KB_QUERY_PREFIX", "Text put before each query when embedding (e.g. 'query: ' for e5 models).", "")
    passage_prefix: str = _env("KB_PASSAGE_PREFIX", "Text put before each chunk when embedding (e.g. 'passage: ').", "")
    embed_concurrency: int = _env("KB_EMBED_CONCURRENCY", "Requests in flight to the embedding worker(s) at once during a sync.", 4, ge=1)
    embed_request_texts: int = _env("KB_EMBED_REQUEST_TEXTS", "Texts per request to a worker (capped by the worker's max_client_batch_size).", 64, ge=1)
    embed_timeout: float = _env("KB_EMBED_TIMEOUT", "Seconds to wait for one worker request before retrying elsewhere.", 120.0, gt=0)
    embed_retries: int = _env("KB_EMBED_RETRIES", "Retries of a failed worker request (other workers first) before the sync fails.", 4, ge=0)

    # Embedding worker (`kb worker`)
    worker_host: str = _env("KB_WORKER_HOST", "Address `kb worker` listens on.", "0.0.0.0")
    worker_port: int = _env("KB_WORKER_PORT", "Port `kb worker` listens on.", 8080)
    worker_max_client_batch: int = _env("KB_WORKER_MAX_CLIENT_BATCH", "Texts one /embed request may carry (TEI's max_client_batch_size); more: 413.", 256, ge=1)
    worker_max_batch: int = _env("KB_WORKER_MAX_BATCH", "Texts the worker coalesces into one model call at most.", 512, ge=1)
    worker_max_queue: int = _env("KB_WORKER_MAX_QUEUE", "Texts waiting in the worker's queue at most; more: 503 with Retry-After.", 4096, ge=1)
    worker_payload_limit: int = _env("KB_WORKER_PAYLOAD_LIMIT", "Largest /embed request body in bytes; larger: 413.", 2_000_000, ge=1024)

    # Indexing
    local_paths: CommaList = _env("KB_LOCAL_PATHS", "Comma-separated folders that `kb sync` indexes as local sources.", [])
    local_base_url: str = _env("KB_LOCAL_BASE_URL", "Base URL for links to local documents (e.g. a wiki or repo URL); empty: file:// links.", "")
    chunk_tokens: int = _env("KB_CHUNK_TOKENS", "Largest chunk, in word-piece tokens (the default model reads 256).", 200, ge=32)
    max_document_bytes: int = _env("KB_MAX_DOCUMENT_BYTES", "Files larger than this are skipped with an error.", 20_000_000, ge=1)
    max_document_pages: int = _env("KB_MAX_DOCUMENT_PAGES", "PDFs with more pages than this are skipped with an error.", 500, ge=1)
    sync_cron: str = _env("KB_SYNC_CRON", "When `kb serve` syncs every source (cron, server time).", "0 2 * * *")
    scheduler_enabled: bool = _env("KB_SCHEDULER_ENABLED", "Run scheduled jobs (nightly sync, reminders) in this process; true on exactly one replica.", True)

    # Confluence (docs/connectors.md)
    confluence_url: str = _env("KB_CONFLUENCE_URL", "Confluence base URL: https://SITE.atlassian.net/wiki (Cloud) or the Data Center URL. Empty: no Confluence source.", "")
    confluence_email: str = _env("KB_CONFLUENCE_EMAIL", "Confluence Cloud: the account email the API token belongs to.", "")
    confluence_api_token: SecretStr | None = _env("KB_CONFLUENCE_API_TOKEN", "Confluence Cloud API token (with KB_CONFLUENCE_EMAIL).")
    confluence_personal_token: SecretStr | None = _env("KB_CONFLUENCE_PERSONAL_TOKEN", "Confluence Data Center personal access token (instead of email + API token).")
    confluence_spaces: CommaList = _env("KB_CONFLUENCE_SPACES", "Comma-separated space keys to index, e.g. HR,IT.", [])
    confluence_include: CommaList = _env("KB_CONFLUENCE_INCLUDE", "Comma-separated glob patterns on 'Space name/Parent/Page'; only matching pages are indexed. Empty: all.", [])
    confluence_exclude: CommaList = _env("KB_CONFLUENCE_EXCLUDE", "Comma-separated glob patterns on 'Space name/Parent/Page' to leave out, e.g. */Archive/*.", [])

    # Google Drive (docs/connectors.md)
    gdrive_service_account_file: str = _env("KB_GDRIVE_SERVICE_ACCOUNT_FILE", "Path to a Google service account JSON key with read access to the folders.", "")
    gdrive_delegate: str = _env("KB_GDRIVE_DELEGATE", "With domain-wide delegation: the user the service account acts as (user@company.com).", "")
    gdrive_oauth_token_file: str = _env("KB_GDRIVE_OAUTH_TOKEN_FILE", "Path to an OAuth authorized-user JSON (instead of a service account).", "")
    gdrive_folders: CommaList = _env("KB_GDRIVE_FOLDERS", "Comma-separated Drive folder ids, walked recursively.", [])
    gdrive_shared_drives: CommaList = _env("KB_GDRIVE_SHARED_DRIVES", "Comma-separated shared drive ids, walked recursively.", [])
    gdrive_include: CommaList = _env("KB_GDRIVE_INCLUDE", "Comma-separated glob patterns on 'Folder/Sub/File name'; only matching files are indexed. Empty: all.", [])
    gdrive_exclude: CommaList = _env("KB_GDRIVE_EXCLUDE", "Comma-separated glob patterns on 'Folder/Sub/File name' to leave out.", [])
    gdrive_api_url: str = _env("KB_GDRIVE_API_URL", "Drive API endpoint override (a proxy or a test server), e.g. http://host/drive/v3/. Empty: Google's.", "")

    # Notion (docs/connectors.md)
    notion_token: SecretStr | None = _env("KB_NOTION_TOKEN", "Notion internal integration secret (ntn_...); share the root pages with the integration.")
    notion_pages: CommaList = _env("KB_NOTION_PAGES", "Comma-separated root page ids or URLs, walked recursively.", [])
    notion_databases: CommaList = _env("KB_NOTION_DATABASES", "Comma-separated database ids or URLs; every row is a document.", [])
    notion_api_url: str = _env("KB_NOTION_API_URL", "Notion API base URL.", "https://api.notion.com")

    # Regulated topics and human queues (docs/escalation.md)
    policy_file: str = _env("KB_POLICY_FILE", "Policy file (patterns, examples, queues, replies); empty: the bundled bot/policy/policy.yaml.", "")
    policy_enabled: bool = _env("KB_POLICY_ENABLED", "Route regulated questions (medical, legal, HR…) to human queues; false answers everything from the runbooks.", True)
    policy_llm: bool = _env("KB_POLICY_LLM", "With ANTHROPIC_API_KEY set, let the LLM add escalations the rules and examples missed (never remove one).", True)
    policy_llm_timeout: float = _env("KB_POLICY_LLM_TIMEOUT", "Seconds the LLM escalation check may take before it is skipped.", 4.0, gt=0)
    queue_slack_channels: CommaList = _env("KB_QUEUE_SLACK_CHANNELS", "Slack channel per queue, overriding the policy file: hr=C0123,legal=#legal-queue,…", [])
    queue_teams_channels: CommaList = _env("KB_QUEUE_TEAMS_CHANNELS", "Teams channel (conversation id) per queue, overriding the policy file: hr=19:abc…@thread.tacv2,…", [])
    escalation_remind_after: float = _env("KB_ESCALATION_REMIND_AFTER", "Minutes an escalation may stay unclaimed before it is re-posted to its queue.", 240.0, gt=0)
    escalation_check_every: float = _env("KB_ESCALATION_CHECK_EVERY", "Minutes between checks for unclaimed escalations to re-post.", 15.0, gt=0)
    emergency_contact: str = _env("KB_EMERGENCY_CONTACT", "Emergency contact told at once to anyone in crisis; empty: the policy file's.", "")
    eap_contact: str = _env("KB_EAP_CONTACT", "Employee Assistance Program contact told to anyone in crisis; empty: the policy file's.", "")

    # Question analytics and the report (README: "What kb could not answer")
    record_questions: bool = _env("KB_RECORD_QUESTIONS", "Record every question asked in Slack and Teams (text, outcome, cited documents, feedback; no user ids) for `kb report`; false records nothing.", True)
    question_retention_days: int = _env("KB_QUESTION_RETENTION_DAYS", "Days recorded questions are kept before they are deleted.", 90, ge=1)
    question_hash_key: SecretStr | None = _env("KB_QUESTION_HASH_KEY", "Key of the hash that counts distinct askers without storing who asked; empty: a random key kept in the app's records (same database as the index).")
    stale_after_days: int = _env("KB_STALE_AFTER_DAYS", "A cited document not updated for this many days is listed as stale in the report.", 180, ge=1)
    report_cron: str = _env("KB_REPORT_CRON", "When `kb serve` posts the weekly digest to the report channels (cron, server time).", "0 8 * * 1")
    report_slack_channel: str = _env("KB_REPORT_SLACK_CHANNEL", "Slack channel (id or #name) the weekly digest is posted to; empty: none.", "")
    report_teams_channel: str = _env("KB_REPORT_TEAMS_CHANNEL", "Teams channel (conversation id) the weekly digest is posted to; empty: none.", "")
    report_url: str = _env("KB_REPORT_URL", "Where the full HTML report is published (the digest links to it); empty: the digest says how to make one.", "")

    # Retrieval and answers
    top_k: int = _env("KB_TOP_K", "Snippets an answer cites at most.", 5, ge=1, le=20)
    max_chunks_per_doc: int = _env("KB_MAX_CHUNKS_PER_DOC", "Chunks of one document among the results at most.", 2, ge=1)
    vector_weight: float = _env("KB_VECTOR_WEIGHT", "Share of the vector score in the hybrid fusion; full text gets the rest.", 0.8, ge=0, le=1)
    chat_terms: bool = _env(
        "KB_CHAT_TERMS", "Full-text search also looks for the runbooks' words for chat phrasing ('hand in my notice': "
        "resignation; 'sus email': phishing); off for runbooks not in English.", True)
    chat_terms_file: str = _env(
        "KB_CHAT_TERMS_FILE", "YAML file of your own chat phrasing (a regular expression) mapped to the runbooks' "
        "words, added to the built-in table: product nicknames, internal tool names; empty: none.", "")
    min_relevance: float = _env("KB_MIN_RELEVANCE", "Cosine similarity the best match needs, else kb says it found nothing.", 0.38)
    min_sentence_relevance: float = _env(
        "KB_MIN_SENTENCE_RELEVANCE", "A question whose best match is under KB_MIN_RELEVANCE is still answered when a "
        "sentence of the top pages is at least this similar (0: off).", 0.45, ge=0, le=1)
    not_mentioned: Literal["off", "index", "retrieved"] = _env(
        "KB_NOT_MENTIONED", "When a 'do we have X?' question is answered 'not found': off; index (a word of X is in "
        "no runbook); retrieved (also when no retrieved section is about X: none has its head word and half the others, "
        "or none has any of its particular words).", "retrieved")
    help_channels: str = _env(
        "KB_HELP_CHANNELS", "Where people can ask a person, as kb's replies name it when nothing relevant is found "
        "or no help queue is set up (your own channels); empty: those replies name none.", "#it-help or #people-ops")
    max_question_chars: int = _env("KB_MAX_QUESTION_CHARS", "Longest question accepted, in characters.", 4000, ge=1)

    @field_validator(*SECRETS, mode="before")
    @classmethod
    def _empty_secret_is_unset(cls, value: Any) -> Any:
        """An empty variable (a Secret template's placeholder, `FOO=` in .env) means not configured."""
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("admins", "local_paths", "confluence_spaces", "confluence_include", "confluence_exclude",
                     "gdrive_folders", "gdrive_shared_drives", "gdrive_include", "gdrive_exclude", "notion_pages",
                     "notion_databases", "queue_slack_channels", "queue_teams_channels", "public_principals",
                     "notion_acl", mode="before")
    @classmethod
    def _split_commas(cls, value: Any) -> Any:
        if isinstance(value, str):
            return [item.strip() for item in value.split(",") if item.strip()]
        return value

    @field_validator("channel_sources", mode="before")
    @classmethod
    def _parse_channel_sources(cls, value: Any) -> Any:
        """`CHANNEL=source,source/prefix;CHANNEL=…`, or the same as a JSON object."""
        if not isinstance(value, str):
            return value
        if value.strip().startswith("{"):
            return json.loads(value)
        parsed: dict[str, list[str]] = {}
        for part in value.split(";"):
            if not part.strip():
                continue
            channel, sep, entries = part.partition("=")
            if not sep or not channel.strip():
                raise ValueError(f"KB_CHANNEL_SOURCES: {part.strip()!r} is not CHANNEL=source,…")
            parsed[channel.strip()] = [entry.strip() for entry in entries.split(",") if entry.strip()]
        return parsed

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        return (init_settings, env_settings, SecretFiles(settings_cls), dotenv_settings, file_secret_settings,
                NoSecretsToml(settings_cls))

    def secret_values(self) -> list[str]:
        """Every configured secret, so logging can blank them wherever they would appear."""
        values = (getattr(self, name) for name in SECRETS)
        return [value.get_secret_value() for value in values if value is not None and value.get_secret_value()]

    @property
    def data_path(self) -> Path:
        """The data dir as a local path; object-store URIs have none."""
        if "://" in self.data_dir:
            raise ValueError(f"{self.data_dir} is not a local folder")
        return Path(self.data_dir).expanduser()

    def data_uri(self, *parts: str) -> str:
        """A location under the data dir, for folders and object-store URIs alike (Path would mangle s3://)."""
        if "://" in self.data_dir:
            return "/".join([self.data_dir.rstrip("/"), *(part.strip("/") for part in parts)])
        return str(Path(self.data_dir).expanduser().joinpath(*parts))


class SecretFiles(PydanticBaseSettingsSource):
    """Secrets from files, as Kubernetes and Docker mount them.

    `NAME_FILE=/path` reads one secret (the convention of official Docker images); `KB_SECRETS_DIR`
    reads `DIR/NAME` for every secret present there. Trailing newlines are dropped.
    """

    def get_field_value(self, field: Any, field_name: str) -> tuple[Any, str, bool]:
        return None, field_name, False  # unused: __call__ reads everything at once

    def __call__(self) -> dict[str, Any]:
        directory = os.environ.get("KB_SECRETS_DIR", "").strip()
        found: dict[str, Any] = {}
        for name in SECRETS:
            variable = env_name(name)
            path = os.environ.get(f"{variable}_FILE", "").strip()
            if not path and directory and (Path(directory) / variable).is_file():
                path = str(Path(directory) / variable)
            if path:
                try:
                    found[name] = Path(path).read_text(encoding="utf-8").strip()
                except OSError as error:
                    raise ValueError(f"cannot read the secret file for {variable}: {error.strerror}") from None
        return found


class NoSecretsToml(TomlConfigSettingsSource):
    """kb.toml without secrets: it is a file people commit, so a secret there is refused, not read."""

    def __call__(self) -> dict[str, Any]:
        data = super().__call__()
        listed = {name for name in SECRETS for key in (name, env_name(name), env_name(name).lower()) if key in data}
        if listed:
            raise ValueError(f"kb.toml sets {', '.join(env_name(n) for n in sorted(listed))}: secrets come only from "
                             "the environment or a secret file (NAME_FILE or KB_SECRETS_DIR)")
        return data


def env_name(field: str) -> str:
    """The environment variable that sets `field`."""
    alias = Settings.model_fields[field].validation_alias
    assert isinstance(alias, AliasChoices)
    return str(alias.choices[0])


def settings_table() -> str:
    """The README's settings table, generated from the class so the two never drift."""
    lines = ["| variable | default | what it does |", "|---|---|---|"]
    for name, field in Settings.model_fields.items():
        default = field.default
        shown = "" if default in (None, "", []) else f"`{default}`"
        lines.append(f"| `{env_name(name)}` | {shown} | {field.description} |")
    return "\n".join(lines)


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
