"""Sign-in, sessions, CSRF, lockout, idle timeout, cookies and role checks, through HTTP."""

from __future__ import annotations

from bot.console import store
from tests.console.conftest import PASSWORD, Served


async def test_sign_in_opens_the_queue_and_sets_a_strict_http_only_cookie(console: Served) -> None:
    console.add_staff("ana")
    browser = console.browser()
    await browser.get("/signin")
    response = await browser.post("/signin", {"username": "ana", "password": PASSWORD})
    assert response.status_code == 302 and response.headers["location"] == "/queue"
    cookie = next(v for k, v in response.headers.multi_items() if k == "set-cookie" and v.startswith("vc_session="))
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie and "Secure" not in cookie
    page = await browser.get("/queue")
    assert page.status_code == 200 and "Ana (agent)" in page.text
    stored = store.audit_entries(console.engine, action="signin")
    assert [e.username for e in stored] == ["ana"]


async def test_only_the_hash_of_the_session_token_is_stored(console: Served) -> None:
    import sqlalchemy as sa

    console.add_staff("ana")
    browser = console.browser()
    await browser.sign_in("ana")
    token = browser.http.cookies["vc_session"]
    with console.engine.connect() as connection:
        stored = connection.scalars(sa.text("SELECT token_hash FROM staff_sessions")).all()
    assert len(stored) == 1 and token not in stored[0] and len(stored[0]) == 64


async def test_wrong_password_is_refused_and_logged_without_the_password(console: Served) -> None:
    console.add_staff("ana")
    browser = console.browser()
    response = await browser.sign_in("ana", "wrong password 123")
    assert response.status_code == 401 and "Sign-in failed" in response.text
    assert (await browser.get("/queue")).status_code == 302
    failures = store.audit_entries(console.engine, action="signin_failed")
    assert len(failures) == 1 and "wrong password 123" not in repr(failures)


async def test_four_failures_then_success_resets_the_counter(console: Served) -> None:
    console.add_staff("ana")
    browser = console.browser()
    for _ in range(4):
        await browser.sign_in("ana", "not the password")
    assert (await browser.sign_in("ana")).status_code == 302
    other = console.browser()
    for _ in range(4):
        await other.sign_in("ana", "not the password")
    assert (await other.sign_in("ana")).status_code == 302


async def test_unknown_and_deactivated_accounts_get_the_same_answer(console: Served) -> None:
    account = console.add_staff("ana")
    store.update_staff(console.engine, staff_id=account.id, active=False)
    unknown = await console.browser().sign_in("nobody")
    deactivated = await console.browser().sign_in("ana")
    assert unknown.status_code == deactivated.status_code == 401
    assert "Sign-in failed" in unknown.text and "Sign-in failed" in deactivated.text


async def test_post_without_or_with_a_foreign_csrf_token_is_forbidden(console: Served) -> None:
    console.add_staff("ana")
    console.add_staff("root", role="admin")
    missing = await console.browser().post("/signin", {"username": "ana", "password": PASSWORD}, csrf=False)
    assert missing.status_code == 403
    admin = console.browser()
    await admin.sign_in("root")
    other = console.browser()
    await other.get("/signin")
    forged = await admin.http.post("/admin/staff", data={"csrf": other.csrf or "", "username": "mallory",
                                                        "password": "a long password 1", "role": "admin"})
    assert forged.status_code == 403
    assert store.credentials(console.engine, username="mallory") is None
    no_token = await admin.http.post("/signout", data={})
    assert no_token.status_code == 403


async def test_idle_session_expires_and_the_person_must_sign_in_again(console: Served) -> None:
    console.add_staff("ana")
    browser = console.browser()
    await browser.sign_in("ana")
    console.clock.advance(minutes=20)
    assert (await browser.get("/queue")).status_code == 200
    console.clock.advance(minutes=20)  # 20 minutes since the last request: still inside the 30
    assert (await browser.get("/queue")).status_code == 200
    console.clock.advance(minutes=31)
    expired = await browser.get("/queue")
    assert expired.status_code == 302 and expired.headers["location"] == "/signin?expired=1"
    assert (await browser.get("/queue")).status_code == 302
    page = await browser.get("/signin?expired=1")
    assert "without activity" in page.text
    assert store.audit_entries(console.engine, action="session_expired")


async def test_polling_does_not_keep_an_idle_session_alive(console: Served) -> None:
    console.add_staff("ana")
    browser = console.browser()
    await browser.sign_in("ana")
    for _ in range(4):
        console.clock.advance(minutes=10)
        await browser.get("/api/queue")
    response = await browser.get("/api/queue")
    assert response.status_code == 401


async def test_sign_out_ends_the_session_on_the_server(console: Served) -> None:
    console.add_staff("ana")
    browser = console.browser()
    await browser.sign_in("ana")
    token = browser.http.cookies["vc_session"]
    response = await browser.post("/signout")
    assert response.status_code == 302
    replay = console.browser()
    replay.http.cookies.set("vc_session", token)
    assert (await replay.get("/queue")).status_code == 302


async def test_secure_cookies_when_configured(database_url: str) -> None:
    from bot.console.web import Console
    from bot.infodb.session import engine_for
    from tests.console.conftest import Clock, make_settings, serve, stop

    clock = Clock()
    state = Console(settings=make_settings(database_url, secure_cookies=True), engine=engine_for(database_url), clock=clock)
    server, url = await serve(state)
    served = Served(state, url, clock, server)
    try:
        served.add_staff("ana")
        browser = served.browser()
        page = await browser.get("/signin")
        pre = page.headers["set-cookie"]
        assert pre.startswith("vc_pre=") and "Secure" in pre
        # A plain-HTTP client does not send Secure cookies back: send it by hand, as over TLS.
        response = await browser.http.post("/signin", data={"username": "ana", "password": PASSWORD, "csrf": browser.csrf or ""},
                                           headers={"Cookie": pre.split(";")[0]})
        cookie = next(v for k, v in response.headers.multi_items() if k == "set-cookie" and v.startswith("vc_session="))
        assert "Secure" in cookie and "HttpOnly" in cookie
    finally:
        await stop(served)


async def test_agents_cannot_open_admin_pages_and_the_attempt_is_logged(console: Served) -> None:
    console.add_staff("ana")
    browser = console.browser()
    await browser.sign_in("ana")
    for path in ("/admin/staff", "/admin/audit"):
        assert (await browser.get(path)).status_code == 403
    assert (await browser.get("/admin/content")).status_code == 403
    assert len(store.audit_entries(console.engine, action="forbidden")) == 3


async def test_signed_out_visitors_are_sent_to_sign_in(console: Served) -> None:
    browser = console.browser()
    for path in ("/queue", "/admin/staff", "/admin/audit", "/admin/content"):
        response = await browser.get(path)
        assert response.status_code == 302 and response.headers["location"] == "/signin"
    assert (await browser.get("/api/queue")).status_code == 401


async def test_security_headers(console: Served) -> None:
    response = await console.browser().get("/signin")
    assert "default-src 'self'" in response.headers["content-security-policy"]
    assert response.headers["x-frame-options"] == "DENY"
    assert response.headers["cache-control"] == "no-store"
