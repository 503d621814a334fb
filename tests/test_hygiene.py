"""The layout's promises: the domain never imports Textual (nor the screens, except the CLI's
lazy launch of the app), and every screen's styles sit inside the screens package."""

from __future__ import annotations

import ast
import importlib
import inspect
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DOMAIN = ROOT / "workshop"
SCREENS = ROOT / "screens"


def domain_modules() -> list[str]:
    """Every importable module of the domain package, by dotted name (not `__main__`, which
    runs the command line when imported)."""
    names = []
    for path in sorted(DOMAIN.rglob("*.py")):
        parts = path.relative_to(ROOT).with_suffix("").parts
        if parts[-1] == "__main__":
            continue
        if parts[-1] == "__init__":
            parts = parts[:-1]
        names.append(".".join(parts))
    return names


def screen_modules() -> list[str]:
    return [
        ".".join(p.relative_to(ROOT).with_suffix("").parts)
        for p in sorted(SCREENS.rglob("*.py"))
        if p.name != "__init__.py"
    ]


def test_the_domain_package_is_listed_whole() -> None:
    modules = domain_modules()
    assert {"workshop", "workshop.cli", "workshop.store", "workshop.export"} <= set(modules)
    assert len(modules) >= 10


def test_importing_every_domain_module_loads_no_textual_and_no_screens(tmp_path: Path) -> None:
    modules = domain_modules()
    code = (
        f"import importlib, sys\n"
        f"for name in {modules!r}:\n"
        f"    importlib.import_module(name)\n"
        f"bad = sorted(m for m in sys.modules if m.split('.')[0] in ('textual', 'screens'))\n"
        f"assert not bad, bad\n"
        f"print(len({modules!r}))\n"
    )
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    env["PYTHONPATH"] = str(ROOT)
    done = subprocess.run(
        [sys.executable, "-c", code],
        cwd=tmp_path,
        env=env,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == str(len(modules))


def test_the_command_line_help_loads_no_textual(tmp_path: Path) -> None:
    """Running a command that needs no screen (here `--help` and `export --help`) stays light."""
    code = (
        "import sys\n"
        "from click.testing import CliRunner\n"
        "from workshop.cli import main\n"
        "for args in (['--help'], ['export', '--help'], ['new', '--help']):\n"
        "    assert CliRunner().invoke(main, args).exit_code == 0\n"
        "assert not [m for m in sys.modules if m.split('.')[0] in ('textual', 'screens')]\n"
    )
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    env["PYTHONPATH"] = str(ROOT)
    done = subprocess.run(
        [sys.executable, "-c", code],
        cwd=tmp_path,
        env=env,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr


def imports_of(tree: ast.AST) -> list[tuple[str, bool]]:
    """(top-level package imported, whether at module level) for every import in `tree`."""
    module_level = {id(node) for node in getattr(tree, "body", [])}
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [node.module]
        else:
            continue
        found += [(name.split(".")[0], id(node) in module_level) for name in names]
    return found


@pytest.mark.parametrize(
    "path", sorted(DOMAIN.rglob("*.py")), ids=lambda p: str(p.relative_to(ROOT))
)
def test_no_domain_file_imports_textual_or_screens(path: Path) -> None:
    source = path.read_text(encoding="utf-8")
    for line in source.splitlines():
        stripped = line.strip()
        assert not stripped.startswith(("import textual", "from textual")), line
    for package, at_module_level in imports_of(ast.parse(source, filename=str(path))):
        assert package != "textual", f"{path.name} imports {package}"
        if package == "screens":
            # Only the command line may start the app, and only lazily, inside the function
            # that launches it, so that every other command runs without Textual.
            assert path.name == "cli.py" and not at_module_level, f"{path.name} imports screens"


def test_the_lazy_screens_import_is_inside_the_launchers() -> None:
    tree = ast.parse((DOMAIN / "cli.py").read_text(encoding="utf-8"))
    holders = [
        fn.name
        for fn in ast.walk(tree)
        if isinstance(fn, ast.FunctionDef)
        and any(p == "screens" for p, _ in imports_of(ast.Module(body=fn.body, type_ignores=[])))
    ]
    assert set(holders) <= {"_launch", "_show_rollup", "_serve"}, holders


def css_paths(cls: type) -> list[Path]:
    """The files a class's own CSS_PATH names, resolved as Textual does (relative to the file
    that defines the class)."""
    value = cls.__dict__["CSS_PATH"]
    items = value if isinstance(value, list | tuple) else [] if value is None else [value]
    base = Path(inspect.getfile(cls)).parent
    return [Path(item) if Path(item).is_absolute() else base / item for item in items]


@pytest.mark.parametrize("module_name", screen_modules())
def test_every_css_path_names_a_tcss_file_in_the_screens_package(module_name: str) -> None:
    module = importlib.import_module(module_name)
    module_file = Path(module.__file__ or "")
    own = [
        cls
        for _, cls in inspect.getmembers(module, inspect.isclass)
        if cls.__module__ == module_name and "CSS_PATH" in cls.__dict__
    ]
    for cls in own:
        paths = css_paths(cls)
        assert paths, f"{cls.__name__}.CSS_PATH is empty"
        for path in paths:
            assert path.suffix == ".tcss", path
            assert path.is_file(), f"{cls.__name__}: {path} is missing"
            assert path.resolve().is_relative_to(SCREENS.resolve()), path
    if any(p.stem == module_file.stem for cls in own for p in css_paths(cls)):
        assert module_file.with_suffix(".tcss").is_file()


def test_every_tcss_file_sits_beside_its_module() -> None:
    styles = sorted(SCREENS.rglob("*.tcss"))
    assert styles
    for style in styles:
        assert style.with_suffix(".py").is_file(), f"{style.name} has no module beside it"


def test_every_tcss_file_is_loaded_by_some_screen() -> None:
    """No orphaned styles: each .tcss file is named by the CSS_PATH of a class in screens/."""
    used: set[Path] = set()
    for name in screen_modules():
        module = importlib.import_module(name)
        for _, cls in inspect.getmembers(module, inspect.isclass):
            if cls.__module__ == name and "CSS_PATH" in cls.__dict__:
                used |= {path.resolve() for path in css_paths(cls)}
    orphans = [s.name for s in sorted(SCREENS.rglob("*.tcss")) if s.resolve() not in used]
    assert not orphans, orphans
