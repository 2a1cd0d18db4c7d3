-- post_body.lua: POST the same JSON body ($BODY) every time (the floor's /echo).
wrk.method = "POST"
wrk.body = os.getenv("BODY") or "{}"
wrk.headers["Content-Type"] = "application/json"
