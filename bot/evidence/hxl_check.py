"""Validate an HXL export with libhxl (the Humanitarian Exchange Language's reference library).

The schema states what partners may rely on: every indicator is 0 or a count of 5 or more, ``<5`` (a
small count) or ``x`` (hidden so a small count cannot be worked out); weeks, countries and languages are
tagged. libhxl refuses local files unless asked, so the text is given to it as a file object.
"""

from __future__ import annotations

import io

SCHEMA = [
    ["#valid_tag", "#valid_required", "#valid_value+regex"],
    # 0, or 5 and more; a count of 1-4 never (it shows as <5)
    ["#indicator+num", "true", r"^(0|[5-9]|[1-9]\d+|<5|x)$"],
    ["#date+week", "true", r"^(\d{4}-W\d{2}|Total)$"],
    ["#language+code", "", r"^([a-z]{2}|\?)?$"],
]
REQUIRED_TAGS = ("#date+week", "#country+code", "#language+code", "#indicator+num+total")


def problems(text: str) -> list[str]:
    """What libhxl finds wrong with an HXL CSV (nothing: an empty list)."""
    import hxl
    import hxl.input

    found: list[str] = []
    dataset = hxl.data(io.BytesIO(text.encode("utf-8")), hxl.input.InputOptions(encoding="utf-8"))
    tags = {column.display_tag for column in dataset.columns}
    found += [f"missing column {tag}" for tag in REQUIRED_TAGS if tag not in tags]
    schema = hxl.schema(SCHEMA, callback=lambda error: found.append(f"{error.message}: {error.value!r}"))
    schema.validate(hxl.data(io.BytesIO(text.encode("utf-8")), hxl.input.InputOptions(encoding="utf-8")))
    return found
