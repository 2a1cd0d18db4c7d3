-- isso_new.lua: POST /new?uri=/article-<n> to Isso with a unique comment each time (Isso's own
-- JSON shape: text, author), spread over ARTICLES threads like engage.lua's comment mode.
local articles = tonumber(os.getenv("ARTICLES") or "50")
local counter = 0
local thread_no = 0
function setup(thread)
  thread_no = thread_no + 1
  thread:set("tid", thread_no)
end

function request()
  counter = counter + 1
  local t = tid or 0
  local uri = "/new?uri=%2Farticle-" .. (((counter + t) % articles) + 1)
  local body = '{"author": "Độc giả ' .. t .. '", "text": "Bình luận số ' .. t .. "-" ..
    counter .. ': bài viết rất hay, cảm ơn tác giả đã đưa tin kịp thời và đầy đủ về sự kiện này."}'
  return wrk.format("POST", uri, { ["Content-Type"] = "application/json" }, body)
end
