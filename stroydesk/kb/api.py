"""REST API of the knowledge base, mounted at /api/v1/kb/: articles and search."""

from __future__ import annotations

from typing import Any

from django.urls import path
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import permissions, serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from stroydesk.directory.models import Authority, Topic
from stroydesk.kb import selectors, services
from stroydesk.kb.models import Article

MAX_QUERY_CHARS = 2000


class IsEditorOrReadOnly(permissions.BasePermission):
    """Anyone may read (visibility is decided per article); only editors may write."""

    message = "Only editors of the knowledge base may do this."

    def has_permission(self, request: Any, view: Any) -> bool:
        if request.method in permissions.SAFE_METHODS:
            return True
        return selectors.user_is_kb_editor(request.user)


class ArticleSerializer(serializers.ModelSerializer):
    topics: Any = serializers.SlugRelatedField(slug_field="code", many=True, read_only=True)
    authority: Any = serializers.SlugRelatedField(
        slug_field="code", read_only=True, allow_null=True
    )
    related = serializers.SerializerMethodField()
    tags = serializers.ListField(source="tag_list", child=serializers.CharField())
    url = serializers.CharField(source="get_absolute_url")
    review_due = serializers.DateTimeField()
    needs_review = serializers.BooleanField()

    class Meta:
        model = Article
        fields = [
            "slug",
            "title",
            "summary",
            "body",
            "body_html",
            "topics",
            "tags",
            "audience",
            "language",
            "authority",
            "legal_acts",
            "related",
            "reviewed_at",
            "review_due",
            "needs_review",
            "version",
            "url",
        ]
        read_only_fields = fields

    def get_related(self, article: Article) -> list[str]:
        user = self.context["request"].user
        return list(
            selectors.article_related_for(user=user, article=article).values_list("slug", flat=True)
        )


class LegalActSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=500)
    url = serializers.URLField(required=False, allow_blank=True, default="")


class ArticleCreateSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=250)
    body = serializers.CharField(max_length=services.MAX_BODY_CHARS)
    slug = serializers.SlugField(max_length=100, required=False, allow_blank=True, default="")
    summary = serializers.CharField(max_length=400, required=False, allow_blank=True, default="")
    tags = serializers.ListField(
        child=serializers.CharField(max_length=100), required=False, default=list
    )
    audience = serializers.ChoiceField(Article.Audience.choices, default=Article.Audience.PUBLIC)
    language = serializers.ChoiceField(Article.Language.choices, default=Article.Language.RU)
    authority = serializers.SlugRelatedField(
        slug_field="code", queryset=Authority.objects.all(), required=False, allow_null=True
    )
    topics = serializers.SlugRelatedField(
        slug_field="code", queryset=Topic.objects.all(), many=True, required=False, default=list
    )
    legal_acts = LegalActSerializer(many=True, required=False, default=list)
    related = serializers.SlugRelatedField(
        slug_field="slug", queryset=Article.objects.all(), many=True, required=False, default=list
    )


class ArticleCreateView(APIView):
    permission_classes = [IsEditorOrReadOnly]

    @extend_schema(request=ArticleCreateSerializer, responses={201: ArticleSerializer})
    def post(self, request: Request) -> Response:
        """Write a new article (editors: supervisors, administrators, kb.edit_kb holders)."""
        serializer = ArticleCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        article = services.article_create(
            data=services.ArticleData(
                title=data["title"],
                body=data["body"],
                summary=data["summary"],
                tags=", ".join(data["tags"]),
                audience=data["audience"],
                language=data["language"],
                authority=data.get("authority"),
                topics=list(data["topics"]),
                legal_acts=[dict(a) for a in data["legal_acts"]],
                related=list(data["related"]),
            ),
            by=request.user,
            slug=data["slug"],
        )
        body = ArticleSerializer(article, context={"request": request}).data
        return Response(body, status=status.HTTP_201_CREATED)


class ArticleDetailView(APIView):
    permission_classes = [permissions.AllowAny]

    @extend_schema(responses={200: ArticleSerializer})
    def get(self, request: Request, slug: str) -> Response:
        """One article; internal articles exist only for staff (404 for everyone else)."""
        article = selectors.article_get_for(user=request.user, slug=slug)
        return Response(ArticleSerializer(article, context={"request": request}).data)


class SearchQuerySerializer(serializers.Serializer):
    q = serializers.CharField(max_length=MAX_QUERY_CHARS, allow_blank=True, trim_whitespace=True)
    limit = serializers.IntegerField(min_value=1, max_value=50, default=10)
    topic = serializers.SlugRelatedField(
        slug_field="code", queryset=Topic.objects.all(), required=False
    )


class SearchView(APIView):
    permission_classes = [permissions.AllowAny]

    @extend_schema(
        parameters=[
            OpenApiParameter("q", str, required=True, description="The question, any word forms"),
            OpenApiParameter("limit", int, description="1–50, default 10"),
            OpenApiParameter("topic", str, description="Topic code to narrow to"),
        ],
        responses={
            200: inline_serializer(
                "KbSearchResults",
                {
                    "results": inline_serializer(
                        "KbSearchHit",
                        {
                            "slug": serializers.CharField(),
                            "title": serializers.CharField(),
                            "snippet": serializers.CharField(),
                            "score": serializers.FloatField(),
                        },
                        many=True,
                    ),
                    "corrections": serializers.DictField(child=serializers.CharField()),
                },
            )
        },
    )
    def get(self, request: Request) -> Response:
        """Articles answering the query, best first; the snippet is HTML with <mark> matches."""
        params = SearchQuerySerializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        query = params.validated_data["q"]
        results = selectors.article_search(
            query,
            user=request.user,
            limit=params.validated_data["limit"],
            topic=params.validated_data.get("topic"),
        )
        if query and not results:
            services.search_miss_record(query=query)
        hits = [
            {"slug": h.slug, "title": h.title, "snippet": str(h.snippet), "score": h.score}
            for h in results
        ]
        return Response({"results": hits, "corrections": results.corrections})


urlpatterns = [
    path("articles/", ArticleCreateView.as_view(), name="kb-article-create"),
    path("articles/<slug:slug>/", ArticleDetailView.as_view(), name="kb-article-detail"),
    path("search/", SearchView.as_view(), name="kb-search"),
]
