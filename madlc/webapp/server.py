"""madlc's browser GUI: a local web server with four pages.

- ``/project``  project manager: open/create a project, edit config.yaml, run pipeline targets
- ``/label``    label frames of a ``labeled-data/<video>/`` folder (autosaved on every click)
- ``/extract``  scrub a video and grab frames into ``labeled-data/``
- ``/refine``   refine tracks: swap identities, delete/move points, fill gaps, save the tracks .h5
- ``/report``   the project report (the plots ``madlc report`` writes to report.html)

The server binds to 127.0.0.1 unless told otherwise, answers only requests addressed to that
host (no DNS rebinding), answers only requests that carry its per-session token (printed in the
URL, as Jupyter does; the page keeps it in a cookie so a reload keeps working), accepts
state-changing requests only as JSON from its own pages, and
opens only files inside the project folder (see :mod:`madlc.webapp.context`). Pages are plain
HTML/JS/CSS from ``madlc/webapp/static`` (nothing fetched from the internet). Importing this module
does not import torch.
"""
from __future__ import annotations

import hmac
import ipaddress
import secrets
import socket
import sys
import threading
import time
import webbrowser
from pathlib import Path
from typing import Any, Callable, Sequence
from urllib.parse import urlencode

from fastapi import FastAPI, Request
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse, RedirectResponse
from fastapi.staticfiles import StaticFiles

from madlc.errors import MadlcError
from madlc.webapp.context import ProjectContext

STATIC = Path(__file__).resolve().parent / "static"
PAGES = {"project": "project.html", "label": "label.html", "extract": "extract.html", "refine": "refine.html",
         "report": "report.html"}
LOOPBACK_NAMES = {"localhost", "127.0.0.1", "::1", "[::1]"}
#: the command the project page runs for a pipeline target ({config} and {target} are filled in)
DEFAULT_RUN_COMMAND = (sys.executable, "-m", "madlc.cli", "run", "{config}", "{target}")


def _is_loopback(host: str) -> bool:
    if host in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def _host_name(header: str) -> str:
    """'127.0.0.1:8080' -> '127.0.0.1', '[::1]:8080' -> '[::1]'."""
    if header.startswith("["):
        return header.split("]")[0] + "]"
    return header.rsplit(":", 1)[0] if ":" in header else header


TOKEN_HEADER = "x-madlc-token"
NO_TOKEN_PAGE = ("<!doctype html><meta charset=utf-8><title>madlc</title><body style='font-family:sans-serif;margin:3em'>"
                 "<h2>madlc GUI: this page needs the server's token</h2><p>Open the full URL that <code>madlc gui</code> "
                 "printed when it started (it ends with <code>?token=…</code>). The token keeps other users and "
                 "programs on this machine from driving your project.</p>")


def token_cookie_name(request: Request) -> str:
    """One cookie per port: two madlc servers on one machine keep their own tokens."""
    return f"madlc_token_{request.url.port}" if request.url.port else "madlc_token"


def request_token(request: Request) -> str:
    """The token a request carries: header, then ``?token=``, then the page's cookie."""
    return (request.headers.get(TOKEN_HEADER) or request.query_params.get("token")
            or request.cookies.get(token_cookie_name(request)) or "")


def create_app(config: str | Path | None = None, host: str = "127.0.0.1",
               run_command: Sequence[str] = DEFAULT_RUN_COMMAND, token: str | None = None) -> FastAPI:
    """The FastAPI application (used by :func:`start_server` and by tests through TestClient).

    ``token``: the secret every API request must carry (default: a new random one, ``app.state.token``).
    """
    from madlc.webapp import routes_extract, routes_label, routes_project, routes_refine, routes_report

    app = FastAPI(title="madlc", docs_url=None, redoc_url=None, openapi_url=None)
    app.state.ctx = ProjectContext(config)
    app.state.run_command = tuple(run_command)
    app.state.token = token or secrets.token_urlsafe(24)
    # requests must name the host we listen on: a web page elsewhere cannot reach us via DNS rebinding
    app.state.allowed_hosts = LOOPBACK_NAMES if _is_loopback(host) else None

    @app.middleware("http")
    async def guard(request: Request, call_next):
        allowed = request.app.state.allowed_hosts
        host_header = _host_name(request.headers.get("host") or "")
        if allowed is not None and host_header not in allowed:
            return JSONResponse({"detail": f"host {host_header!r} refused: this server answers on localhost only."}, 403)
        path = request.url.path
        if not path.startswith("/static/"):
            given = request_token(request)
            if not hmac.compare_digest(given.encode(), request.app.state.token.encode()):
                if path.startswith("/api/"):
                    return JSONResponse({"detail": "missing or wrong token. What to do: open the URL madlc gui printed "
                                                   "(…?token=…); API clients send it as the X-Madlc-Token header."}, 403)
                return HTMLResponse(NO_TOKEN_PAGE, 403)
        if request.method in ("POST", "PUT", "DELETE", "PATCH"):
            ctype = request.headers.get("content-type", "")
            if not ctype.startswith("application/json"):
                return JSONResponse({"detail": "send JSON (Content-Type: application/json)."}, 415)
            origin = request.headers.get("origin")
            if origin and origin.split("://", 1)[-1] != request.headers.get("host"):
                return JSONResponse({"detail": f"requests from {origin} are refused."}, 403)
        response = await call_next(request)
        if request.query_params.get("token") and not path.startswith("/api/"):
            # the page was opened from the printed URL: keep the token so a reload or a link works without it
            response.set_cookie(token_cookie_name(request), request.app.state.token, httponly=True, samesite="strict")
        return response

    @app.exception_handler(MadlcError)
    async def madlc_error(request: Request, err: MadlcError):
        return JSONResponse({"detail": str(err)}, 400)

    for module in (routes_project, routes_label, routes_extract, routes_refine, routes_report):
        app.include_router(module.router)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")

    @app.get("/", include_in_schema=False)
    def index(request: Request):
        return RedirectResponse("/project" + (f"?{request.url.query}" if request.url.query else ""))

    for name, html in PAGES.items():
        def page(html: str = html):
            return FileResponse(STATIC / html, headers={"Cache-Control": "no-store"})
        app.add_api_route(f"/{name}", page, methods=["GET"], include_in_schema=False)
    return app


# -- running the server ------------------------------------------------------------------------
class ServerHandle:
    """A server running in a background thread; ``url`` is where it answers, ``stop()`` ends it."""

    def __init__(self, server: Any, thread: threading.Thread, app: FastAPI, host: str, port: int):
        self.server, self.thread, self.app, self.host, self.port = server, thread, app, host, port
        self.token: str = app.state.token
        shown = f"[{host}]" if ":" in host else host
        self.url = f"http://{'127.0.0.1' if host in ('0.0.0.0', '') else shown}:{port}"

    def page_url(self, page: str = "project", **query: Any) -> str:
        """The URL of one page, with the session token (the page keeps it in a cookie)."""
        query = {k: v for k, v in query.items() if v is not None}
        query["token"] = self.token
        return f"{self.url}/{page}?{urlencode(query)}"

    def stop(self, timeout: float = 10.0) -> None:
        self.server.should_exit = True
        self.thread.join(timeout)

    def wait(self) -> None:
        """Block until the server stops (Ctrl-C stops it)."""
        try:
            while self.thread.is_alive():
                self.thread.join(0.5)
        except KeyboardInterrupt:
            print("stopping the madlc GUI (every edit is already saved).")
            self.stop()


def _free_port(host: str, port: int, tries: int = 20) -> int:
    if port == 0:
        return 0
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    for candidate in range(port, port + tries):
        with socket.socket(family, socket.SOCK_STREAM) as s:
            try:
                s.bind((host, candidate))
                return candidate
            except OSError:
                continue
    raise MadlcError(f"ports {port}..{port + tries - 1} on {host} are all in use. What to do: pass --port with a free port.")


def start_server(config: str | Path | None = None, host: str = "127.0.0.1", port: int = 8080,
                 app: FastAPI | None = None, **app_kwargs: Any) -> ServerHandle:
    """Start the GUI server in a background thread (port 0 = any free port) and return its handle."""
    import uvicorn

    app = app or create_app(config, host=host, **app_kwargs)
    port = _free_port(host, port)
    server = uvicorn.Server(uvicorn.Config(app, host=host, port=port, log_level="warning", access_log=False,
                                           lifespan="off"))
    thread = threading.Thread(target=server.run, name="madlc-gui", daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise MadlcError(f"the GUI server could not start on {host}:{port}. What to do: try another --port.")
        time.sleep(0.02)
    bound = server.servers[0].sockets[0].getsockname()
    return ServerHandle(server, thread, app, host, int(bound[1]))


def serve_page(config: str | Path | None, page: str = "project", host: str = "127.0.0.1", port: int = 8080,
               open_browser: bool = True, block: bool = True, prepare: Callable[[ServerHandle, dict], None] | None = None,
               **query: Any) -> ServerHandle:
    """Start the server and show one page; query values become the page's URL parameters.

    Files given here by the Python caller may lie outside the project (they are allowed by exact
    path): ``video=`` (a video file) and ``tracks=`` (a tracks .h5 / tracklet .pickle).
    ``prepare(handle, query)`` runs once the server is up, before the page is shown.
    With ``block=True`` (default) this returns when the server is stopped (Ctrl-C).
    """
    if page not in PAGES:
        raise MadlcError(f"unknown GUI page {page!r}. What to do: use one of {sorted(PAGES)}.")
    handle = start_server(config, host=host, port=port)
    ctx: ProjectContext = handle.app.state.ctx
    if query.get("video"):
        video = Path(str(query["video"])).expanduser()
        if video.exists():
            ctx.register_extra(video)
        query["video"] = video.name
    if query.get("tracks"):
        tracks = Path(str(query["tracks"])).expanduser()
        if not tracks.exists():
            handle.stop()
            raise MadlcError(f"{tracks}: no such tracks file. What to do: pass the _el.h5 / _el.pickle written by tracking.")
        query["tracks"] = ctx.register_extra(tracks)
    if query.get("folder"):
        query["folder"] = Path(str(query["folder"])).name
    if prepare is not None:
        prepare(handle, query)
    url = handle.page_url(page, **query)
    print(f"madlc GUI: {url}  (Ctrl-C to stop; edits are saved as you make them)", flush=True)
    if open_browser:
        try:
            webbrowser.open(url)
        except Exception:  # no browser on this machine: the URL is printed
            pass
    if block:
        handle.wait()
    return handle


def gui(config: str | None = None, port: int = 8080, host: str = "127.0.0.1", open_browser: bool = False,
        page: str = "project") -> None:
    """Start madlc's browser GUI (project manager, labeling, frame extraction, tracklet refinement).

    Open the printed URL in a browser. The server listens on 127.0.0.1 only unless ``host`` says
    otherwise (e.g. ``--host 0.0.0.0`` to reach it from another machine, at your own risk).
    """
    serve_page(config, page, host=host, port=port, open_browser=open_browser)


def label_frames(config: str, port: int = 8080, host: str = "127.0.0.1", open_browser: bool = True,
                 folder: str | None = None) -> None:
    """Label extracted frames in the browser (every click is saved to CollectedData_<scorer>.h5/.csv).

    ``folder``: the labeled-data subfolder (video name) to open first; default: chosen on the page.
    """
    serve_page(config, "label", host=host, port=port, open_browser=open_browser, folder=folder)


def extract_frames_manual(config: str, port: int = 8080, host: str = "127.0.0.1", open_browser: bool = True,
                          video: str | None = None) -> None:
    """Pick frames by hand in the browser: scrub a video, grab frames (or ranges) into labeled-data.

    ``video``: the video (file name or path) to show first. This is ``extract_frames(config, mode='manual')``.
    """
    serve_page(config, "extract", host=host, port=port, open_browser=open_browser, video=video)
