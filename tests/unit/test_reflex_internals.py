"""Each private Reflex API in reflex_internals still exists, where and as it was read.

When one of these fails after a Reflex upgrade, the message names what moved;
fix upload_demo/reflex_internals.py (nothing else imports Reflex's internals)
and bump its READ_FROM.
"""

from __future__ import annotations

import dataclasses
import importlib
import importlib.metadata
import inspect
import io
import os
import re
from pathlib import Path
from typing import Any

import pytest
import reflex as rx
import sqlalchemy

from tests.conftest import ROOT
from upload_demo import reflex_internals
from upload_demo.components import theme_root
from upload_demo.pages.one_step import OneStepState
from upload_demo.reflex_internals import native_form_submit


def _attribute(module: str, name: str) -> Any:
    try:
        found = importlib.import_module(module)
    except ImportError as error:
        pytest.fail(f"Reflex no longer has the module {module}: {error}")
    assert hasattr(found, name), f"{module} no longer defines {name}"
    return getattr(found, name)


def _parameters(fn: Any) -> list[str]:
    return list(inspect.signature(fn).parameters)


def test_read_from_the_installed_version() -> None:
    installed = importlib.metadata.version("reflex")
    assert installed == reflex_internals.READ_FROM, (
        f"Reflex {installed} is installed; reflex_internals was read from "
        f"{reflex_internals.READ_FROM}: re-check each of its functions, then bump READ_FROM"
    )


@pytest.mark.parametrize(
    ("module", "name"),
    [
        ("reflex_base.constants", "Endpoint"),
        ("reflex_base.config", "get_config"),
        ("reflex_base.config", "reload_config"),
        ("reflex_base.environment", "environment"),
        ("reflex_base.event", "Event"),
        ("reflex_base.event", "EventType"),
        ("reflex_base.utils.format", "format_event_handler"),
        ("reflex_base.vars", "VarData"),
        ("reflex.istate.manager", "StateManager"),
        ("reflex.model", "migrate"),
        ("reflex_components_radix.themes.base", "LiteralAccentColor"),
        ("reflex.utils.frontend_skeleton", "initialize_gitignore"),
    ],
)
def test_the_private_names_exist(module: str, name: str) -> None:
    _attribute(module, name)


def test_gitignore_writer_takes_the_file_to_write() -> None:
    from reflex.utils.frontend_skeleton import initialize_gitignore

    assert "gitignore_file" in _parameters(initialize_gitignore)


def test_migrate_takes_no_required_argument() -> None:
    from reflex import model

    required = [
        p
        for p in inspect.signature(model.migrate).parameters.values()
        if p.default is inspect.Parameter.empty
    ]
    assert required == [], "reflex.model.migrate now needs arguments"


def test_add_page_takes_the_on_load_type() -> None:
    on_load = inspect.signature(rx.App.add_page).parameters["on_load"].annotation
    assert "EventType[()]" in str(on_load), f"add_page's on_load is now {on_load}"


def test_handler_name_is_the_state_path_and_the_handler() -> None:
    format_event_handler = _attribute("reflex_base.utils.format", "format_event_handler")
    assert _parameters(format_event_handler) == ["handler"], "format_event_handler's signature"
    name = reflex_internals.handler_name(OneStepState.handle_upload)
    assert name == f"{OneStepState.get_full_name()}.handle_upload", name


def test_an_event_carries_a_name_and_a_payload() -> None:
    event_cls = _attribute("reflex_base.event", "Event")
    fields = {field.name for field in dataclasses.fields(event_cls)}
    assert {"name", "payload"} <= fields, f"Event's fields are now {sorted(fields)}"
    event = event_cls(name="state.handler", payload={"reason": "x"})
    assert (event.name, event.payload) == ("state.handler", {"reason": "x"})


def test_the_app_has_an_event_processor_that_enqueues() -> None:
    assert isinstance(getattr(rx.App, "event_processor", None), property), (
        "rx.App.event_processor is gone"
    )
    processor = _attribute("reflex_base.event.processor.event_processor", "EventProcessor")
    assert hasattr(processor, "enqueue"), "EventProcessor.enqueue is gone"
    assert inspect.iscoroutinefunction(processor.enqueue), "EventProcessor.enqueue is not async"
    assert _parameters(processor.enqueue)[:3] == ["self", "token", "event"], (
        f"EventProcessor.enqueue's signature is now {inspect.signature(processor.enqueue)}"
    )


def test_a_worker_can_follow_which_worker_holds_each_socket() -> None:
    """``follow_socket_owners`` starts the listener Reflex starts at a worker's first socket."""
    namespace = _attribute("reflex.app", "EventNamespace")
    assert "self._token_manager = TokenManager.create()" in inspect.getsource(namespace.__init__), (
        "EventNamespace no longer keeps its token manager in _token_manager"
    )
    assert isinstance(getattr(rx.App, "event_namespace", None), property), (
        "rx.App.event_namespace is gone"
    )
    manager = _attribute("reflex.utils.token_manager", "RedisTokenManager")
    for name in ("_ensure_socket_record_task", "_subscribe_socket_record_updates"):
        assert callable(getattr(manager, name, None)), f"RedisTokenManager.{name} is gone"
    assert _parameters(manager._ensure_socket_record_task) == ["self"]
    # Still started lazily, at a worker's first socket: what the app starts at its start-up.
    assert "self._ensure_socket_record_task()" in inspect.getsource(manager.link_token_to_sid)
    # A foreign owner, once looked up, is cached and served from the cache until a
    # notification drops it: what makes the listener necessary.
    owner = inspect.getsource(manager._get_token_owner)
    assert "not refresh" in owner and "self.token_to_socket.get(token)" in owner
    assert "self.token_to_socket.pop(token, None)" in inspect.getsource(
        manager._handle_socket_record_del
    )


def _upload_js_copies() -> dict[str, Path]:
    """Reflex's upload.js template in the package, and the built app's copy if there is one."""
    templates = Path(_attribute("reflex_base.constants", "Templates").Dirs.WEB_TEMPLATE)
    copies = {"template": templates / "utils" / "helpers" / "upload.js"}
    built = ROOT / ".web" / "utils" / "helpers" / "upload.js"
    if built.is_file():
        copies["built"] = built
    return copies


@pytest.mark.parametrize("copy", list(_upload_js_copies()))
def test_the_browser_keeps_the_upload_request_under_the_ref(copy: str) -> None:
    path = _upload_js_copies()[copy]
    assert path.is_file(), f"Reflex's upload.js is no longer at {path}"
    source = path.read_text()
    assert reflex_internals.upload_controller_ref("${upload_id}") in source, (
        f"{path} no longer keeps the request under refs['__upload_controllers_<id>']"
    )
    assert "delete refs[upload_ref_name]" in source, (
        f"{path} no longer removes the ref when the request ends"
    )


def test_cancel_upload_aborts_through_the_same_ref() -> None:
    rendered = str(rx.cancel_upload("probe"))
    assert reflex_internals.upload_controller_ref("probe") in rendered, rendered[:300]


def test_the_request_open_script_reads_the_ref() -> None:
    script = reflex_internals.upload_request_open_js("images")
    assert script == "Boolean(refs['__upload_controllers_images'])"


def test_js_expression_keeps_the_imports_of_what_it_uses() -> None:
    assert _parameters(rx.Var)[:3] == ["_js_expr", "_var_type", "_var_data"], (
        f"rx.Var's fields are now {inspect.signature(rx.Var)}"
    )
    root = rx.get_upload_url("")
    var = reflex_internals.js_expression(f"new URL('x', {root!s})", root)
    assert str(var) == f"new URL('x', {root!s})"
    assert var._get_all_var_data() == root._get_all_var_data()


def test_the_upload_endpoint_and_routes_follow_the_backend_path() -> None:
    assert reflex_internals.upload_endpoint() == "/_upload"
    assert reflex_internals.backend_route("/download/1") == "/download/1"


def test_the_configured_upload_dir_is_rx_get_upload_dir() -> None:
    assert reflex_internals.configured_upload_dir() == Path(rx.get_upload_dir()).resolve()


def test_the_config_has_the_database_and_the_backend() -> None:
    # The session's database (conftest): a SQLite file, or one on UPLOAD_DEMO_TEST_DB_URL's server.
    assert reflex_internals.db_url() == os.environ["REFLEX_DB_URL"]
    assert reflex_internals.api_url().startswith("http")


def test_a_state_can_be_made_outside_an_app() -> None:
    state_init = _attribute("reflex.state", "BaseState").__init__
    assert "_reflex_internal_init" in _parameters(state_init), (
        f"BaseState.__init__ is now {inspect.signature(state_init)}"
    )
    state = reflex_internals.new_state(OneStepState)
    assert isinstance(state, OneStepState)
    assert state.status == "idle"


def test_the_harness_backend_can_be_restarted() -> None:
    harness = _attribute("reflex.testing", "AppHarness")
    for name in ("_start_backend", "_poll_for_servers"):
        assert callable(getattr(harness, name, None)), f"AppHarness.{name} is gone"
    assert "port" in _parameters(harness._start_backend), "AppHarness._start_backend(port=)"
    assert "_state_manager" in _attribute("reflex.app", "App").__dataclass_fields__, (
        "rx.App._state_manager is gone"
    )
    manager = _attribute("reflex.istate.manager", "StateManager").create()
    assert hasattr(manager, "get_state"), type(manager)


def test_a_form_hands_form_data_then_the_event_to_on_submit() -> None:
    form = rx.el.form(
        rx.el.input(name="a"), action="/x", method="post", on_submit=native_form_submit()
    )
    (hook,) = [str(h) for h in form.add_hooks() if "handleSubmit" in str(h)]
    assert "ev.preventDefault()" in hook
    assert "(form_data, ...args)" in hook
    assert "(_formData, event) => event.target.submit()" in hook


def test_the_backend_host_is_the_configs() -> None:
    assert reflex_internals.backend_host() == rx.config.get_config().backend_host


def test_sessions_use_the_engine_whose_inherited_pool_is_dropped() -> None:
    with rx.session() as session:
        assert session.get_bind() is reflex_internals.get_engine()
    reflex_internals.drop_inherited_db_connections()
    with rx.session() as session:
        assert session.execute(sqlalchemy.text("SELECT 1")).scalar_one() == 1


def test_the_selection_context_holds_files_by_id_and_its_setter() -> None:
    """file_selection.jsx reads ``[filesById, setFilesById]`` from this context."""
    templates = inspect.getsource(importlib.import_module("reflex_base.compiler.templates"))
    assert "{ value: [filesById, setFilesById] }" in templates.replace("{{", "{").replace(
        "}}", "}"
    ), "UploadFilesProvider no longer provides [filesById, setFilesById]"
    context = reflex_internals.upload_files_context()
    assert str(context) == "UploadFilesContext"
    data = context._get_all_var_data()
    assert data is not None
    imports = {lib: [v.tag for v in tags] for lib, tags in data.imports}
    assert "UploadFilesContext" in imports.get("$/utils/context", []), imports
    assert data.app_wraps, "the context's provider is no longer put around the app"


def test_the_selection_objects_are_the_selected_files_source() -> None:
    """rx.selected_files maps filesById[id]: selected_file_objects is the same array."""
    names = str(rx.selected_files("probe"))
    assert 'filesById["probe"]' in names, names
    objects = reflex_internals.selected_file_objects("probe")
    assert str(objects) == '(filesById["probe"] || [])'
    assert objects._get_all_var_data() == rx.selected_files("probe")._get_all_var_data()


def test_a_drops_files_are_the_placeholder_rx_upload_puts_in_on_drop() -> None:
    """The dropped files' Var is the chain's argument, and what rx.upload sends as files."""
    dropped = str(reflex_internals.dropped_files())
    zone = rx.upload(
        id="probe", on_drop=OneStepState.start_events(reflex_internals.dropped_files())
    )
    hooks = str(zone._get_all_hooks())
    assert f"(({dropped}) =>" in hooks, hooks[:800]
    assert f'["files"] : {dropped},' in hooks, hooks[:800]
    events = reflex_internals.with_dropped_files(OneStepState.start_events())
    files = {str(value) for event in events for name, value in event.args if str(name) == "files"}
    assert files == {dropped}


def test_dropped_folders_are_kept_on_both_upload_routes() -> None:
    """``keep_dropped_folders`` wraps the sanitiser both routes call, by its module name."""
    upload = importlib.import_module("reflex_components_core.core._upload")
    reflex_internals.keep_dropped_folders()
    wrapped = upload._sanitize_upload_filename
    reflex_internals.keep_dropped_folders()
    assert upload._sanitize_upload_filename is wrapped, "wrapped twice"
    parser = upload._UploadChunkMultipartParser.on_headers_finished
    assert "filename = _sanitize_upload_filename(" in inspect.getsource(parser), (
        "the streaming route no longer names its files through _sanitize_upload_filename"
    )
    from starlette.datastructures import UploadFile

    def buffered(name: str) -> Any:
        return upload._upload_file_from_starlette(UploadFile(io.BytesIO(), filename=name))

    dropped = buffered("/photos/sub/a.png")
    assert (dropped.path, dropped.filename) == (Path("photos/sub/a.png"), "a.png")
    # Reflex's own rules still apply after the slashes: no "..", drives reduced to the name.
    assert buffered("/../../etc/passwd").path == Path("etc/passwd")
    assert buffered("\\\\server\\share\\a.png").path == Path("server/share/a.png")
    assert buffered("C:\\Users\\x\\a.png").path == Path("a.png")
    assert buffered("/..").path == Path("upload")


def test_rx_uploads_own_file_input_takes_a_label() -> None:
    zone = reflex_internals.label_file_input(rx.upload(rx.text("drop"), id="probe"), "Choose")
    rendered = str(zone.render())
    assert '\'"aria-label":"Choose"\', \'type:"file"\'' in rendered, rendered[:600]
    [file_input] = [
        c for c in zone.children[0].children if isinstance(c, rx.Component) and c.tag == "input"
    ]
    assert file_input.custom_attrs == {"aria-label": "Choose"}


def test_the_colour_mode_provider_is_the_app_wrap_at_the_order_read() -> None:
    order = reflex_internals.color_mode_provider_order()
    wraps = rx.theme()._get_all_app_wrap_components()
    assert wraps[order, "RadixThemesColorModeProvider"].tag == "RadixThemesColorModeProvider"
    # theme_root.jsx's effect must run after the provider's: its wrap is the outer one.
    [(ours, _)] = theme_root.app_wraps()
    assert ours > order


def test_rx_uploads_dropzone_takes_a_role() -> None:
    upload = rx.upload(rx.text("drop"), id="probe")
    zone = upload.children[0]
    assert isinstance(zone, rx.Component)
    [plain] = zone.special_props
    assert re.fullmatch(r"\w+\(\)", plain._js_expr), plain._js_expr
    reflex_internals.dropzone_role(upload, "button")
    [call] = zone.special_props
    assert call._js_expr == plain._js_expr[:-1] + '{"role": "button"})'
    assert call._var_data == plain._var_data
    assert "..." + call._js_expr in str(upload.render())
