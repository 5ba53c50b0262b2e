"""Admin pages: staff accounts, the audit log, the information database; the create-admin command."""

from __future__ import annotations

import re
from datetime import date

import pytest

from bot.console import store
from bot.console.__main__ import main
from bot.console.security import CommonPasswordError, check_password_strength
from bot.handoff import store as handoff
from bot.infodb import queries
from bot.infodb.session import engine_for, session_scope
from tests.console.conftest import PASSWORD, Served


async def test_admin_creates_an_account_that_can_sign_in_then_deactivates_it(console: Served) -> None:
    console.add_staff("root", role="admin")
    north = handoff.upsert_desk(console.engine, code="north", name="Tapachula", timezone="America/Mexico_City", hours={},
                                countries=["MX"], languages=[])
    admin = console.browser()
    await admin.sign_in("root")
    page = await admin.get("/admin/staff")
    assert "Tapachula" in page.text
    created = await admin.post("/admin/staff", {"username": "ben", "display_name": "Ben", "password": "a long password 42",
                                                "role": "agent", "desk_id": str(north)})
    assert created.status_code == 200 and "Account ben created" in created.text
    ben = store.credentials(console.engine, username="ben")
    assert ben is not None and ben.staff.desk_id == north and ben.password_hash.startswith("$argon2id$")
    agent = console.browser()
    assert (await agent.sign_in("ben", "a long password 42")).status_code == 302
    assert (await admin.post(f"/admin/staff/{ben.staff.id}", {"active": "0"})).status_code == 200
    assert (await agent.get("/queue")).status_code == 302  # the open session ended
    assert (await console.browser().sign_in("ben", "a long password 42")).status_code == 401


async def test_short_passwords_and_duplicate_usernames_are_refused(console: Served) -> None:
    console.add_staff("root", role="admin")
    admin = console.browser()
    await admin.sign_in("root")
    short = await admin.post("/admin/staff", {"username": "ben", "password": "short", "role": "agent"})
    assert short.status_code == 400 and "12 characters" in short.text
    taken = await admin.post("/admin/staff", {"username": "root", "password": "a long password 42", "role": "agent"})
    assert taken.status_code == 400 and "taken" in taken.text


@pytest.mark.parametrize("password", ["password1234", "qwertyuiop123", "123456789012", "iloveyou2026"])
async def test_common_passwords_are_refused_at_creation_and_reset(console: Served, password: str) -> None:
    console.add_staff("root", role="admin")
    ana = console.add_staff("ana")
    admin = console.browser()
    await admin.sign_in("root")
    created = await admin.post("/admin/staff", {"username": "ana.garcia", "display_name": "Ana García",
                                                "password": password, "role": "agent"})
    assert created.status_code == 400 and "common or easy to guess" in created.text
    assert store.credentials(console.engine, username="ana.garcia") is None
    reset = await admin.post(f"/admin/staff/{ana.id}/password", {"password": password})
    assert reset.status_code == 400 and "common or easy to guess" in reset.text
    assert (await console.browser().sign_in("ana")).status_code == 302  # the old password still works


def test_common_password_check_allows_long_unusual_passwords() -> None:
    check_password_strength("a long password 42")
    check_password_strength("tortilla verde lunes")
    with pytest.raises(CommonPasswordError):
        check_password_strength("ana.lopez2026", ("ana.lopez", "Ana López"))


async def test_role_change_and_password_reset_unlock_and_end_sessions(console: Served) -> None:
    console.add_staff("root", role="admin")
    ana = console.add_staff("ana")
    locked_out = console.browser()
    for _ in range(5):
        await locked_out.sign_in("ana", "not the password")
    assert (await locked_out.sign_in("ana", "brand new password 7")).status_code == 429
    admin = console.browser()
    await admin.sign_in("root")
    assert (await admin.post(f"/admin/staff/{ana.id}", {"role": "supervisor", "desk_id": ""})).status_code == 200
    assert store.get_staff(console.engine, staff_id=ana.id).role == "supervisor"
    assert (await admin.post(f"/admin/staff/{ana.id}/password", {"password": "brand new password 7"})).status_code == 200
    assert (await locked_out.sign_in("ana", "brand new password 7")).status_code == 302  # the reset unlocked it
    actions = [e.action for e in store.audit_entries(console.engine, limit=50)]
    assert "staff_updated" in actions and "staff_password_reset" in actions


async def test_an_admin_cannot_demote_or_deactivate_themself(console: Served) -> None:
    root = console.add_staff("root", role="admin")
    admin = console.browser()
    await admin.sign_in("root")
    assert (await admin.post(f"/admin/staff/{root.id}", {"active": "0"})).status_code == 400
    assert (await admin.post(f"/admin/staff/{root.id}", {"role": "agent"})).status_code == 400
    assert store.get_staff(console.engine, staff_id=root.id).role == "admin"


async def test_the_audit_page_shows_sign_ins_and_failures(console: Served) -> None:
    console.add_staff("root", role="admin")
    await console.browser().sign_in("root", "wrong password here")
    admin = console.browser()
    await admin.sign_in("root")
    page = await admin.get("/admin/audit")
    assert page.status_code == 200 and "signin_failed" in page.text and "signin" in page.text
    filtered = await admin.get("/admin/audit?action=signin_failed")
    assert filtered.text.count("<td>signin_failed</td>") == 1 and "<td>signin</td>" not in filtered.text


async def test_supervisor_edits_an_answer_and_marks_it_verified(console: Served) -> None:
    console.add_staff("sofia", role="supervisor")
    browser = console.browser()
    await browser.sign_in("sofia")
    listing = await browser.get("/admin/content?country=MX")
    assert listing.status_code == 200
    answer_id = int(re.search(r"/admin/content/answers/(\d+)", listing.text).group(1))
    page = await browser.get(f"/admin/content/answers/{answer_id}")
    assert 'id="lang-es"' in page.text
    saved = await browser.post(f"/admin/content/answers/{answer_id}",
                               {"language": "es", "title": "Título revisado", "body": "Texto revisado por la ventanilla."})
    assert saved.status_code == 302
    verified = await browser.post(f"/admin/content/answers/{answer_id}/verify")
    assert verified.status_code == 302
    with session_scope(console.engine) as session:
        summary, texts = queries.answer_detail(session, answer_id=answer_id)
        assert summary.verified_at == date.today()
        assert next(t for t in texts if t.language == "es").body == "Texto revisado por la ventanilla."
        found = queries.find_answer(session, topic=summary.topic, country=summary.country, language="es")
        assert found is not None and found.body == "Texto revisado por la ventanilla."
    actions = [e.action for e in store.audit_entries(console.engine)]
    assert "answer_edited" in actions and "answer_verified" in actions


async def test_agents_cannot_edit_content(console: Served) -> None:
    console.add_staff("ana")
    browser = console.browser()
    await browser.sign_in("ana")
    response = await browser.post("/admin/content/answers/1", {"language": "es", "title": "x", "body": "y"})
    assert response.status_code == 403


def test_create_admin_command(database_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("CONSOLE_SECRET", "a-test-secret-of-enough-length")
    monkeypatch.setenv("VENTANILLA_ADMIN_PASSWORD", "first admin password")
    assert main(["create-admin", "--username", "first"]) == 0
    account = store.credentials(engine_for(database_url), username="first")
    assert account is not None and account.staff.role == "admin"
    assert main(["create-admin", "--username", "first"]) == 1
    monkeypatch.setenv("VENTANILLA_ADMIN_PASSWORD", "short")
    assert main(["create-admin", "--username", "second"]) == 1
    assert "12 characters" in capsys.readouterr().err
    monkeypatch.setenv("VENTANILLA_ADMIN_PASSWORD", "password1234")
    assert main(["create-admin", "--username", "second"]) == 1
    assert "common or easy to guess" in capsys.readouterr().err


def test_store_on_postgresql(pg_database_url: str) -> None:
    from datetime import datetime, timedelta

    engine = engine_for(pg_database_url)
    now = datetime.utcnow()
    desk = handoff.upsert_desk(engine, code="pg", name="PG desk", timezone="UTC", hours={}, countries=[], languages=[])
    ana = store.create_staff(engine, username="ana", display_name="Ana", password_hash="x", role="agent", desk_id=desk, now=now)
    with pytest.raises(store.StaffError):
        store.create_staff(engine, username="ana", display_name="Ana", password_hash="x", role="agent", desk_id=None, now=now)
    store.set_language(engine, staff_id=ana.id, language="fr")
    assert store.get_staff(engine, staff_id=ana.id).language == "fr"
    store.record_signin(engine, staff_id=ana.id, token_hash="h" * 64, now=now - timedelta(hours=1))
    found = store.session_staff(engine, token_hash="h" * 64)
    assert found[0].username == "ana" and found[1] == now - timedelta(hours=1)
    store.update_staff(engine, staff_id=ana.id, active=False)
    assert store.session_staff(engine, token_hash="h" * 64) is None
    store.log(engine, action="signin", now=now, staff_id=ana.id, username="ana", client="203.0.113.5")
    assert [(e.action, e.client) for e in store.audit_entries(engine)] == [("signin", "203.0.113.5")]
    with session_scope(engine) as session:
        first = queries.list_answers(session)[0]
        assert queries.mark_answer_verified(session, answer_id=first.id, on=date(2026, 1, 2))
    with session_scope(engine) as session:
        assert queries.answer_detail(session, answer_id=first.id)[0].verified_at == date(2026, 1, 2)


async def test_admin_adds_a_desk_with_hours_and_routing(console: Served) -> None:
    console.add_staff("root", role="admin")
    admin = console.browser()
    await admin.sign_in("root")
    form = {"code": "tapachula", "name": "Ventanilla Tapachula", "timezone": "America/Mexico_City",
            "hours": "mon-fri 09:00-17:00", "countries": "mx, gt", "languages": "es,HT"}
    saved = await admin.post("/admin/desks", form)
    assert saved.status_code == 200 and "Desk tapachula saved" in saved.text and "mon 09:00-17:00" in saved.text
    desk = handoff.list_desks(console.engine)[0]
    assert (desk.countries, desk.languages, desk.hours["fri"]) == (["MX", "GT"], ["es", "ht"], ["09:00-17:00"])
    assert handoff.route_desk(console.engine, country="GT", language="ht").id == desk.id
    bad = await admin.post("/admin/desks", {"code": "x", "name": "X", "timezone": "Mars/Base", "hours": ""})
    assert bad.status_code == 400 and "unknown time zone" in bad.text
    agent = console.browser()
    console.add_staff("ana")
    await agent.sign_in("ana")
    assert (await agent.get("/admin/desks")).status_code == 403


async def test_facts_by_country_and_on_the_answer_page(console: Served) -> None:
    console.add_staff("sofia", role="supervisor")
    browser = console.browser()
    await browser.sign_in("sofia")
    with session_scope(console.engine) as session:
        mexican = queries.list_facts(session, country="Mexico")
        answer = next(a for a in queries.list_answers(session) if a.fact_ids)
    assert mexican
    page = await browser.get("/admin/content/facts?country=Mexico")
    assert page.status_code == 200 and f'id="fact-{mexican[0].id}"' in page.text
    assert all(f.country == "Mexico" for f in mexican)
    answer_page = await browser.get(f"/admin/content/answers/{answer.id}")
    assert f"<strong>{answer.fact_ids[0]}</strong>" in answer_page.text


async def test_staff_change_their_own_password_but_not_to_a_common_one(console: Served) -> None:
    console.add_staff("ana")
    other = console.browser()
    await other.sign_in("ana")
    browser = console.browser()
    browser.http.headers["Accept-Language"] = "es"
    await browser.sign_in("ana")
    assert "Cambiar tu contraseña" in (await browser.get("/account")).text
    wrong = await browser.post("/account/password", {"current": "not it", "password": "lunes verde tortuga",
                                                     "again": "lunes verde tortuga"})
    assert wrong.status_code == 400 and "La contraseña actual no es correcta." in wrong.text
    common = await browser.post("/account/password", {"current": PASSWORD, "password": "password1234", "again": "password1234"})
    assert common.status_code == 400 and "común o fácil de adivinar" in common.text
    differ = await browser.post("/account/password", {"current": PASSWORD, "password": "lunes verde tortuga", "again": "x"})
    assert differ.status_code == 400
    changed = await browser.post("/account/password", {"current": PASSWORD, "password": "lunes verde tortuga",
                                                       "again": "lunes verde tortuga"})
    assert changed.status_code == 303 and "Contraseña cambiada." in (await browser.get(changed.headers["location"])).text
    assert (await other.get("/api/queue")).status_code == 401  # the other browser's session ended
    assert (await console.browser().sign_in("ana", "lunes verde tortuga")).status_code == 302
    assert "password_changed" in [e.action for e in store.audit_entries(console.engine, limit=50)]
