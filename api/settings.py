"""One settings class for the whole service (environment prefix ``DOSSIER_``)."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import AwareDatetime, Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from storage.checkpoints import CheckpointFormatError, check_key_name, parse_trusted_keys
from storage.cosignatures import CosignatureError, CosignerKey
from storage.tlog_witness import parse_witnesses

EXTERNAL_SIGN_IN = (
    "oidc_issuer",
    "oidc_client_id",
    "oidc_client_secret",
    "ldap_url",
    "ldap_user_dn_template",
)
"""Settings of an external sign-in for the console: recognised, reserved, not built in."""


class Settings(BaseSettings):
    """Where the data lives and how the service runs.

    The embedded default (``environment=development``) needs no configuration:
    SQLite and local files under ``data_dir``. ``production`` refuses to start
    on embedded defaults that are only fit for a workstation.
    """

    model_config = SettingsConfigDict(env_prefix="DOSSIER_", extra="ignore")

    environment: Literal["development", "production"] = "development"
    data_dir: Path = Path("var")
    event_store: str = Field(
        default="sqlite", description="'sqlite' (embedded) or a postgresql:// URL"
    )
    postgres_schema: str | None = None
    master_key: SecretStr | None = Field(
        default=None, description="base64 of 32 random bytes; or use master_key_file"
    )
    master_key_file: Path | None = None
    blob_store: Literal["local", "s3"] = "local"
    s3_endpoint: str | None = Field(default=None, description="host[:port], no scheme")
    s3_bucket: str | None = None
    s3_access_key: SecretStr | None = None
    s3_secret_key: SecretStr | None = None
    s3_secure: bool = True
    s3_region: str | None = None
    s3_retention_mode: Literal["COMPLIANCE", "GOVERNANCE"] = "COMPLIANCE"
    max_upload_bytes: int = Field(default=50 * 1024 * 1024, gt=0)
    max_json_bytes: int = Field(
        default=1024 * 1024,
        gt=0,
        description="the largest JSON command body (a multipart one: this and its documents)",
    )
    feed_max_bytes: int = Field(
        default=2 * 1024 * 1024 * 1024,
        gt=0,
        description="the largest core-banking batch zip POST /feed/batches takes (bytes)",
    )
    feed_jobs_kept: int = Field(
        default=100,
        ge=1,
        le=10_000,
        description="import jobs the service remembers (finished ones beyond this are forgotten; "
        "the batches themselves stay on record)",
    )
    host: str = "127.0.0.1"
    port: int = Field(default=8000, gt=0, lt=65536)
    demo_on_first_start: bool = True
    demo_loans: int = Field(default=200, ge=0)
    demo_seed: int = 20260701
    log_level: Literal["debug", "info", "warning", "error"] = "info"
    timezone: str = Field(
        default="Asia/Shanghai",
        description="the bank's time zone: register dates 'as of' end at its midnight",
    )
    pdf_font: Path | None = Field(
        default=None,
        description=(
            "the TrueType CJK font (.ttf or .ttc, TrueType outlines) every PDF the archive "
            "draws embeds; default: WenQuanYi Zen Hei where Debian's fonts-wqy-zenhei installs "
            "it. The service refuses to start without one"
        ),
    )
    pdf_icc_profile: Path | None = Field(
        default=None,
        description=(
            "the sRGB ICC profile of the PDF/A output intent; default: sRGB.icc where Debian's "
            "icc-profiles-free installs it"
        ),
    )
    future_date_tolerance_days: int = Field(
        default=0,
        ge=0,
        le=7,
        description=(
            "days after the bank's today that the date of something that happened (an "
            "inspection, a receipt, an approval…) may lie; 0 allows up to today"
        ),
    )
    clock: AwareDatetime | None = Field(
        default=None,
        description=(
            "development only: the service's 'now' when it starts (ISO 8601 with offset); "
            "time runs on from there — to rehearse deadlines, retention and destruction"
        ),
    )
    signing_key: SecretStr | None = Field(
        default=None,
        description="base64 of the 32-byte Ed25519 seed that signs checkpoints; or signing_key_file",
    )
    signing_key_file: Path | None = None
    integrity_origin: str = Field(
        default="dossier",
        description=(
            "the Merkle log's name in every signed checkpoint and the name of its signing key "
            "in the checkpoint notes (no spaces, no '+'), e.g. dossier.example-bank/log"
        ),
    )
    trusted_keys: str | None = Field(
        default=None,
        description=(
            "the bank's published checkpoint keys, the only ones `dossier verify` believes: "
            "verifier key strings <name>+<hash>+<base64> as `dossier signing-key public --vkey` "
            "prints them, separated by spaces, commas or lines; or trusted_keys_file. In "
            "development without either, the archive's own signing key is trusted"
        ),
    )
    trusted_keys_file: Path | None = Field(
        default=None, description="a file of trusted verifier key strings, one a line (# comments)"
    )
    witness_file: Path | None = Field(
        default=None,
        description=(
            "the hash-chained file witness of the checkpoints when they are not kept on S3 "
            "(default <data_dir>/checkpoints.jsonl): put it on another disk than the database"
        ),
    )
    witnesses: str | None = Field(
        default=None,
        description=(
            "independent witnesses that cosign each checkpoint (c2sp.org/tlog-witness): "
            "'<url> <vkey>' pairs separated by commas or lines, the vkey as `dossier witness "
            "vkey` prints it"
        ),
    )
    witness_quorum: int = Field(
        default=0,
        ge=0,
        description=(
            "how many of those witnesses must have cosigned a checkpoint for `dossier verify` "
            "to count it (0: none, the embedded default)"
        ),
    )
    witness_timeout_seconds: float = Field(
        default=5.0, gt=0, description="how long the sealer waits for one witness's answer"
    )
    s3_witness_bucket: str | None = Field(
        default=None,
        description="bucket for checkpoint copies under Object Lock (default: <s3_bucket>-checkpoints)",
    )
    seal_every: int = Field(default=100, gt=0, description="sign a checkpoint every N events")
    seal_after_seconds: float = Field(
        default=10.0, gt=0, description="… or this long after the last one, when events came"
    )
    in_process_sealer: bool = Field(
        default=True,
        description="seal inside `dossier serve`; false when `dossier seal --follow` runs",
    )
    in_process_follower: bool = Field(
        default=True,
        description="feed the registers inside `dossier serve`; false when `dossier follow` runs",
    )
    ready_max_lag_seconds: float = Field(
        default=60.0,
        gt=0,
        description=(
            "/health/ready answers 503 once a register has left an event unapplied this long"
        ),
    )
    ready_max_seal_lag_seconds: float = Field(
        default=300.0,
        gt=0,
        description=(
            "/health/ready answers 503 once an event has waited this long for a signed "
            "checkpoint (the sealer is stopped or failing)"
        ),
    )
    metrics_token: SecretStr | None = Field(
        default=None,
        description=(
            "when set, GET /metrics answers only a request with 'Authorization: Bearer <it>' "
            "(a scraper's credential, not a staff token); unset, /metrics is open and must be "
            "kept off the public network"
        ),
    )
    log_format: Literal["json", "console"] | None = Field(
        default=None,
        description="log lines as JSON objects or readable text (default: JSON in production)",
    )
    oidc_issuer: str | None = Field(
        default=None,
        description="console sign-in through OpenID Connect: an extension point, not built in",
    )
    oidc_client_id: str | None = None
    oidc_client_secret: SecretStr | None = None
    ldap_url: str | None = Field(
        default=None,
        description="console sign-in through LDAP: an extension point, not built in",
    )
    ldap_user_dn_template: str | None = None
    feed_enabled: bool = Field(
        default=False,
        description=(
            "the core-banking feed is the one source of what the core system owns: "
            "disbursements, repayments, overdue status and settlement are imported from its "
            "day-end batches, and the manual routes for them answer 409 fed_by_core"
        ),
    )

    session_idle_minutes: int = Field(
        default=30, ge=1, le=24 * 60, description="the console signs a person out after this idle"
    )
    session_absolute_minutes: int = Field(
        default=8 * 60,
        ge=1,
        le=7 * 24 * 60,
        description="… and after this long in all, however busy",
    )
    login_max_failures: int = Field(
        default=5, ge=1, le=100, description="wrong passwords in a row that lock sign-in …"
    )
    login_lockout_minutes: int = Field(
        default=15, ge=1, le=7 * 24 * 60, description="… for this long"
    )

    @field_validator("integrity_origin")
    @classmethod
    def _check_origin(cls, origin: str) -> str:
        try:
            return check_key_name(origin)
        except CheckpointFormatError as error:
            raise ValueError(f"DOSSIER_INTEGRITY_ORIGIN: {error}") from None

    @field_validator("trusted_keys")
    @classmethod
    def _check_trusted_keys(cls, text: str | None) -> str | None:
        if text is None:
            return None
        try:
            parse_trusted_keys(text)
        except CheckpointFormatError as error:
            raise ValueError(f"DOSSIER_TRUSTED_KEYS: {error}") from None
        return text

    @field_validator("witnesses")
    @classmethod
    def _check_witnesses(cls, text: str | None) -> str | None:
        if text is None:
            return None
        try:
            parse_witnesses(text)
        except CosignatureError as error:
            raise ValueError(f"DOSSIER_WITNESSES: {error}") from None
        return text

    @property
    def witness_endpoints(self) -> list[tuple[str, CosignerKey]]:
        """The configured witnesses: (URL, verifier key)."""
        return parse_witnesses(self.witnesses) if self.witnesses else []

    @property
    def log_json(self) -> bool:
        """Whether log lines are JSON objects."""
        if self.log_format is not None:
            return self.log_format == "json"
        return self.environment == "production"

    @model_validator(mode="after")
    def _check_production(self) -> Settings:
        external = [name for name in EXTERNAL_SIGN_IN if getattr(self, name) is not None]
        if external:
            names = ", ".join(f"DOSSIER_{name.upper()}" for name in external)
            raise ValueError(
                f"{names}: sign-in through OIDC or LDAP is an extension point this release does "
                "not implement; unset it, or build the integration the README describes "
                "(外部身份登录为扩展点，本版本未内置实现：请删除该配置，或按 README 实现集成)"
            )
        if self.witness_quorum > len(self.witness_endpoints):
            raise ValueError(
                f"DOSSIER_WITNESS_QUORUM is {self.witness_quorum} but only "
                f"{len(self.witness_endpoints)} witness(es) are configured in DOSSIER_WITNESSES "
                "(见证法定数大于已配置的见证方数量)"
            )
        if self.environment == "production":
            if self.event_store == "sqlite":
                raise ValueError(
                    "production needs DOSSIER_EVENT_STORE=postgresql://… "
                    "(生产环境须配置 PostgreSQL 事件库)"
                )
            if self.demo_on_first_start:
                self.demo_on_first_start = False
            if self.clock is not None:
                raise ValueError(
                    "DOSSIER_CLOCK is for rehearsals in development; production keeps real time "
                    "(生产环境不得设置模拟时钟)"
                )
            missing = []
            if self.master_key is None and self.master_key_file is None:
                missing.append(
                    "DOSSIER_MASTER_KEY or DOSSIER_MASTER_KEY_FILE (生产环境须配置主密钥)"
                )
            if self.signing_key is None and self.signing_key_file is None:
                missing.append(
                    "DOSSIER_SIGNING_KEY or DOSSIER_SIGNING_KEY_FILE to sign checkpoints "
                    "(生产环境须配置签名密钥)"
                )
            if missing:
                raise ValueError(
                    "production needs "
                    + "; and ".join(missing)
                    + "; no key is generated outside development"
                )
        if self.blob_store == "s3":
            missing = [
                name
                for name in ("s3_endpoint", "s3_bucket", "s3_access_key", "s3_secret_key")
                if getattr(self, name) is None
            ]
            if missing:
                names = ", ".join(f"DOSSIER_{m.upper()}" for m in missing)
                raise ValueError(f"DOSSIER_BLOB_STORE=s3 needs {names} (S3 配置不完整)")
        return self

    @property
    def generated_master_key_file(self) -> Path:
        """Where the embedded mode keeps the master key it generated on first start."""
        return self.data_dir / "master.key"

    @property
    def generated_signing_key_file(self) -> Path:
        """Where the embedded mode keeps the checkpoint-signing key it generated."""
        return self.data_dir / "signing.key"

    @property
    def checkpoint_file(self) -> Path:
        """The append-only copy of every checkpoint, when checkpoints are not kept on S3."""
        return self.witness_file or self.data_dir / "checkpoints.jsonl"

    @property
    def blob_dir(self) -> Path:
        return self.data_dir / "blobs"

    @property
    def is_embedded(self) -> bool:
        return self.event_store == "sqlite"
