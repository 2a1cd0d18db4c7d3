"""Import contract: web → services → domain; domain imports no Flask/SQLAlchemy; bleach only in sanitize."""
import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "engage"


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


def _files(sub: str):
    return sorted((PACKAGE / sub).rglob("*.py"))


@pytest.mark.parametrize("path", _files("domain"), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_domain_is_pure(path):
    bad = {m for m in _imports(path)
           if m.split(".")[0] in {"flask", "flask_sqlalchemy", "sqlalchemy", "werkzeug"}
           or m.startswith(("engage.services", "engage.models", "engage.web", "engage.extensions"))}
    assert not bad, f"{path.name} imports {bad}"


def test_only_sanitize_imports_bleach():
    users = {p.relative_to(PACKAGE).as_posix() for p in PACKAGE.rglob("*.py")
             if any(m.split(".")[0] == "bleach" for m in _imports(p))}
    assert users == {"domain/text/sanitize.py"}


@pytest.mark.parametrize("path", _files("services"), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_services_do_not_import_web_or_flask(path):
    bad = {m for m in _imports(path) if m.startswith("engage.web") or m.split(".")[0] == "flask"}
    assert not bad, f"{path.name} imports {bad}"


@pytest.mark.parametrize("path", _files("models"), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_models_do_not_import_services_or_web(path):
    bad = {m for m in _imports(path) if m.startswith(("engage.web", "engage.services"))}
    assert not bad, f"{path.name} imports {bad}"


@pytest.mark.parametrize("path", _files("web"), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_views_never_commit(path):
    assert "session.commit(" not in path.read_text(encoding="utf-8")
