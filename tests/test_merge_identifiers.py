"""A merge writes no identifier of its source into the network's audit: neither
a file name that is an e-mail address (split into words it was screened as none),
nor the source's actor (its practitioner's login name or ``CASEKIT_ACTOR``),
carried in each origin. On SQLite and PostgreSQL (``BOTH_BACKENDS``).

The network review's case: ``CASEKIT_ACTOR='kate.ward@example.org' casekit init
--db k.ward@example.org.db``, a case imported, and the store merged as a site."""

from __future__ import annotations

from pathlib import Path

import pytest

from casekit.io.pool import audit_name


@pytest.mark.parametrize(
    "name",
    ["k.ward@example.org.db", "kate-ward.db", "drward.co.uk.db", "Mary Brown.db"],
)
def test_a_store_name_the_screen_flags_is_named_by_its_hash(name):
    said = audit_name(Path("/home/x") / name, "store:" + "ab12" * 16)
    assert said == f"a store whose audit starts with row hash {'ab12' * 4}"


@pytest.mark.parametrize("name", ["own.db", "north-2025.db", "casekit.db"])
def test_a_plain_store_name_is_kept(name):
    assert audit_name(Path(name), "store:" + "ab12" * 16) == f"the store {name}"


def test_an_export_folder_named_by_an_address_is_named_by_its_hash():
    digest = "export:" + "cd34" * 16
    said = audit_name(Path("k.ward@example.org"), digest)
    assert said == f"an export folder of SHA-256 {'cd34' * 4}"
    assert audit_name(Path("north-2025"), digest) == "the export folder north-2025"
