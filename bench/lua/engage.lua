-- engage.lua: requests for Engage's write paths, each with a reader token from a pool.
--   MODE=rating   PUT  /api/v1/sites/<SITE>/articles/a-<n>/rating   {"stars": 1..5}
--   MODE=comment  POST /api/v1/sites/<SITE>/articles/a-<n>/comments {"author_name", "text"} (unique text)
-- Env: TOKENS_FILE (one token per line), SITE, ARTICLES (how many articles to spread over).
local mode = os.getenv("MODE") or "rating"
local site = os.getenv("SITE") or "bench"
local articles = tonumber(os.getenv("ARTICLES") or "50")
local tokens = {}
for line in io.lines(os.getenv("TOKENS_FILE")) do tokens[#tokens + 1] = line end

-- Texts are unique per run too (a second run within a minute would otherwise repeat the first
-- run's texts, and Engage answers a reader's repeated text with the first comment: a replay).
local run = os.getenv("RUN") or tostring(os.time())
local counter = 0
local thread_no = 0
function setup(thread)
  thread_no = thread_no + 1
  thread:set("tid", thread_no)
end

function request()
  counter = counter + 1
  local t = tid or 0
  local token = tokens[((counter * 7919 + t * 104729) % #tokens) + 1]
  local article = "a-" .. (((counter + t) % articles) + 1)
  local headers = { ["Content-Type"] = "application/json", ["X-Engage-Reader"] = token }
  if mode == "rating" then
    local body = '{"stars": ' .. (((counter + t) % 5) + 1) .. '}'
    return wrk.format("PUT", "/api/v1/sites/" .. site .. "/articles/" .. article .. "/rating",
                      headers, body)
  end
  local body = '{"author_name": "Độc giả ' .. t .. '", "text": "Bình luận số ' .. run .. "-" ..
    t .. "-" .. counter .. ': bài viết rất hay, cảm ơn tác giả đã đưa tin kịp thời và đầy đủ về sự kiện này."}'
  return wrk.format("POST", "/api/v1/sites/" .. site .. "/articles/" .. article .. "/comments",
                    headers, body)
end
