"""The route table and path encoding."""

from __future__ import annotations

import pytest

from enspace_async import ConfigurationError
from enspace_async._protocol.routes import ROUTES, Route, route


def test_every_route_is_named_after_its_resource_and_has_a_known_method() -> None:
    assert ROUTES
    for name, r in ROUTES.items():
        assert name == r.name
        assert r.method in {"GET", "POST", "PUT", "DELETE"}
        assert r.template.startswith("/")
        assert r.source in {"D", "O", "A"}


def test_only_workspaces_and_user_routes_are_not_workspace_scoped() -> None:
    unscoped = {name for name, r in ROUTES.items() if not r.workspace_scoped}
    assert unscoped == {"workspaces.list", "workspaces.create", "user.request_log", "user.api_keys"}


@pytest.mark.parametrize(
    ("value", "encoded"),
    [
        ("FORNC55D9212D9", "FORNC55D9212D9"),
        (42, "42"),
        ("a b", "a%20b"),
        ("são-paulo", "s%C3%A3o-paulo"),
        ("x?y#z", "x%3Fy%23z"),
        ("100%", "100%25"),
        ("a.b", "a.b"),
    ],
)
def test_path_values_are_percent_encoded(value: str | int, encoded: str) -> None:
    assert route("items.get").path(slug="t", ref=value) == f"/ws/types/t/items/{encoded}"


@pytest.mark.parametrize("value", ["", "  ", "a/b", "..", "a..b", "x\ny", "x\x00", "\x7f", None])
def test_unsafe_path_values_are_refused(value: str | None) -> None:
    with pytest.raises(ValueError, match="ref"):
        route("items.get").path(slug="t", ref=value)  # type: ignore[arg-type]


@pytest.mark.parametrize("value", [True, 1.5, b"x"])
def test_path_values_must_be_strings_or_ints(value: object) -> None:
    with pytest.raises(ValueError, match="must be a string or an integer"):
        route("types.get").path(slug=value)  # type: ignore[arg-type]


def test_match_reads_values_back() -> None:
    r = route("items.get")
    assert r.params == ("slug", "ref")
    assert r.match("/ws/types/t/items/a%20b") == {"slug": "t", "ref": "a b"}
    assert r.match("/ws/types/t/items") is None


def test_an_unknown_route_name_fails_loudly() -> None:
    with pytest.raises(KeyError):
        route("items.frobnicate")


def test_routes_are_frozen() -> None:
    r = Route("x.get", "GET", "/x")
    with pytest.raises(AttributeError):
        r.method = "POST"  # type: ignore[misc]


@pytest.mark.parametrize("value", ["\ud800", "x\udfffy", "x\x85", "\x9f"])
def test_lone_surrogates_and_c1_controls_are_refused(value: str) -> None:
    with pytest.raises(ConfigurationError, match="reference must not contain"):
        route("items.get").path(slug="t", ref=value)


@pytest.mark.parametrize("value", [True, 1.5, "3", -1, None])
def test_ids_are_non_negative_integers(value: object) -> None:
    with pytest.raises(ConfigurationError, match="member_id"):
        route("members.get").path(member_id=value)  # type: ignore[arg-type]
    assert route("members.get").path(member_id=0) == "/ws/members/0"
