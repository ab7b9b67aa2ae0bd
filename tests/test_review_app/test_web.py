"""The web shell: health check, Chinese by default, English on request, local assets, headers."""

import re

import pytest


def test_healthz(client):
    response = client.get("/healthz")
    assert response.status_code == 200 and response.json == {"status": "ok", "db": "ok"}


def test_healthz_reports_a_dead_database(app, tmp_path):
    from review_app import create_app

    broken = create_app(
        {"TESTING": True, "DATABASE_URL": f"sqlite:///{tmp_path}/missing/dir/x.db", "SECRET_KEY": "x"},
        instance_path=str(tmp_path / "i"),
    )
    response = broken.test_client().get("/healthz")
    assert response.status_code == 503 and response.json == {"status": "error", "db": "error"}


def test_the_interface_speaks_chinese_by_default(client):
    page = client.get("/auth/login").text
    assert "江苏省创新联合体评审系统" in page and 'lang="zh-CN"' in page


def test_english_can_be_chosen(client):
    page = client.get("/auth/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    client.post("/language", data={"lang": "en", "next": "/auth/login", "csrf_token": token})
    page = client.get("/auth/login").text
    assert "Jiangsu Innovation Consortium Review" in page and 'lang="en"' in page


def test_language_switch_never_redirects_off_site(client):
    page = client.get("/auth/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    response = client.post("/language", data={"lang": "en", "next": "//evil.example/", "csrf_token": token})
    assert response.location == "/"


def test_assets_are_served_by_the_app_itself(client):
    page = client.get("/auth/login").text
    assets = re.findall(r'(?:href|src)="([^"]+\.(?:css|js))"', page)
    assert assets and all(a.startswith("/static/") for a in assets)
    for asset in assets:
        response = client.get(asset)
        assert response.status_code == 200
        response.close()


def test_security_headers(client):
    headers = client.get("/auth/login").headers
    assert "default-src 'self'" in headers["Content-Security-Policy"]
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["X-Frame-Options"] == "SAMEORIGIN"


@pytest.mark.demo
def test_dashboards_say_what_to_do_next(client, auth, users):
    auth.login("admin1")
    page = client.get("/admin/").text
    assert "下一步" in page and "跟踪专家评审进度" in page and "2026年度江苏省创新联合体（新建申报）" in page
    auth.logout()
    auth.login("nanjing1")
    page = client.get("/city/").text
    assert "南京市科技局" in page and "申报编号" in page
    # the main round's own table: after the small round under notice (issue 17), before the annual rounds (issue 22)
    main = page.split("2026年度江苏省创新联合体（新建申报）")[1].split("</table>")[0]
    assert main.count("<tr>") == 1 + 5  # header and its own five applications, no other city's


def test_a_missing_secret_key_is_created_once_in_the_instance_folder(tmp_path, database_url, monkeypatch):
    from review_app import create_app

    monkeypatch.delenv("SECRET_KEY", raising=False)
    first = create_app({"DATABASE_URL": database_url}, instance_path=str(tmp_path / "inst"))
    second = create_app({"DATABASE_URL": database_url}, instance_path=str(tmp_path / "inst"))
    key_file = tmp_path / "inst" / "secret_key"
    assert first.config["SECRET_KEY"] == second.config["SECRET_KEY"] == key_file.read_text()
    assert len(first.config["SECRET_KEY"]) == 64 and (key_file.stat().st_mode & 0o077) == 0


def test_instance_config_and_environment_override_defaults(tmp_path, database_url, monkeypatch):
    from review_app import create_app

    instance = tmp_path / "inst"
    instance.mkdir()
    (instance / "config.py").write_text('SMTP_URL = "smtp://from-instance"\nSECRET_KEY = "from-instance"\n')
    monkeypatch.setenv("SECRET_KEY", "from-environment")
    app = create_app({"DATABASE_URL": database_url}, instance_path=str(instance))
    assert app.config["SMTP_URL"] == "smtp://from-instance"
    assert app.config["SECRET_KEY"] == "from-environment"
