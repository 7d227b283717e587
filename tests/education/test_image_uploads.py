"""Uploads (issue 28): a picture the renditions cannot be made from is a form error that
leaves nothing on disk, and no metadata block survives in the original or any rendition
(EXIF, XMP, IPTC, ICC, JPEG comments, PNG text chunks). Every picture is made here
with Pillow; the blocks Pillow cannot write (IPTC, a JPEG's XMP) are spliced in as a
camera or an editor writes them."""

import io
import os
import struct
import zlib
from http import HTTPStatus

import pytest
from django.core.exceptions import ValidationError
from PIL import Image as PILImage
from PIL import ImageCms
from PIL.PngImagePlugin import PngInfo

from education.images import Image
from tests.education.images_helpers import photo_like, upload

pytestmark = pytest.mark.django_db

ADD_URL = "/admin/education/image/add/"
XMP = (
    b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/'
    b'22-rdf-syntax-ns#"><rdf:Description xmlns:exif="http://ns.adobe.com/exif/1.0/" '
    b'exif:GPSLatitude="40,0.0N"/></rdf:RDF></x:xmpmeta>'
)
SECRET = b"Patient J. Doe, Riverside"


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    return tmp_path / "media"


def stored(root):
    """{relative name: bytes} of every file under the media root."""
    files = {}
    for directory, _, names in os.walk(root):
        for name in names:
            path = os.path.join(directory, name)
            with open(path, "rb") as file:
                files[os.path.relpath(path, root)] = file.read()
    return files


def post_image(client, file):
    return client.post(
        ADD_URL, {"file": file, "alt": "A diagram of the spine", "caption": "", "credit": ""}
    )


# Pictures the renditions cannot be made from.


def long_thin_png():
    """1 by 100000 pixels in a few hundred bytes: within the pixel limit, but WebP
    takes at most 16383 pixels a side."""
    out = io.BytesIO()
    PILImage.new("L", (1, 100_000), 128).save(out, "PNG", optimize=True)
    return out.getvalue()


def test_a_picture_with_no_renditions_is_a_form_error_and_leaves_nothing(
    clinician_client, media_root
):
    data = long_thin_png()
    assert len(data) < 2000

    response = post_image(clinician_client, upload("thin.png", data=data))

    assert response.status_code == HTTPStatus.OK
    assert "cannot be made into the sizes the site shows" in response.text
    assert not Image.objects.exists()
    assert stored(media_root) == {}


def test_nor_saved_from_a_script_that_skips_the_form(media_root):
    image = Image(file=upload("thin.png", data=long_thin_png()), alt="A line")

    with pytest.raises(ValidationError, match="cannot be made into the sizes"):
        image.save()

    assert not Image.objects.exists()
    assert stored(media_root) == {}


def test_a_failed_write_removes_what_was_written(media_root, monkeypatch):
    from django.core.files.storage import default_storage

    real_save, saved = default_storage.save, []

    def save_then_fail(name, content, **kwargs):
        if len(saved) == 3:
            raise OSError("disk full")
        saved.append(real_save(name, content, **kwargs))
        return saved[-1]

    monkeypatch.setattr(default_storage, "save", save_then_fail)
    image = Image(file=upload(), alt="A diagram of the spine")
    image.full_clean()

    with pytest.raises(OSError, match="disk full"):
        image.save()

    assert len(saved) == 3
    assert stored(media_root) == {}


# Metadata, read back from the files as they are stored.


def jpeg_segments(data):
    """The marker of every segment before the image data (0xE0-0xEF: APP0-APP15,
    0xFE: comment)."""
    assert data[:2] == b"\xff\xd8"
    markers, at = [], 2
    while data[at] == 0xFF:
        marker = data[at + 1]
        if marker == 0xDA:  # start of scan: the image data follows
            break
        (length,) = struct.unpack(">H", data[at + 2 : at + 4])
        markers.append(marker)
        at += 2 + length
    return markers


def png_chunks(data):
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    chunks, at = [], 8
    while at < len(data):
        (length,) = struct.unpack(">I", data[at : at + 4])
        chunks.append(data[at + 4 : at + 8].decode("latin-1"))
        at += 12 + length
    return chunks


def webp_chunks(data):
    assert data[:4] == b"RIFF" and data[8:12] == b"WEBP"
    chunks, at = [], 12
    while at < len(data):
        (length,) = struct.unpack("<I", data[at + 4 : at + 8])
        chunks.append(data[at : at + 4].decode("latin-1"))
        at += 8 + length + (length & 1)
    return chunks


ALLOWED = {
    "jpg": lambda data: set(jpeg_segments(data)) <= {0xE0, 0xDB, 0xC0, 0xC2, 0xC4, 0xDD},
    "png": lambda data: set(png_chunks(data)) <= {"IHDR", "PLTE", "tRNS", "IDAT", "IEND"},
    "webp": lambda data: set(webp_chunks(data)) <= {"VP8 ", "VP8L", "VP8X", "ALPH"},
}


def assert_no_metadata(files):
    assert len(files) == 7  # the original and 3 widths in WebP and the original format
    for name, data in files.items():
        assert ALLOWED[name.rsplit(".", 1)[1]](data), name
        assert SECRET not in data and b"GPSLatitude" not in data, name
        assert b"Photoshop" not in data and b"ICC_PROFILE" not in data, name
        assert not PILImage.open(io.BytesIO(data)).info.keys() - {"jfif", "jfif_version",
            "jfif_unit", "jfif_density", "dpi", "progressive", "progression", "loop",
            "background", "duration", "timestamp"}, name  # fmt: skip


def exif_with_gps():
    exif = PILImage.Exif()
    exif[0x010F] = "PhoneMaker"
    exif[0x8825] = {1: "N", 2: (40.0, 0.0, 0.0), 3: "W", 4: (83.0, 0.0, 0.0)}
    exif[0x9286] = SECRET.decode()  # UserComment
    return exif


def srgb_profile():
    return ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()


def segment(marker, payload):
    return bytes([0xFF, marker]) + struct.pack(">H", len(payload) + 2) + payload


def with_segments(jpeg, *segments):
    """A JPEG with these segments right after its start (as cameras write them)."""
    return jpeg[:2] + b"".join(segments) + jpeg[2:]


def iptc_segment():
    record = b"\x1c\x02\x78" + struct.pack(">H", len(SECRET)) + SECRET  # 2:120 caption
    resource = b"8BIM\x04\x04\x00\x00" + struct.pack(">I", len(record)) + record
    return segment(0xED, b"Photoshop 3.0\x00" + resource)


def xmp_segment():
    return segment(0xE1, b"http://ns.adobe.com/xap/1.0/\x00" + XMP)


def test_every_metadata_block_of_a_jpeg_is_removed(clinician_client, media_root):
    out = io.BytesIO()
    photo_like(1600, 1000).save(
        out, "JPEG", exif=exif_with_gps(), icc_profile=srgb_profile(), comment=SECRET
    )
    data = with_segments(out.getvalue(), xmp_segment(), iptc_segment())
    # Each block is really there before the upload.
    assert {0xE1, 0xE2, 0xED, 0xFE} <= set(jpeg_segments(data))

    response = post_image(clinician_client, upload("photo.jpg", data=data))

    assert response.status_code == HTTPStatus.FOUND
    assert_no_metadata(stored(media_root))


def png_chunk(kind, payload):
    crc = zlib.crc32(kind + payload)
    return struct.pack(">I", len(payload)) + kind + payload + struct.pack(">I", crc)


def test_every_metadata_block_of_a_png_is_removed(clinician_client, media_root):
    info = PngInfo()
    info.add_text("Comment", SECRET.decode())  # tEXt
    info.add_text("Author", SECRET.decode(), zip=True)  # zTXt
    info.add_itxt("XML:com.adobe.xmp", XMP.decode())  # iTXt (XMP)
    out = io.BytesIO()
    photo_like(1000, 600).save(
        out, "PNG", pnginfo=info, exif=exif_with_gps(), icc_profile=srgb_profile()
    )
    data = out.getvalue()
    data = data[:-12] + png_chunk(b"tIME", b"\x07\xea\x0c\x07\x08\x00\x00") + data[-12:]
    assert {"tEXt", "zTXt", "iTXt", "eXIf", "iCCP", "tIME"} <= set(png_chunks(data))

    response = post_image(clinician_client, upload("diagram.png", data=data))

    assert response.status_code == HTTPStatus.FOUND
    assert_no_metadata(stored(media_root))


def test_every_metadata_block_of_a_webp_is_removed(clinician_client, media_root):
    out = io.BytesIO()
    photo_like(1600, 1000).save(
        out, "WEBP", exif=exif_with_gps(), icc_profile=srgb_profile(), xmp=XMP
    )
    data = out.getvalue()
    assert {"EXIF", "ICCP", "XMP "} <= set(webp_chunks(data))

    response = post_image(clinician_client, upload("photo.webp", data=data))

    assert response.status_code == HTTPStatus.FOUND
    files = stored(media_root)
    assert len(files) == 4  # WebP is both the original format and the renditions' other
    for name, file_data in files.items():
        assert ALLOWED["webp"](file_data), name
        assert SECRET not in file_data and b"GPSLatitude" not in file_data, name


def test_a_picture_with_a_colour_profile_keeps_its_colours_without_it():
    """The profile is applied to the pixels (they become sRGB) before it is dropped."""
    out = io.BytesIO()
    PILImage.new("RGB", (64, 64), (200, 60, 40)).save(out, "PNG", icc_profile=srgb_profile())

    image = Image(file=upload("red.png", data=out.getvalue()), alt="A red square")
    image.full_clean()
    image.save()

    with PILImage.open(image.file.path) as stored_image:
        assert "icc_profile" not in stored_image.info
        red, green, blue = stored_image.convert("RGB").getpixel((10, 10))
    assert abs(red - 200) <= 2 and abs(green - 60) <= 2 and abs(blue - 40) <= 2
