"""Builders for the small test catalogues (imported as `from catalogs import …`): the
`[scorecard]` head and the `[[units]]` every test catalogue repeats, written once."""
from __future__ import annotations

import textwrap

from kpi.domain.catalog import Catalog, parse_catalog

GRADES_2 = ((90, "Xuất sắc"), (0, "Yếu"))
GRADES_3 = ((90, "Xuất sắc"), (50, "Trung bình"), (0, "Yếu"))


def head_toml(name: str = "Thử", commune: str = "XA", *, commune_name: str | None = None,
              grades: tuple[tuple[int, str], ...] = GRADES_2,
              units: tuple[tuple[str, str], ...] = (("A", "Đơn vị A"),)) -> str:
    """The `[scorecard]` table and the units, as TOML."""
    grade_list = ", ".join(f'{{ min = {m}, label = "{label}" }}' for m, label in grades)
    lines = ["[scorecard]", f'name = "{name}"', f'commune = "{commune}"']
    if commune_name is not None:
        lines.append(f'commune_name = "{commune_name}"')
    lines.append(f"grades = [{grade_list}]")
    for code, unit_name in units:
        lines += ["[[units]]", f'code = "{code}"', f'name = "{unit_name}"']
    return "\n".join(lines) + "\n"


def catalog_of(indicators: str, **head) -> Catalog:
    """A catalogue from its `[[indicators]]` TOML (dedented) and `head_toml`'s options."""
    return parse_catalog(head_toml(**head) + textwrap.dedent(indicators))
