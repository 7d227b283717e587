from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.html import format_html
from simple_history.admin import SimpleHistoryAdmin

from core.admin_history import ReadableHistoryMixin
from core.admin_lookups import OfferedLookupsOnlyMixin
from education.admin.widgets import ArticleBodyWidget
from education.models import Article, Clinician


class ReviewDueFilter(admin.SimpleListFilter):
    title = "review due"
    parameter_name = "review_due"

    def lookups(self, request, model_admin):
        return [("yes", "Review due"), ("no", "Reviewed in the last 12 months")]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.review_due()
        if self.value() == "no":
            return queryset.exclude(pk__in=queryset.review_due().values("pk"))
        return queryset


@admin.register(Article)
class ArticleAdmin(OfferedLookupsOnlyMixin, ReadableHistoryMixin, SimpleHistoryAdmin):
    list_display = (
        "title",
        "status_label",
        "topic_names",
        "reviewer",
        "reviewed_on",
        "review_is_due",
        "updated",
    )
    list_filter = ("status", ReviewDueFilter, "topics", "reviewer", "featured")
    list_select_related = ("reviewer",)
    search_fields = ("title", "summary", "body")
    raw_id_fields = ("lead_image",)
    date_hierarchy = "publish_at"
    prepopulated_fields = {"slug": ("title",)}
    actions = ("publish_selected", "unpublish_selected")
    object_history_list_template = "education/admin/article_history_list.html"

    class Media:
        css = {"all": ["education/admin.css"]}

    fieldsets = (
        (None, {"fields": ("title", "slug", "summary", "lead_image", "body", "topics")}),
        (
            "Medical review",
            {
                "fields": ("author", "reviewer", "reviewed_on", "sources"),
                "description": (
                    "An article can only be published once a clinician has checked it: "
                    "choose the medical reviewer and enter the date of the review. "
                    "Check the facts against the sources listed here before signing off."
                ),
            },
        ),
        ("Publishing", {"fields": ("status", "publish_at", "featured")}),
        ("Readability", {"fields": ("readability", "created", "updated")}),
    )

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("topics")

    def get_history_queryset(self, request, history_manager, pk_name, object_id):
        history = super().get_history_queryset(request, history_manager, pk_name, object_id)
        return history.select_related("history_user", "reviewer")

    def get_readonly_fields(self, request, obj=None):
        readonly = ["readability", "created", "updated"]
        if not self.has_publish_permission(request):
            readonly.append("status")
        return readonly

    def get_changeform_initial_data(self, request):
        # A clinician writing a new article is usually its author.
        initial = super().get_changeform_initial_data(request)
        clinician = Clinician.objects.filter(user=request.user).first()
        if clinician:
            initial.setdefault("author", clinician.pk)
        return initial

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if db_field.name == "body":
            kwargs["widget"] = ArticleBodyWidget
        elif db_field.name == "summary":
            kwargs["widget"] = forms.Textarea(attrs={"rows": 3, "class": "vLargeTextField"})
        elif db_field.name == "title":
            kwargs["widget"] = forms.TextInput(attrs={"class": "vLargeTextField"})
        return super().formfield_for_dbfield(db_field, request, **kwargs)

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if db_field.name == "topics":
            kwargs["widget"] = forms.CheckboxSelectMultiple
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    def has_publish_permission(self, request):
        return request.user.has_perm("education.publish_article")

    @admin.display(description="status", ordering="status")
    def status_label(self, article):
        if article.is_scheduled:
            local = timezone.localtime(article.publish_at)
            return f"Scheduled for {local:%b %-d, %Y %-I:%M %p}"
        return article.get_status_display()

    @admin.display(description="topics")
    def topic_names(self, article):
        return ", ".join(topic.name for topic in article.topics.all())

    @admin.display(description="review due")
    def review_is_due(self, article):
        # Words, not the boolean icons: a red cross would read as "something is wrong"
        # on exactly the articles that are fine.
        if article.reviewed_on is None:
            return "Due: never reviewed"
        if article.review_due:
            return "Due: over 12 months ago"
        return ""

    @admin.display(description="reading level")
    def readability(self, article):
        if not article.body:
            return "Save the article to see its length and reading level."
        grade = article.grade_level
        advice = " (aim for 8 or lower)" if grade > 8 else ""
        return format_html(
            "{} words · about {} min to read · Flesch-Kincaid grade {}{}",
            article.word_count,
            article.reading_minutes,
            f"{grade:.1f}",
            advice,
        )

    @admin.action(description="Publish selected articles", permissions=["publish"])
    def publish_selected(self, request, queryset):
        published, refused = 0, []
        for article in queryset.filter(status=Article.Status.DRAFT):
            try:
                article.publish()
            except ValidationError:
                refused.append(article.title)
            else:
                published += 1
        if published:
            self.message_user(request, f"Published {published} article(s).", messages.SUCCESS)
        if refused:
            self.message_user(
                request,
                "Not published, clinical review is required first (medical reviewer "
                "and review date): " + "; ".join(refused),
                messages.ERROR,
            )

    @admin.action(description="Unpublish selected articles", permissions=["publish"])
    def unpublish_selected(self, request, queryset):
        articles = list(queryset.filter(status=Article.Status.PUBLISHED))
        for article in articles:
            article.unpublish()
        self.message_user(request, f"Unpublished {len(articles)} article(s).", messages.SUCCESS)
