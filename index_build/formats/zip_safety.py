"""Checks a DOCX or EPUB zip before anything unpacks it: size, compression ratio, member count and names."""

from __future__ import annotations

import io
import zipfile

from index_build.formats.record import ExtractionLimits
from verbatim.errors import FileTooLargeError, UnreadableFileError

MAX_MEMBERS = 10_000
RATIO_FLOOR = 1024 * 1024  # members smaller than this unpack to too little to matter, whatever their ratio


def check_zip(data: bytes, filename: str, limits: ExtractionLimits) -> zipfile.ZipFile:
    """The opened archive, once its central directory shows it is safe to unpack within ``limits``.

    zipfile never yields more than a member's declared size, so the declared sizes bound the unpacking.
    """
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        members = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, EOFError, OSError):
        raise UnreadableFileError(f"{filename}: the file is damaged or truncated (its zip archive cannot be read); "
                                  "save or export it again and upload the new file") from None
    if len(members) > MAX_MEMBERS:
        raise FileTooLargeError(f"{filename}: the archive has {len(members):,} members, more than the "
                                f"{MAX_MEMBERS:,} allowed; this is not an ordinary document, upload a smaller one")
    for member in members:
        name = member.filename.replace("\\", "/")
        if name.startswith("/") or ".." in name.split("/") or (len(name) > 1 and name[1] == ":"):
            raise UnreadableFileError(f"{filename}: the archive has a member named {member.filename!r} that points "
                                      "outside the archive, which no document has; upload the original file")
        if member.file_size > RATIO_FLOOR and member.file_size > limits.max_ratio * max(member.compress_size, 1):
            raise FileTooLargeError(f"{filename}: the member {member.filename!r} unpacks to more than "
                                    f"{limits.max_ratio} times its packed size (a zip bomb); upload the original file")
    unpacked = sum(member.file_size for member in members)
    if unpacked > limits.max_unpacked_bytes:
        raise FileTooLargeError(f"{filename}: the archive unpacks to {unpacked:,} bytes, more than the "
                                f"{limits.max_unpacked_bytes:,} allowed; split the document or upload a smaller one")
    return archive
