"""What every probe writes beside its dataset file must not be taken for a dataset by `inspect`: an
observations file named like one (iot_port_observations.json beside iot_port_observations.csv) made inspect
refuse the whole folder."""

from __future__ import annotations

from pathlib import Path

import pytest

from ccaudit.evidence.templates import TemplateRegistry
from ccaudit.probes import pages, ports, site, tls
from ccaudit.settings import Settings


@pytest.mark.parametrize("name", [tls.OBSERVATIONS_FILE, ports.OBSERVATIONS_FILE, site.OBSERVATIONS_FILE,
                                  pages.OBSERVATIONS_FILE])
def test_an_observations_file_is_named_after_no_dataset(name: str) -> None:
    registry = TemplateRegistry.load(Settings().content_paths)
    assert registry.match_file(Path(name)) is None


def test_the_dataset_files_are_named_after_their_dataset() -> None:
    registry = TemplateRegistry.load(Settings().content_paths)
    for module in (tls, ports, site, pages):
        matched = registry.match_file(Path(f"{module.DATASET}.csv"))
        assert matched is not None and matched.id == module.DATASET
