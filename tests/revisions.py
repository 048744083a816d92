"""Revision coverage of a kernel group: every ONNX schema revision of its ops has a kernel.

    from revisions import check_kernel_attributes, schema_id, schemas

    @pytest.mark.parametrize("schema", schemas(GROUP_OPS), ids=schema_id)
    def test_every_revision_has_a_kernel_with_the_schema_attributes(schema):
        check_kernel_attributes(schema)
"""

from __future__ import annotations

import onnx

from refrt import registry

# The highest opset whose revisions the kernels are checked against.
UNTIL = 28


def schemas(ops: list[str], until: int = UNTIL) -> list[onnx.defs.OpSchema]:
    """Every default-domain schema revision of ``ops`` up to opset ``until``."""
    return [s for s in onnx.defs.get_all_schemas_with_history()
            if s.domain == "" and s.name in ops and s.since_version <= until]


def schema_id(schema: onnx.defs.OpSchema) -> str:
    return f"{schema.name}-{schema.since_version}"


def check_kernel_attributes(schema: onnx.defs.OpSchema) -> None:
    """The default provider has a kernel for ``schema``'s revision, taking exactly its attributes."""
    from refrt import providers

    providers.discover_all()
    entry = registry.lookup("", schema.name, schema.since_version, registry.DEFAULT_PROVIDER)
    assert entry is not None, f"no kernel for {schema.name}-{schema.since_version}"
    assert entry.attributes == set(schema.attributes), (entry.where, sorted(entry.attributes))
