"""The plain wheel works on its own: built, installed with its pinned dependencies into a fresh
virtual environment, and used from a folder outside the checkout, where only the installed
copy of `workshop` and `screens` (with their templates, styles and demo plan) can be found."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CONSTRAINTS = ROOT / "constraints.txt"

# Drives the installed app headless through every phase and the help screen: each screen's
# CSS_PATH is loaded (and parsed) from site-packages.
HEADLESS_APP = textwrap.dedent(
    """
    import asyncio, sys
    from pathlib import Path
    from screens.app import WorkshopApp
    from workshop.demo import open_demo

    async def main() -> None:
        ws = open_demo(Path("demo.db"))
        app = WorkshopApp(ws, facilitator=True)
        seen = []
        async with app.run_test(size=(120, 40)) as pilot:
            for key in "123456789":
                await pilot.press(key)
                await pilot.pause()
                seen.append(type(app.screen).__name__)
            await pilot.press("question_mark")
            await pilot.pause()
            seen.append(type(app.screen).__name__)
        ws.close()
        print(" ".join(seen))

    asyncio.run(main())
    """
)


def run(*args: object, cwd: Path, env: dict[str, str] | None = None) -> str:
    """Run a command to success and return its standard output."""
    done = subprocess.run(
        [str(a) for a in args],
        cwd=cwd,
        env=env,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=240,
    )
    assert done.returncode == 0, f"{args}\n{done.stdout}\n{done.stderr}"
    return done.stdout


def data_files(folder: Path) -> list[Path]:
    """Every non-Python file of a source folder (styles, templates, help text), relative."""
    return sorted(
        p.relative_to(folder)
        for p in folder.rglob("*")
        if p.is_file() and p.suffix not in {".py", ".pyc"} and "__pycache__" not in p.parts
    )


def test_wheel_installs_and_runs_outside_the_checkout(tmp_path: Path) -> None:
    dist = tmp_path / "dist"
    run(sys.executable, "-m", "build", "--wheel", "--outdir", dist, ROOT, cwd=tmp_path)
    (wheel,) = dist.glob("workshop-*-py3-none-any.whl")

    env_dir = tmp_path / "venv"
    run(sys.executable, "-m", "venv", "--without-pip", env_dir, cwd=tmp_path)
    python = env_dir / "bin" / "python"
    run(
        sys.executable, "-m", "pip", "--python", python, "install", "--quiet",
        "-c", CONSTRAINTS, wheel,
        cwd=tmp_path,
    )  # fmt: skip

    env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV", "PYTHONSTARTUP"}
    }
    env["HOME"] = str(tmp_path / "home")
    env["XDG_DATA_HOME"] = str(tmp_path / "home" / "data")
    work = tmp_path / "elsewhere"
    work.mkdir()

    site = Path(run(python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])",
                    cwd=work, env=env).strip())  # fmt: skip
    assert site.is_relative_to(env_dir)
    where = run(
        python,
        "-c",
        "import workshop, screens, workshop.export as e; "
        "print(workshop.__file__); print(screens.__file__); print(e.templates_dir())",
        cwd=work,
        env=env,
    ).split("\n")
    for found in where[:3]:
        assert Path(found).resolve().is_relative_to(site.resolve()), where
        assert not Path(found).resolve().is_relative_to(ROOT), where
    assert Path(where[2]) == site / "workshop" / "templates"

    # Every style, template and data file of the checkout is in the installed packages.
    for source, installed in (
        (ROOT / "templates", site / "workshop" / "templates"),
        (ROOT / "screens", site / "screens"),
        (ROOT / "workshop", site / "workshop"),
    ):
        for name in data_files(source):
            assert (installed / name).is_file(), f"{installed / name} is missing from the wheel"
    assert list((site / "workshop" / "templates").glob("*.j2"))
    assert list((site / "screens").glob("*.tcss"))
    assert (site / "workshop" / "demo_plan.json").is_file()

    run(python, "-c", "import screens.app", cwd=work, env=env)

    cli = env_dir / "bin" / "workshop"
    out = run(cli, "new", "x.db", "--title", "From a wheel", cwd=work, env=env)
    assert "x.db" in out and (work / "x.db").is_file()
    markdown = run(cli, "export", "x.db", "--format", "md", cwd=work, env=env)
    assert markdown.startswith("# From a wheel\n")
    data = json.loads(run(cli, "export", "x.db", "--format", "json", cwd=work, env=env))
    assert data["workshop"]["title"] == "From a wheel" and data["groups"] == []
    assert run(cli, "--version", cwd=work, env=env).strip().endswith("0.1.0")

    screens_seen = run(python, "-c", HEADLESS_APP, cwd=work, env=env).split()
    assert screens_seen[1:5] == ["GroupsScreen", "HandoffsScreen", "OnionScreen", "CommentsScreen"]
    assert screens_seen[-1] == "HelpScreen"
    demo_md = run(cli, "export", "demo.db", cwd=work, env=env)
    assert demo_md.startswith("# ") and "## Groups and roles" in demo_md
