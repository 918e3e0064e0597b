"""The API's model serializers work their fields out once per class: the same fields as DRF's, never shared."""

from __future__ import annotations

import pytest
from django.utils import translation
from rest_framework import serializers

from deregistration.api import serializers as api_serializers

MODEL_SERIALIZERS = [
    api_serializers.ApplicationSerializer,
    api_serializers.NotificationSerializer,
    api_serializers.RegistryRecordSerializer,
    api_serializers.SlipSerializer,
]


@pytest.mark.parametrize("serializer_class", MODEL_SERIALIZERS)
def test_the_same_fields_as_drf_works_out(serializer_class):
    # In every language, whichever was active when the class first built its fields: DRF gives a field a label
    # only where its translated verbose name differs from the label its name would give.
    for language in ("en", "ru", "kk", "en"):
        with translation.override(language):
            drf = serializers.ModelSerializer.get_fields(serializer_class())
            for _ in range(2):  # the first instance builds the template, the second copies it
                fields = serializer_class().fields
                assert list(fields) == list(drf)
                assert [repr(f) for f in fields.values()] == [repr(f) for f in drf.values()]


@pytest.mark.parametrize("serializer_class", MODEL_SERIALIZERS)
def test_each_instance_has_fields_of_its_own(serializer_class):
    first, second = serializer_class(), serializer_class()
    for name in first.fields:
        assert first.fields[name] is not second.fields[name]
        assert first.fields[name].parent is first
        assert second.fields[name].parent is second
    assert all(
        template is not first.fields for template in serializer_class.__dict__["_fields_templates"].values()
    )


def test_a_subclass_keeps_a_template_of_its_own():
    class Narrower(api_serializers.SlipSerializer):
        class Meta(api_serializers.SlipSerializer.Meta):
            fields = ["number", "sha256"]
            read_only_fields = fields

    api_serializers.SlipSerializer().fields  # noqa: B018  (the parent's template first)
    assert list(Narrower().fields) == ["number", "sha256"]
    assert "verify_url" in api_serializers.SlipSerializer().fields
