from datetime import date

import pytest
from django.core.exceptions import ValidationError

from minzheng.registry.idnumbers import id_facts, make_id_number, normalise_id_number


@pytest.mark.parametrize("number", ["11010519491231002X", "440524188001010014"])
def test_published_examples_pass(number):
    assert normalise_id_number(number) == number


def test_lower_case_x_is_normalised():
    assert normalise_id_number("11010519491231002x") == "11010519491231002X"


def test_wrong_check_character_is_refused_naming_the_field():
    with pytest.raises(ValidationError) as err:
        normalise_id_number("110105194912310021")
    assert "身份证号码" in err.value.messages[0] and "校验位" in err.value.messages[0]


@pytest.mark.parametrize(
    ("number", "fragment"),
    [
        ("110105194902300028", "出生日期"),  # 30 February
        ("990105194912310028", "省级行政区划代码"),
        ("11010519491231002", "长度"),
        ("1101051949123100AX", "格式"),
    ],
)
def test_impossible_numbers_are_refused(number, fragment):
    with pytest.raises(ValidationError) as err:
        normalise_id_number(number)
    assert fragment in err.value.messages[0]


def test_future_birth_date_is_refused():
    number = make_id_number("440113", date(2099, 1, 1), 1)
    with pytest.raises(ValidationError, match="出生日期"):
        normalise_id_number(number)


def test_fifteen_digit_numbers_are_converted():
    # 15-digit 110105491231002 → 11010519491231002 + check character X
    assert normalise_id_number("110105491231002") == "11010519491231002X"


def test_birth_date_and_sex_are_derived():
    facts = id_facts("440524188001010014")
    assert facts.birth_date == date(1880, 1, 1)
    assert facts.sex == "M"  # sequence 001 is odd
    assert id_facts("11010519491231002X").sex == "F"
