"""The pages' foundation in a real browser: styles and scripts load from our own server with
nothing blocked by the page's CSP, a page that is not there is a proper page, and the
accessibility check catches what it should."""

from tests.browser.accessibility import accessibility_problems


async def test_the_console_page_loads_its_styles_with_nothing_refused(
    base_url, desktop, phone, shoot
) -> None:
    for page in (desktop, phone):
        refused = []
        page.on("console", lambda m, refused=refused: m.type == "error" and refused.append(m.text))
        response = await page.goto(f"{base_url}/console/")
        assert response.status == 200
        assert await accessibility_problems(page) == []
        assert refused == []
        await shoot(page, "console-home")


async def test_the_accessibility_check_finds_an_unlabelled_field_and_a_nameless_image(
    desktop,
) -> None:
    await desktop.set_content(
        '<html><head><title>x</title></head><body><h2>x</h2><input name="q"><img src="a.png">'
        "<button></button></body></html>"
    )
    problems = await accessibility_problems(desktop)
    assert len(problems) == 5, problems
