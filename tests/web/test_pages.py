"""Server-rendered pages: the widget iframe, the demo article, headers."""
from helpers import ARTICLE, new_token, post_comment, rate


def test_widget_renders_first_rating_sentence_and_sections(client, site):
    response = client.get(f"/widget/news/{ARTICLE}")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Hãy trở thành người đầu tiên đánh giá cho bài viết này!" in html
    assert "ĐÁNH GIÁ" in html and "Ý kiến bình luận" in html
    assert 'type="radio" name="stars"' in html and "Gửi đánh giá" in html


def test_widget_frame_ancestors_are_the_sites_origins(client, site):
    csp = client.get(f"/widget/news/{ARTICLE}").headers["Content-Security-Policy"]
    assert "frame-ancestors 'self' https://news.example" in csp
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp


def test_other_pages_cannot_be_framed(client, site):
    response = client.get("/moderation/login")
    assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_widget_shows_vietnamese_average_and_published_comments(client, open_site):
    for stars in (5, 4, 4, 4):
        rate(client, new_token(client), stars, site="open")
    post_comment(client, new_token(client), "Bài viết <script>alert(1)</script> hay",
                 name="Lê Văn Tám", site="open")
    html = client.get(f"/widget/open/{ARTICLE}").get_data(as_text=True)
    assert "4,3" in html  # 17 / 4 = 4.25 → 4.3 half-up, decimal comma
    assert "Lê Văn Tám" in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html and "<script>alert" not in html
    english = client.get(f"/widget/open/{ARTICLE}?lang=en").get_data(as_text=True)
    assert ">4.3<" in english and "Hãy trở thành" not in english and "Comments" in english


def test_widget_date_is_local_dd_mm_yyyy(client, open_site):
    post_comment(client, new_token(client), "Xin chào", site="open")
    html = client.get(f"/widget/open/{ARTICLE}").get_data(as_text=True)
    import re
    assert re.search(r">\d{2}/\d{2}/\d{4} \d{2}:\d{2}</time>", html)


def test_widget_unknown_site_is_404_html(client):
    response = client.get("/widget/nope/a")
    assert response.status_code == 404 and "text/html" in response.content_type
    assert "Không tìm thấy trang báo." in response.get_data(as_text=True)


def test_demo_page_has_the_embed_snippet(client):
    html = client.get("/demo/").get_data(as_text=True)
    assert '<div data-engage-site="demo" data-engage-article="mua-nuoc-noi-dong-thap-2026"></div>' in html
    assert '<script src="http://localhost/embed.js" async></script>' in html
    assert client.get("/").status_code == 302


def test_embed_script_is_served(client):
    with client.get("/embed.js") as response:
        assert response.status_code == 200 and "javascript" in response.content_type
        assert "data-engage-site" in response.get_data(as_text=True)


def test_health(client):
    assert client.get("/healthz").get_json() == {"status": "ok"}
    assert client.get("/readyz").get_json()["database"] == "up"


def test_forms_without_javascript_do_not_leak_into_urls(client, site):
    html = client.get(f"/widget/news/{ARTICLE}").get_data(as_text=True)
    assert html.count('method="post" action="/widget/no-script"') == 2
    response = client.post("/widget/no-script", data={"text": "bí mật", "author_name": "A"})
    assert response.status_code == 400 and "JavaScript" in response.get_data(as_text=True)


def test_replies_beyond_three_come_with_a_more_button(client, open_site):
    token = new_token(client)
    top = post_comment(client, token, "gốc", site="open").get_json()["id"]
    for i in range(5):
        post_comment(client, new_token(client), f"trả lời {i}", site="open", parent_id=top)
    body = client.get(f"/api/v1/sites/open/articles/{ARTICLE}").get_json()
    [item] = body["comments"]
    assert len(item["replies"]) == 3 and item["reply_count"] == 5 and item["replies_cursor"]
    more = client.get(f"/api/v1/sites/open/articles/{ARTICLE}/comments?parent={top}"
                      f"&cursor={item['replies_cursor']}").get_json()
    assert [c["html"] for c in more["comments"]] == ["<p>trả lời 3</p>", "<p>trả lời 4</p>"]
    html = client.get(f"/widget/open/{ARTICLE}").get_data(as_text=True)
    assert 'data-role="more-replies"' in html and "Xem thêm 2 trả lời" in html


def test_demo_page_in_english_as_the_readme_says(client, site):
    """README, tour step 1: ``/demo/?lang=en`` embeds the widget in English."""
    html = client.get("/demo/?lang=en").get_data(as_text=True)
    assert 'data-engage-lang="en"' in html  # embed.js passes it on as the widget's ?lang=en
    widget = client.get(f"/widget/news/{ARTICLE}?lang=en").get_data(as_text=True)
    assert '<html lang="en">' in widget and "Post comment" in widget
