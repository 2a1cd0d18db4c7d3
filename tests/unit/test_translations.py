"""Every user-visible string has an English translation, and the compiled catalogue is current."""
from pathlib import Path

from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
EN_DIR = ROOT / "engage" / "translations" / "en" / "LC_MESSAGES"
KEYWORDS = {**DEFAULT_KEYWORDS, "_l": None, "lazy_gettext": None}


def _key(message_id) -> str:
    """Singular msgid of a message (plural entries have a (singular, plural) id)."""
    return message_id[0] if isinstance(message_id, (tuple, list)) else message_id


def _value(string):
    """Plural translations as a tuple, whichever container the reader used."""
    return tuple(string) if isinstance(string, (tuple, list)) else string


def _source_messages() -> set[str]:
    found = set()
    for sub, method in (("engage", "python"), ("templates", "jinja2.ext:babel_extract")):
        for _, _, message, _, _ in extract_from_dir(
                ROOT / sub, method_map=[("**.py" if method == "python" else "**.html", method)],
                keywords=KEYWORDS):
            found.add(_key(message))
    return found


def test_every_source_string_has_an_english_translation():
    with (EN_DIR / "messages.po").open("rb") as handle:
        translated = {_key(m.id): m.string for m in read_po(handle) if m.id}
    source = _source_messages()
    assert len(source) > 50
    missing = sorted(m for m in source if not translated.get(m))
    assert not missing, f"untranslated (run `make translations`): {missing}"


def test_compiled_catalogue_matches_po():
    with (EN_DIR / "messages.po").open("rb") as po_file, \
            (EN_DIR / "messages.mo").open("rb") as mo_file:
        po = {_key(m.id): _value(m.string) for m in read_po(po_file) if m.id}
        mo = {_key(m.id): _value(m.string) for m in read_mo(mo_file) if m.id}
    assert po == mo, "messages.mo is stale: run `make translations`"
