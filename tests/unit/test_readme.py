"""The README's promises a newcomer acts on: the English demo and the article-key rule."""
import re
from pathlib import Path

from engage.services.sites import ARTICLE_KEY_RE

README = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")


def test_readme_shows_the_demo_in_english():
    assert "http://127.0.0.1:5000/demo/?lang=en" in README


def test_readme_article_key_rule_is_the_validators():
    sentence = re.search(r"the article key: 1–(\d+) characters of `A–Z a–z 0–9` and `([^`]+)`",
                         README)
    assert sentence, "the README no longer states which characters an article key may contain"
    longest, punctuation = int(sentence.group(1)), sentence.group(2)
    allowed = "ABCXYZabcxyz0189" + punctuation
    assert ARTICLE_KEY_RE.match(allowed)
    assert ARTICLE_KEY_RE.match("a" * longest) and not ARTICLE_KEY_RE.match("a" * (longest + 1))
    # every other printable ASCII character is refused, and so is a key of punctuation only
    for char in map(chr, range(0x21, 0x7F)):
        if not char.isalnum() and char not in punctuation:
            assert not ARTICLE_KEY_RE.match(f"a{char}b"), char
    assert not ARTICLE_KEY_RE.match(punctuation)
