import stat

import pytest

from core.settings import SettingsError, load_settings


@pytest.fixture(autouse=True)
def clean_env(monkeypatch, tmp_path):
    for name in list(__import__("os").environ):
        if name.startswith("CONFETTI_"):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)  # no stray .env is read, and ./data is the test's own


def test_defaults_are_the_embedded_setup() -> None:
    settings = load_settings()
    assert settings.database_url == "sqlite+aiosqlite:///./confetti.db"
    assert settings.broker_url == "memory://"
    assert (settings.host, settings.port) == ("127.0.0.1", 8000)
    assert settings.base_url == "http://127.0.0.1:8000"
    assert settings.max_body_bytes == 10 * 1024 * 1024


def test_settings_are_read_from_environment_and_dotenv(monkeypatch, tmp_path) -> None:
    (tmp_path / ".env").write_text(
        "CONFETTI_PORT=9001\nCONFETTI_PUBLIC_URL=https://shop.example/\n"
    )
    monkeypatch.setenv("CONFETTI_BROKER_URL", "amqp://guest:guest@127.0.0.1:5672/")
    settings = load_settings()
    assert settings.port == 9001
    assert settings.public_url == "https://shop.example"
    assert settings.broker_url.startswith("amqp://")


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("CONFETTI_PORT", "eighty"),
        ("CONFETTI_PORT", "70000"),
        ("CONFETTI_DATABASE_URL", "mysql://root@localhost/x"),
        ("CONFETTI_BROKER_URL", "redis://localhost"),
        ("CONFETTI_PUBLIC_URL", "shop.example"),
        ("CONFETTI_SECRET_KEY", "short"),
        ("CONFETTI_MAX_BODY_BYTES", "-1"),
    ],
)
def test_bad_value_gives_one_line_naming_the_variable(monkeypatch, variable, value) -> None:
    monkeypatch.setenv(variable, value)
    with pytest.raises(SettingsError) as caught:
        load_settings()
    message = str(caught.value)
    assert message.startswith(f"{variable}: ")
    assert "\n" not in message


def test_secret_key_is_generated_once_into_the_data_folder(tmp_path) -> None:
    first = load_settings().secret_key
    second = load_settings().secret_key
    key_file = tmp_path / "data" / "secret_key"
    assert first == second
    assert len(first) >= 32
    assert key_file.read_text().strip() == first
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600


def test_explicit_secret_key_is_not_written_to_disk(monkeypatch, tmp_path) -> None:
    monkeypatch.setenv("CONFETTI_SECRET_KEY", "k" * 40)
    assert load_settings().secret_key == "k" * 40
    assert not (tmp_path / "data" / "secret_key").exists()
