"""Every module of every package sits in a layer of the import contracts (pyproject.toml,
docs/architecture.md), so `make lint` governs all of it: a new module nobody placed fails here
with its name, before a read path could reach a write module unchecked."""

import pkgutil
from pathlib import Path

from importlinter import api

ROOT = Path(__file__).resolve().parents[1]


def layer_contracts(options: list[dict]) -> dict[str, dict]:
    """Each container's layers contract, by container."""
    return {
        container: contract
        for contract in options
        if contract["type"] == "layers"
        for container in contract.get("containers", [])
    }


def layer_names(contract: dict) -> set[str]:
    """The module names a contract's layers place ("(a) : b | c" names a, b and c)."""
    names = set()
    for layer in contract["layers"]:
        for part in layer.replace("|", ":").split(":"):
            names.add(part.strip().strip("()"))
    return names


def children(package: str) -> list[str]:
    """The modules and packages directly under ``package``, from its files."""
    path = ROOT.joinpath(*package.split("."))
    return [info.name for info in pkgutil.iter_modules([str(path)])]


def uncovered(root_packages: list[str], options: list[dict]) -> list[str]:
    """Modules under a root package that no layers contract places (a container's own children
    must be named by its contract; a package named there is covered with everything in it)."""
    contracts = layer_contracts(options)
    missing = []
    for root in root_packages:
        if root not in contracts:
            missing.append(root)
            continue
        pending = [root]
        while pending:
            container = pending.pop()
            contract = contracts[container]
            placed = layer_names(contract) | set(contract.get("exhaustive_ignores", []))
            for name in children(container):
                child = f"{container}.{name}"
                if child in contracts:
                    pending.append(child)
                if name not in placed:
                    missing.append(child)
    return sorted(missing)


def configuration() -> tuple[list[str], list[dict]]:
    config = api.read_configuration()
    return config["session_options"]["root_packages"], config["contracts_options"]


def test_every_module_is_placed_in_a_layer():
    roots, options = configuration()
    assert uncovered(roots, options) == []


def test_every_layers_contract_is_exhaustive():
    """import-linter then refuses an unplaced module too (`make lint`)."""
    _roots, options = configuration()
    contracts = layer_contracts(options)
    assert contracts
    assert {c: o.get("exhaustive") for c, o in contracts.items()} == dict.fromkeys(
        contracts, "True"
    )


def test_a_new_module_nobody_placed_is_named(monkeypatch):
    roots, options = configuration()
    real = children

    def with_new_module(package):
        names = real(package)
        return [*names, "unplaced"] if package == "violations.selectors" else names

    monkeypatch.setattr(f"{__name__}.children", with_new_module)
    # A module inside a placed package is covered with it; one directly under a container
    # is not until its contract names it.
    assert uncovered(roots, options) == []

    def with_new_top_module(package):
        names = real(package)
        return [*names, "unplaced"] if package == "violations" else names

    monkeypatch.setattr(f"{__name__}.children", with_new_top_module)
    assert uncovered(roots, options) == ["violations.unplaced"]


def test_a_package_without_a_contract_is_named():
    roots, options = configuration()
    without_demo = [o for o in options if "demo" not in o.get("containers", [])]
    assert uncovered(roots, without_demo) == ["demo"]
