"""``dossier witness keygen | vkey | serve``: an independent witness (独立见证方) that cosigns the
archive's checkpoints.

A second department or a regulator runs it on a machine of its own, with a key of its own::

    dossier witness keygen --key witness.key --name witness.regulator.example
    dossier witness serve --key witness.key --name witness.regulator.example \\
        --log dossier.example-bank=<the bank's vkey> --state /srv/witness --port 7380

It speaks C2SP tlog-witness (``POST /add-checkpoint``), checks each checkpoint against the
log's configured key and the consistency proof from the last checkpoint it cosigned, and keeps
only that checkpoint per log (``storage.tlog_witness``): no business data, no archive settings.
"""

from __future__ import annotations

import signal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console

from api.cli.common import fail
from storage.checkpoints import CheckpointFormatError, TrustedKey
from storage.cosignatures import CosignatureError, CosignerKey, check_name
from storage.signing import Signer, SigningKeyError, write_signing_key_file
from storage.tlog_witness import MAX_BODY, Answer, TlogWitness, WitnessState, parse_log_option

console = Console(stderr=True)

KeyOption = Annotated[Path, typer.Option("--key", help="the witness's Ed25519 key file (0600)")]
NameOption = Annotated[
    str,
    typer.Option(
        "--name", help="the witness's name in its cosignatures, e.g. witness.regulator.example"
    ),
]


def _key(path: Path, name: str) -> tuple[Signer, CosignerKey]:
    try:
        signer = Signer.from_file(path)
        return signer, CosignerKey(check_name(name), signer.public_key)
    except (SigningKeyError, CosignatureError) as exc:
        raise fail(f"[red]见证密钥错误 / witness key problem:[/red] {exc}", to=console) from None


def keygen(key: KeyOption, name: NameOption) -> None:
    """Write a new witness key (never overwrites) and print its verifier key to publish."""
    try:
        check_name(name)
        write_signing_key_file(key, Signer.generate())
    except FileExistsError:
        raise fail(f"[red]{key} 已存在 / already exists[/red]", to=console) from None
    except (CosignatureError, SigningKeyError, OSError) as exc:
        raise fail(f"[red]{exc}[/red]", to=console) from None
    _signer, cosigner = _key(key, name)
    console.print(f"新见证密钥 / new witness key → {key}")
    typer.echo(cosigner.vkey())


def vkey(key: KeyOption, name: NameOption) -> None:
    """Print the witness's verifier key (<name>+<key hash>+<base64(0x04 ‖ key)>)."""
    _signer, cosigner = _key(key, name)
    typer.echo(cosigner.vkey())


def _handler(witness: TlogWitness) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        server_version = "dossier-witness"
        protocol_version = "HTTP/1.1"

        def _answer(self, answer: Answer) -> None:
            self.send_response(answer.status)
            self.send_header("Content-Type", answer.content_type)
            self.send_header("Content-Length", str(len(answer.body)))
            self.end_headers()
            self.wfile.write(answer.body)

        def do_POST(self) -> None:
            if self.path.split("?", 1)[0].rstrip("/") != "/add-checkpoint":
                self._answer(Answer.text(404, "not found: POST /add-checkpoint\n"))
                return
            try:
                length = int(self.headers.get("Content-Length") or "")
            except ValueError:
                self._answer(Answer.text(411, "a Content-Length is required\n"))
                return
            if not 0 <= length <= MAX_BODY:
                self._answer(Answer.text(413, "the request is too large\n"))
                return
            body = self.rfile.read(length)
            try:
                answer = witness.add_checkpoint(body)
            except OSError as error:  # the state directory failed: cosign nothing
                answer = Answer.text(503, f"the witness cannot keep its state: {error}\n")
            self._answer(answer)

        def do_GET(self) -> None:
            self._answer(Answer.text(200, f"{witness.key.vkey()}\n"))

        def log_message(self, format: str, *args: Any) -> None:
            pass  # the witness logs what it decides (structlog), not every request

    return Handler


def serve(
    key: KeyOption,
    name: NameOption,
    log: Annotated[
        list[str],
        typer.Option(
            "--log",
            help="a log to witness: ORIGIN=VKEY (the bank's `dossier signing-key public --vkey`); "
            "repeat for several",
        ),
    ],
    state: Annotated[
        Path, typer.Option("--state", help="directory of the latest cosigned checkpoints")
    ],
    port: Annotated[int, typer.Option("--port", min=0, max=65535)] = 7380,
    host: Annotated[str, typer.Option("--host", help="interface to bind")] = "127.0.0.1",
) -> None:
    """Cosign the configured logs' checkpoints over HTTP until SIGTERM or Ctrl-C."""
    signer, cosigner = _key(key, name)
    logs: dict[str, TrustedKey] = {}
    try:
        for option in log:
            origin, log_key = parse_log_option(option)
            logs[origin] = log_key
    except CheckpointFormatError as exc:
        raise fail(f"[red]--log: {exc}[/red]", to=console) from None
    try:
        witness = TlogWitness(cosigner.name, signer, logs, WitnessState(state))
        server = ThreadingHTTPServer((host, port), _handler(witness))
    except OSError as exc:
        raise fail(f"[red]{exc}[/red]", to=console) from None

    def _stop(_signum: int, _frame: Any) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, _stop)
    bound = server.server_address[1]
    console.print(
        f"见证方 / witness {cosigner.describe()} on http://{host}:{bound}/add-checkpoint, "
        f"logs: {', '.join(sorted(logs))}"
    )
    typer.echo(cosigner.vkey())
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
        console.print("已停止 / stopped")
