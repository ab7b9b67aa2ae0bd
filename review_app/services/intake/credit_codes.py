"""Unified social credit codes (统一社会信用代码, GB 32100-2015).

18 characters: registration authority (1), organisation category (1), administrative division (6),
organisation code (9, GB 11714 with its own check character), and a check character over the first 17.
"""

import re

ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"  # no I, O, S, V, Z
WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
ORG_CODE_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)
PATTERN = re.compile(r"^[1-9A-HJ-NPQRTUWXY]{2}\d{6}[0-9A-HJ-NPQRTUWXY]{10}$")


def check_character(first17: str) -> str:
    """The 18th character for the given first 17."""
    total = sum(ALPHABET.index(c) * w for c, w in zip(first17, WEIGHTS, strict=True))
    return ALPHABET[(31 - total % 31) % 31]


def org_code_check_character(body8: str) -> str:
    """The 9th character of the embedded organisation code (GB 11714): digits, then X for 10."""
    total = sum(int(c, 36) * w for c, w in zip(body8, ORG_CODE_WEIGHTS, strict=True))
    value = (11 - total % 11) % 11
    return "X" if value == 10 else str(value)


def problem(code: str) -> str | None:
    """Why `code` is not a valid credit code, or None when it is. The reason is in English, as a
    key: 'length', 'characters', 'org_code_check' or 'check'."""
    if len(code) != 18:
        return "length"
    if not PATTERN.match(code):
        return "characters"
    if org_code_check_character(code[8:16]) != code[16]:
        return "org_code_check"
    if check_character(code[:17]) != code[17]:
        return "check"
    return None


def is_valid(code: str) -> bool:
    """True for a well-formed code with both check characters right.

    >>> is_valid("91110000802100433B"), is_valid("91110000802100433C")
    (True, False)
    """
    return problem(code) is None


def make(authority: str, category: str, division: str, org_body: str) -> str:
    """Build a valid code from its parts (used by the demo data and the tests)."""
    first17 = authority + category + division + org_body + org_code_check_character(org_body)
    return first17 + check_character(first17)
