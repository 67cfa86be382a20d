"""How ``dates.py`` writes each field of a CLDR date or time pattern it knows (``d``, ``MMMM``,
``h``, ...): a name from the table, or a number. ``make_dates_table`` refuses a pattern with
any other field."""

# A name field reads the table at this index; a number field is written as Babel writes it.
NAME_INDEX = {
    "E": lambda v: v.weekday(), "EE": lambda v: v.weekday(), "EEE": lambda v: v.weekday(),
    "EEEE": lambda v: v.weekday(), "MMM": lambda v: v.month - 1, "MMMM": lambda v: v.month - 1,
    "a": lambda v: int(v.hour >= 12),
}
NUMBERS = {
    "d": lambda v: str(v.day), "dd": lambda v: "%02d" % v.day, "y": lambda v: str(v.year),
    "H": lambda v: str(v.hour), "HH": lambda v: "%02d" % v.hour,
    "h": lambda v: str(v.hour % 12 or 12), "hh": lambda v: "%02d" % (v.hour % 12 or 12),
    "mm": lambda v: "%02d" % v.minute,
}
