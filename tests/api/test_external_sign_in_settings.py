"""OIDC and LDAP sign-in for the console are an extension point, not built in: their settings
are recognised, and setting one refuses to start, naming it, rather than being ignored while
people believe the archive checks their directory."""

from __future__ import annotations

import pytest

from api.settings import EXTERNAL_SIGN_IN, Settings


@pytest.mark.parametrize("name", EXTERNAL_SIGN_IN)
def test_an_external_sign_in_setting_refuses_to_start_naming_it(
    name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(f"DOSSIER_{name.upper()}", "https://sso.example-bank.cn/realms/staff")
    with pytest.raises(ValueError, match="extension point") as refused:
        Settings()
    message = str(refused.value)
    assert f"DOSSIER_{name.upper()}" in message
    assert "extension point" in message
    assert "外部身份登录为扩展点" in message


def test_without_them_the_console_signs_people_in_with_staff_number_and_password() -> None:
    settings = Settings()
    assert all(getattr(settings, name) is None for name in EXTERNAL_SIGN_IN)
