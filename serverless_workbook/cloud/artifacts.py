"""Lambda code as reproducible zips in a stack's private artifact bucket.

The zip's bytes depend only on the folder's files, so its hash names the S3 key
and equals the CodeSha256 Lambda reports: that is how a redeploy tells whether
a function's code changed.
"""
from __future__ import annotations

import base64
import hashlib
import io
import secrets
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ARTIFACT_PARAMETER = "ArtifactBucket"
# Fixed timestamps make the zip, and so the S3 key and the function's CodeSha256, reproducible.
ZIP_DATE = (2022, 1, 1, 0, 0, 0)


def zip_folder(folder: str | Path) -> bytes:
    folder = Path(folder)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(p for p in folder.rglob("*") if p.is_file() and "__pycache__" not in p.parts):
            info = zipfile.ZipInfo(path.relative_to(folder).as_posix(), ZIP_DATE)
            info.external_attr = 0o644 << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, path.read_bytes())
    return buffer.getvalue()


def new_artifact_bucket_name(stack_name: str) -> str:
    """A fresh name for each created stack: S3 can refuse a name deleted and re-created within minutes
    (OperationAborted, 409), as lab 3's back-to-back trial stacks would. The stack's ArtifactBucket parameter
    remembers it for updates and teardown."""
    return f"{stack_name.lower()[:36]}-artifacts-{secrets.token_hex(6)}"


def _ensure_bucket(target: Any, bucket: str, tags: dict[str, str]) -> None:
    s3 = target.client("s3")
    try:
        s3.head_bucket(Bucket=bucket)
        return
    except s3.exceptions.ClientError as error:
        if error.response["Error"]["Code"] not in ("404", "NoSuchBucket"):
            raise
    target.create_bucket(bucket)
    s3.put_public_access_block(Bucket=bucket, PublicAccessBlockConfiguration={
        "BlockPublicAcls": True, "IgnorePublicAcls": True, "BlockPublicPolicy": True, "RestrictPublicBuckets": True})
    s3.put_bucket_encryption(Bucket=bucket, ServerSideEncryptionConfiguration={
        "Rules": [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}]})
    s3.put_bucket_tagging(Bucket=bucket, Tagging={"TagSet": [{"Key": k, "Value": v} for k, v in tags.items()]})


@dataclass(frozen=True)


class Package:
    """One code folder, zipped: the S3 key names its hash, and CodeSha256 is what Lambda reports for it."""

    folder: Path
    archive: bytes

    @property
    def key(self) -> str:
        return f"{self.folder.name}-{hashlib.sha256(self.archive).hexdigest()[:16]}.zip"

    @property
    def code_sha256(self) -> str:
        return base64.b64encode(hashlib.sha256(self.archive).digest()).decode()


def package(code: dict[str, str | Path]) -> dict[str, Package]:
    return {parameter: Package(Path(folder), zip_folder(folder)) for parameter, folder in code.items()}


def upload_code(target: Any, bucket: str, packages: dict[str, Package], tags: dict[str, str]) -> dict[str, str]:
    """Put each zip in the stack's private, encrypted artifact bucket; return the template parameters.

    Old zips stay until teardown: CloudFormation needs them to roll an update back.
    """
    s3 = target.client("s3")
    _ensure_bucket(target, bucket, tags)
    for code in packages.values():
        s3.put_object(Bucket=bucket, Key=code.key, Body=code.archive)
    return {ARTIFACT_PARAMETER: bucket, **{parameter: code.key for parameter, code in packages.items()}}
