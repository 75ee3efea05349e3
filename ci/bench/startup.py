"""Area 2 (CLI start-up) and area 4 (wheel size)."""

from __future__ import annotations

import os
import sys
import zipfile

from ci.bench.common import RUNS, Row, interleave, ms, run_cmd, verdict

# What pip writes for a [project.scripts] entry, pointed at a function that execs the real
# binary — the "Python launcher in front of the program" this template avoids.
LAUNCHER = """#!{python}
import os, sys
exe = {exe!r}
import {package}  # a console script imports its package before running
os.execv(exe, [exe, *sys.argv[1:]])
"""


def cli_startup(cli: str, package: str, venv_python: str, workdir: str) -> list[Row]:
    """``cli``: the installed executable; ``package``: the import package a launcher loads."""
    name = os.path.basename(cli)
    launcher = os.path.join(workdir, f"{name}-launcher")
    with open(launcher, "w", encoding="utf-8") as f:
        f.write(LAUNCHER.format(python=venv_python, exe=cli, package=package))
    os.chmod(launcher, 0o755)
    t = interleave(  # milliseconds each: many runs cost nothing
        {
            "cli": run_cmd([cli, "--version"]),
            "python": run_cmd([sys.executable, "-c", "pass"]),
            "launcher": run_cmd([launcher, "--version"]),
            "true": run_cmd(["/bin/true"]),
        },
        runs=max(RUNS, 40),
    )
    return [
        Row("startup", f"`{name} --version`", ms(t["cli"]), "", "info"),
        Row(
            "startup",
            f"`{name} --version` / `python3 -c pass`",
            f"{t['cli'] / t['python']:.3f}× ({ms(t['python'])})",
            "≤ 0.1×",
            verdict(t["cli"] / t["python"] <= 0.1),
        ),
        Row(
            "startup",
            f"`{name} --version` / `/bin/true`",
            f"{t['cli'] / t['true']:.2f}× ({ms(t['true'])})",
            "≤ 3×",
            verdict(t["cli"] / t["true"] <= 3),
        ),
        Row(
            "startup",
            f"console-script launcher / native `{name}`",
            f"{t['launcher'] / t['cli']:.1f}× ({ms(t['launcher'])})",
            "(what the raw script saves)",
            "info",
        ),
    ]


def wheel_size(wheel: str) -> list[Row]:
    size = os.path.getsize(wheel)
    rows = [
        Row(
            "size",
            f"wheel `{os.path.basename(wheel)}`",
            f"{size / 1024:.0f} KiB",
            "≤ 1 MiB",
            verdict(size <= 1024 * 1024),
        )
    ]
    with zipfile.ZipFile(wheel) as z:
        for info in z.infolist():
            with z.open(info) as f:
                head = f.read(4)
            if head in (b"\x7fELF", b"\xcf\xfa\xed\xfe", b"\xca\xfe\xba\xbe") or head[:2] == b"MZ":
                rows.append(
                    Row(
                        "size",
                        f"`{info.filename}` (uncompressed / in wheel)",
                        f"{info.file_size / 1024:.0f} KiB / {info.compress_size / 1024:.0f} KiB",
                        "",
                        "info",
                    )
                )
    return rows
