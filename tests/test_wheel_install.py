"""A plain (non-editable) wheel finds its templates and styles: built, installed into a fresh
virtual environment, and run from outside the checkout."""

from __future__ import annotations

import os
import site
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def run(*args: str | Path, cwd: Path, env: dict[str, str] | None = None) -> str:
    done = subprocess.run(
        [str(a) for a in args],
        cwd=cwd,
        env=env,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_wheel_installs_and_exports_outside_the_checkout(tmp_path: Path) -> None:
    dist = tmp_path / "dist"
    run(sys.executable, "-m", "build", "--wheel", "--outdir", dist, ROOT, cwd=tmp_path)
    (wheel,) = dist.glob("workshop-*.whl")

    env_dir = tmp_path / "fresh"
    venv.create(env_dir, with_pip=False)
    python = env_dir / "bin" / "python"
    run(
        sys.executable, "-m", "pip", "--python", python, "install", "--no-deps", wheel, cwd=tmp_path
    )
    # The dependencies come from the test environment, appended after the fresh site-packages
    # (a .pth path, so the checkout's editable install is not picked up from there).
    fresh_site = Path(
        run(python, "-c", "import site; print(site.getsitepackages()[0])", cwd=tmp_path).strip()
    )
    (fresh_site / "zz_dependencies.pth").write_text("\n".join(site.getsitepackages()) + "\n")

    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    work = tmp_path / "elsewhere"
    work.mkdir()
    where = run(
        python,
        "-c",
        "import workshop, screens; print(workshop.__file__, screens.__file__)",
        cwd=work,
        env=env,
    )
    assert all(str(fresh_site) in path for path in where.split()), where

    for name in (
        "workshop/templates/summary.md.j2",
        "screens/app.tcss",
        "screens/onion_screen.tcss",
    ):
        assert (fresh_site / name).is_file(), name
    assert list((fresh_site / "screens" / "widgets").glob("*.tcss"))
    run(python, "-c", "import screens.app", cwd=work, env=env)

    cli = env_dir / "bin" / "workshop"
    run(cli, "new", "w.db", "--title", "From a wheel", cwd=work, env=env)
    markdown = run(cli, "export", "w.db", "--format", "md", cwd=work, env=env)
    assert "From a wheel" in markdown
    data = run(cli, "export", "w.db", "--format", "json", cwd=work, env=env)
    assert '"title": "From a wheel"' in data
