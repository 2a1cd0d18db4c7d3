"""Moving comments in and out: source-file parsers (Disqus, WordPress WXR, Engage JSON) that
yield plain records, and the HTML-to-text step imported comments need.  No database here."""
