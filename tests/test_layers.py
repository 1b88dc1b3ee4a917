"""Imports run one way: blueprints → schemas and services → models; schemas never import
services; services import neither jobs nor blueprints; models import no layer above them."""
import ast
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
# layer → the layers its modules must not import
FORBIDDEN = {
    "schemas": {"services", "blueprints", "jobs"},
    "services": {"blueprints", "jobs"},
    "models": {"services", "schemas", "blueprints", "jobs"},
    "wx": {"services", "schemas", "blueprints", "jobs", "models"},
}


def imported_layers(path: Path) -> set[str]:
    layers = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.level == 0:
            layers.add((node.module or "").split(".")[0])
        elif isinstance(node, ast.Import):
            layers.update(alias.name.split(".")[0] for alias in node.names)
    return layers


@pytest.mark.parametrize("layer", sorted(FORBIDDEN))
def test_a_layer_imports_no_layer_above_it(layer):
    modules = sorted((REPO / layer).glob("*.py"))
    assert modules, f"no modules found in {layer}/"
    crossings = {
        path.name: sorted(imported_layers(path) & FORBIDDEN[layer])
        for path in modules
        if imported_layers(path) & FORBIDDEN[layer]
    }
    assert not crossings, f"{layer}/ imports upward: {crossings}"
