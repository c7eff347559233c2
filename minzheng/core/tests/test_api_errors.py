"""The API's one error format: {"error": {"code", "message", "fields"}} for every 4xx."""

import pytest
from django.core.exceptions import NON_FIELD_ERRORS
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from rest_framework import exceptions
from rest_framework.test import APIClient

from minzheng.core.api_errors import ErrorSerializer, error_responses, exception_handler, renamed_fields


def handle(exc):
    response = exception_handler(exc, {})
    assert response is not None
    assert set(response.data) == {"error"} and set(response.data["error"]) == {"code", "message", "fields"}
    return response.status_code, response.data["error"]


def test_service_validation_error_maps_message_dict_to_fields():
    status, err = handle(DjangoValidationError({"id_number": "身份证号码校验位不正确，请核对号码"}))
    assert status == 400 and err["code"] == "invalid"
    assert err["fields"] == {"id_number": ["身份证号码校验位不正确，请核对号码"]}
    assert err["message"] == "提交的数据有误：身份证号码校验位不正确，请核对号码"


def test_validation_error_without_a_field_goes_under_non_field_errors():
    assert handle(DjangoValidationError("整体有误"))[1]["fields"] == {"non_field_errors": ["整体有误"]}
    assert handle(DjangoValidationError({NON_FIELD_ERRORS: ["整体有误"]}))[1]["fields"] == {
        "non_field_errors": ["整体有误"]
    }
    assert handle(exceptions.ValidationError(["列表错误"]))[1]["fields"] == {"non_field_errors": ["列表错误"]}


def test_nested_drf_errors_are_flattened_per_top_level_field():
    status, err = handle(
        exceptions.ValidationError({"members": [{"person": ["人员不存在"]}, {"relation": ["x"]}]})
    )
    assert status == 400 and err["fields"] == {"members": ["人员不存在", "x"]}


def test_not_found_never_echoes_the_lookup():
    status, err = handle(Http404("Person matching id=42 in 市桥"))
    assert status == 404 and err == {"code": "not_found", "message": "未找到该记录", "fields": {}}


def test_permission_denied_keeps_the_services_chinese_reason():
    status, err = handle(DjangoPermissionDenied("“测试一居委会”不在您的管辖范围内"))
    assert status == 403 and err["code"] == "permission_denied"
    assert err["message"] == "“测试一居委会”不在您的管辖范围内"
    assert handle(DjangoPermissionDenied())[1]["message"] == "您没有执行该操作的权限"
    assert handle(exceptions.PermissionDenied())[1]["message"] == "您没有执行该操作的权限"


@pytest.mark.parametrize(
    ("exc", "status", "code", "message"),
    [
        (exceptions.NotAuthenticated(), 401, "not_authenticated", "请先登录或提供有效的令牌"),
        (exceptions.AuthenticationFailed(), 401, "authentication_failed", "身份验证失败"),
        (exceptions.MethodNotAllowed("DELETE"), 405, "method_not_allowed", "不支持该请求方法"),
        (exceptions.ParseError(), 400, "parse_error", "请求内容格式不正确"),
        (
            exceptions.UnsupportedMediaType("text/plain"),
            415,
            "unsupported_media_type",
            "不支持该请求内容类型",
        ),
        (exceptions.Throttled(), 429, "throttled", "请求过于频繁，请稍后再试"),
    ],
)
def test_drf_exceptions_get_chinese_messages(exc, status, code, message):
    assert handle(exc) == (status, {"code": code, "message": message, "fields": {}})


def test_unexpected_exceptions_are_left_to_django():
    assert exception_handler(ValueError("boom"), {}) is None


def test_renamed_fields_reports_service_errors_under_the_api_field_names():
    with pytest.raises(DjangoValidationError) as err, renamed_fields(person="head"):
        raise DjangoValidationError({"person": "张三已是其他家庭户的成员", "number": "户号已存在"})
    assert err.value.message_dict == {"head": ["张三已是其他家庭户的成员"], "number": ["户号已存在"]}

    with pytest.raises(DjangoValidationError) as err, renamed_fields(person="head"):
        raise DjangoValidationError("整体有误")
    assert err.value.messages == ["整体有误"]

    with renamed_fields(person="head"):
        pass


def test_error_responses_document_the_format_for_openapi():
    responses = error_responses(400, 404)
    assert set(responses) == {400, 404}
    assert all(r.response is ErrorSerializer for r in responses.values())
    assert ErrorSerializer(
        {"error": {"code": "invalid", "message": "m", "fields": {"id_number": ["x"]}}}
    ).data == {"error": {"code": "invalid", "message": "m", "fields": {"id_number": ["x"]}}}


def test_through_the_api_malformed_json_and_wrong_methods_use_the_format(cast):
    client = APIClient()
    client.force_authenticate(cast.users.town)
    response = client.post("/api/v1/persons/", data="{not json", content_type="application/json")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "parse_error"
    response = client.delete(f"/api/v1/persons/{cast.zhang.pk}/")
    assert response.status_code == 405
    assert response.json() == {
        "error": {"code": "method_not_allowed", "message": "不支持该请求方法", "fields": {}}
    }


def test_a_service_error_with_its_own_status_keeps_it():
    from rest_framework.test import APIRequestFactory
    from rest_framework.views import APIView

    class Conflict(Exception):
        code = "conflict"
        status_code = 409

    class View(APIView):
        permission_classes = []
        authentication_classes = []

        def get(self, request):
            raise Conflict("该案件已被他人处理，请刷新后重试")

    response = View.as_view()(APIRequestFactory().get("/"))
    assert response.status_code == 409
    assert response.data == {
        "error": {"code": "conflict", "message": "该案件已被他人处理，请刷新后重试", "fields": {}}
    }
