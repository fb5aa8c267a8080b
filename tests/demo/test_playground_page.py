"""The playground page over HTTP: four phones, real presses, edits, toasts, files, a language
and direction per phone, a fresh start; and safe by construction."""

from __future__ import annotations

import asyncio
import re
import socket
import sqlite3
from pathlib import Path

import httpx
import pytest
from pydantic import SecretStr

from bot.cli import main as cli
from bot.demo import people
from bot.demo.playground import run as playground_run
from bot.demo.playground.host import Host
from bot.demo.playground.web import HEADER
from bot.platform import i18n
from bot.platform.config import Settings
from tests.demo.conftest import TUESDAY
from tests.demo.playground_support import Page, texts


async def test_the_page_shows_four_phones_with_who_holds_them(playground: Page) -> None:
    page = (await playground.client.get("/")).text
    phones = re.findall(
        r'<section class="phone" data-phone="(\w+)" lang="(\w+)"\s+dir="(\w+)"', page
    )
    assert phones == [
        ("anna", "en", "ltr"),
        ("sofia", "en", "ltr"),
        ("rikard", "en", "ltr"),
        ("admin", "en", "ltr"),
    ]
    for person in people.CAST:
        assert person.name in page
    assert "social worker, municipal social services" in page
    assert "distributor, regional addiction clinic" in page
    assert "unit head and admin, municipal social services" in page
    swedish = (await playground.client.get("/", params={"lang": "sv"})).text
    assert "socialsekreterare, kommunens socialtjänst" in swedish
    assert "Börja om" in swedish
    panel = (await playground.client.get("/panel", params={"lang": "sv"})).json()["html"]
    assert "Botens klocka" in panel and "tisdag 3 mars 09:30" in panel
    assert "Anna öppnar Sofias länk och ger sitt samtycke" in panel


async def test_a_press_is_a_real_callback_that_edits_in_place(playground: Page) -> None:
    state = await playground.state()
    await playground.say("anna", state["phones"]["anna"]["invite"])
    ask = await playground.wait_for("anna", "First I need your consent")
    yes = next(b for row in ask["buttons"] for b in row if b["text"] == "Yes")
    first = await playground.client.post(
        "/phone/anna/press", data={"message": ask["id"], "data": yes["data"]}
    )
    assert first.json()["toast"] is None
    [edited] = [m for m in await playground.messages("anna") if m["id"] == ask["id"]]
    assert edited["edited"] is True
    assert edited["text"].startswith("Part 1 of 3: Reminders in the chat")
    again = await playground.client.post(
        "/phone/anna/press", data={"message": ask["id"], "data": yes["data"]}
    )
    assert again.json()["toast"]  # an old button: one line, nothing changes
    assert (await playground.state())["phones"]["anna"]["invite"] is None
    html = (await playground.client.get("/phone/anna")).json()["html"]
    assert '<span class="edited">edited</span>' in html
    assert html.count('class="msg me"') == 1 and "/start i_" in html


async def test_files_are_shown_or_downloadable(playground: Page) -> None:
    await playground.join_anna()
    await playground.book(TUESDAY.replace(day=5, hour=13, minute=0))
    await playground.wait_for("sofia", "Confirmed:")
    await playground.press("sofia", "📅 Calendar file")
    [calendar] = await playground.files("sofia", "document")
    assert calendar["filename"].endswith(".ics")
    download = await playground.client.get(f"/phone/sofia/file/{calendar['id']}")
    assert download.headers["content-disposition"].startswith("attachment;")
    assert download.text.startswith("BEGIN:VCALENDAR")
    html = (await playground.client.get("/phone/sofia")).json()["html"]
    assert f'href="/phone/sofia/file/{calendar["id"]}" download=' in html

    await playground.say("sofia", "/results")
    chart = await playground.wait_for("sofia", "Participation after shared meetings")
    assert chart["kind"] == "photo"
    picture = await playground.client.get(f"/phone/sofia/file/{chart['id']}")
    assert picture.headers["content-type"] == "image/png"
    assert picture.headers["content-disposition"].startswith("inline;")
    assert picture.content.startswith(b"\x89PNG")
    html = (await playground.client.get("/phone/sofia")).json()["html"]
    assert f'<img class="photo" src="/phone/sofia/file/{chart["id"]}"' in html
    missing = await playground.client.get("/phone/anna/file/999")
    assert missing.status_code == 404

    await playground.say("sofia", "/invite")
    await playground.wait_for("sofia", "Which units does the cooperation concern?")
    await playground.press("sofia", "Create link")
    codes = await playground.files("sofia", "photo", 2)
    assert len(codes) == 2  # the chart, and now the link's QR code
    qr = await playground.client.get(f"/phone/sofia/file/{codes[-1]['id']}")
    assert qr.content.startswith(b"\x89PNG")

    await playground.say("anna", "/mydata")
    await playground.wait_for("anna", "This is everything I store about you")
    await playground.press("anna", "Send me a copy")
    readable, copy = await playground.files("anna", "document", 2)
    exported = await playground.client.get(f"/phone/anna/file/{copy['id']}")
    assert exported.headers["content-disposition"].startswith("attachment;")
    assert "K-" in exported.text
    text = await playground.client.get(f"/phone/anna/file/{readable['id']}")
    assert text.text.startswith("Everything I store about you")


async def test_each_phone_has_its_language_and_direction(
    playground: Page, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A right-to-left language lays its phone out right to left; Arabic is the one the
    product adds, and Babel knows its direction whether or not its catalog is there yet."""
    if "ar" not in i18n.LANGUAGE_NAMES:
        monkeypatch.setitem(i18n.LANGUAGE_NAMES, "ar", "العربية")
    changed = await playground.client.post("/phone/rikard/language", data={"language": "sv"})
    assert changed.json() == {"ok": True}
    await playground.say("rikard", "/help")
    await playground.wait_for("rikard", "Det här kan jag")
    arabic = await playground.client.post("/phone/anna/language", data={"language": "ar"})
    assert arabic.status_code == 200
    anna = (await playground.client.get("/phone/anna")).json()
    assert (anna["lang"], anna["dir"]) == ("ar", "rtl")
    state = await playground.state()
    assert [state["phones"][k]["dir"] for k in ("anna", "sofia", "rikard")] == [
        "rtl",
        "ltr",
        "ltr",
    ]
    page = (await playground.client.get("/")).text
    assert re.search(r'data-phone="anna" lang="ar"\s+dir="rtl"', page)
    assert re.search(r'data-phone="rikard" lang="sv"\s+dir="ltr"', page)
    refused = await playground.client.post("/phone/anna/language", data={"language": "xx"})
    assert refused.status_code == 400


async def test_starting_over_gives_a_fresh_database(playground: Page) -> None:
    await playground.join_anna()
    before = await playground.state()
    assert before["steps"]["consent"] is True
    await playground.move("tomorrow")
    reset = await playground.client.post("/reset")
    assert reset.json() == {"generation": 2}
    after = await playground.state()
    assert after["generation"] == 2
    assert not any(after["steps"].values())
    assert all(phone["messages"] == [] for phone in after["phones"].values())
    assert after["phones"]["anna"]["invite"] != before["phones"]["anna"]["invite"]
    assert after["time"] == TUESDAY.isoformat()
    await playground.join_anna()  # the new link works, and the old case is gone
    assert texts(await playground.state(), "anna")[0] == after["phones"]["anna"]["invite"]


async def test_every_start_is_fresh(tmp_path: Path) -> None:
    settings = Settings(_env_file=None, data_dir=tmp_path)
    seen = []
    for _ in range(3):
        host = Host(settings, tmp_path / "playground", start=TUESDAY, wall=lambda: TUESDAY)
        await host.open()
        state = await host.state()
        seen.append(state["phones"]["anna"]["invite"])
        host.current().send("sofia", "/start")
        await host.current().handle("sofia").wait_for_messages(1, since=0)
        await host.close()
    assert len(set(seen)) == 3


async def test_only_this_computer_and_this_page_may_use_it(playground: Page) -> None:
    assert playground.addresses == ("127.0.0.1",)
    base = f"http://127.0.0.1:{playground.port}"
    async with httpx.AsyncClient() as other:
        renamed = await other.get(f"{base}/api/state", headers={"Host": "evil.example:80"})
        assert renamed.status_code == 403
        forged = await other.post(f"{base}/reset")  # a form on another site has no header
        assert forged.status_code == 403
        fine = await other.post(f"{base}/clock", data={"move": "hour"}, headers={HEADER: "1"})
        assert fine.status_code == 200
        assert (await other.get(f"{base}/static/playground.js")).status_code == 200


def test_it_refuses_to_start_with_a_real_token(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    settings = Settings(
        _env_file=None, data_dir=tmp_path / "data", telegram_token=SecretStr("123:real-token")
    )
    assert playground_run.run_playground(settings) == 2
    assert "Provmiljön körs aldrig med en riktig bottoken." in capsys.readouterr().err
    assert not (tmp_path / "data").exists()


async def test_it_never_touches_the_configured_database(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    real = tmp_path / "real.db"
    with sqlite3.connect(real) as connection:
        connection.execute("CREATE TABLE precious (value TEXT)")
        connection.execute("INSERT INTO precious VALUES ('keep me')")
    before = real.read_bytes()
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    settings = Settings(
        _env_file=None,
        data_dir=tmp_path / "data",
        database_url=f"sqlite:///{real}",
        playground_port=port,
    )
    stop = asyncio.Event()
    served = asyncio.create_task(playground_run.serve_playground(settings, stop))
    async with httpx.AsyncClient() as client:
        printed = ""
        for _ in range(400):
            printed += capsys.readouterr().out
            if f"http://127.0.0.1:{port}" in printed:
                break
            await asyncio.sleep(0.05)
        page = await client.get(f"http://127.0.0.1:{port}/api/state")
    assert page.status_code == 200
    stop.set()
    assert await served == 0
    assert real.read_bytes() == before
    assert (tmp_path / "data" / "playground" / "playground.db").exists()


def test_run_without_a_token_starts_the_playground(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    started: list[Settings] = []
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("SAMORDNA_TELEGRAM_TOKEN", raising=False)
    monkeypatch.setenv("SAMORDNA_PLAYGROUND_PORT", "18080")

    def run_playground(settings: Settings) -> int:
        started.append(settings)
        return 0

    monkeypatch.setattr(playground_run, "run_playground", run_playground)
    assert cli.main(["run"]) == 0
    assert [s.playground_port for s in started] == [18080]
