"""Settings for every Aduan process: environment variables prefixed ADUAN_."""

from __future__ import annotations

import base64
import binascii
import os
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    AnyHttpUrl,
    BeforeValidator,
    Field,
    NatsDsn,
    SecretStr,
    TypeAdapter,
    UrlConstraints,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic.networks import validate_email
from pydantic_core import MultiHostUrl, PydanticCustomError
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

PACKAGE_DIR = Path(__file__).resolve().parent
LOOPBACK = ("127.0.0.1", "localhost", "::1")
DEV_SECRET = "dev-only-secret-change-me"
PAYLOAD_KEY_BYTES = 32  # AES-256
_KEY_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")


def comma_separated(value: str | list[str]) -> list[str]:
    """A list setting from its environment form: "a, b,,c" is ["a", "b", "c"]."""
    parts = value.split(",") if isinstance(value, str) else value
    return [part.strip() for part in parts if part.strip()]


@dataclass(frozen=True)
class PayloadKey:
    """One key of ADUAN_PAYLOAD_KEYS: its id (written beside each payload it encrypts) and
    its 32 bytes, kept out of repr so a logged object never shows them."""

    id: str
    secret: bytes = field(repr=False)


def parse_payload_keys(text: str) -> list[PayloadKey]:
    """ADUAN_PAYLOAD_KEYS' form, "id1:base64key,id2:base64key" (newest last), as keys;
    ValueError naming the bad entry by position and id, never by its secret."""
    keys: list[PayloadKey] = []
    for number, entry in enumerate(comma_separated(text), start=1):
        key_id, colon, encoded = entry.partition(":")
        key_id = key_id.strip()
        where = f"ADUAN_PAYLOAD_KEYS entry {number}"
        if not colon or not _KEY_ID.fullmatch(key_id):
            raise ValueError(
                f"{where} must be id:base64key with an id of letters, digits, '.', '_' or '-'"
            )
        try:
            secret = base64.b64decode(encoded.strip(), validate=True)
        except binascii.Error:
            secret = b""
        if len(secret) != PAYLOAD_KEY_BYTES:
            raise ValueError(
                f"{where} ({key_id}) must hold {PAYLOAD_KEY_BYTES} random bytes in base64"
                " (e.g. `python -c 'import base64, os; print(base64.b64encode(os.urandom(32))"
                ".decode())'`)"
            )
        if any(key.id == key_id for key in keys):
            raise ValueError(f"{where}: the id {key_id} is used twice")
        keys.append(PayloadKey(key_id, secret))
    return keys


def _variable(info: ValidationInfo) -> str:
    return f"ADUAN_{(info.field_name or '').upper()}"


def _refuse(info: ValidationInfo, wanted: str, error: ValidationError) -> ValueError:
    return ValueError(f"{_variable(info)} must be {wanted} ({error.errors()[0]['msg']})")


# Checked with pydantic's URL types, kept as written: the strings go to clients as they are,
# and an integrator endpoint's string is part of its deliveries' identity (its hash).
_HTTP_URL = TypeAdapter(AnyHttpUrl)
_NATS_URL = TypeAdapter(NatsDsn)
# Not PostgresDsn: asyncpg also takes a socket directory (postgresql:///aduan?host=/run/pg).
_POSTGRES_URL = TypeAdapter(
    Annotated[MultiHostUrl, UrlConstraints(allowed_schemes=["postgresql", "postgres"])]
)


def _http_url(value: str, info: ValidationInfo) -> str:
    value = value.strip()
    if value:  # empty: not configured
        try:
            _HTTP_URL.validate_python(value)
        except ValidationError as error:
            raise _refuse(info, "an http:// or https:// URL, or empty", error) from None
    return value


def _http_urls(values: list[str], info: ValidationInfo) -> list[str]:
    for value in values:
        try:
            _HTTP_URL.validate_python(value)
        except ValidationError as error:
            raise _refuse(info, "comma-separated http:// or https:// URLs", error) from None
    return values


def _nats_urls(values: list[str], info: ValidationInfo) -> list[str]:
    for value in values:
        try:  # nats-py reads "host" and "host:port" as nats://host:port
            _NATS_URL.validate_python(value if "://" in value else f"nats://{value}")
        except ValidationError as error:
            raise _refuse(
                info, "comma-separated nats:// (or tls://, ws://, wss://) URLs", error
            ) from None
    return values


def _postgres_url(value: str, info: ValidationInfo) -> str:
    value = value.strip()
    if value:  # empty: the embedded server
        try:
            _POSTGRES_URL.validate_python(value)
        except ValidationError as error:
            raise _refuse(info, "a postgresql:// URL, or empty", error) from None
    return value


# The embedded stack's mailboxes are @localhost, a name email-validator refuses as reserved.
_AT_LOCALHOST = re.compile(r"@localhost(?=>?$)", re.IGNORECASE)


def _email(value: str, info: ValidationInfo, *, named: bool) -> str:
    value = value.strip()
    # "{unit}" in a staff address stands for a unit code.
    probe = _AT_LOCALHOST.sub("@localhost.example", value.replace("{unit}", "unit"))
    wanted = "an e-mail address, with or without a name" if named else "a bare e-mail address"
    if not named and "<" in probe:
        raise ValueError(f"{_variable(info)} must be {wanted} (no display name)")
    try:
        validate_email(probe)
    except PydanticCustomError as error:
        raise ValueError(f"{_variable(info)} must be {wanted} ({error.message()})") from None
    return value


def _bare_email(value: str, info: ValidationInfo) -> str:
    return _email(value, info, named=False)


def _named_email(value: str, info: ValidationInfo) -> str:
    return _email(value, info, named=True)


def _split_if_text(value: Any) -> Any:
    return comma_separated(value) if isinstance(value, str) else value


# A list given as comma-separated text in the environment (NoDecode: not as JSON).
CommaSeparated = Annotated[list[str], NoDecode, BeforeValidator(_split_if_text)]
HttpUrlText = Annotated[str, AfterValidator(_http_url)]  # an http(s) URL; "" for none
HttpUrlList = Annotated[CommaSeparated, AfterValidator(_http_urls)]
NatsUrlList = Annotated[CommaSeparated, AfterValidator(_nats_urls)]
PostgresUrlText = Annotated[str, AfterValidator(_postgres_url)]  # "" for the embedded one
EmailAddress = Annotated[str, AfterValidator(_bare_email)]  # "x@example.id"
NamedEmailAddress = Annotated[str, AfterValidator(_named_email)]  # "Name <x@example.id>"


class Settings(BaseSettings):
    """One settings object; `get_settings()` caches it per process."""

    # Errors never echo what was given: several settings are secrets.
    model_config = SettingsConfigDict(
        env_prefix="ADUAN_", extra="ignore", hide_input_in_errors=True
    )

    environment: Literal["development", "production"] = "development"
    data_dir: Path = Path(".aduan")

    # Servers. The embedded dev stack listens on these ports; production points elsewhere.
    pg_port: int = 55432
    database_url: PostgresUrlText = ""
    nats_port: int = 4222
    nats_url: NatsUrlList = []  # comma-separated; unset: the embedded server
    stream_replicas: int = 1  # 3 on the production cluster (deploy/README.md)
    temporal_port: int = 7233
    temporal_ui_port: int = 8233
    # Where ops open the Temporal UI (the ops page links to it); its origin alone may call
    # the desk's codec endpoint from a browser. Unset: http://<host>:<temporal_ui_port>.
    temporal_ui_url: HttpUrlText = ""
    temporal_address: str = ""
    temporal_namespace: str = "default"
    task_queue: str = "aduan-lifecycle"
    # The worker keeps this many lifecycles in memory (sticky cache); one not kept replays its
    # whole history when its next timer fires. docs/operations.md "How much one worker holds".
    worker_cached_workflows: int = Field(10_000, ge=1)
    worker_workflow_task_polls: int = Field(10, ge=2)
    # How long JetStream waits for a consumer's ack before redelivering: the events a crashed
    # consumer held come back after this long. Longer than a batch takes to handle.
    consumer_ack_wait_s: float = 60.0

    # HTTP services.
    host: str = "127.0.0.1"
    # Intake's processes sharing its port, so a burst of complaints is parsed on every core.
    intake_workers: int = Field(default_factory=lambda: os.cpu_count() or 1, ge=1, le=64)
    # Where people reach intake and desk from outside (links in messages); unset: host:port.
    public_url: str = ""
    desk_public_url: HttpUrlText = ""
    intake_port: int = 8000
    desk_port: int = 8001
    # /healthz, /readyz and /metrics of a process without HTTP of its own (routing,
    # notification, worker, relay, inbound-mail); 0: none, as `aduan run` runs them all on one
    # host. Each pod of deploy/k8s sets it.
    ops_port: int = Field(0, ge=0, le=65535)
    max_body_bytes: int = 1024 * 1024
    # Attachments (JetStream Object Store): each file at most this size, at most this many
    # per complaint; only JPEG, PNG, WebP, GIF and PDF, recognised from the bytes.
    attachment_max_bytes: int = 5 * 1024 * 1024
    attachment_max_count: int = 5

    # Limits on what the public may send, shared by every replica (state in PostgreSQL).
    # Each is a `limits` rate string ("30/hour", "10 per 10 minutes"; several joined by ";").
    rate_submissions: str = "30/hour"  # complaint posts per client address (API, form, Open311)
    rate_contact: str = "10/day"  # new complaints per e-mail address or phone number
    rate_uploads: str = "60/hour"  # attachment posts per client address
    rate_logins: str = "20 per 10 minutes"  # tracking logins (page and API) per client address
    rate_webhooks: str = "6000/minute"  # signed SMS/WhatsApp webhook calls per client address
    rate_reads: str = "600/minute"  # public reads (statistics, Open311 lists) per address
    # Proxies whose X-Forwarded-For names the client (uvicorn's forwarded_allow_ips).
    trusted_proxies: CommaSeparated = ["127.0.0.1"]
    # The attachment store's total size: uploads that would pass it are refused (507), and
    # /metrics raises its alarm from 80% on. The event stream's alarm size (nothing is
    # discarded: a full stream is an operator's call, never a silent loss).
    attachment_store_max_bytes: int = 5 * 1024**3
    stream_alarm_bytes: int = 1024**3
    # /metrics on intake and desk answers only `Authorization: Bearer <this>`; unset: only
    # loopback clients outside production, nobody in production.
    metrics_token: str = ""
    # How long a notifier replica holds a delivery it is sending before another may take it.
    delivery_lease_s: float = 120.0
    # Signed webhook calls older than this (WhatsApp timestamps) or repeating a message id
    # seen before are answered as replays and change nothing.
    webhook_replay_window_s: int = 24 * 3600

    # Policy and rules.
    sla_policy: Path = PACKAGE_DIR / "default_policy.yaml"
    routing_rules: Path = PACKAGE_DIR.parent / "services" / "routing" / "rules.yaml"

    # Mail: outgoing goes to SMTP (the embedded sink by default).
    smtp_host: str = "127.0.0.1"
    smtp_port: int = 8025
    mail_from: NamedEmailAddress = "Aduan <aduan@localhost>"
    # Where complainants' answers go: their mail's Reply-To is <local>+<tracking code>@<domain>
    # of this address, which the inbound receiver threads onto the complaint.
    inbound_address: EmailAddress = "pengaduan@localhost"
    ombudsman_url: HttpUrlText = ""
    ombudsman_email: EmailAddress = "ombudsman@localhost"
    supervisor_email: EmailAddress = "supervisor@localhost"
    # Inbound mail: the SMTP receiver that turns mail into complaints and replies.
    smtp_inbound_port: int = 2525

    # Channel webhooks (intake). An unset secret refuses every call with 401.
    sms_webhook_secret: str = ""  # HMAC-SHA256 key of X-Aduan-Signature
    whatsapp_app_secret: str = ""  # the Meta app secret behind X-Hub-Signature-256
    whatsapp_verify_token: str = ""  # answered in the GET subscription handshake

    # Outgoing notifications besides mail. "{unit}" in a staff address is the unit code.
    unit_email: EmailAddress = "{unit}@localhost"  # the unit's officers: assignments, reminders
    sms_url: HttpUrlText = ""  # SMS gateway (form POST, bearer token); unset: no SMS goes out
    sms_token: str = ""
    sms_sender: str = "ADUAN"
    whatsapp_url: HttpUrlText = ""  # WhatsApp Cloud API messages endpoint (JSON, bearer token)
    whatsapp_token: str = ""
    webhook_urls: HttpUrlList = []  # comma-separated integrator endpoints for public events
    webhook_secret: str = ""  # HMAC-SHA256 key of X-Aduan-Signature on webhook bodies
    delivery_max_attempts: int = 8  # then the delivery is dead until replayed
    delivery_retry_base_s: float = 2.0  # first retry delay; doubles per attempt

    # Open311 GeoReport v2 (intake). POST requests needs one of these keys; none set: 403.
    open311_api_keys: CommaSeparated = []  # comma-separated
    # The one jurisdiction_id this endpoint serves: another one is refused; unset: any.
    open311_jurisdiction: str = ""
    open311_contact: str = (
        "Hubungi penyelenggara layanan melalui kanal pengaduan resminya. / "
        "Contact the service provider through its official complaint "
        "channels."
    )

    # Secrets. The development default is refused in production.
    secret_key: str = DEV_SECRET
    # Keys of the Temporal payload codec, "id:base64key" comma-separated, newest last: new
    # payloads are encrypted with the newest, every one listed still decrypts. Unset outside
    # production: a key generated once in the data folder (docs/privacy.md "Encryption").
    payload_keys: SecretStr = Field(SecretStr(""), validate_default=True)

    # Staff identity (desk). Unset JWKS URL: tokens signed with a key derived from
    # secret_key (`aduan token`); set: only the issuer's tokens are accepted.
    jwt_jwks_url: HttpUrlText = ""
    jwt_issuer: str = ""
    jwt_audience: str = ""
    # Set all three: the desk's pages sign in through this OpenID Connect provider
    # (authorization code with PKCE); `role` and `unit` come from its ID token's claims.
    oidc_issuer: HttpUrlText = ""
    oidc_client_id: str = ""
    oidc_client_secret: str = ""

    log_format: Literal["auto", "json", "console"] = "auto"
    log_level: str = "INFO"

    @model_validator(mode="after")
    def _refuse_weak_secrets_where_reachable(self) -> Settings:
        # The secret signs staff tokens and derives complainants' tokens: the public default
        # only on a developer's loopback, and a real one (32+ characters) in production.
        reachable = self.environment == "production" or self.host not in LOOPBACK
        if reachable and (self.secret_key == DEV_SECRET or len(self.secret_key) < 32):
            raise ValueError(
                "set ADUAN_SECRET_KEY to a random secret of 32+ characters"
                " (e.g. `python -c 'import secrets; print(secrets.token_hex(32))'`)"
            )
        return self

    @field_validator("payload_keys")
    @classmethod
    def _check_payload_keys(cls, value: SecretStr, info: ValidationInfo) -> SecretStr:
        keys = parse_payload_keys(value.get_secret_value())
        if not keys and info.data.get("environment") == "production":
            raise ValueError(
                "set ADUAN_PAYLOAD_KEYS in production: the keys that encrypt complaint text in"
                " Temporal, e.g. key1:<base64 of 32 random bytes> (docs/privacy.md)"
            )
        return value

    @field_validator("public_url")
    @classmethod
    def _refuse_plain_http_in_production(cls, value: str, info: ValidationInfo) -> str:
        # Production cookies are all Secure: over plain HTTP browsers would never send them back.
        production = info.data.get("environment") == "production"
        if production and value.strip() and not value.strip().lower().startswith("https://"):
            raise ValueError("ADUAN_PUBLIC_URL must be an https:// URL in production")
        return _http_url(value, info)

    @model_validator(mode="after")
    def _refuse_unsigned_webhooks(self) -> Settings:
        if self.webhook_targets and not self.webhook_secret:
            raise ValueError("set ADUAN_WEBHOOK_SECRET to sign the ADUAN_WEBHOOK_URLS calls")
        if self.delivery_max_attempts < 1:
            raise ValueError("ADUAN_DELIVERY_MAX_ATTEMPTS must be at least 1")
        return self

    @property
    def intake_link(self) -> str:
        """The public base URL of intake (citizen pages and API), without a trailing slash."""
        return (self.public_url or f"http://{self.host}:{self.intake_port}").rstrip("/")

    @property
    def desk_link(self) -> str:
        """The public base URL of desk, without a trailing slash."""
        return (self.desk_public_url or f"http://{self.host}:{self.desk_port}").rstrip("/")

    @property
    def temporal_ui_link(self) -> str:
        """The Temporal UI's base URL, without a trailing slash."""
        return (self.temporal_ui_url or f"http://{self.host}:{self.temporal_ui_port}").rstrip("/")

    @property
    def codec_endpoint(self) -> str:
        """The desk's codec endpoint, as the Temporal UI is told it (--ui-codec-endpoint)."""
        return f"{self.desk_link}/codec"

    @property
    def dsn(self) -> str:
        """PostgreSQL connection string (asyncpg form)."""
        return self.database_url or f"postgresql://postgres@127.0.0.1:{self.pg_port}/aduan"

    # The list properties below also take the text form: model_copy(update=...) does not
    # validate, so a copy may hold "a,b" where validation would have made ["a", "b"].

    @property
    def nats_servers(self) -> list[str]:
        """NATS server URLs (ADUAN_NATS_URL), or the embedded server's."""
        return comma_separated(self.nats_url) or [f"nats://127.0.0.1:{self.nats_port}"]

    @property
    def temporal_target(self) -> str:
        """Temporal frontend host:port."""
        return self.temporal_address or f"127.0.0.1:{self.temporal_port}"

    @property
    def payload_keyring(self) -> list[PayloadKey]:
        """The keys ADUAN_PAYLOAD_KEYS lists, newest last; [] when unset."""
        value = self.payload_keys
        return parse_payload_keys(
            value.get_secret_value() if isinstance(value, SecretStr) else value
        )

    @property
    def webhook_targets(self) -> list[str]:
        """Integrator webhook URLs (ADUAN_WEBHOOK_URLS)."""
        return comma_separated(self.webhook_urls)

    @property
    def open311_keys(self) -> list[str]:
        """Open311 api_keys (ADUAN_OPEN311_API_KEYS)."""
        return comma_separated(self.open311_api_keys)


@lru_cache
def get_settings() -> Settings:
    """Settings of this process, read once from the environment."""
    return Settings()
