"""``adapter_contract``: the contract suite for one adapter class, as a pytest test class.

Singer SDK style: the author names the class, its configuration table and a probe, and gets a
test class to bind to a ``Test*`` name in a test module::

    from oc_bridge.testing import adapter_contract

    TestAcme = adapter_contract(
        AcmeAdapter,
        options=lambda env: {"outbox": str(env.tmp_path / "outbox")},
        probe=AcmeProbe,  # AcmeProbe(adapter, env) implements WarehouseProbe
    )

The generated class builds the adapter exactly as ``oc-bridge`` does (``parse_config``, the
capability check, one ``AdapterContext`` per test), calls it through its
:class:`~oc_bridge.boundary.BoundAdapter` (fixture ``adapter``; the adapter object itself is
``built_adapter``) and closes it after each test.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import pytest

from oc_bridge.adapter import Adapter, AdapterContext
from oc_bridge.boundary import BoundAdapter
from oc_bridge.plugins.manager import check_instance_capabilities, validate_adapter_class
from oc_bridge.testing.contract import AdapterContract, WarehouseProbe, missing_fixture

__all__ = ["AdapterT", "ContractEnv", "OptionsSource", "ProbeFactory", "adapter_contract"]

AdapterT = TypeVar("AdapterT", bound=Adapter[Any])


@dataclass(frozen=True)
class ContractEnv:
    """What the option, probe and keyword builders of :func:`adapter_contract` receive.

    ``tmp_path`` is the test's own temporary folder (the adapter's ``state_dir`` is
    ``tmp_path / "state" / instance``); ``instance`` the configured instance name;
    :meth:`fixture` gives any other pytest fixture by name (a fake server, a clock).
    """

    tmp_path: Path
    instance: str
    request: pytest.FixtureRequest

    def fixture(self, name: str) -> Any:
        """The value of pytest fixture ``name`` for the running test."""
        return self.request.getfixturevalue(name)


#: The ``[adapters.<instance>]`` table: a mapping, or a function of the test's environment.
OptionsSource = Mapping[str, Any] | Callable[[ContractEnv], Mapping[str, Any]]
#: Builds the :class:`WarehouseProbe` looking into the back end the adapter talks to.
ProbeFactory = Callable[[AdapterT, ContractEnv], WarehouseProbe]




def adapter_contract(
    adapter_class: type[AdapterT],
    *,
    options: OptionsSource | None = None,
    probe: ProbeFactory[AdapterT] | None = None,
    adapter_kwargs: Callable[[ContractEnv], Mapping[str, Any]] | None = None,
    instance: str = "contract",
    consumes_shipments: bool = True,
) -> type[AdapterContract]:
    """A pytest test class running the whole contract suite against ``adapter_class``.

    ``options``: the adapter's configuration table (what an operator writes under
    ``[adapters.<instance>]``), or a function ``options(env)`` returning it, for paths under
    ``env.tmp_path`` or a fake server's URL (``env.fixture("fake").url``).
    ``probe``: ``probe(adapter, env)`` returning a :class:`WarehouseProbe` (a class whose
    ``__init__`` takes those two arguments will do).
    ``adapter_kwargs``: extra keyword arguments for the adapter's constructor (a test clock).
    ``instance``: the instance name the adapter is configured under.
    ``consumes_shipments``: True when acknowledging a pull removes its shipments from the
    source (files moved away); False for cursor sources that may return them again.

    Bind the result to a name starting with ``Test`` in a test module; subclass it to add
    tests or override a fixture. Raises ``PluginError`` at once when the class itself is not
    a valid adapter class.
    """
    validate_adapter_class(adapter_class)

    class Contract(AdapterContract):
        @pytest.fixture
        def contract_env(self, tmp_path: Path, request: pytest.FixtureRequest) -> ContractEnv:
            return ContractEnv(tmp_path=tmp_path, instance=instance, request=request)

        @pytest.fixture
        def adapter_options(self, contract_env: ContractEnv) -> Mapping[str, Any]:
            if options is None:
                missing_fixture(
                    f"the configuration of a {adapter_class.__name__}",
                    "pass options={...} (or options=lambda env: {...}) to adapter_contract()")
            return options(contract_env) if callable(options) else options

        @pytest.fixture
        def built_adapter(
            self, adapter_options: Mapping[str, Any], contract_env: ContractEnv
        ) -> Iterator[AdapterT]:
            built = build_for_contract(adapter_class, adapter_options, contract_env,
                                       adapter_kwargs)
            try:
                yield built
            finally:
                BoundAdapter(built).close()

        @pytest.fixture
        def adapter(self, built_adapter: AdapterT) -> BoundAdapter:
            return BoundAdapter(built_adapter)  # the suite calls it as oc-bridge does

        @pytest.fixture
        def warehouse(
            self, built_adapter: AdapterT, contract_env: ContractEnv
        ) -> WarehouseProbe:
            if probe is None:
                missing_fixture(
                    "a WarehouseProbe looking into the back end",
                    "pass probe=YourProbe to adapter_contract(), where YourProbe(adapter, env) "
                    "implements oc_bridge.testing.WarehouseProbe")
            return probe(built_adapter, contract_env)

    Contract.consumes_shipments = consumes_shipments
    Contract.__name__ = Contract.__qualname__ = f"Test{adapter_class.__name__}Contract"
    return Contract


def build_for_contract(
    adapter_class: type[AdapterT],
    options: Mapping[str, Any],
    env: ContractEnv,
    adapter_kwargs: Callable[[ContractEnv], Mapping[str, Any]] | None = None,
) -> AdapterT:
    """Build ``adapter_class`` the way the plugin host does: validate ``options`` with the
    class's own model (a ``SettingsError`` lists every problem), check the instance's
    capabilities, and construct it with a context whose ``state_dir`` is under
    ``env.tmp_path``."""
    config = adapter_class.parse_config(env.instance, options)
    check_instance_capabilities(adapter_class, config, env.instance)
    context = AdapterContext(
        instance=env.instance,
        state_dir=env.tmp_path / "state" / env.instance,
        logger=logging.getLogger(f"oc_bridge.adapter.{env.instance}"),
    )
    extra = dict(adapter_kwargs(env)) if adapter_kwargs is not None else {}
    return adapter_class(config, context, **extra)
