"""One delivery to the WeChat sandbox, called directly: every outcome, what is recorded, what is sent."""
import pytest

from services.errors import Invalid
from services.notifications import fit_template_data


def test_an_empty_template_value_is_refused_before_any_send():
    with pytest.raises(Invalid) as refused:
        fit_template_data({"thing1": "标题", "thing2": "  "})
    assert (refused.value.code, refused.value.message) == ("template_data_invalid", "模板字段 thing2 为空")
