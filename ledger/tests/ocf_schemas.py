"""The official OCF 1.2.0 JSON schemas, read where they are kept (never copied into the
project): settings.OCF_SCHEMA_DIR or the environment's OCF_SCHEMA_DIR, else
<repo>/../shared/ocf-1.2.0, else /work/shared/ocf-1.2.0. Either the folder holding `schema/` or
`schema/` itself. Not found: the tests that need them FAIL (pytest.fail), they are never skipped.

Every schema file is registered under its own `$id` (draft-07, absolute ids) in a
referencing.Registry, so the files' $refs resolve to each other and nothing is fetched."""

from __future__ import annotations

import io
import json
import os
import zipfile
from functools import cache
from pathlib import Path

import pytest
from django.conf import settings
from jsonschema import Draft7Validator, FormatChecker
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT7

BASE = "https://schema.opencaptablecoalition.com/v/1.2.0/"
FILE_SCHEMAS = {
    "OCF_MANIFEST_FILE": "files/OCFManifestFile.schema.json",
    "OCF_STAKEHOLDERS_FILE": "files/StakeholdersFile.schema.json",
    "OCF_STOCK_CLASSES_FILE": "files/StockClassesFile.schema.json",
    "OCF_STOCK_LEGEND_TEMPLATES_FILE": "files/StockLegendTemplatesFile.schema.json",
    "OCF_STOCK_PLANS_FILE": "files/StockPlansFile.schema.json",
    "OCF_TRANSACTIONS_FILE": "files/TransactionsFile.schema.json",
    "OCF_VALUATIONS_FILE": "files/ValuationsFile.schema.json",
    "OCF_VESTING_TERMS_FILE": "files/VestingTermsFile.schema.json",
}


def candidates() -> list[Path]:
    named = getattr(settings, "OCF_SCHEMA_DIR", "") or os.environ.get("OCF_SCHEMA_DIR", "")
    found = [Path(named)] if named else []
    return found + [Path(settings.BASE_DIR).parent / "shared" / "ocf-1.2.0", Path("/work/shared/ocf-1.2.0")]


def schema_dir() -> Path:
    for place in candidates():
        for folder in (place / "schema", place):
            if (folder / "files" / "OCFManifestFile.schema.json").is_file():
                return folder
    pytest.fail("The official OCF 1.2.0 schemas were not found (looked in: "
                + ", ".join(str(p) for p in candidates())
                + "). Set OCF_SCHEMA_DIR to the folder of Open-Cap-Format-OCF v1.2.0 (or its schema/).")


@cache
def registry_for(folder: str) -> tuple[Registry, dict[str, dict]]:
    resources, by_id = [], {}
    for path in sorted(Path(folder).rglob("*.schema.json")):
        contents = json.loads(path.read_text(encoding="utf-8"))
        by_id[contents["$id"]] = contents
        resources.append((contents["$id"], Resource.from_contents(contents, default_specification=DRAFT7)))
    return Registry().with_resources(resources), by_id


def validator(file_type: str) -> Draft7Validator:
    registry, by_id = registry_for(str(schema_dir()))
    schema = by_id[BASE + FILE_SCHEMAS[file_type]]
    return Draft7Validator(schema, registry=registry, format_checker=FormatChecker())


def schema_errors(document: dict) -> list[str]:
    """Every error of one OCF file against the schema of its file_type."""
    check = validator(document["file_type"])
    return [f"{document['file_type']} {'/'.join(map(str, e.absolute_path))}: {e.message[:300]}"
            for e in check.iter_errors(document)]


def read_package(body: bytes) -> dict[str, dict]:
    with zipfile.ZipFile(io.BytesIO(body)) as archive:
        return {name: json.loads(archive.read(name)) for name in archive.namelist()}


def raw_files(body: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(body)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}
