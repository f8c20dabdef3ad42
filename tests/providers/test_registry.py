"""Every registered provider is held to the shared contract against a fake of its platform.

Each platform's test module runs `CONTRACT` in a `test_contract` parametrised over every check,
and names the provider it tests in `PLATFORM`. A provider registered (an entry point in
pyproject.toml) without such a module fails here, so no platform ships untested against the
promises the publishing engine relies on.
"""

from __future__ import annotations

import importlib
from pathlib import Path
from types import ModuleType

from shortops.providers.registry import provider_classes
from tests.providers.contract import CONTRACT

# Registered providers that call no platform, so there is nothing to fake (with why).
NO_PLATFORM = {"manual": "hands the operator a publish kit; tests/providers/test_manual_kit.py"}


def _platform_modules() -> dict[str, ModuleType]:
    found: dict[str, ModuleType] = {}
    for path in sorted(Path(__file__).parent.glob("test_*.py")):
        module = importlib.import_module(f"tests.providers.{path.stem}")
        if hasattr(module, "test_contract"):
            platform = getattr(module, "PLATFORM", None)
            assert isinstance(platform, str), f"{path.name} runs the contract but names no PLATFORM"
            assert platform not in found, f"two modules hold {platform} to the contract"
            found[platform] = module
    return found


def _checks_run(module: ModuleType) -> list[object]:
    marks = getattr(module.test_contract, "pytestmark", [])
    for mark in marks:
        if mark.name == "parametrize" and mark.args[0] == "check":
            return list(mark.args[1])
    return []


def _missing(registered: set[str]) -> set[str]:
    return registered - set(_platform_modules()) - set(NO_PLATFORM)


def test_every_registered_provider_runs_the_contract_against_a_fake() -> None:
    registered = set(provider_classes())
    missing = _missing(registered)
    assert not missing, f"registered without a contract test against a fake: {sorted(missing)}"
    unknown = set(_platform_modules()) - registered
    assert not unknown, f"contract tests for providers nobody registered: {sorted(unknown)}"
    assert not set(NO_PLATFORM) & set(_platform_modules())


def test_each_contract_test_runs_every_check() -> None:
    for platform, module in _platform_modules().items():
        assert _checks_run(module) == list(CONTRACT), f"{platform} runs only part of the contract"


def test_a_provider_registered_without_a_contract_test_is_reported() -> None:
    assert _missing(set(provider_classes()) | {"newplatform"}) == {"newplatform"}
