"""The image library: uploads checked, cleaned and cut into renditions once, at upload.

An upload is accepted only if Pillow decodes it as JPEG, PNG or WebP (its name and
extension count for nothing), within IMAGE_UPLOAD_MAX_BYTES and IMAGE_MAX_PIXELS, and
only if every rendition can be made from it: they are all made in memory while the
form is checked, so a picture that cannot be shown is a form error and nothing is
written. It is re-encoded without any metadata (EXIF with GPS, XMP, IPTC, JPEG
comments, PNG text chunks; an ICC colour profile is applied to the pixels, which become
sRGB, and dropped), turned upright first (ImageOps.exif_transpose), and stored under a
random name through Django's storage API, with renditions at RENDITION_WIDTHS in WebP
and in the original format. What the pages need (each rendition's name and size) is
kept on the row as JSON, so rendering an image costs no query of its own and never
touches the files.

Articles place a library image in their body with a marker on a line of its own,
``[image 12]``; the sanitiser (education/sanitize.py) turns ``<img data-image-id="12">``
into the same marker and drops every other <img>.
"""

import contextlib
import io
import re
import uuid
import warnings

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import models, transaction
from django.db.models.signals import post_delete
from django.dispatch import receiver
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from PIL import Image as PILImage
from PIL import ImageCms, ImageOps, UnidentifiedImageError

from core import edge_cache
from core.history import kept_history
from core.site import absolute_url

RENDITION_WIDTHS = (400, 800, 1200)
FORMATS = {
    "JPEG": ("jpg", "image/jpeg"),
    "PNG": ("png", "image/png"),
    "WEBP": ("webp", "image/webp"),
}
UPLOAD_DIR = "education/images"

# The `sizes` of each place an image is shown (the Bootstrap container and columns).
SIZES_ARTICLE = (
    "(min-width: 1200px) 672px, (min-width: 992px) 616px, (min-width: 768px) 672px, "
    "(min-width: 576px) 516px, calc(100vw - 24px)"
)
SIZES_CARD = (
    "(min-width: 1400px) 416px, (min-width: 1200px) 356px, (min-width: 992px) 296px, "
    "(min-width: 768px) 336px, (min-width: 576px) 516px, calc(100vw - 24px)"
)

MARKER = re.compile(r"<p>\s*\[image (\d{1,9})\]\s*</p>")


def max_bytes():
    return getattr(settings, "IMAGE_UPLOAD_MAX_BYTES", 10 * 1024 * 1024)


def max_pixels():
    return getattr(settings, "IMAGE_MAX_PIXELS", 40_000_000)


def read_upload(upload):
    """The upload decoded and upright, or ValidationError with words a clinician can act on.

    Returns (PIL image, format name)."""
    size = getattr(upload, "size", None)
    if size is not None and size > max_bytes():
        raise ValidationError(
            f"This file is {size / 1_048_576:.1f} MB; the limit is "
            f"{max_bytes() // 1_048_576} MB. Save a smaller copy and upload that.",
            code="too_large",
        )
    not_an_image = ValidationError(
        "This file is not a JPEG, PNG or WebP image (whatever its name says). "
        "Export the picture as JPEG, PNG or WebP and upload that.",
        code="not_an_image",
    )
    too_many_pixels = ValidationError(
        f"This picture is too large in pixels (the limit is {max_pixels() // 1_000_000} "
        "megapixels). Resize it and upload it again.",
        code="too_many_pixels",
    )
    data = upload.read()
    upload.seek(0)
    if len(data) > max_bytes():
        raise ValidationError(f"The limit is {max_bytes() // 1_048_576} MB.", code="too_large")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", PILImage.DecompressionBombWarning)
            probe = PILImage.open(io.BytesIO(data), formats=list(FORMATS))
            if probe.width * probe.height > max_pixels():
                raise too_many_pixels
            probe.verify()  # structure and checksums, without decoding the pixels
            image = PILImage.open(io.BytesIO(data), formats=list(FORMATS))
            image_format = image.format
            image.load()
    except (PILImage.DecompressionBombError, PILImage.DecompressionBombWarning):
        raise too_many_pixels from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError):
        raise not_an_image from None
    if image_format not in FORMATS:
        raise not_an_image
    image = ImageOps.exif_transpose(image)
    return without_metadata(image), image_format


SRGB = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB"))


def without_metadata(image):
    """The pixels alone. Pillow copies some of what it read into what it writes (a
    JPEG's comment, a PNG's ICC profile), so nothing read is kept: a colour profile is
    applied to the pixels first (they become sRGB, what browsers assume), and a
    palette's transparency is made an alpha channel."""
    if image.mode == "P" or "transparency" in image.info:
        image = image.convert("RGBA")
    icc = image.info.get("icc_profile")
    if icc and image.mode in ("RGB", "RGBA", "CMYK"):
        # A broken profile: the pixels as they are, without it.
        with contextlib.suppress(ImageCms.PyCMSError, OSError, ValueError):
            image = ImageCms.profileToProfile(
                image,
                ImageCms.ImageCmsProfile(io.BytesIO(icc)),
                SRGB,
                outputMode="RGBA" if image.mode == "RGBA" else "RGB",
            )
    image.info = {}
    return image


def encode(image, image_format):
    """The image as bytes in this format, with no metadata: the image carries none
    (without_metadata) and nothing is asked for."""
    out = io.BytesIO()
    if image_format == "JPEG":
        if image.mode not in ("RGB", "L"):
            image = image.convert("RGB")
        image.save(out, "JPEG", quality=82, optimize=True, progressive=True)
    elif image_format == "PNG":
        image.save(out, "PNG", optimize=True)
    else:
        if image.mode not in ("RGB", "RGBA"):
            image = image.convert("RGBA" if "A" in image.getbands() else "RGB")
        image.save(out, "WEBP", quality=80, method=4)
    return out.getvalue()


def make_renditions(image, image_format):
    """The cleaned original and every rendition, encoded in memory: (original bytes,
    [{width, height, format, data}]). ValidationError if any cannot be made (WebP, for
    one, takes at most 16383 pixels a side: a 1 by 100000 picture has no WebP)."""
    try:
        original = encode(image, image_format)
        widths = sorted(
            {w for w in RENDITION_WIDTHS if w < image.width}
            | {min(image.width, RENDITION_WIDTHS[-1])}
        )
        renditions = []
        for width in widths:
            height = max(1, round(image.height * width / image.width))
            resized = (
                image if width == image.width else image.resize((width, height), PILImage.LANCZOS)
            )
            for fmt in dict.fromkeys(("WEBP", image_format)):
                renditions.append(
                    {"width": width, "height": height, "format": fmt, "data": encode(resized, fmt)}
                )
    except (OSError, ValueError) as error:
        raise ValidationError(
            f"This picture cannot be made into the sizes the site shows ({image.width} by "
            f"{image.height} pixels; it may be too long or too narrow). Crop or resize it "
            "and upload it again.",
            code="no_renditions",
        ) from error
    return original, renditions


def prepare_upload(upload):
    """An upload checked, cleaned and made into its renditions, all in memory:
    (PIL image, format, made by make_renditions). ValidationError otherwise."""
    image, image_format = read_upload(upload)
    return image, image_format, make_renditions(image, image_format)


def store_renditions(made, image_format, key):
    """Write the original and renditions (from make_renditions) under ``key``; returns
    what the row keeps. If a write fails, what was written is removed."""
    original_data, made_renditions = made
    written = []
    try:
        original = default_storage.save(
            f"{UPLOAD_DIR}/{key}.{FORMATS[image_format][0]}", ContentFile(original_data)
        )
        written.append(original)
        renditions = []
        for rendition in made_renditions:
            name = default_storage.save(
                f"{UPLOAD_DIR}/{key}-{rendition['width']}.{FORMATS[rendition['format']][0]}",
                ContentFile(rendition["data"]),
            )
            written.append(name)
            renditions.append(
                {
                    "width": rendition["width"],
                    "height": rendition["height"],
                    "format": rendition["format"],
                    "name": name,
                    "bytes": len(rendition["data"]),
                }
            )
    except BaseException:
        delete_files(written)
        raise
    return original, renditions


class Image(models.Model):
    """A picture in the library, with the words that go with it."""

    file = models.FileField(
        "image file",
        upload_to=UPLOAD_DIR,
        max_length=255,
        help_text="A JPEG, PNG or WebP photo or diagram, at most 10 MB. It is checked, "
        "cleaned of hidden data (camera, place) and made in several sizes when you save.",
    )
    alt = models.CharField(
        "alt text",
        max_length=250,
        blank=True,
        help_text="Describe the picture for someone who cannot see it: what it shows that "
        'matters to the article, in one plain sentence ("Side view of the lower spine, the '
        'facet joints circled"). Don\'t start with "Image of" and don\'t repeat the caption.',
    )
    decorative = models.BooleanField(
        "decorative only",
        default=False,
        help_text="Tick only if the picture adds nothing a reader would miss (a texture, an "
        "ornament). Screen readers then skip it and the alt text may be empty.",
    )
    caption = models.CharField(max_length=300, blank=True, help_text="Shown under the picture.")
    credit = models.CharField(
        "credit and licence",
        max_length=300,
        blank=True,
        help_text='Who made it and under what terms, e.g. "Drawn by the clinic" or "Photo: '
        'A. Smith, CC BY 4.0".',
    )
    width = models.PositiveIntegerField(editable=False, default=0)
    height = models.PositiveIntegerField(editable=False, default=0)
    format = models.CharField(max_length=4, editable=False, blank=True)
    renditions = models.JSONField(editable=False, default=list)
    uploaded = models.DateTimeField(auto_now_add=True)

    # Who changed the words patients read with the picture (medical reviewers only).
    history = kept_history(excluded_fields=["renditions"])

    # Uploads are stored under random names. Code that must find its own image again
    # (the starter diagrams, education/starter_diagrams.py) sets a key to name the
    # files after instead, before the first save; it is not a column.
    file_key = None
    # (upload, prepare_upload's result) once clean() has checked an upload, so save()
    # stores what was checked without making it again.
    prepared_upload = None

    class Meta:
        ordering = ["-uploaded"]
        verbose_name = "image"

    def __str__(self):
        return self.alt or self.caption or f"Decorative image {self.pk}"

    def save(self, *args, **kwargs):
        self.alt = self.alt.strip()
        if self.decorative:
            self.alt = ""
        if self.file and not self.file._committed:
            # A new upload: as clean() made it, or made here (the shell and imports
            # skip full_clean), then stored under a random name with its renditions.
            upload, prepared = self.prepared_upload or (None, None)
            if upload is not self.file.file:
                prepared = prepare_upload(self.file)
            image, image_format, made = prepared
            key = self.file_key or uuid.uuid4().hex
            original, renditions = store_renditions(made, image_format, key)
            old_files = self.stored_names() if self.pk else []
            self.file.name = original
            self.file._committed = True
            self.prepared_upload = None
            self.width, self.height = image.size
            self.format = image_format
            self.renditions = renditions
            try:
                super().save(*args, **kwargs)
            except BaseException:
                delete_files([original, *(r["name"] for r in renditions)])
                raise
            if old_files:
                transaction.on_commit(lambda: delete_files(old_files))
            return
        super().save(*args, **kwargs)

    def clean(self):
        if not self.decorative and not self.alt.strip():
            raise ValidationError(
                {
                    "alt": "Describe the picture for someone who cannot see it, or tick "
                    '"decorative only" if it adds nothing a reader would miss.'
                }
            )
        if self.file and not self.file._committed:
            try:
                self.prepared_upload = (self.file.file, prepare_upload(self.file))
            except ValidationError as error:
                raise ValidationError({"file": error.messages}) from None

    @property
    def marker(self):
        """What to type, on a line of its own, to place this image in an article body."""
        return f"[image {self.pk}]"

    def stored_names(self):
        names = [r["name"] for r in self.renditions]
        if self.file:
            names.append(self.file.name)
        return names

    # What pages show.

    def sources(self, fmt):
        return [r for r in self.renditions if r["format"] == fmt]

    def rendition(self, width=800, fmt=None):
        """The smallest rendition at least `width` wide (or the largest), in `fmt`
        (the original format by default)."""
        choices = self.sources(fmt or self.format)
        if not choices:
            return None
        return next((r for r in choices if r["width"] >= width), choices[-1])

    def url(self, width=800, fmt=None):
        rendition = self.rendition(width, fmt)
        return default_storage.url(rendition["name"]) if rendition else ""

    def public_url(self, width=1200, fmt=None):
        """The rendition's address for feeds and search engines: absolute, from
        SITE_URL (or MEDIA_URL when the media are on another host)."""
        url = self.url(width, fmt)
        return url if url.startswith(("https://", "http://")) or not url else absolute_url(url)

    def srcset(self, fmt):
        return ", ".join(
            f"{default_storage.url(r['name'])} {r['width']}w" for r in self.sources(fmt)
        )

    def picture(self, sizes=SIZES_ARTICLE, *, lazy=True, css_class=""):
        """A <picture>: WebP first, the original format as fallback, each at every
        width; the <img> has width and height (nothing shifts) and is lazy unless it is
        on the first screen."""
        largest = self.rendition(RENDITION_WIDTHS[-1])
        if largest is None:
            return ""
        webp = ""
        if self.format != "WEBP":
            webp = format_html(
                '<source type="image/webp" srcset="{}" sizes="{}">', self.srcset("WEBP"), sizes
            )
        return format_html(
            '<picture>{}<img src="{}" srcset="{}" sizes="{}" width="{}" height="{}" alt="{}"'
            '{} decoding="async"{}></picture>',
            webp,
            self.url(800),
            self.srcset(self.format),
            sizes,
            largest["width"],
            largest["height"],
            "" if self.decorative else self.alt,
            mark_safe(' loading="lazy"') if lazy else mark_safe(' fetchpriority="high"'),
            format_html(' class="{}"', css_class) if css_class else "",
        )

    def figure(self, sizes=SIZES_ARTICLE, *, lazy=True):
        """The picture with its caption and credit, as a <figure>."""
        words = format_html_join(
            " ",
            '<span class="{}">{}</span>',
            [
                (cls, text)
                for cls, text in (("", self.caption), ("image-credit", self.credit))
                if text
            ],
        )
        caption = format_html("<figcaption>{}</figcaption>", words) if words else ""
        return format_html(
            '<figure class="library-image">{}{}</figure>', self.picture(sizes, lazy=lazy), caption
        )


def delete_files(names):
    for name in names:
        default_storage.delete(name)


@receiver(post_delete, sender=Image, dispatch_uid="education-image-files")
def remove_files(sender, instance, **kwargs):
    names = instance.stored_names()
    transaction.on_commit(lambda: delete_files(names))


# An image's words (alt, caption) are on the pages the edge keeps.
edge_cache.purge_when_changed(Image)


def existing_ids(ids):
    """Which of these ids are library images (one query; none for no ids)."""
    ids = {int(i) for i in ids}
    if not ids:
        return set()
    return set(Image.objects.filter(pk__in=ids).values_list("pk", flat=True))


def render_body_images(html, *, lazy=True):
    """Replace each ``[image N]`` paragraph of cleaned article HTML with the library
    image's <figure>; a marker naming no library image is dropped. One query, and
    only when there is a marker."""
    ids = {int(n) for n in MARKER.findall(html)}
    if not ids:
        return html
    images = Image.objects.in_bulk(ids)

    def replace(match):
        image = images.get(int(match.group(1)))
        return image.figure(lazy=lazy) if image else ""

    return MARKER.sub(replace, html)
