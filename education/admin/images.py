from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q
from django.http import JsonResponse
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join
from simple_history.admin import SimpleHistoryAdmin

from core.admin_history import ReadableHistoryMixin
from core.admin_lookups import OfferedLookupsOnlyMixin
from education.images import Image
from education.models import Article


@admin.register(Image)
class ImageAdmin(OfferedLookupsOnlyMixin, ReadableHistoryMixin, SimpleHistoryAdmin):
    """The image library: clinicians upload, describe and reuse pictures; once stored,
    a picture's words are changed (and the picture deleted) by medical reviewers."""

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

    # The most the article editor's picker shows at once: a search narrows the rest.
    picker_limit = 24

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(lead_count=Count("lead_of"))

    def get_urls(self):
        picker = path(
            "picker/",
            self.admin_site.admin_view(self.picker_view),
            name="education_image_picker",
        )
        return [picker, *super().get_urls()]

    def picker_view(self, request):
        """The images the article editor's picker offers (image_picker.js), as JSON:
        newest first, ?q= words all found in the alt text or caption, at most
        picker_limit, with only what the picker shows."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        images = Image.objects.order_by("-uploaded", "-pk")
        for word in request.GET.get("q", "").split()[:10]:
            images = images.filter(Q(alt__icontains=word) | Q(caption__icontains=word))
        images = list(images[: self.picker_limit + 1])
        return JsonResponse(
            {
                "results": [picker_entry(image) for image in images[: self.picker_limit]],
                "more": len(images) > self.picker_limit,
            }
        )

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


def picker_entry(image):
    """One image as the editor's picker needs it: what to insert and what to show."""
    thumbnail = image.rendition(400, "WEBP") or image.rendition(400) or {}
    return {
        "id": image.pk,
        "marker": image.marker,
        "alt": image.alt,
        "caption": image.caption,
        "decorative": image.decorative,
        "thumbnail": {
            "url": image.url(400, "WEBP") or image.url(400),
            "width": thumbnail.get("width", 0),
            "height": thumbnail.get("height", 0),
        },
    }
