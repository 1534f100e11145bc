"""Sign-up, log-in, the lockout and log-out through the console's pages."""

from tests.web.console.staff import PASSWORD, another_browser, log_in, owner, page_token

SIGN_UP = {
    "name": "Tea Shop",
    "email": "new@shop.example",
    "password": PASSWORD,
    "currency": "eur",
    "timezone": "Europe/Madrid",
}


async def test_sign_up_creates_the_shop_and_signs_its_owner_in(client) -> None:
    _, response = await client.post("/console/signup", data=SIGN_UP)
    assert response.status == 303
    cookie = response.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=lax" in cookie and "path=/console" in cookie
    assert "secure" not in cookie  # plain http here (tests/web/console/test_https.py: https)
    _, home = await client.get("/console/")
    assert home.status == 200
    assert "Tea Shop" in home.text and "new@shop.example" in home.text


async def test_sign_up_with_bad_values_shows_each_error_beside_its_field_and_keeps_the_rest(
    client,
) -> None:
    _, response = await client.post(
        "/console/signup", data={**SIGN_UP, "password": "short", "timezone": "Mars/Olympus"}
    )
    assert response.status == 422
    assert 'id="password-error"' in response.text and "at least 10 characters" in response.text
    assert 'id="timezone-error"' in response.text and "Mars/Olympus" in response.text
    assert 'value="Tea Shop"' in response.text and 'value="new@shop.example"' in response.text
    assert PASSWORD not in response.text and "short" not in response.text.split("<form")[1]


async def test_sign_up_with_a_taken_email_says_so_and_creates_nothing(client, db) -> None:
    await owner(db, email="new@shop.example")
    _, response = await client.post("/console/signup", data=SIGN_UP)
    assert response.status == 409
    assert "exists already" in response.text


async def test_log_in_with_a_wrong_password_says_so(client, db) -> None:
    await owner(db)
    response = await log_in(client, "owner@shop.example", "not the password")
    assert response.status == 401
    assert "The email or the password is wrong." in response.text
    assert 'value="owner@shop.example"' in response.text


async def test_the_sixth_try_after_five_wrong_passwords_is_locked_out_even_when_right(
    client, db
) -> None:
    await owner(db)
    for _ in range(4):
        assert (await log_in(client, "owner@shop.example", "wrong")).status == 401
    fifth = await log_in(client, "owner@shop.example", "wrong")
    assert fifth.status == 429 and "locked" in fifth.text
    right = await log_in(client, "owner@shop.example")
    assert right.status == 429


async def test_log_in_rotates_the_session_and_leads_to_the_next_page(client, db, app) -> None:
    await owner(db)
    first = await log_in(client, "owner@shop.example")
    assert first.status == 303 and first.headers["location"] == "/console/"
    old_cookie = first.cookies["confetti_console"]
    second = await log_in(client, "owner@shop.example")
    assert second.cookies["confetti_console"] != old_cookie
    stale_browser = another_browser(app)
    stale_browser.cookies.set("confetti_console", old_cookie)
    _, stale = await stale_browser.get("/console/")
    assert stale.status == 303 and stale.headers["location"].startswith("/console/login")


async def test_a_page_without_a_session_leads_to_log_in_and_back(client) -> None:
    _, response = await client.get("/console/")
    assert response.status == 303
    assert response.headers["location"] == "/console/login?next=/console/"


async def test_a_forged_cookie_is_no_session(client) -> None:
    client.cookies.set("confetti_console", "forged.value")
    _, response = await client.get("/console/")
    assert response.status == 303


async def test_log_out_ends_this_session_only(client, db, app) -> None:
    await owner(db)
    await log_in(client, "owner@shop.example")
    other = another_browser(app)
    await log_in(other, "owner@shop.example")
    token = await page_token(client)
    _, response = await client.post("/console/logout", data={"csrf_token": token})
    assert response.status == 303 and response.headers["location"] == "/console/login?bye=1"
    assert (await client.get("/console/"))[1].status == 303
    assert (await other.get("/console/"))[1].status == 200


async def test_log_out_everywhere_ends_every_session_of_the_staff_member(client, db, app) -> None:
    await owner(db)
    await log_in(client, "owner@shop.example")
    other = another_browser(app)
    await log_in(other, "owner@shop.example")
    token = await page_token(client)
    await client.post("/console/logout", data={"csrf_token": token, "everywhere": "on"})
    assert (await other.get("/console/"))[1].status == 303


async def test_the_pages_speak_the_browsers_language(client) -> None:
    _, response = await client.get("/console/login", headers={"Accept-Language": "es-MX,es"})
    assert '<html lang="es">' in response.text
    assert "Iniciar sesión" in response.text and "Contraseña" in response.text


async def test_every_console_text_is_in_english_and_spanish() -> None:
    from web.pages import PAGE_TEXTS

    english, spanish = PAGE_TEXTS.texts("en"), PAGE_TEXTS.texts("es")
    console_keys = {key for key in english if key.startswith("console.")}
    assert console_keys == {key for key in spanish if key.startswith("console.")}
    assert all(spanish[key] for key in console_keys)
