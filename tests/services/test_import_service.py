"""Imports from Disqus and WordPress files written here in their real formats: threads, nested
replies, deleted and spam posts, non-ASCII authors, entities, CDATA; twice (nothing new); an
entity bomb refused; a large generated file through the CLI."""
from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select

from engage.domain.comments import CommentLimits
from engage.domain.interop.disqus import parse_disqus
from engage.domain.interop.keys import KEY_RE
from engage.domain.interop.wordpress import parse_wordpress
from engage.domain.interop.xml_stream import XmlRefused
from engage.models import Article, Comment, CommentStatus
from engage.services import comments, counters
from engage.services.importer import Importer
from engage.services.sites import ARTICLE_KEY_RE

LIMITS = CommentLimits(max_chars=3000)

DISQUS = """<?xml version="1.0" encoding="utf-8"?>
<disqus xmlns="http://disqus.com" xmlns:dsq="http://disqus.com/disqus-internals"
        xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
  <category dsq:id="9"><forum>baodemo</forum><title>General</title><isDefault>true</isDefault></category>
  <thread dsq:id="100">
    <id>bai-1</id><forum>baodemo</forum><category dsq:id="9"/>
    <link>https://baodemo.vn/thoi-su/bai-1.html</link>
    <title>Giá xăng giảm &amp; dân vui</title>
    <message/><createdAt>2019-05-01T08:00:00Z</createdAt>
    <author><email>bt@baodemo.vn</email><name>Biên tập</name><isAnonymous>false</isAnonymous></author>
    <isClosed>false</isClosed><isDeleted>false</isDeleted>
  </thread>
  <thread dsq:id="101">
    <id></id><forum>baodemo</forum><category dsq:id="9"/>
    <link>https://baodemo.vn/kinh-te/bai-2/</link><title>Bài 2</title>
    <createdAt>2019-05-02T08:00:00Z</createdAt><isClosed>true</isClosed><isDeleted>false</isDeleted>
  </thread>
  <post dsq:id="5">
    <id/><message><![CDATA[<p>Bài viết <b>rất hay</b> &amp; bổ ích!</p><p>Dòng hai<br>dòng ba</p>]]></message>
    <createdAt>2019-05-01T09:00:00Z</createdAt><isDeleted>false</isDeleted><isSpam>false</isSpam>
    <author><email>an@example.com</email><name>Nguyễn Thị Ánh</name><isAnonymous>false</isAnonymous><username>anh</username></author>
    <ipAddress>203.0.113.5</ipAddress><thread dsq:id="100"/>
  </post>
  <post dsq:id="7">
    <id/><message><![CDATA[<p>Trả lời cho trả lời</p>]]></message>
    <createdAt>2019-05-01T09:30:00Z</createdAt><isDeleted>false</isDeleted><isSpam>false</isSpam>
    <author><name>Trần Văn Đức</name><isAnonymous>true</isAnonymous></author>
    <ipAddress>203.0.113.6</ipAddress><thread dsq:id="100"/><parent dsq:id="6"/>
  </post>
  <post dsq:id="6">
    <id/><message>&lt;p&gt;Đồng ý với chị Ánh&lt;/p&gt;</message>
    <createdAt>2019-05-01T09:10:00Z</createdAt><isDeleted>false</isDeleted><isSpam>false</isSpam>
    <author><name>Lê Hoàng</name></author><thread dsq:id="100"/><parent dsq:id="5"/>
  </post>
  <post dsq:id="8">
    <id/><message><![CDATA[<p>Mua thuốc giá rẻ tại spam.example</p>]]></message>
    <createdAt>2019-05-01T10:00:00Z</createdAt><isDeleted>false</isDeleted><isSpam>true</isSpam>
    <author><name>Spammer</name></author><thread dsq:id="100"/>
  </post>
  <post dsq:id="9">
    <id/><message></message><createdAt>2019-05-02T10:00:00Z</createdAt>
    <isDeleted>true</isDeleted><isSpam>false</isSpam>
    <author><name>Ai đó</name></author><thread dsq:id="101"/>
  </post>
  <post dsq:id="10">
    <id/><message><![CDATA[<p>Trả lời bình luận đã xóa</p>]]></message>
    <createdAt>2019-05-02T11:00:00Z</createdAt><isDeleted>false</isDeleted><isSpam>false</isSpam>
    <author><name>Phạm Thu</name></author><thread dsq:id="101"/><parent dsq:id="9"/>
  </post>
  <post dsq:id="11">
    <id/><message><![CDATA[   ]]></message><createdAt>2019-05-02T12:00:00Z</createdAt>
    <isDeleted>false</isDeleted><isSpam>false</isSpam><author><name>Rỗng</name></author>
    <thread dsq:id="101"/>
  </post>
</disqus>
"""

WXR = """<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:excerpt="http://wordpress.org/export/1.2/excerpt/"
     xmlns:content="http://purl.org/rss/1.0/modules/content/"
     xmlns:wfw="http://wellformedweb.org/CommentAPI/" xmlns:dc="http://purl.org/dc/elements/1.1/"
     xmlns:wp="http://wordpress.org/export/1.2/">
<channel>
  <title>Báo Demo</title><link>https://baodemo.vn</link><wp:wxr_version>1.2</wp:wxr_version>
  <wp:author><wp:author_login><![CDATA[admin]]></wp:author_login></wp:author>
  <item>
    <title>Lũ lụt miền Trung &#8211; cập nhật</title><link>https://baodemo.vn/lu-lut/</link>
    <wp:post_id>42</wp:post_id><wp:post_date_gmt>2020-10-10 01:00:00</wp:post_date_gmt>
    <wp:comment_status>open</wp:comment_status><wp:post_name>lu-lut</wp:post_name>
    <wp:status>publish</wp:status><wp:post_type>post</wp:post_type>
    <content:encoded><![CDATA[<p>Nội dung bài viết</p>]]></content:encoded>
    <wp:comment>
      <wp:comment_id>1</wp:comment_id><wp:comment_author><![CDATA[Đỗ Minh Châu]]></wp:comment_author>
      <wp:comment_author_email>chau@example.com</wp:comment_author_email>
      <wp:comment_author_IP>198.51.100.7</wp:comment_author_IP>
      <wp:comment_date>2020-10-10 09:00:00</wp:comment_date>
      <wp:comment_date_gmt>2020-10-10 02:00:00</wp:comment_date_gmt>
      <wp:comment_content><![CDATA[Cầu mong bà con bình an.
Ủng hộ 500.000đ & quần áo.]]></wp:comment_content>
      <wp:comment_approved>1</wp:comment_approved><wp:comment_type>comment</wp:comment_type>
      <wp:comment_parent>0</wp:comment_parent>
    </wp:comment>
    <wp:comment>
      <wp:comment_id>2</wp:comment_id><wp:comment_author>Ngô Bảo</wp:comment_author>
      <wp:comment_date_gmt>2020-10-10 03:00:00</wp:comment_date_gmt>
      <wp:comment_content>Cảm ơn bạn &lt;3</wp:comment_content>
      <wp:comment_approved>1</wp:comment_approved><wp:comment_type></wp:comment_type>
      <wp:comment_parent>1</wp:comment_parent>
    </wp:comment>
    <wp:comment>
      <wp:comment_id>3</wp:comment_id><wp:comment_author>Chờ duyệt</wp:comment_author>
      <wp:comment_date_gmt>2020-10-10 04:00:00</wp:comment_date_gmt>
      <wp:comment_content>Chưa được duyệt</wp:comment_content>
      <wp:comment_approved>0</wp:comment_approved><wp:comment_parent>0</wp:comment_parent>
    </wp:comment>
    <wp:comment>
      <wp:comment_id>4</wp:comment_id><wp:comment_author>Spam bot</wp:comment_author>
      <wp:comment_date_gmt>2020-10-10 05:00:00</wp:comment_date_gmt>
      <wp:comment_content>cheap pills</wp:comment_content>
      <wp:comment_approved>spam</wp:comment_approved><wp:comment_parent>0</wp:comment_parent>
    </wp:comment>
    <wp:comment>
      <wp:comment_id>5</wp:comment_id><wp:comment_author>Trash</wp:comment_author>
      <wp:comment_date_gmt>2020-10-10 06:00:00</wp:comment_date_gmt>
      <wp:comment_content>đã xóa</wp:comment_content>
      <wp:comment_approved>trash</wp:comment_approved><wp:comment_parent>0</wp:comment_parent>
    </wp:comment>
    <wp:comment>
      <wp:comment_id>6</wp:comment_id><wp:comment_author>Blog khác</wp:comment_author>
      <wp:comment_date_gmt>2020-10-10 07:00:00</wp:comment_date_gmt>
      <wp:comment_content>[...] nhắc đến bài này [...]</wp:comment_content>
      <wp:comment_approved>1</wp:comment_approved><wp:comment_type>pingback</wp:comment_type>
      <wp:comment_parent>0</wp:comment_parent>
    </wp:comment>
  </item>
  <item>
    <title>Ảnh</title><wp:post_id>43</wp:post_id><wp:post_type>attachment</wp:post_type>
  </item>
</channel>
</rss>
"""

BOMB = """<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<disqus xmlns="http://disqus.com"><thread><title>&lol9;</title></thread></disqus>
"""


def _write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def _import(ctx, site, now, parser, path):
    with path.open("rb") as source:
        return Importer(ctx, site, now, LIMITS).run(parser(source))


def _by_key(ctx):
    return {c.import_key: c for c in ctx.execute(select(Comment)).scalars()}


def test_disqus_threads_replies_states_and_rendering(ctx, site, now, tmp_path):
    summary = _import(ctx, site, now, parse_disqus, _write(tmp_path, "d.xml", DISQUS))
    assert summary.created == 6 and summary.articles == 2
    assert summary.failed == [("disqus:11", "text_empty")]
    articles = {a.key: a for a in ctx.execute(select(Article)).scalars()}
    assert set(articles) == {"bai-1", "kinh-te%2Fbai-2"}
    assert articles["bai-1"].title == "Giá xăng giảm & dân vui"
    assert articles["kinh-te%2Fbai-2"].comments_open is False
    c = _by_key(ctx)
    first = c["disqus:5"]
    assert first.author_name == "Nguyễn Thị Ánh" and first.status is CommentStatus.APPROVED
    assert first.body_raw == "Bài viết rất hay & bổ ích!\n\nDòng hai\ndòng ba"
    assert "<b>" not in first.body_html and "&amp;" in first.body_html
    assert first.reader_id == "" and first.network_hash == ""  # no IPs or e-mails imported
    # A reply to a reply read before its parent: deferred, then hung under the top level.
    assert c["disqus:6"].parent_id == first.id and c["disqus:7"].parent_id == first.id
    assert c["disqus:6"].body_raw == "Đồng ý với chị Ánh"  # escaped HTML (entities) decoded
    assert c["disqus:8"].status is CommentStatus.SPAM
    deleted = c["disqus:9"]
    assert deleted.status is CommentStatus.DELETED and deleted.body_raw == ""
    assert c["disqus:10"].parent_id == deleted.id
    assert articles["bai-1"].comment_count == 3 and articles["kinh-te%2Fbai-2"].comment_count == 1
    # The deleted parent shows as a placeholder above its published reply.
    page = comments.thread_page(ctx, site, "kinh-te%2Fbai-2")
    assert [i.comment.id for i in page.items] == [deleted.id]
    assert [r.id for r in page.items[0].replies] == [c["disqus:10"].id]
    assert counters.verify_counters(ctx) == []


def test_importing_twice_creates_nothing(ctx, site, now, tmp_path):
    path = _write(tmp_path, "d.xml", DISQUS)
    _import(ctx, site, now, parse_disqus, path)
    rows = ctx.execute(select(func.count()).select_from(Comment)).scalar_one()
    again = _import(ctx, site, now, parse_disqus, path)
    assert again.created == 0 and again.articles == 0
    assert again.skipped["already_imported"] == 6
    assert ctx.execute(select(func.count()).select_from(Comment)).scalar_one() == rows
    assert counters.verify_counters(ctx) == []


def test_wordpress_posts_comments_and_approval(ctx, site, now, tmp_path):
    summary = _import(ctx, site, now, parse_wordpress, _write(tmp_path, "w.xml", WXR))
    assert summary.created == 5 and summary.skipped == {"pingback": 1} and summary.failed == []
    article = ctx.execute(select(Article)).scalar_one()
    assert (article.key, article.title) == ("42", "Lũ lụt miền Trung – cập nhật")
    c = _by_key(ctx)
    assert c["wordpress:1"].author_name == "Đỗ Minh Châu"
    assert c["wordpress:1"].body_raw == "Cầu mong bà con bình an.\nỦng hộ 500.000đ & quần áo."
    assert c["wordpress:1"].created_at.hour == 2  # the GMT field, not the local one
    assert c["wordpress:2"].parent_id == c["wordpress:1"].id
    assert c["wordpress:2"].body_raw == "Cảm ơn bạn <3"
    assert [c[f"wordpress:{i}"].status for i in (3, 4, 5)] == [
        CommentStatus.PENDING, CommentStatus.SPAM, CommentStatus.DELETED]
    assert article.comment_count == 2
    again = _import(ctx, site, now, parse_wordpress, _write(tmp_path, "w.xml", WXR))
    assert again.created == 0 and again.skipped["already_imported"] == 5
    assert counters.verify_counters(ctx) == []


@pytest.mark.parametrize("parser", [parse_disqus, parse_wordpress])
def test_entity_bomb_is_refused_before_expansion(ctx, site, now, tmp_path, parser):
    with pytest.raises(XmlRefused, match="EntitiesForbidden"):
        _import(ctx, site, now, parser, _write(tmp_path, "bomb.xml", BOMB))
    assert ctx.execute(select(func.count()).select_from(Article)).scalar_one() == 0


def test_external_entity_is_refused(ctx, site, now, tmp_path):
    xxe = ('<?xml version="1.0"?><!DOCTYPE d [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
           '<disqus xmlns="http://disqus.com"><thread><title>&x;</title></thread></disqus>')
    with pytest.raises(XmlRefused):
        _import(ctx, site, now, parse_disqus, _write(tmp_path, "xxe.xml", xxe))


def test_malformed_xml_is_refused(ctx, site, now, tmp_path):
    with pytest.raises(XmlRefused, match="not well-formed"):
        _import(ctx, site, now, parse_disqus, _write(tmp_path, "bad.xml", "<disqus><thread>"))


def test_key_language_matches_the_site_rules():
    assert KEY_RE.pattern == ARTICLE_KEY_RE.pattern
