"""What a manager does in the browser, step by step, for the enforcement walkthrough
(``test_enforcement_walkthrough.py``): sign in when asked, press a case's buttons, fill and
send its forms, and keep a screenshot of each step. Every console error and every answer of
400 or more is kept, to be asserted empty at the end."""

import datetime as dt
import io
import zoneinfo
from dataclasses import dataclass, field
from pathlib import Path

import time_machine
from PIL import ExifTags, Image, ImageDraw

VANCOUVER = zoneinfo.ZoneInfo("America/Vancouver")
PASSWORD = "correct horse battery staple"
GPS = ExifTags.IFD.GPSInfo


def at(month: int, day: int, hour: int, minute: int = 0) -> dt.datetime:
    """A moment of 2026 in Vancouver (the strata's time)."""
    return dt.datetime(2026, month, day, hour, minute, tzinfo=VANCOUVER)


def photo_with_gps() -> bytes:
    """A JPEG as a phone takes it: the camera, the time and where it was taken."""
    image = Image.new("RGB", (640, 480), (90, 120, 160))
    draw = ImageDraw.Draw(image)
    draw.rectangle((200, 120, 440, 360), fill=(230, 200, 80))
    draw.text((220, 230), "balcony, 23:40", fill=(20, 20, 20))
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "PhoneMaker"
    exif[ExifTags.Base.Model] = "Phone 12"
    exif[ExifTags.Base.DateTime] = "2026:11:24 23:40:00"
    gps = exif.get_ifd(GPS)
    gps[ExifTags.GPS.GPSLatitudeRef] = "N"
    gps[ExifTags.GPS.GPSLatitude] = (49.0, 17.0, 2.5)
    gps[ExifTags.GPS.GPSLongitudeRef] = "W"
    gps[ExifTags.GPS.GPSLongitude] = (123.0, 7.0, 40.1)
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif, quality=90)
    data = out.getvalue()
    assert Image.open(io.BytesIO(data)).getexif().get_ifd(GPS), "the photo has no GPS to strip"
    return data


class Clock:
    """The clock of this process, the live server's thread included (time-machine moves the
    process's clock): one moment at a time, ticking from there."""

    def __init__(self):
        self.traveller = None

    def to(self, moment: dt.datetime) -> None:
        self.stop()
        self.traveller = time_machine.travel(moment, tick=True)
        self.traveller.start()

    def stop(self) -> None:
        if self.traveller is not None:
            self.traveller.stop()
            self.traveller = None


@dataclass
class Walk:
    page: object
    base_url: str
    shots: Path
    screen: str
    email: str
    console_errors: list[str] = field(default_factory=list)
    failed_responses: list[str] = field(default_factory=list)
    too_wide: dict[str, int] = field(default_factory=dict)
    step: int = 0

    def __post_init__(self):
        self.page.on("console", self._console)
        self.page.on("pageerror", lambda error: self.console_errors.append(f"pageerror: {error}"))
        self.page.on("response", self._response)

    def _console(self, message) -> None:
        if message.type == "error":
            self.console_errors.append(f"{message.text} ({message.location.get('url', '')})")

    def _response(self, response) -> None:
        if response.status >= 400:
            self.failed_responses.append(
                f"{response.status} {response.request.method} {response.url}"
            )

    # --- moving around ---------------------------------------------------------------------

    def visit(self, path: str) -> None:
        """Open ``path``; sign in first if the session has run out (days pass in the walk)."""
        self.page.goto(f"{self.base_url}{path}")
        self.sign_in_if_asked()

    def sign_in_if_asked(self) -> None:
        if self.page.locator("#login-form").count():
            self.page.fill("#id_username", self.email)
            self.page.fill("#id_password", PASSWORD)
            with self.page.expect_navigation():
                self.page.click("#login-form input[type=submit]")
        self.page.wait_for_selector("#content")

    def shot(self, name: str) -> None:
        """A screenshot of the page, and its width if the page itself scrolls sideways (a
        table or frame wider than the screen must scroll inside its own box)."""
        self.step += 1
        path = self.shots / f"{self.step:02d}-{name}-{self.screen}.png"
        self.page.screenshot(path=str(path), full_page=True)
        scroll_width, inner_width = self.page.evaluate(
            "[document.documentElement.scrollWidth, window.innerWidth]"
        )
        if scroll_width > inner_width:
            self.too_wide[name] = scroll_width

    def press(self, transition: str) -> None:
        """A button of the case page, by its transition."""
        self.page.click(f'#case-actions a[data-transition="{transition}"]')
        self.page.wait_for_selector("#transition-form")

    def submit(self, button: str = "#transition-form input[name=_submit]") -> None:
        """Send the form; it must come back to the case page with a success message."""
        with self.page.expect_navigation():
            self.page.click(button)
        if self.page.locator("#transition-form").count():
            errors = self.page.locator(".errornote, .errorlist").all_inner_texts()
            raise AssertionError(f"the form was refused: {errors}")
        assert self.page.locator(".messagelist .success").count(), self.page.url

    # --- filling forms ---------------------------------------------------------------------

    def fill(self, name: str, value: str) -> None:
        self.page.fill(
            f'#transition-form [name="{name}"], #case-report-form [name="{name}"]', value
        )

    def choose(self, name: str, text: str) -> None:
        """The option of a select whose label contains ``text``."""
        options = self.page.locator(f'[name="{name}"] option', has_text=text)
        assert options.count() == 1, f"{options.count()} options of {name} say {text!r}"
        self.page.select_option(f'[name="{name}"]', options.get_attribute("value"))

    def check(self, name: str, value: str | None = None) -> None:
        selector = f'[name="{name}"]' + (f'[value="{value}"]' if value is not None else "")
        self.page.check(selector)

    def fill_date(self, name: str, day: dt.date) -> None:
        self.fill(name, day.isoformat())

    def fill_datetime(self, name: str, moment: dt.datetime) -> None:
        """A date and time field in the strata's time: one ``datetime-local`` input, or the
        admin's split date and time inputs (``name_0``, ``name_1``)."""
        local = moment.astimezone(VANCOUVER)
        if self.page.locator(f'#content-main [name="{name}"]').count():
            self.fill(name, local.strftime("%Y-%m-%dT%H:%M"))
        else:
            self.fill(f"{name}_0", local.date().isoformat())
            self.fill(f"{name}_1", local.strftime("%H:%M"))
