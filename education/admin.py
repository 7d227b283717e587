from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django_prose_editor.widgets import (
    AdminProseEditorWidget,
    prose_editor_admin_media,
    prose_editor_js,
)
from js_asset import Media, Script
from simple_history.admin import SimpleHistoryAdmin

from core.admin_history import ReadableHistoryMixin
from core.admin_lookups import OfferedLookupsOnlyMixin
from education.images import Image
from education.models import Article, Clinician, EmergencyNotice, Topic


class ArticleBodyWidget(AdminProseEditorWidget):
    """The prose editor, started by education/article_editor.js instead of the
    package's own script: that one lets Tiptap inject a <style> element, which the
    site's Content-Security-Policy (style-src 'self') refuses."""

    @property
    def media(self):
        return prose_editor_admin_media + Media(
            css={"all": ["education/article_editor.css"]},
            js=[prose_editor_js, Script("education/article_editor.js", type="module")],
        )


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


@admin.register(Topic)
class TopicAdmin(OfferedLookupsOnlyMixin, admin.ModelAdmin):
    list_display = ("name", "slug", "article_count")
    search_fields = ("name", "description")
    prepopulated_fields = {"slug": ("name",)}

    def get_queryset(self, request):
        return super().get_queryset(request).with_article_counts()

    @admin.display(description="published articles", ordering="article_count")
    def article_count(self, topic):
        return topic.article_count


@admin.register(Clinician)
class ClinicianAdmin(OfferedLookupsOnlyMixin, admin.ModelAdmin):
    list_display = ("name", "credentials", "title", "user")
    search_fields = ("name", "credentials", "title")
    list_select_related = ("user",)

    def get_readonly_fields(self, request, obj=None):
        # Linking staff accounts is the practice manager's job.
        return () if request.user.is_superuser else ("user",)


@admin.register(EmergencyNotice)
class EmergencyNoticeAdmin(OfferedLookupsOnlyMixin, ReadableHistoryMixin, SimpleHistoryAdmin):
    """One notice for the whole site: it can be changed, never added twice or deleted."""

    list_display = ("heading", "article", "updated")
    fields = ("heading", "text", "article", "link_text")

    def has_add_permission(self, request):
        return super().has_add_permission(request) and not EmergencyNotice.objects.exists()

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Image)
class ImageAdmin(OfferedLookupsOnlyMixin, admin.ModelAdmin):
    """The image library: clinicians upload, describe and reuse pictures."""

    list_display = ("thumbnail", "description", "marker_text", "size", "lead_count", "uploaded")
    list_display_links = ("thumbnail", "description")
    search_fields = ("alt", "caption", "credit")
    list_filter = ("decorative",)
    list_per_page = 50
    fields = (
        "file",
        "preview",
        "alt",
        "decorative",
        "caption",
        "credit",
        "marker_text",
        "size",
        "used_in",
    )
    readonly_fields = ("preview", "marker_text", "size", "used_in")

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(lead_count=Count("lead_of"))

    def get_fields(self, request, obj=None):
        if obj is None:  # nothing to show about an image not yet uploaded
            return ("file", "alt", "decorative", "caption", "credit")
        return self.fields

    def get_readonly_fields(self, request, obj=None):
        # A stored image keeps its file: upload a new image instead, so every article
        # using this one keeps the picture its alt text describes.
        return (*self.readonly_fields, "file") if obj else ()

    @admin.display(description="image")
    def thumbnail(self, image):
        return format_html(
            '<img src="{}" width="120" height="{}" alt="" class="image-thumbnail">',
            image.url(400),
            round(120 * image.height / image.width) if image.width else 80,
        )

    @admin.display(description="preview")
    def preview(self, image):
        return format_html(
            '<img src="{}" width="400" height="{}" alt="">',
            image.url(800),
            round(400 * image.height / image.width) if image.width else 300,
        )

    @admin.display(description="alt text or caption", ordering="alt")
    def description(self, image):
        return str(image)

    @admin.display(description="marker for article bodies")
    def marker_text(self, image):
        return format_html("<code>{}</code>", image.marker)

    @admin.display(description="size in pixels")
    def size(self, image):
        return f"{image.width} by {image.height} ({image.format})"

    @admin.display(description="lead image of", ordering="lead_count")
    def lead_count(self, image):
        return f"{image.lead_count} article(s)"

    @admin.display(description="used in")
    def used_in(self, image):
        articles = (
            Article.objects.filter(Q(lead_image=image) | Q(body__contains=f"[image {image.pk}]"))
            .only("pk", "title", "lead_image_id")
            .order_by("title")
        )
        if not articles:
            return "Not used in any article yet."
        return format_html(
            "<ul>{}</ul>",
            format_html_join(
                "",
                '<li><a href="{}">{}</a> ({})</li>',
                (
                    (
                        reverse("admin:education_article_change", args=[article.pk]),
                        article.title,
                        "lead image" if article.lead_image_id == image.pk else "in the text",
                    )
                    for article in articles
                ),
            ),
        )
