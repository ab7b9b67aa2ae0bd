"""Unified social credit codes (GB 32100-2015), with the embedded organisation code (GB 11714)."""

from hypothesis import given
from hypothesis import strategies as st

from review_app.services.intake import credit_codes

KNOWN_VALID = ["91110000802100433B", "91320100MA1M11103J"]


def test_known_valid_codes():
    for code in KNOWN_VALID:
        assert credit_codes.problem(code) is None, code


def test_each_kind_of_bad_code_is_named():
    assert credit_codes.problem("9132010") == "length"
    assert credit_codes.problem("91320100MA1M1110IJ") == "characters"  # I is not in the alphabet
    assert credit_codes.problem("9132010OMA1M11103J") == "characters"  # letters in the division code
    assert credit_codes.problem("91110000802100434B") == "org_code_check"
    assert credit_codes.problem("91110000802100433C") == "check"


BODY = st.text(alphabet="0123456789ABCDEFGHJKLMNPQRTUWXY", min_size=8, max_size=8)


@given(BODY, st.sampled_from(["320100", "320500", "310000"]))
def test_made_codes_are_valid_and_any_single_change_is_caught(body, division):
    code = credit_codes.make("9", "1", division, body)
    assert credit_codes.is_valid(code)
    for position in (3, 10, 17):
        for replacement in "0A":
            changed = code[:position] + replacement + code[position + 1 :]
            if changed != code:
                assert not credit_codes.is_valid(changed)
