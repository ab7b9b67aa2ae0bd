"""Registry workbooks for the tests: consortia rows with valid credit codes, made with the template."""

from review_app.services.intake import credit_codes
from review_app.services.registry.template import filled_workbook

DIVISION = {"南京市": "320100", "无锡市": "320200", "苏州市": "320500"}


def unit_code(n: int, division: str = "320500") -> str:
    """A valid credit code, different for each `n`."""
    return credit_codes.make("9", "1", division, f"{n:08d}")


def consortium_row(n: int, *, city: str = "苏州市", year: int = 2024, field: str = "集成电路", **changes) -> dict:
    row = {
        "联合体编号": f"LHT{year}{n:03d}",
        "联合体名称": f"江苏省第{n}号创新联合体",
        "技术领域": field,
        "所属设区市": city,
        "牵头单位名称": f"牵头企业{n}有限公司",
        "牵头单位统一社会信用代码": unit_code(n, DIVISION.get(city, "320500")),
        "认定年度": year,
    }
    row.update(changes)
    return row


def member_row(code: str, n: int, **changes) -> dict:
    row = {
        "联合体编号": code,
        "单位名称": f"成员单位{n}",
        "统一社会信用代码": unit_code(100000 + n),
        "单位类型": "高校",
        "所在省份": "江苏省",
        "所在城市": "南京市",
        "信用状况": "良好",
        "是否独立法人": "是",
        "资质或服务能力": "",
    }
    row.update(changes)
    return row


def registry_workbook(consortia: list[dict], members: list[dict]) -> bytes:
    return filled_workbook(consortia, members)


def small_registry(n: int = 3, members_each: int = 2) -> tuple[list[dict], list[dict]]:
    """`n` consortia in 苏州市, 无锡市 and 南京市, each with `members_each` members."""
    cities = ("苏州市", "无锡市", "南京市")
    consortia = [consortium_row(i, city=cities[i % 3]) for i in range(1, n + 1)]
    members = [member_row(c["联合体编号"], i * 10 + j) for i, c in enumerate(consortia, start=1)
               for j in range(members_each)]
    return consortia, members
