"""List, URL and e-mail settings are typed: read from their documented environment form,
and a value of the wrong kind is refused at start, naming the variable."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from aduan.config import Settings


def test_list_settings_are_read_from_comma_separated_environment_variables(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("ADUAN_WEBHOOK_URLS", "https://a.example.id/hook, http://10.0.0.5:8080/h")
    monkeypatch.setenv("ADUAN_WEBHOOK_SECRET", "hook-secret")
    monkeypatch.setenv("ADUAN_OPEN311_API_KEYS", "key-1, key-2,,")
    monkeypatch.setenv("ADUAN_NATS_URL", "nats://n1:4222,nats://n2:4222, n3:4222")
    monkeypatch.setenv("ADUAN_TRUSTED_PROXIES", "10.0.0.1, 10.0.0.2")
    settings = Settings()
    assert settings.webhook_urls == ["https://a.example.id/hook", "http://10.0.0.5:8080/h"]
    assert settings.webhook_targets == settings.webhook_urls
    assert settings.open311_api_keys == settings.open311_keys == ["key-1", "key-2"]
    assert settings.nats_servers == ["nats://n1:4222", "nats://n2:4222", "n3:4222"]
    assert settings.trusted_proxies == ["10.0.0.1", "10.0.0.2"]


def test_empty_list_settings_mean_none_or_the_embedded_server(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for name in ("WEBHOOK_URLS", "OPEN311_API_KEYS", "NATS_URL"):
        monkeypatch.setenv(f"ADUAN_{name}", "")
    settings = Settings(nats_port=4333)
    assert settings.webhook_targets == [] and settings.open311_keys == []
    assert settings.nats_servers == ["nats://127.0.0.1:4333"]
    assert Settings().trusted_proxies == ["127.0.0.1"]


def test_a_copy_holding_the_text_form_still_reads_as_a_list() -> None:
    # model_copy(update=...) does not validate: the properties split what validation would.
    copy = Settings().model_copy(update={"webhook_urls": "https://a.example.id,https://b.id"})
    assert copy.webhook_targets == ["https://a.example.id", "https://b.id"]


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("sms_url", "gateway.example.id/send", "ADUAN_SMS_URL must be an http:// or https:// URL"),
        ("whatsapp_url", "ftp://graph.example/x", "ADUAN_WHATSAPP_URL must be an http://"),
        ("ombudsman_url", "http://", "ADUAN_OMBUDSMAN_URL must be an http://"),
        ("jwt_jwks_url", "idp.example.id/jwks", "ADUAN_JWT_JWKS_URL must be an http://"),
        ("desk_public_url", "desk.example.id", "ADUAN_DESK_PUBLIC_URL must be an http://"),
        ("public_url", "pengaduan.example.id", "ADUAN_PUBLIC_URL must be an http://"),
        ("webhook_urls", "https://a.example.id,b.example.id", "ADUAN_WEBHOOK_URLS must be"),
        ("nats_url", "nats://n1:4222,http://n2", "ADUAN_NATS_URL must be comma-separated nats://"),
        ("database_url", "mysql://db/aduan", "ADUAN_DATABASE_URL must be a postgresql:// URL"),
    ],
)
def test_a_wrong_url_is_refused_with_the_variable_named(
    monkeypatch: pytest.MonkeyPatch, field: str, value: str, message: str
) -> None:
    monkeypatch.setenv("ADUAN_WEBHOOK_SECRET", "hook-secret")
    monkeypatch.setenv(f"ADUAN_{field.upper()}", value)
    with pytest.raises(ValidationError, match=message):
        Settings()


def test_urls_are_kept_as_written_and_empty_means_not_configured() -> None:
    settings = Settings(
        sms_url="",
        ombudsman_url="https://Ombudsman.example.id",
        database_url="postgresql:///aduan?host=/run/postgresql",
        nats_url="tls://n1:4222",
    )
    assert settings.sms_url == ""
    assert settings.ombudsman_url == "https://Ombudsman.example.id"  # not normalised
    assert settings.dsn == "postgresql:///aduan?host=/run/postgresql"
    assert settings.nats_servers == ["tls://n1:4222"]


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("ombudsman_email", "ombudsman", "ADUAN_OMBUDSMAN_EMAIL must be a bare e-mail address"),
        ("supervisor_email", "atasan@", "ADUAN_SUPERVISOR_EMAIL must be a bare e-mail address"),
        ("unit_email", "{unit}@pemda", "ADUAN_UNIT_EMAIL must be a bare e-mail address"),
        ("inbound_address", "Aduan <pengaduan@example.id>", "no display name"),
        ("inbound_address", "a@example.id, b@example.id", "ADUAN_INBOUND_ADDRESS must be"),
        ("mail_from", "Aduan <aduan@>", "ADUAN_MAIL_FROM must be an e-mail address"),
    ],
)
def test_a_wrong_email_address_is_refused_with_the_variable_named(
    monkeypatch: pytest.MonkeyPatch, field: str, value: str, message: str
) -> None:
    monkeypatch.setenv(f"ADUAN_{field.upper()}", value)
    with pytest.raises(ValidationError, match=message):
        Settings()


def test_email_addresses_of_the_documented_forms_are_taken_as_written() -> None:
    defaults = Settings()  # the embedded stack's @localhost mailboxes
    assert defaults.mail_from == "Aduan <aduan@localhost>"
    assert defaults.unit_email == "{unit}@localhost"
    settings = Settings(
        mail_from="Pengaduan Dinas <pengaduan@dinas.example.id>",
        unit_email="petugas@{unit}.dinas.example.id",
        supervisor_email="atasan.{unit}@dinas.example.id",
        ombudsman_email="laporan@ombudsman.example.id",
    )
    assert settings.mail_from == "Pengaduan Dinas <pengaduan@dinas.example.id>"
    assert settings.unit_email == "petugas@{unit}.dinas.example.id"
    assert settings.supervisor_email == "atasan.{unit}@dinas.example.id"
