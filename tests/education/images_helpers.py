"""Pictures made in memory, and library images stored in a temporary MEDIA_ROOT."""

import io

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image as PILImage

from education.images import Image


def photo_like(width, height):
    """Gradients with grain: compresses about as a real photo does, unlike a flat colour."""
    red = PILImage.linear_gradient("L").resize((width, height))
    green = PILImage.radial_gradient("L").resize((width, height))
    grain = PILImage.effect_noise((width, height), 24)
    blue = PILImage.blend(red.rotate(90), grain, 0.5)
    return PILImage.merge("RGB", (PILImage.blend(red, grain, 0.3), green, blue))


def picture_bytes(width=1600, height=1000, fmt="JPEG", exif=None, color=(180, 90, 40), photo=False):
    out = io.BytesIO()
    image = photo_like(width, height) if photo else PILImage.new("RGB", (width, height), color)
    kwargs = {"exif": exif} if exif is not None else {}
    image.save(out, fmt, **kwargs)
    return out.getvalue()


def upload(name="spine.jpg", data=None, **picture):
    return SimpleUploadedFile(name, data if data is not None else picture_bytes(**picture))


def make_image(alt="Side view of the lower spine", **picture):
    image = Image(file=upload(**picture), alt=alt)
    image.full_clean()
    image.save()
    return image
