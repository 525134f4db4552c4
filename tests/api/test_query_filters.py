"""List filters read from the query string: a query naming no filter is answered without running
the filter serializer, and the answer is the same as running it (mahalleh.api.base.valid_input)."""

from types import SimpleNamespace

import pytest
from django.http import QueryDict
from rest_framework import exceptions, serializers

from mahalleh.api import base


class PlainFilters(serializers.Serializer):
    q = serializers.CharField(required=False, max_length=5)
    household = base.IdField(required=False)


class DefaultedFilters(serializers.Serializer):
    overdue = serializers.BooleanField(required=False, default=False)


class YesNoFilters(serializers.Serializer):
    current = serializers.BooleanField(required=False)  # absent from a query string: false


class WholeChecked(serializers.Serializer):
    q = serializers.CharField(required=False)

    def validate(self, attrs):
        raise serializers.ValidationError("always asked")


def _query(text: str):
    return SimpleNamespace(query_params=QueryDict(text))


def _asked(serializer_class, text: str):
    data = serializer_class(data=QueryDict(text), context={base.QUERY_PARAMETERS: True})
    data.is_valid(raise_exception=True)
    return dict(data.validated_data)


@pytest.mark.parametrize("text", ["", "page_size=20", "cursor=abc&page_size=5", "q=ab", "household=7&q="])
@pytest.mark.parametrize("serializer_class", [PlainFilters, DefaultedFilters, YesNoFilters])
def test_the_filters_are_what_the_serializer_gives(serializer_class, text):
    assert base.valid_input(serializer_class, _query(text), query=True) == _asked(serializer_class, text)


def test_a_query_naming_no_filter_skips_the_serializer_only_where_that_is_the_same(monkeypatch):
    for serializer_class in (PlainFilters, DefaultedFilters, YesNoFilters, WholeChecked):
        base._names_a_filter(serializer_class, {})  # what each reads is learnt once, unpatched
    built = []
    monkeypatch.setattr(serializers.Serializer, "is_valid", lambda self, **kw: built.append(self) or True)
    monkeypatch.setattr(serializers.Serializer, "validated_data", {"asked": True}, raising=False)
    assert base.valid_input(PlainFilters, _query("page_size=20&cursor=x"), query=True) == {}
    assert built == []
    for serializer_class in (DefaultedFilters, YesNoFilters, WholeChecked):
        base.valid_input(serializer_class, _query("page_size=20"), query=True)
    assert [type(s) for s in built] == [DefaultedFilters, YesNoFilters, WholeChecked]


def test_a_bad_filter_is_still_refused():
    with pytest.raises(exceptions.ValidationError) as refused:
        base.valid_input(PlainFilters, _query("page_size=20&household=0"), query=True)
    assert "household" in refused.value.detail
    with pytest.raises(exceptions.ValidationError):
        base.valid_input(WholeChecked, _query("page_size=20"), query=True)
