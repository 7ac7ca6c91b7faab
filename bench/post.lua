-- wrk script: POST a JSON webhook of BODY_SIZE bytes (env), like Pingara sends.
local size = tonumber(os.getenv("BODY_SIZE") or "1024")
local head = '{"event":"incident.created","timestamp":"2024-01-15T14:32:05.000Z","monitor":{"id":"m_abc123def456","name":"API Production"},"pad":"'
local tail = '"}'
local pad = math.max(0, size - #head - #tail)
wrk.method = "POST"
-- PATH_PREFIX: e.g. /c/bench to post to a relay channel.
wrk.path = (os.getenv("PATH_PREFIX") or "") .. "/pingara-webhook"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["X-Pingara-Secret"] = "bench-secret"
if size < #head + #tail then
  wrk.body = string.rep("x", size)
else
  wrk.body = head .. string.rep("x", pad) .. tail
end
