"""[tool.ci-gates]: defaults, one-line errors, and the JSON start-up cache."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from ci_gates.core import config
from ci_gates.core.config import DEFAULTS, ConfigError


def write(root: Path, table: str) -> None:
    (root / "pyproject.toml").write_text(f'[project]\nname = "x"\n\n{table}', encoding="utf-8")


def error(root: Path) -> str:
    with pytest.raises(ConfigError) as exc:
        config.parse(root)
    message = str(exc.value)
    assert "\n" not in message, "config errors are one line"
    return message


def test_empty_table_is_the_defaults(tmp_path: Path) -> None:
    from ci_gates.core.policy import skips

    write(tmp_path, "")
    # ... with the house-style gates skipped: policy is opt-in (ci_gates.core.policy)
    assert config.parse(tmp_path) == {**DEFAULTS, "skip": skips([])}


def test_a_set_key_overrides_only_itself(tmp_path: Path) -> None:
    write(tmp_path, "[tool.ci-gates.loc]\nwarn = 300\n")
    got = config.parse(tmp_path)
    assert got["loc"]["warn"] == 300
    assert got["loc"]["fail"] == DEFAULTS["loc"]["fail"]
    assert got["readme"] == DEFAULTS["readme"]


def test_unknown_key_names_it_and_the_known_keys(tmp_path: Path) -> None:
    write(tmp_path, "[tool.ci-gates.loc]\nwarm = 300\n")
    message = error(tmp_path)
    assert "[tool.ci-gates.loc] warm: unknown key" in message
    assert "warn" in message


def test_unknown_section(tmp_path: Path) -> None:
    write(tmp_path, "[tool.ci-gates.lint]\nx = 1\n")
    assert "[tool.ci-gates.lint]: unknown section" in error(tmp_path)


@pytest.mark.parametrize(
    ("line", "expected", "got"),
    [
        ('warn = "400"', "expected an integer", "got a string"),
        ("warn = true", "expected an integer", "got a boolean"),  # bool is an int subclass
        ("warn = 4.5", "expected an integer", "got float"),
        ('extensions = ".py"', "expected a list", "got a string"),
    ],
)
def test_wrong_type(tmp_path: Path, line: str, expected: str, got: str) -> None:
    write(tmp_path, f"[tool.ci-gates.loc]\n{line}\n")
    message = error(tmp_path)
    assert expected in message and got in message
    assert "[tool.ci-gates.loc]" in message


def test_list_entries_must_be_strings(tmp_path: Path) -> None:
    write(tmp_path, "[tool.ci-gates.loc]\nextensions = ['.py', 3]\n")
    assert "every entry must be a string" in error(tmp_path)


def test_allowlist_entry_needs_a_reason(tmp_path: Path) -> None:
    write(tmp_path, '[tool.ci-gates.loc.allow]\n"big.py" = ""\n')
    assert "'big.py' needs a non-empty reason" in error(tmp_path)


def test_warn_above_fail(tmp_path: Path) -> None:
    write(tmp_path, "[tool.ci-gates.loc]\nwarn = 700\nfail = 600\n")
    assert "need 0 < warn <= fail" in error(tmp_path)


def test_missing_file(tmp_path: Path) -> None:
    message = error(tmp_path)
    assert "pyproject.toml: not found" in message


def test_malformed_toml(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text("[tool.ci-gates.loc\nwarn = 1\n", encoding="utf-8")
    message = error(tmp_path)
    assert "invalid TOML" in message and "pyproject.toml" in message


def test_section_must_be_a_table(tmp_path: Path) -> None:
    write(tmp_path, "[tool.ci-gates]\nloc = 3\n")
    assert "must be a table" in error(tmp_path)


def test_load_writes_and_uses_the_cache(tmp_path: Path) -> None:
    write(tmp_path, "[tool.ci-gates.loc]\nwarn = 300\n")
    assert config.load(tmp_path)["loc"]["warn"] == 300
    cache = tmp_path / config.CACHE_FILE
    data = json.loads(cache.read_text(encoding="utf-8"))
    # Doctor the cached value: if load() returns it, it read the cache instead of the TOML.
    data["config"]["loc"]["warn"] = 123
    cache.write_text(json.dumps(data), encoding="utf-8")
    assert config.load(tmp_path)["loc"]["warn"] == 123


def test_cache_is_invalidated_when_pyproject_changes(tmp_path: Path) -> None:
    write(tmp_path, "[tool.ci-gates.loc]\nwarn = 300\n")
    assert config.load(tmp_path)["loc"]["warn"] == 300
    write(tmp_path, "[tool.ci-gates.loc]\nwarn = 350\n")
    st = os.stat(tmp_path / "pyproject.toml")
    os.utime(tmp_path / "pyproject.toml", ns=(st.st_atime_ns, st.st_mtime_ns + 1_000_000))
    assert config.load(tmp_path)["loc"]["warn"] == 350


def test_load_reports_errors_and_caches_nothing(tmp_path: Path) -> None:
    write(tmp_path, "[tool.ci-gates.loc]\nwarn = true\n")
    with pytest.raises(ConfigError):
        config.load(tmp_path)
    assert not (tmp_path / config.CACHE_FILE).exists()


def test_a_corrupt_cache_is_ignored(tmp_path: Path) -> None:
    write(tmp_path, "")
    (tmp_path / config.CACHE_DIR).mkdir(parents=True)
    (tmp_path / config.CACHE_FILE).write_text("{not json", encoding="utf-8")
    assert config.load(tmp_path) == config.parse(tmp_path)


def test_repository_config_is_valid() -> None:
    root = Path(__file__).resolve().parents[2]
    config.parse(root)


def test_a_renamed_key_names_its_new_name(monkeypatch: pytest.MonkeyPatch) -> None:
    from ci_gates.core import config

    monkeypatch.setattr(config, "RENAMED", {"loc.max": "fail", "lines": "loc"})
    with pytest.raises(config.ConfigError, match=r"\[tool.ci-gates.loc\] max: renamed to 'fail'"):
        config.validate({"loc": {"max": 600}})
    with pytest.raises(config.ConfigError, match=r"renamed to \[tool.ci-gates.loc\]"):
        config.validate({"lines": {}})
