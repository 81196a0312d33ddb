"""`check-config`: print every problem of the catalogue; exit 0 only when it is valid."""
from kpi.domain.catalog import CatalogError
from kpi.domain.city import load_city
from kpi.present.texts import smart_number


def register(sub):
    p = sub.add_parser("check-config", help="kiểm tra danh mục chỉ tiêu (TOML)")
    p.set_defaults(handler=run)


def run(args, ctx):
    try:
        city = load_city(ctx.config_path)
    except CatalogError as e:
        print(str(e))
        return 1
    catalog = city.base
    if not city.single:
        print(f"Danh mục thành phố hợp lệ: {ctx.config_path} — {city.name}, {len(city.communes)} xã.")
    total = catalog.max_points
    print(f"Danh mục hợp lệ: {ctx.config_path} — {len(catalog.indicators)} chỉ tiêu, "
          f"{len(catalog.groups)} nhóm, {len(catalog.units)} đơn vị, tổng {smart_number(total)} điểm"
          + (f"; {len(catalog.milestones)} mốc theo dõi không tính điểm." if catalog.milestones else "."))
    if abs(total - 100) > 1e-9:
        print(f"Lưu ý: tổng điểm là {smart_number(total)}, không phải 100.")
    return 0
