"""The code a workflow script runs: the package modules it imports, found by walking the imports.

Rules list these files as inputs (``rules/common.smk``: ``script_code``), so an edit of a module
reruns exactly the stages whose scripts import it, directly or through other modules; nothing is
kept by hand, so nothing can drift. Every ``import`` statement counts, also those inside functions
(registries import their entries lazily), and importing ``a.b.c`` runs ``a/__init__.py`` and
``a/b/__init__.py`` as well. Modules under an ``exclude`` prefix are left out (and not followed):
the rules add back the one a job really reads (a distillation method's own module).
"""

from __future__ import annotations

import ast
from collections.abc import Iterable
from functools import cache
from pathlib import Path


def _module_file(root: Path, dotted: str) -> Path | None:
    path = root.joinpath(*dotted.split("."))
    for candidate in (path.with_suffix(".py"), path / "__init__.py"):
        if candidate.is_file():
            return candidate
    return None


def _dotted(root: Path, file: Path) -> str:
    parts = list(file.relative_to(root).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(root: Path, file: Path, package: str) -> set[str]:
    """Dotted names of the ``package`` modules one file imports (absolute or relative)."""
    tree = ast.parse(file.read_text(), str(file))
    here = _dotted(root, file) if file.is_relative_to(root / package) else ""
    is_pkg = file.name == "__init__.py"
    out: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = here.split(".") if here else []
                base = base if is_pkg else base[:-1]
                base = base[: len(base) - (node.level - 1)]
                mod = ".".join(base + ([node.module] if node.module else []))
            else:
                mod = node.module or ""
            out.add(mod)
            out.update(f"{mod}.{a.name}" for a in node.names)  # `from pkg import submodule`
    return {m for m in out if m == package or m.startswith(package + ".")}


@cache
def _closure(root: Path, script: Path, package: str, exclude: tuple[str, ...]) -> tuple[str, ...]:
    seen: set[Path] = set()
    todo = [script]
    while todo:
        file = todo.pop()
        for dotted in _imports(root, file, package):
            if any(dotted == e or dotted.startswith(e + ".") for e in exclude):
                continue
            parts = dotted.split(".")
            for i in range(1, len(parts) + 1):  # parent packages run their __init__
                found = _module_file(root, ".".join(parts[:i]))
                if found is not None and found not in seen:
                    seen.add(found)
                    todo.append(found)
    return tuple(sorted(str(p) for p in seen))


def imported_files(
    script: str | Path, root: str | Path, package: str = "vskd", exclude: Iterable[str] = ()
) -> list[str]:
    """Source files of ``package`` (below ``root``) that ``script`` imports, transitively."""
    root = Path(root).resolve()
    return list(_closure(root, Path(script).resolve(), package, tuple(exclude)))
