"""A victim at her own page, in headless Chromium against the real services and broker, with
the mail and SMS catchers: she asks for a dialogue on the Spanish public page (with two kinds of
custody notice), confirms it, opens her page from the acknowledgement, sees her messages, moves
to text messages in Spanish (the code goes to her phone), drops one kind of custody notice,
withdraws and undoes it, each change made with the one-time code sent to her. No page logs a
browser error and every page has the quick exit. Screenshots go to artifacts/screenshots/.

She asks by email: her page's link comes only in emails (notifications puts it in no text
message), so her request is confirmed with the emailed link and its button; the codes on her
page come by email, then, once she moves to texts, to her phone. Only intake's own messages
(never held at night) and notifications' emails are waited for: no quiet hours apply."""
import re

import pytest

from vod_devtools.catchers import Catchers
from vod_devtools.net import free_port
from vod_devtools.testing import wait_until

from .services import ServiceProcess
from .staff_support import screenshot_path

pytestmark = [pytest.mark.integration, pytest.mark.e2e]
EMAIL, PHONE = "ana.reyes@example.org", "(619) 555-0142"
CODE = re.compile(r"código\D*?(\d{6})\b")  # in intake's own Spanish words (door_words.py)


async def _go(page, control) -> None:
    """Clicks a link or a form's button and waits for the page it leads to."""
    async with page.expect_navigation(wait_until="load"):
        await control.click()


async def _snap(page, name: str) -> None:
    """Every page has the quick exit; each step is kept as a screenshot."""
    assert await page.locator("#quick-exit").get_attribute("href") == "https://weather.com/"
    await page.screenshot(path=screenshot_path(f"victim-{name}"), full_page=True)


def _to_her(catchers: Catchers, by: str, after: int = 0) -> list[str]:
    """The words that reached her since record ``after``, newest first: the texts to her phone
    (``by="sms"``), or the mail to her address."""
    if by == "sms":
        return [r["body"] for r in catchers.sms.read() if r["id"] > after
                and re.sub(r"\D", "", r["to"]).endswith(re.sub(r"\D", "", PHONE))]
    return [r["text"] or "" for r in catchers.mail.read()
            if r["id"] > after and EMAIL in r["rcpt_tos"]]


def _newest(catchers: Catchers, by: str, pattern: re.Pattern, after: int = 0) -> str | None:
    """What ``pattern`` finds (its group, if it has one) in her newest message that has it."""
    for words in _to_her(catchers, by, after):
        if found := pattern.search(words):
            return found.group(pattern.groups)
    return None


def _last_ids(catchers: Catchers) -> dict[str, int]:
    return {"sms": len(catchers.sms.read()), "email": len(catchers.mail.read())}


async def _heading(page) -> str:
    return await page.get_by_role("heading", level=1).inner_text()


async def _change_with_code(page, catchers: Catchers, button, *, name: str) -> str:
    """Presses ``button`` on her page, enters the code sent to her phone (and nowhere else),
    goes back to her page; returns the heading of the answer."""
    after = _last_ids(catchers)
    await _go(page, button)
    assert await _heading(page) == "Escriba el código que le enviamos"
    assert await wait_until(lambda: _newest(catchers, "sms", CODE, after["sms"]), timeout=15)
    assert _newest(catchers, "email", CODE, after["email"]) is None
    await _snap(page, f"{name}-code")
    await page.get_by_label("Código (seis números)").fill(
        _newest(catchers, "sms", CODE, after["sms"]))
    await _go(page, page.get_by_role("button", name="Confirmar"))
    await _snap(page, f"{name}-done")
    heading = await _heading(page)
    await _go(page, page.get_by_role("link", name="Volver a su página"))
    return heading


async def test_a_victim_confirms_opens_her_page_and_changes_what_is_hers(
        page, browser_errors, service_env, processes, request, tmp_path):
    with Catchers(tmp_path / "catchers", smtp_port=free_port(), http_port=free_port()) as catchers:
        env = service_env | {"SMTP_HOST": "127.0.0.1", "SMTP_PORT": str(catchers.smtp_port),
                             "SMS_API_BASE": catchers.http_base, "SMS_AUTH_TOKEN": "e2e-sms",
                             "NOTIFICATIONS_SENDER_POLL_S": "0.2"}
        # Intake's own address goes into its confirmation link: known once its port is chosen.
        intake = ServiceProcess("intake", env, tmp_path)
        intake.env["PUBLIC_BASE_URL"] = intake.url
        request.addfinalizer(intake.stop)
        intake.launch()
        others = [processes(name, env | {"INTAKE_PUBLIC_URL": intake.url}, wait=False)
                  for name in ("screening", "notifications")]
        for process in (intake, *others):
            process.wait_healthy(90.0)

        # The public form, in Spanish: a dialogue, and release and escape notices.
        await page.goto(f"{intake.url}/request?lang=es")
        await _snap(page, "01-request-form")
        await page.get_by_label("Nombre", exact=True).fill("Ana")
        await page.get_by_label("Apellido(s)", exact=True).fill("Reyes")
        await page.get_by_label("La persona que sufrió el daño").check()
        await page.get_by_label("Correo electrónico (opcional)").fill(EMAIL)
        await page.get_by_label("Teléfono celular (opcional)").fill(PHONE)
        await page.get_by_label("Correo electrónico", exact=True).check()
        await page.get_by_label("Idioma de nuestros mensajes").select_option("es")
        await page.get_by_label("Estado donde vive").fill("CA")
        await page.get_by_label("Número de CDCR").fill("AB4321")
        await page.get_by_role("checkbox", name="Registrarme también para recibir avisos de "
                                                  "custodia").check()
        await page.get_by_role("checkbox", name="Liberación").check()
        await page.get_by_role("checkbox", name="Fuga (y regreso a custodia)").check()
        await _snap(page, "02-request-filled")
        await _go(page, page.get_by_role("button", name="Enviar mi solicitud"))
        assert "/request/pending/" in page.url
        assert await _heading(page) == "Revise su correo electrónico"
        await _snap(page, "03-request-pending")

        # The emailed link opens a page with a button; the button makes the request.
        confirm = re.compile(r"https?://\S+/confirm/\S+")
        assert await wait_until(lambda: _newest(catchers, "email", confirm), timeout=15)
        await page.goto(_newest(catchers, "email", confirm))
        await _snap(page, "04-confirm")
        await _go(page, page.get_by_role("button", name="Sí, yo lo pedí"))
        assert await _heading(page) == "Recibimos su solicitud"
        await _snap(page, "05-confirmed")

        # Her page, from the link in the acknowledgement; her messages come over Kafka.
        her_link = re.compile(r"https?://\S+/v/[^\s?\"<>]+")
        assert await wait_until(lambda: _newest(catchers, "email", her_link), timeout=30)
        await page.goto(_newest(catchers, "email", her_link))
        messages = page.get_by_role("region", name="Mensajes que le enviamos")

        async def told() -> list[str]:
            await page.reload()
            return await messages.locator("tbody tr td:nth-child(3)").all_inner_texts()

        assert await wait_until(lambda: _has(told, 3), timeout=30, interval=0.5)
        assert sorted(await told()) == ["La revisión de su solicitud", "Su registro",
                                        "Su solicitud"]
        assert (await messages.locator("tbody tr td:nth-child(2)").all_inner_texts()
                == ["Correo electrónico"] * 3)
        assert await page.get_by_role("status").first.inner_text() == "Su solicitud está activa."
        await _snap(page, "06-her-page")

        # Texts in Spanish: the code goes to the phone that will be used, not to her inbox.
        prefs = page.locator("form").filter(has=page.locator("#pref-sms"))
        await prefs.get_by_label("Mensaje de texto", exact=True).check()
        await prefs.get_by_label("Idioma de nuestros mensajes").select_option("es")
        assert await _change_with_code(page, catchers, prefs.get_by_role("button"),
                                       name="07-texts") == "Sus preferencias quedaron guardadas."
        assert await page.locator("#pref-sms").is_checked()

        # One kind of custody notice dropped; the code now comes by text.
        notices = page.get_by_role("region", name="Avisos de custodia que pidió")
        await notices.get_by_role("checkbox", name="Fuga (y regreso a custodia)").uncheck()
        saved = notices.get_by_role("button", name="Guardar (le enviaremos un código)")
        assert await _change_with_code(page, catchers, saved,
                                       name="08-notices") == "Sus avisos de custodia cambiaron."
        await page.reload()
        assert await notices.get_by_role("checkbox", name="Liberación").is_checked()
        assert not await notices.get_by_role("checkbox", name="Fuga (y regreso a custodia)"
                                             ).is_checked()
        await _snap(page, "09-notices-changed")

        # Withdrawn, then undone.
        withdraw = page.get_by_role("button", name="Retirar mi solicitud")
        assert (await _change_with_code(page, catchers, withdraw, name="10-withdraw")
                ).startswith("Su solicitud fue retirada")
        assert "Usted retiró esta solicitud" in await page.get_by_role("status").first.inner_text()
        await _snap(page, "11-withdrawn")
        undo = page.get_by_role("button", name="Deshacer mi retiro")
        assert (await _change_with_code(page, catchers, undo, name="12-undo")
                ).startswith("Su retiro quedó deshecho")
        assert await page.get_by_role("status").first.inner_text() == "Su solicitud está activa."
        assert await page.get_by_role("button", name="Retirar mi solicitud").count() == 1
        await _snap(page, "13-active-again")

    assert browser_errors == []


async def _has(told, count: int) -> bool:
    return len(await told()) >= count
