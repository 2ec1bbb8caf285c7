"""REST API of the directory: authorities and the topic tree (read-only, public)."""

from __future__ import annotations

from rest_framework import serializers, viewsets
from rest_framework.permissions import AllowAny

from stroydesk.directory import selectors
from stroydesk.directory.models import Authority, Topic


class AuthoritySerializer(serializers.ModelSerializer):
    # Plain strings in the schema: an authority without an address or a site has "" here,
    # which is no e-mail or URI to a client that checks the formats.
    email = serializers.CharField(read_only=True)
    website = serializers.CharField(read_only=True)

    class Meta:
        model = Authority
        fields = ["code", "short_name", "name", "competence", "email", "phone", "website"]


class TopicSerializer(serializers.ModelSerializer):
    # "section", not "parent": a DRF field's own `parent` attribute is its serializer.
    section: serializers.Field = serializers.SlugRelatedField(
        source="parent", slug_field="code", read_only=True, allow_null=True
    )
    authorities: serializers.Field = serializers.SlugRelatedField(
        slug_field="code", many=True, read_only=True
    )

    class Meta:
        model = Topic
        fields = ["code", "name", "section", "authorities"]


class AuthorityViewSet(viewsets.ReadOnlyModelViewSet):
    """The competent authorities of the construction complex."""

    permission_classes = [AllowAny]
    serializer_class = AuthoritySerializer
    lookup_field = "code"
    pagination_class = None

    def get_queryset(self):
        return selectors.authority_list()


class TopicViewSet(viewsets.ReadOnlyModelViewSet):
    """Topics of requests: sections (no parent) and their topics."""

    permission_classes = [AllowAny]
    serializer_class = TopicSerializer
    lookup_field = "code"
    pagination_class = None

    def get_queryset(self):
        return selectors.topic_list().prefetch_related("authorities")
