"""The house rules, checked: ARCHITECTURE.md names every module, a leading underscore means
"this file only", imports never go round in a circle, only the modules marked (Keras) load
TensorFlow when imported, and what ``cnnzoo`` offers is the registry.

The rules are read from the source's syntax trees, so they cost no import.
"""

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
TEXT = (ROOT / "ARCHITECTURE.md").read_text()
PACKAGE = ROOT / "cnnzoo"


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {_module_name(p): p for p in PACKAGE.rglob("*.py")}
TREES = {name: ast.parse(path.read_text(), str(path)) for name, path in MODULES.items()}


def _type_checking_nodes(tree: ast.Module) -> set[int]:
    """ids of the nodes under ``if TYPE_CHECKING:`` (annotations only, never run)."""
    ids = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            ids.update(id(inner) for inner in ast.walk(node))
    return ids


def _absolute(module: str, node: ast.ImportFrom) -> str:
    if not node.level:
        return node.module or ""
    base = module.split(".")
    if MODULES[module].name != "__init__.py":
        base = base[:-1]
    base = base[: len(base) - node.level + 1]
    return ".".join(base + ([node.module] if node.module else []))


def _imports(module: str):
    """(imported module, imported name or None, node) for every run-time cnnzoo import."""
    skip = _type_checking_nodes(TREES[module])
    for node in ast.walk(TREES[module]):
        if id(node) in skip:
            continue
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, None, alias.asname, node
        elif isinstance(node, ast.ImportFrom):
            target = _absolute(module, node)
            for alias in node.names:
                yield target, alias.name, alias.asname, node


def _edges(module: str) -> set[str]:
    found = set()
    for target, name, _, _ in _imports(module):
        if name and f"{target}.{name}" in MODULES:
            found.add(f"{target}.{name}")
        elif target in MODULES:
            found.add(target)
    found.discard(module)
    return found


def _named():
    return {name.rstrip("/") for name in re.findall(r"`(cnnzoo/[^`]+)`", TEXT)}


def test_every_module_named_exists():
    missing = [name for name in _named() if not (ROOT / name).exists()]
    assert not missing, missing


def test_every_module_is_named():
    named = _named()
    modules = [p.relative_to(ROOT).as_posix() for p in PACKAGE.rglob("*.py")
               if p.name not in ("__init__.py", "__main__.py")]
    unnamed = [m for m in modules if m not in named]
    assert not unnamed, unnamed


def _private(name: str) -> bool:
    return name.startswith("_") and not name.startswith("__")


def test_a_leading_underscore_means_this_file_only():
    uses = []
    for module in MODULES:
        aliases = {}
        for target, name, asname, _ in _imports(module):
            if not target.startswith("cnnzoo"):
                continue
            full = f"{target}.{name}" if name else target
            if full in MODULES:
                aliases[asname or (name or target)] = full
            elif name and _private(name) and target != module:
                uses.append(f"{module} imports {target}.{name}")
        for node in ast.walk(TREES[module]):
            if isinstance(node, ast.Attribute) and _private(node.attr):
                owner = aliases.get(ast.unparse(node.value))
                if owner and owner != module:
                    uses.append(f"{module} uses {owner}.{node.attr}")
    assert not uses, "\n".join(sorted(set(uses)))


def test_no_import_circle():
    """Counting imports inside functions too: those may defer Keras, never break a circle."""
    graph = {module: _edges(module) for module in MODULES}
    index, low, stack, on_stack, circles = {}, {}, [], set(), []

    def visit(module):  # Tarjan's strongly connected components
        index[module] = low[module] = len(index)
        stack.append(module)
        on_stack.add(module)
        for other in graph[module]:
            if other not in index:
                visit(other)
                low[module] = min(low[module], low[other])
            elif other in on_stack:
                low[module] = min(low[module], index[other])
        if low[module] == index[module]:
            component = []
            while not component or component[-1] != module:
                component.append(stack.pop())
                on_stack.discard(component[-1])
            if len(component) > 1:
                circles.append(sorted(component))

    for module in graph:
        if module not in index:
            visit(module)
    assert not circles, circles


def _keras_modules() -> set[str]:
    """The modules ARCHITECTURE.md marks (Keras), a package's row marking all its files."""
    marked = set()
    for line in TEXT.splitlines():
        if "(Keras)" not in line:
            continue
        first = re.match(r"\|\s*(.*?)\s*\|", line)
        for name in re.findall(r"`(cnnzoo/[^`]+)`", first.group(1) if first else line):
            marked.add(name.rstrip("/").removesuffix(".py").replace("/", "."))
    return marked


def test_only_modules_marked_keras_load_it_when_imported():
    marked = _keras_modules()
    loud = []
    for module, tree in TREES.items():
        if any(module == m or module.startswith(m + ".") for m in marked):
            continue
        for node in tree.body:  # top level only: a function may defer Keras
            names = ([a.name for a in node.names] if isinstance(node, ast.Import)
                     else [node.module or ""] if isinstance(node, ast.ImportFrom) else [])
            if any(n.split(".")[0] in ("keras", "tensorflow") for n in names):
                loud.append(module)
    assert not loud, loud


def test_what_cnnzoo_offers_is_the_registry():
    import cnnzoo

    builders = {name for name in cnnzoo.__all__ if name in cnnzoo.list_models()}
    assert builders == set(cnnzoo.list_models()) <= set(dir(cnnzoo))
    # that each is a working builder needs Keras: tests/test_models.py


def _packages():
    marked = _keras_modules()
    for name, path in sorted(MODULES.items()):
        if path.name == "__init__.py" and not name.startswith("cnnzoo.course_template"):
            keras = any(name == m or name.startswith(m + ".") for m in marked)
            yield pytest.param(name, marks=[pytest.mark.keras] if keras else [])


@pytest.mark.parametrize("package", _packages())
def test_a_package_says_what_it_offers(package):
    """``__all__`` names only what the package has (offered lazily or not: ``dir`` lists it)."""
    import importlib

    module = importlib.import_module(package)
    offered = getattr(module, "__all__", None)
    assert offered is not None, f"{package} has no __all__"
    missing = [name for name in offered if name not in dir(module)]
    assert not missing, missing


def _protocol_constants() -> dict[str, object]:
    """protocol.py's top-level NAME = literal assignments."""
    found = {}
    for node in TREES["cnnzoo.grading.protocol"].body:
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Constant):
            for target in node.targets:
                if isinstance(target, ast.Name) and target.id.isupper():
                    found[target.id] = node.value.value
    return found


def test_the_boundary_constants_are_defined_once():
    """A limit or the reply mark spelled again elsewhere would drift from the child's copy.

    No other module assigns a name protocol.py defines, or spells its reply mark."""
    constants = _protocol_constants()
    assert {"MAX_WEIGHT_VALUES", "MARK"} <= set(constants), constants
    marks = {value for value in constants.values() if isinstance(value, (bytes, str))}
    again = []
    for module, tree in TREES.items():
        if module == "cnnzoo.grading.protocol":
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.Assign) and any(
                    isinstance(t, ast.Name) and t.id in constants for t in node.targets):
                again.append(f"{module}:{node.lineno} assigns {ast.unparse(node.targets[0])}")
            if isinstance(node, ast.Constant) and type(node.value) in (bytes, str) \
                    and node.value in marks:
                again.append(f"{module}:{node.lineno} spells {node.value!r}")
    assert not again, "\n".join(again)


def test_test_folders_mirror_the_package():
    """``tests/<name>/`` tests ``cnnzoo/<name>`` (or the top-level ``<name>/`` folder)."""
    strays = [folder.name for folder in (ROOT / "tests").iterdir()
              if folder.is_dir() and not folder.name.startswith((".", "_"))
              and not (PACKAGE / folder.name).is_dir() and not (ROOT / folder.name).is_dir()]
    assert not strays, strays
