"""A typed answer checked against its bounds, the same way in every form (help, programs, complaints): the clean
value and no hint, or no value and the catalog key of the hint to show."""

from __future__ import annotations

from conversations import counts
from conversations.normalize import strip_invisible

Checked = tuple[object, str | None]  # (the clean value, None) or (None, the catalog key of the hint)


def text_within(typed: str, bounds: tuple[int, int], too_short: str, too_long: str) -> Checked:
    """The text without invisible characters and outer spaces, if its length is within `bounds`."""
    text = strip_invisible(typed).strip()
    if len(text) < bounds[0]:
        return None, too_short
    if len(text) > bounds[1]:
        return None, too_long
    return text, None


def count_within(typed: str, bounds: tuple[int, int], not_a_number: str, out_of_range: str) -> Checked:
    """A number in any digits or in words, words after it allowed («٥ أفراد»), if it is within `bounds`."""
    number = counts.parse(typed)
    if number is None:
        return None, not_a_number
    if not bounds[0] <= number <= bounds[1]:
        return None, out_of_range
    return number, None
