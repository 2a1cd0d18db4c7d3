"""Every user-visible string has an English translation, and the compiled catalogue is current."""
from pathlib import Path

from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
EN_DIR = ROOT / "engage" / "translations" / "en" / "LC_MESSAGES"
KEYWORDS = {**DEFAULT_KEYWORDS, "_l": None, "lazy_gettext": None}


def _source_messages() -> set[str]:
    found = set()
    for sub, method in (("engage", "python"), ("templates", "jinja2.ext:babel_extract")):
        for _, _, message, _, _ in extract_from_dir(
                ROOT / sub, method_map=[("**.py" if method == "python" else "**.html", method)],
                keywords=KEYWORDS):
            found.add(message if isinstance(message, str) else message[0])
    return found


def test_every_source_string_has_an_english_translation():
    with (EN_DIR / "messages.po").open("rb") as handle:
        translated = {m.id: m.string for m in read_po(handle) if m.id}
    source = _source_messages()
    assert len(source) > 50
    missing = sorted(m for m in source if not translated.get(m))
    assert not missing, f"untranslated (run `make translations`): {missing}"


def test_compiled_catalogue_matches_po():
    with (EN_DIR / "messages.po").open("rb") as po_file, \
            (EN_DIR / "messages.mo").open("rb") as mo_file:
        po = {m.id: m.string for m in read_po(po_file) if m.id}
        mo = {m.id: m.string for m in read_mo(mo_file) if m.id}
    assert po == mo, "messages.mo is stale: run `make translations`"
