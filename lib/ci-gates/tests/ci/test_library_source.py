"""How the pytest gate names the library for a suite's venv: the same whichever way it runs."""

from __future__ import annotations

import json
from importlib import metadata
from pathlib import Path

import pytest

from ci_gates.core import env


class _Dist:
    def __init__(self, url: str) -> None:
        self.url = url

    def read_text(self, name: str) -> str | None:
        return json.dumps({"url": self.url, "dir_info": {}}) if name == "direct_url.json" else None


def _checkout(tmp_path: Path) -> Path:
    top = tmp_path / "ci-gates"
    (top / "src" / "ci_gates").mkdir(parents=True)
    (top / "src" / "ci_gates" / "__init__.py").write_text("", encoding="utf-8")
    (top / "pyproject.toml").write_text(f'[project]\nname = "{env.DIST}"\n', encoding="utf-8")
    return top


def test_an_installed_copy_of_a_checkout_is_named_like_the_running_source(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`nox` runs the source, an agent's Stop hook the gates environment's copy built from it:
    both must name the same venv, or each switch re-creates it and loses the selection data."""
    top = _checkout(tmp_path)
    monkeypatch.setattr(env, "source_dir", lambda: str(top))
    from_source = env.library_and_stamp()
    monkeypatch.setattr(env, "source_dir", lambda: "")
    monkeypatch.setattr(metadata, "distribution", lambda name: _Dist(top.as_uri()))
    assert env.library_and_stamp() == from_source == (str(top), env.source_digest(str(top)))


def test_an_installed_wheel_or_a_gone_checkout_is_its_url_without_a_stamp(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(env, "source_dir", lambda: "")
    for url in (
        (tmp_path / "ci_gates-1.0-py3-none-any.whl").as_uri(),
        (tmp_path / "gone").as_uri(),
    ):
        monkeypatch.setattr(metadata, "distribution", lambda name, url=url: _Dist(url))
        assert env.library_and_stamp() == (f"{env.DIST} @ {url}", "")
