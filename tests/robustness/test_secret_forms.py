"""Derived forms of secrets never reach what we write, in all three plugins (issue 10).

Each emulator here quotes our request back in its error message, the way careless servers do:
the Authorization header (base64 of e-mail:password), the form body (URL-encoded), the JSON body
(JSON-escaped). The real CLI runs; stderr, stdout and the dead-letter file are searched for
every form.
"""

from __future__ import annotations

import base64
import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import quote, quote_plus

from sandbox.common import Emulator, Request, Response, SandboxServer
from sandbox.directo import FULL_KEY, DirectoEmulator, directo_error
from sandbox.directus import DirectusEmulator
from sandbox.dokus import DEFAULT_EMAIL, DokusEmulator

Serve = Callable[[Emulator], SandboxServer]
PASSWORD = 'hemmelig "Ø" pass/ord&1'


def forms(secret: str) -> dict[str, str]:
    return {
        "raw": secret,
        "url-encoded": quote(secret, safe=""),
        "form-encoded": quote_plus(secret),
        "json-escaped": json.dumps(secret)[1:-1],
        "base64": base64.b64encode(secret.encode()).decode(),
    }


def run_cli(executable: str, config: dict[str, Any], tmp_path: Path, stdin: str = "") -> str:
    """Everything the plugin printed (stderr and stdout), plus any file in tmp_path it wrote."""
    path = tmp_path / "config.json"
    path.write_text(json.dumps(config))
    result = subprocess.run(
        [str(Path(sys.executable).parent / executable), "--config", str(path)],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        cwd=tmp_path,
    )
    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr
    written = [p.read_text() for p in tmp_path.rglob("*") if p.is_file() and p != path]
    return "\n".join([result.stderr, result.stdout, *written])


def assert_no_form(text: str, secret: str) -> None:
    leaked = [name for name, form in forms(secret).items() if form in text]
    assert leaked == []


class QuotingDokus(DokusEmulator):
    """Refuses every create, quoting the request's Authorization header and body."""

    def handle(self, request: Request) -> Response:
        if request.path.endswith("/create/") and self._authorised(request):
            quoted = f"{request.header('authorization')} {request.body.decode()}"
            return Response.json({"error": f"Bad request {quoted} {quote_plus(PASSWORD)}"}, 400)
        return super().handle(request)


def test_target_dokus_masks_the_basic_auth_header_and_password_forms(
    serve: Serve, tmp_path: Path
) -> None:
    server = serve(QuotingDokus(size=0, password=PASSWORD))
    config = {
        "base_url": server.url,
        "email": DEFAULT_EMAIL,
        "password": PASSWORD,
        "dead_letter_path": str(tmp_path / "dead.jsonl"),
    }
    record = {"product_number": "S-1", "name": f"Vare {PASSWORD}", "price": "1"}
    messages = [
        {
            "type": "SCHEMA",
            "stream": "products",
            "key_properties": [],
            "schema": {"properties": {}},
        },
        {"type": "RECORD", "stream": "products", "record": record},
    ]
    stdin = "".join(json.dumps(m) + "\n" for m in messages)
    text = run_cli("target-dokus", config, tmp_path, stdin)
    assert (tmp_path / "dead.jsonl").exists()
    assert_no_form(text, PASSWORD)
    assert_no_form(text, f"{DEFAULT_EMAIL}:{PASSWORD}")  # the base64 of the pair

    fail = run_cli("target-dokus", {**config, "on_error": "fail"}, tmp_path, stdin)
    assert "Dokus refused a record" in fail
    assert_no_form(fail, PASSWORD)
    assert_no_form(fail, f"{DEFAULT_EMAIL}:{PASSWORD}")


class EchoingDirectus(DirectusEmulator):
    """Answers a wrong request-token with the form body it was sent (URL-encoded e-mail)."""

    def handle(self, request: Request) -> Response:
        if request.path.endswith("/auth/request-token"):
            return self._error(401, f"Incorrect email or password: {request.body.decode()}")
        return super().handle(request)


def test_tap_directus_masks_the_url_encoded_email_a_server_echoes(
    serve: Serve, tmp_path: Path
) -> None:
    server = serve(EchoingDirectus(size=1))
    email = "ole.nordmann+test@example.no"
    config = {"base_url": server.url, "email": email, "password": PASSWORD}
    text = run_cli("tap-directus", config, tmp_path)
    assert "Incorrect email or password" in text
    assert_no_form(text, email)
    assert_no_form(text, PASSWORD)


class QuotingDirecto(DirectoEmulator):
    """Refuses every request, quoting the key in the forms a proxy might show."""

    def handle(self, request: Request) -> Response:
        key = request.header("X-Directo-Key") or ""
        shown = " ".join(forms(key).values())
        return directo_error(409, f"conflict for key {shown}", details=json.dumps({"k": key}))


def test_tap_directo_masks_every_form_of_the_api_key(serve: Serve, tmp_path: Path) -> None:
    emulator = QuotingDirecto(size=1)
    server = serve(emulator)
    key = 'directo-"key"/Ø+1'
    config = {"api_key": key, "base_url": emulator.base_url(server.url)}
    text = run_cli("tap-directo", config, tmp_path)
    assert "409" in text
    assert_no_form(text, key)
    assert FULL_KEY not in text
