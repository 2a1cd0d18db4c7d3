"""schema.org AggregateRating as JSON-LD, only where search engines accept it.

Google's review-snippet guidelines (developers.google.com/search/docs/appearance/
structured-data/review-snippet, "Supported types") list the item types whose AggregateRating
may show as stars; news articles (Article/NewsArticle) are not among them, and ratings that a
site collects about itself ("self-serving", LocalBusiness/Organization) are ignored.  So
Engage emits nothing by default and only for the types below when a site enables one.
"""
from __future__ import annotations

from engage.domain.ratings import RatingSummary

ELIGIBLE_TYPES = frozenset({
    "Book", "Course", "CreativeWorkSeason", "CreativeWorkSeries", "Episode", "Event", "Game",
    "HowTo", "MediaObject", "Movie", "MusicPlaylist", "MusicRecording", "Product", "Recipe",
    "SoftwareApplication",
})


def aggregate_rating_jsonld(summary: RatingSummary, item_type: str | None, name: str,
                            url: str) -> dict | None:
    """The JSON-LD object for an item's AggregateRating, or ``None`` when it must not be emitted.

    ``None`` when the type is unset or not eligible, or with zero votes (Google: "ratingCount
    must be greater than 0").  ``ratingValue`` is the same half-up one-decimal figure the widget
    shows, written with a dot; ``bestRating`` 5 and ``worstRating`` 1 are explicit because
    the scale is not the 1–5 default for every consumer.
    """
    if item_type not in ELIGIBLE_TYPES or summary.count == 0 or summary.average is None:
        return None
    return {
        "@context": "https://schema.org",
        "@type": item_type,
        "name": name,
        "url": url,
        "aggregateRating": {
            "@type": "AggregateRating",
            "ratingValue": f"{summary.average:.1f}",
            "ratingCount": summary.count,
            "bestRating": 5,
            "worstRating": 1,
        },
    }
