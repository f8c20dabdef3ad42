"""Translations: the zh_Hans catalog covers every message, language choice, rendered pages."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from shortops.kit.i18n import gettext, negotiate, normalize_language
from shortops.web import catalog as catalog_module
from shortops.web.catalog import extract, placeholders, po_path, problems, read_catalog
from tests.factories import create_user, create_workspace, csrf, login

ZH_NAV = ["首页", "策划", "制作", "发布", "互动", "数据", "变现", "设置"]


@pytest.fixture(scope="module")
def template() -> Catalog:
    return extract()


@pytest.fixture(scope="module")
def zh_catalog() -> Catalog:
    return read_catalog(po_path("zh_Hans"), "zh_Hans")


# --- the catalog ----------------------------------------------------------------------------------


def test_extraction_finds_python_and_template_messages(template: Catalog) -> None:
    ids = {message.id for message in template}
    assert "Plan" in ids  # N_ in web/views.py
    assert "Viewer" in ids  # N_ in workspaces/permissions.py
    assert "Sign out" in ids  # _() in base.html
    assert "%(seconds)s s ago" in ids  # _() with a parameter in settings/system.html


def test_every_message_has_a_zh_hans_translation(template: Catalog, zh_catalog: Catalog) -> None:
    found = problems(template, zh_catalog, "zh_Hans")
    assert not found, (
        "untranslated or broken zh_Hans messages; run `make i18n` and translate them in "
        f"{po_path('zh_Hans')}:\n" + "\n".join(str(problem) for problem in found)
    )


def test_every_translation_formats_with_its_parameters(zh_catalog: Catalog) -> None:
    """Templates run every `_()` result through `%`, Python messages through `str.format`."""
    for message in zh_catalog:
        if not message.id or not isinstance(message.string, str):
            continue
        names = {re.sub(r"^%\(|\)\w$|^\{|\}$", "", p) for p in placeholders(message.id)} - {"%%"}
        params = dict.fromkeys(names, "x")
        text = message.string
        if "{" in message.id:
            text = text.format(**params)
        assert isinstance(text % params, str), message.id


def test_po_header(zh_catalog: Catalog) -> None:
    assert str(zh_catalog.locale) == "zh_Hans"
    assert zh_catalog.plural_forms == "nplurals=1; plural=0;"
    assert zh_catalog.charset == "utf-8"
    assert not zh_catalog.fuzzy


def test_update_keeps_translations_and_is_idempotent(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    committed = po_path("zh_Hans").read_bytes()
    monkeypatch.setattr(catalog_module, "TRANSLATIONS_DIR", tmp_path)
    monkeypatch.setattr(catalog_module, "POT_PATH", tmp_path / "messages.pot")
    copy = po_path("zh_Hans")
    copy.parent.mkdir(parents=True)
    copy.write_bytes(committed)

    assert catalog_module.update()  # the .pot is new here
    after_first = copy.read_bytes()
    assert catalog_module.update() == []
    assert copy.read_bytes() == after_first
    assert catalog_module.check() == []


def test_update_creates_a_missing_po(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(catalog_module, "TRANSLATIONS_DIR", tmp_path)
    monkeypatch.setattr(catalog_module, "POT_PATH", tmp_path / "messages.pot")
    catalog_module.update()
    created = read_catalog(po_path("zh_Hans"), "zh_Hans")
    assert created.plural_forms == "nplurals=1; plural=0;"
    assert {problem.reason for problem in catalog_module.check()} == {"empty"}


def test_check_reports_missing_empty_fuzzy_and_placeholder_mismatch() -> None:
    template = Catalog()
    for msgid in ["Missing", "Empty", "Fuzzy", "Hello {name}", "%(seconds)s s ago", "Fine"]:
        template.add(msgid)
    translated = Catalog(locale="zh_Hans")
    translated.add("Empty", "")
    translated.add("Fuzzy", "模糊", flags=["fuzzy"])
    translated.add("Hello {name}", "你好 {nom}")
    translated.add("%(seconds)s s ago", "几秒前")
    translated.add("Fine", "好")
    found = {
        (problem.msgid, problem.reason.split(" ")[0])
        for problem in problems(template, translated, "zh_Hans")
    }
    assert found == {
        ("Missing", "missing"),
        ("Empty", "empty"),
        ("Fuzzy", "fuzzy"),
        ("Hello {name}", "placeholders"),
        ("%(seconds)s s ago", "placeholders"),
    }


def test_placeholders_cover_both_styles() -> None:
    assert placeholders("Hi {name}, %(count)d left, 100%% {0} {{literal}}") == {
        "{name}",
        "%(count)d",
        "%%",
        "{0}",
    }


def test_cli_check_passes_and_rejects_unknown_commands(capsys: pytest.CaptureFixture[str]) -> None:
    assert catalog_module.main(["check"]) == 0
    assert catalog_module.main(["translate"]) == 2
    assert "usage" in capsys.readouterr().err


def test_gettext_translates_and_falls_back() -> None:
    assert gettext("zh_Hans", "Sign in") == "登录"
    assert gettext("en", "Sign in") == "Sign in"
    assert gettext("zh_Hans", "A message nobody wrote") == "A message nobody wrote"


# --- choosing the language ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("zh_Hans", "zh_Hans"),
        ("zh-CN", "zh_Hans"),
        ("zh-cn", "zh_Hans"),
        ("zh-Hans-CN", "zh_Hans"),
        ("zh-SG", "zh_Hans"),
        ("zh", "zh_Hans"),
        ("zh-Hans-HK", "zh_Hans"),
        ("zh-TW", None),
        ("zh-HK", None),
        ("zh-Hant", None),
        ("en", "en"),
        ("en-US", "en"),
        ("EN-gb", "en"),
        ("fr", None),
        ("*", None),
        ("", None),
        (None, None),
    ],
)
def test_normalize_language(value: str | None, expected: str | None) -> None:
    assert normalize_language(value) == expected


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("zh-CN", "zh_Hans"),
        ("zh-Hans-CN,zh;q=0.9", "zh_Hans"),
        ("zh", "zh_Hans"),
        ("en-US,en;q=0.9", "en"),
        ("fr", None),
        ("fr-FR, fr;q=0.9", None),
        # Traditional Chinese is not served as Simplified: the next preference wins.
        ("zh-TW;q=0.9, en;q=0.8", "en"),
        ("zh-HK, zh-TW;q=0.8", None),
        # Weights, not the header's order, decide.
        ("en;q=0.5, zh-CN", "zh_Hans"),
        ("zh-CN;q=0, en", "en"),
        ("fr, zh-CN;q=0.7, en;q=0.3", "zh_Hans"),
        ("zh-CN;q=nonsense, en;q=0.1", "en"),
        ("", None),
        (None, None),
    ],
)
def test_negotiate(header: str | None, expected: str | None) -> None:
    assert negotiate(header) == expected


# --- through the app ------------------------------------------------------------------------------


def _nav_labels(html: str) -> list[str]:
    return re.findall(r'data-nav="\w+">([^<]+)</a>', html)


def _sign_in_in_chinese(client: TestClient, session: Session) -> None:
    user = create_user(session)
    create_workspace(session, owner=user, name="测试品牌")
    login(client, user.email)
    response = client.post(
        "/language",
        data={"language": "zh_Hans", "next": "/plan", "csrf_token": csrf(client, "/plan")},
        follow_redirects=False,
    )
    assert response.status_code == 303
    assert response.headers["location"] == "/plan"


def test_switching_to_chinese_translates_the_shell(client: TestClient, session: Session) -> None:
    _sign_in_in_chinese(client, session)
    html = client.get("/plan").text
    assert '<html lang="zh-Hans">' in html
    assert _nav_labels(html) == ZH_NAV
    assert "<h1>策划</h1>" in html
    assert "退出登录" in html
    assert "Sign out" not in html


def test_english_stays_the_default(client: TestClient, session: Session) -> None:
    user = create_user(session)
    create_workspace(session, owner=user)
    login(client, user.email)
    html = client.get("/plan").text
    assert '<html lang="en">' in html
    assert _nav_labels(html) == [
        "Home",
        "Plan",
        "Produce",
        "Publish",
        "Engage",
        "Measure",
        "Earn",
        "Settings",
    ]


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("/produce", "制作"),
        ("/publish", "发布"),
        ("/engage", "互动"),
        ("/measure", "数据"),
        ("/earn", "变现"),
        ("/settings", "你的角色："),
        ("/settings/members", "添加成员"),
        ("/settings/tokens", "创建令牌"),
        ("/settings/workspaces/new", "创建工作区"),
        ("/settings/audit", "审计日志"),
        ("/settings/system", "任务队列"),
    ],
)
def test_every_page_renders_in_chinese(
    client: TestClient, session: Session, path: str, expected: str
) -> None:
    _sign_in_in_chinese(client, session)
    response = client.get(path)
    assert response.status_code == 200, response.text
    assert expected in response.text
    assert _nav_labels(response.text) == ZH_NAV


def test_flash_messages_follow_the_language(client: TestClient, session: Session) -> None:
    _sign_in_in_chinese(client, session)
    html = client.post("/logout", data={"csrf_token": csrf(client, "/plan")}).text
    assert "你已退出登录。" in html
    assert '<html lang="zh-Hans">' in html


def test_api_error_message_follows_accept_language(client: TestClient) -> None:
    response = client.get("/api/v1/workspaces", headers={"Accept-Language": "zh-CN"})
    assert response.status_code == 401
    error = response.json()["error"]
    assert error["code"] == "not_authenticated"
    assert error["message"] == "请以“Authorization: Bearer <token>”的形式发送 API 令牌。"


def test_api_error_message_falls_back_to_english(client: TestClient) -> None:
    response = client.get(
        "/api/v1/workspaces", headers={"Accept-Language": "zh-TW;q=0.9, fr;q=0.8"}
    )
    assert response.status_code == 401
    assert response.json()["error"]["message"] == (
        "Send an API token as “Authorization: Bearer <token>”."
    )
