"""The `kb` command: sync, ask, search, eval, status (DESIGN.md's CLI contract).

Each command does one thing, prints something a person can read, and prints JSON with --json so
scripts can use it. Progress bars go to stderr and only on a terminal, so pipes stay clean.
"""

from __future__ import annotations

import json
import sys
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Iterator, Optional

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from bot import logs
from bot.config import Settings, settings_table
from bot.index.embedding import backend_status
from bot.runtime import Runtime

app = typer.Typer(help="kb answers IT and HR questions from your runbooks, with citations.",
                  no_args_is_help=True, add_completion=False, pretty_exceptions_show_locals=False)
out = Console(soft_wrap=True)
err = Console(stderr=True, soft_wrap=True)

DataDir = Annotated[Optional[str], typer.Option("--data-dir", envvar="KB_DATA_DIR", help="Where the index lives.")]
AsJson = Annotated[bool, typer.Option("--json", help="Print JSON instead of text.")]
Verbose = Annotated[bool, typer.Option("--verbose", "-v", help="Log progress details to stderr.")]


def runtime(data_dir: str | None, verbose: bool = False) -> Runtime:
    settings = Settings(data_dir=data_dir) if data_dir else Settings()
    logs.configure("DEBUG" if verbose else "WARNING", settings.log_format, settings.secret_values())
    return checked(Runtime(settings))


def checked(rt: Runtime) -> Runtime:
    """`rt`, once the files its settings name beside the index are read: a bad one stops the command with
    its reason instead of failing the first question."""
    try:
        rt.chat_terms  # noqa: B018 - read for its error
    except ValueError as error:
        raise fail(str(error)) from None
    return rt


SYNC_BUSY_EXIT = 75
"""`kb sync`'s exit status when another sync of the index is running (sysexits' EX_TEMPFAIL: try again later)."""


def fail(message: str, code: int = 1) -> typer.Exit:
    err.print(f"[red]error:[/red] {message}")
    return typer.Exit(code)


@contextmanager
def sync_progress(enabled: bool) -> Iterator:
    """A live bar of documents seen and chunks embedded; silent when stderr is not a terminal."""
    if not enabled or not err.is_terminal:
        yield None
        return
    with Progress(SpinnerColumn(), TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(),
                  TimeElapsedColumn(), console=err, transient=True) as progress:
        seen = progress.add_task("documents read", total=None)
        embedded = progress.add_task("chunks embedded", total=None)
        yield lambda event, n: progress.advance(seen if event == "seen" else embedded, n)


# -- sync ------------------------------------------------------------------------------------------
@app.command()
def sync(
    path: Annotated[Optional[list[Path]], typer.Option("--path", help="Index this local folder (repeatable).")] = None,
    source: Annotated[Optional[str], typer.Option("--source", help="Only sources of this kind: local, confluence, gdrive, notion.")] = None,
    rebuild: Annotated[bool, typer.Option("--rebuild", help="Drop the index and re-embed everything (after a model change).")] = False,
    as_json: AsJson = False,
    data_dir: DataDir = None,
    verbose: Verbose = False,
) -> None:
    """Bring the index up to date: new and changed documents embedded, deleted ones removed."""
    from bot.index.sources import configured_connectors, local_folder
    from bot.index.remote_embedding import EmbeddingUnavailable
    from bot.index.store import ModelMismatch
    from bot.index.sync_lock import SyncInProgress, sync_lock

    rt = runtime(data_dir, verbose)
    try:
        connectors = [local_folder(str(folder), rt.settings) for folder in path] if path else configured_connectors(rt.settings, source)
    except (FileNotFoundError, ValueError) as error:  # a missing folder, or an unknown --source kind
        raise fail(str(error)) from None
    if not connectors:
        raise fail("no sources configured: pass --path DIR, or set KB_LOCAL_PATHS (or a connector's settings)")
    started = time.perf_counter()
    try:
        with sync_lock(rt.settings.data_dir).hold("kb sync"), sync_progress(not as_json) as progress:
            if rebuild:
                rt.store.drop_all()
            summary = rt.sync_engine.sync_all(connectors, progress)
    except SyncInProgress as error:
        raise fail(f"{error}; nothing was changed, run it again when that one has finished",
                   SYNC_BUSY_EXIT) from None
    except (ModelMismatch, EmbeddingUnavailable) as error:
        raise fail(str(error)) from None
    summary.seconds = time.perf_counter() - started
    if as_json:
        print(json.dumps(summary.to_dict()))
    else:
        total = summary.added + summary.changed + summary.unchanged
        if total == 0 and summary.deleted == 0 and not summary.errors:
            err.print("[yellow]No documents found.[/yellow] kb reads .md, .txt, .html, .pdf and .docx files.")
        out.print(
            f"[bold]{summary.added}[/bold] added, [bold]{summary.changed}[/bold] changed, "
            f"[bold]{summary.deleted}[/bold] deleted, {summary.unchanged} unchanged; "
            f"{summary.chunks_embedded} chunks embedded"
            + (f" (and {summary.sentences_embedded} sentences, for the quotes)" if summary.sentences_embedded else "")
            + f" in {summary.seconds:.1f}s"
            + (f"; access lists of {summary.permissions_updated} updated" if summary.permissions_updated else "")
        )
        for error in summary.errors:
            err.print(f"[yellow]skipped[/yellow] {error}")
    if any(not run.get("ok", True) for scope, run in rt.store.last_runs().items()
           if scope in {c.name for c in connectors}):
        raise typer.Exit(1)


# -- ask -------------------------------------------------------------------------------------------
def _print_answer(answer) -> None:  # noqa: ANN001 - bot.answer.model.Answer
    out.print(answer.text, markup=False, highlight=False)
    if answer.citations:
        out.print("\n[bold]Sources[/bold]")
        for number, citation in enumerate(answer.citations, start=1):
            where = citation.title + (f" › {citation.section}" if citation.section else "")
            out.print(f"\\[{number}] {escape(where)}  [dim]({escape(citation.path)})[/dim]", highlight=False)
            out.print(f"    {citation.url}", style="blue", markup=False, highlight=False)


@app.command()
def ask(
    question: Annotated[Optional[str], typer.Argument(help="The question, in plain words.")] = None,
    as_json: AsJson = False,
    jsonl: Annotated[bool, typer.Option("--jsonl", help="Read one question a line on stdin, write one JSON object a line.")] = False,
    data_dir: DataDir = None,
    verbose: Verbose = False,
) -> None:
    """Answer a question from the index, with citations."""
    rt = runtime(data_dir, verbose)
    if rt.store.count_chunks() == 0:
        raise fail("the index is empty: run `kb sync --path DIR` first")
    if jsonl:
        for line in sys.stdin:
            if line.strip():
                print(json.dumps(rt.answers.answer(line.rstrip("\n")).to_json()), flush=True)
        return
    if question is None:
        raise fail("give a question, e.g. kb ask \"how do I reset my password?\", or use --jsonl")
    answer = rt.answers.answer(question)
    if as_json:
        print(json.dumps(answer.to_json(), ensure_ascii=False))
    else:
        _print_answer(answer)


# -- search ----------------------------------------------------------------------------------------
@app.command()
def search(
    query: Annotated[Optional[str], typer.Argument(help="What to look for.")] = None,
    k: Annotated[int, typer.Option("-k", help="How many chunks.", min=1, max=100)] = 10,
    mode: Annotated[str, typer.Option("--mode", help="hybrid, vector or text.")] = "hybrid",
    as_json: AsJson = False,
    jsonl: Annotated[bool, typer.Option("--jsonl", help="Read one query a line on stdin, write one JSON list a line.")] = False,
    data_dir: DataDir = None,
    verbose: Verbose = False,
) -> None:
    """Ranked chunks for a query, without composing an answer."""
    if mode not in ("hybrid", "vector", "text"):
        raise fail("--mode must be hybrid, vector or text")
    rt = runtime(data_dir, verbose)
    if rt.store.count_chunks() == 0:
        raise fail("the index is empty: run `kb sync --path DIR` first")

    def run(text: str) -> list[dict]:
        return [result.to_json() for result in rt.retriever.search(text[: rt.settings.max_question_chars], k=k, mode=mode)]  # type: ignore[arg-type]

    if jsonl:
        for line in sys.stdin:
            if line.strip():
                print(json.dumps(run(line.rstrip("\n"))), flush=True)
        return
    if query is None:
        raise fail("give a query, or use --jsonl")
    results = run(query)
    if as_json:
        print(json.dumps(results, ensure_ascii=False))
        return
    table = Table("#", "score", "document › section", "text", show_lines=False)
    for number, result in enumerate(results, start=1):
        where = result["title"] + (f" › {result['section']}" if result["section"] else "")
        table.add_row(str(number), f"{result['score']:.4f}", f"{where}\n[dim]{result['path']}[/dim]",
                      " ".join(result["text"].split())[:160])
    out.print(table)


# -- eval ------------------------------------------------------------------------------------------
@app.command("eval")
def evaluate(
    questions: Annotated[Optional[Path], typer.Argument(help="questions.jsonl (id, question, gold, answer_contains, expect).")] = None,
    beir: Annotated[Optional[Path], typer.Option("--beir", help="A BEIR folder (corpus.jsonl, queries.jsonl, qrels/test.tsv).")] = None,
    as_json: AsJson = False,
    data_dir: DataDir = None,
    verbose: Verbose = False,
) -> None:
    """Measure retrieval and answers: recall@5, MRR@10, escalation, no-answer, latency; or BEIR nDCG@10."""
    from bot import evaluation

    rt = runtime(data_dir, verbose)
    if beir is not None:
        if not (beir / "corpus.jsonl").is_file():
            raise fail(f"{beir} has no corpus.jsonl")
        beir_rt = Runtime(rt.settings.model_copy(update={"data_dir": rt.settings.data_uri("beir", beir.resolve().name)}))
        with sync_progress(True) as progress:
            summary = beir_rt.sync_engine.sync(evaluation.BeirCorpus(beir), progress)
        if summary.errors and not as_json:
            err.print(f"[yellow]{len(summary.errors)} corpus entries skipped[/yellow]")
        report = _with_progress(lambda tick: evaluation.evaluate_beir(beir_rt.retriever, beir, progress=tick),
                                "queries", len(evaluation.load_qrels(beir)))
    elif questions is not None:
        items = evaluation.load_jsonl(questions)
        if rt.store.count_chunks() == 0:
            raise fail("the index is empty: run `kb sync --path DIR` first")
        left_out = rt.leave_out(questions.stem)
        if left_out and not as_json:
            err.print(f"{left_out} labelled questions of {questions.stem} left out of the escalation classifier's "
                      "neighbours: it is measured on questions it never saw")
        report = _with_progress(lambda tick: evaluation.evaluate_questions(rt.answers, items, progress=tick),
                                "questions", len(items))
    else:
        raise fail("give a questions.jsonl file or --beir DIR")
    if as_json:
        print(json.dumps(report))
        return
    metrics = report.get("metrics", report)
    table = Table("metric", "value")
    for name, value in metrics.items():
        table.add_row(name, "—" if value is None else (f"{value:.4f}" if isinstance(value, float) else str(value)))
    out.print(table)


def _with_progress(work, label: str, total: int):  # noqa: ANN001, ANN202 - a small adapter
    if not err.is_terminal:
        return work(None)
    with Progress(TextColumn(f"[bold]{label}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  console=err, transient=True) as progress:
        task = progress.add_task(label, total=total)
        return work(lambda: progress.advance(task))


# -- status ----------------------------------------------------------------------------------------
@app.command()
def status(as_json: AsJson = False, data_dir: DataDir = None, verbose: Verbose = False) -> None:
    """What is indexed, with which model, and how each source's last sync went."""
    rt = runtime(data_dir, verbose)
    store = rt.store
    model = store.meta("embed_model")
    runs = store.last_runs()
    data = {
        "data_dir": rt.settings.data_dir,
        "model": json.loads(model) if model else None,
        "documents": store.count_documents(),
        "chunks": store.count_chunks(),
        "chunks_without_sentence_vectors": store.count_lacking_sentences(),
        "embedding": backend_status(rt.settings),
        "sources": {scope: {"documents": store.count_documents(scope), **run} for scope, run in runs.items()},
    }
    if rt.settings.slack_usergroups:
        data["slack_usergroups"] = _slack_usergroups(rt.settings)
    if rt.settings.teams_aad_groups:
        data["teams_aad_groups"] = _teams_aad_groups(rt.settings)
    if as_json:
        print(json.dumps(data, default=str))
        return
    out.print(f"index: {data['data_dir']}  model: {data['model']['model'] if data['model'] else '—'}")
    out.print(f"{data['documents']} documents, {data['chunks']} chunks")
    if data["chunks_without_sentence_vectors"]:
        out.print(f"{data['chunks_without_sentence_vectors']} chunks still without sentence vectors: the next syncs "
                  "add them (answers quoting them embed their sentences meanwhile)")
    out.print(f"embedding: {escape(embedding_line(data['embedding']))}")
    table = Table("source", "documents", "last run", "ok", "last success", "errors")
    for scope, info in data["sources"].items():
        table.add_row(scope, str(info["documents"]), str(info.get("last_run", ""))[:19], "yes" if info.get("ok") else "NO",
                      str(info.get("last_success") or "never")[:19], str(len(info.get("summary", {}).get("errors", []))))
    out.print(table)
    if "slack_usergroups" in data:
        out.print(f"slack user groups: {escape(data['slack_usergroups']['summary'])}")
    if "teams_aad_groups" in data:
        out.print(f"teams AAD groups: {escape(data['teams_aad_groups']['summary'])}")


def embedding_line(status: dict) -> str:
    """`kb status`'s one line on what embeds: the worker(s), torch, or the ONNX model and its cache."""
    if status["backend"] == "worker":
        return "worker at " + ", ".join(status["urls"])
    if "onnx_unavailable" in status:
        return f"torch on cpu (ONNX unavailable: {status['onnx_unavailable']})"
    if status["backend"] == "torch":
        return f"torch (device {status['device']})"
    return f"{status['backend']}, {'built' if status['built'] else 'built at first use'} in {status['model_dir']}"


def _slack_usergroups(settings: Settings) -> dict:
    """One read of the Slack user groups as `kb serve` makes it: checks the token and the usergroups:read scope."""
    import asyncio

    from bot.surfaces.slack.client import web_client
    from bot.surfaces.slack.groups import SlackUserGroups

    groups = SlackUserGroups(web_client(settings, wait_when_rate_limited=False), settings.slack_usergroups_ttl)
    asyncio.run(groups.current())
    health = groups.health()
    return {"ok": health.ok, "groups": health.groups, "error": health.failure, "summary": health.summary()}


def _teams_aad_groups(settings: Settings) -> dict:
    """The check `kb serve` makes at start: a Graph token for the app, and one group read (GroupMember.Read.All)."""
    import asyncio

    from bot.surfaces.teams.groups import AadGroups

    try:
        groups = AadGroups.from_settings(settings)
    except ValueError as error:
        return {"ok": False, "error": "not_configured", "summary": str(error)}
    assert groups is not None
    asyncio.run(groups.check())
    health = groups.health()
    return {"ok": health.ok, "error": health.failure, "summary": health.summary()}


# -- escalations -----------------------------------------------------------------------------------
@app.command()
def escalations(
    status_filter: Annotated[Optional[str], typer.Option("--status", help="Only tickets in this state: open, claimed, resolved.")] = None,
    questions: Annotated[bool, typer.Option("--questions", help="Include the question text (private: it belongs to the queue).")] = False,
    as_json: AsJson = False,
    data_dir: DataDir = None,
    verbose: Verbose = False,
) -> None:
    """Escalation tickets (questions handed to people), oldest first: who asked, which queue, who took it."""
    from bot.records.tickets import CLAIMED, OPEN, RESOLVED, TicketStore

    if status_filter is not None and status_filter not in (OPEN, CLAIMED, RESOLVED):
        raise fail("--status must be open, claimed or resolved")
    rt = runtime(data_dir, verbose)
    tickets = TicketStore(rt.records).list(status_filter)
    if as_json:
        print(json.dumps([ticket.to_json(with_question=questions) for ticket in tickets], ensure_ascii=False))
        return
    if not tickets:
        out.print("no escalations" + (f" {status_filter}" if status_filter else ""))
        return
    table = Table("ticket", "status", "category", "queue", "asked by", "opened", "claimed by", "resolved by",
                  *(["question"] if questions else []))
    for ticket in tickets:
        table.add_row(ticket.id, ticket.status, ticket.category or "—", ticket.queue, f"{ticket.surface}:{ticket.user}",
                      ticket.created_at.strftime("%Y-%m-%d %H:%M"), ticket.claimed_by or "", ticket.resolved_by or "",
                      *([escape(" ".join(ticket.question.split())[:120])] if questions else []))
    out.print(table)
    counts = {state: sum(1 for t in tickets if t.status == state) for state in (OPEN, CLAIMED, RESOLVED)}
    out.print(", ".join(f"{n} {state}" for state, n in counts.items()))


# -- report ----------------------------------------------------------------------------------------
@app.command()
def report(
    since: Annotated[str, typer.Option("--since", help="The window, ending now: 24h, 7d, 2w…")] = "7d",
    html_file: Annotated[Optional[Path], typer.Option("--html", help="Also write the report as one self-contained HTML page with charts.")] = None,
    as_json: AsJson = False,
    data_dir: DataDir = None,
    verbose: Verbose = False,
) -> None:
    """What people asked in chat and what kb could not answer: gaps by topic, documents, stale pages, queues."""
    from bot.analytics.report import build_report, parse_period
    from bot.analytics.text import report_lines

    try:
        period = parse_period(since)
    except ValueError as error:
        raise fail(str(error)) from None
    rt = runtime(data_dir, verbose)
    data = build_report(rt.store, rt.records, rt.settings, period=period, embedder=lambda: rt.embedder)
    if html_file is not None:
        from bot.analytics.html import render_html

        try:
            html_file.write_text(render_html(data), encoding="utf-8")
        except OSError as error:
            raise fail(f"cannot write {html_file}: {error.strerror}") from None
        err.print(f"report written to {escape(str(html_file))}")
    if as_json:
        print(json.dumps(data, ensure_ascii=False))
        return
    for line in report_lines(data):
        out.print(line, markup=False, highlight=False)


# -- worker ----------------------------------------------------------------------------------------
@app.command()
def worker(
    host: Annotated[Optional[str], typer.Option("--host", help="Address to listen on (default KB_WORKER_HOST).")] = None,
    port: Annotated[Optional[int], typer.Option("--port", help="Port to listen on (default KB_WORKER_PORT).")] = None,
    verbose: Verbose = False,
) -> None:
    """Serve the embedding model over HTTP (POST /embed, GET /health, /info, /metrics) for syncs elsewhere."""
    from bot.worker import serve

    settings = Settings()
    logs.configure("DEBUG" if verbose else settings.log_level, settings.log_format, settings.secret_values())
    serve(settings, host or settings.worker_host, port or settings.worker_port)


# -- serve -----------------------------------------------------------------------------------------
@app.command()
def serve(
    port: Annotated[Optional[int], typer.Option("--port", help="Port to listen on (default KB_PORT).")] = None,
    host: Annotated[str, typer.Option("--host", help="Address to listen on.")] = "0.0.0.0",
    data_dir: DataDir = None,
    verbose: Verbose = False,
) -> None:
    """Run the bot: Slack (Socket Mode when SLACK_APP_TOKEN is set), /healthz, /metrics and the nightly sync."""
    from bot import server

    settings = Settings(data_dir=data_dir) if data_dir else Settings()
    logs.configure("DEBUG" if verbose else settings.log_level, settings.log_format, settings.secret_values())
    server.serve(checked(Runtime(settings)), host, port)


@app.command("settings")
def show_settings() -> None:
    """Every setting, its environment variable, default and meaning (as a markdown table)."""
    print(settings_table())


if __name__ == "__main__":
    app()
