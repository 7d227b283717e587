-- wrk script for scripts/bench.py: patients sending the request form, over and over.
-- Each thread has one connection (run wrk with as many connections as threads) and, on
-- it, fetches the form, then sends it filled in with the form's CSRF cookie and hidden
-- fields, as a browser would. A POST answered by a redirect to the received page is
-- accepted; any other answer to it, or a form that did not come, is refused.
-- A thread stops at its first answer after the given seconds, so that no POST is left
-- in flight: every request the server saved has been counted.
-- Arguments after --: the Host header, the scheme of the form's address, the seconds.
-- done() prints one line: pairs accepted, refused, seconds taken, POST p99 in ms.

local ffi = require("ffi")
ffi.cdef([[
  typedef struct { long tv_sec; long tv_nsec; } bench_timespec;
  int clock_gettime(int clock, bench_timespec *now);
]])
local MONOTONIC = 1
local clock = ffi.new("bench_timespec")

local function now()
  ffi.C.clock_gettime(MONOTONIC, clock)
  return tonumber(clock.tv_sec) + tonumber(clock.tv_nsec) / 1e9
end

local FIELDS = "first_name=Bench&last_name=Patient&phone=%28614%29+555-0123"
  .. "&preferred_contact=phone&preferred_time=any&is_new_patient=yes"
  .. "&reason=Benchmark+request&consent=on"

local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

local function encoded(value)
  return (value:gsub("[^%w%-%._~]", function(c)
    return string.format("%%%02X", string.byte(c))
  end))
end

function init(args)
  host, scheme = args[1], args[2]
  started = now()
  deadline = started + tonumber(args[3])
  accepted, refused = 0, 0
  post_seconds = {}
  form_request = wrk.format("GET", "/appointments/request/", { Host = host })
  filled_in = nil -- the POST to send next, once its form has come back
end

function request()
  posting = filled_in ~= nil
  if posting then
    local ready = filled_in
    filled_in = nil
    sent_at = now()
    return ready
  end
  return form_request
end

local function form_from(status, headers, body)
  local cookie = (headers["Set-Cookie"] or ""):match("^([^;]+)")
  if status ~= 200 or not cookie then
    return nil
  end
  local parts = { FIELDS }
  for name, value in body:gmatch('<input type="hidden" name="([^"]+)" value="([^"]*)"') do
    if name ~= "website" then -- the honeypot stays empty
      table.insert(parts, name .. "=" .. encoded(value))
    end
  end
  local location_id = body:match('name="location" value="(%d+)"')
  if location_id then
    table.insert(parts, "location=" .. location_id)
  end
  return wrk.format("POST", "/appointments/request/", {
    Host = host,
    ["Content-Type"] = "application/x-www-form-urlencoded",
    Cookie = cookie,
    Referer = scheme .. "://" .. host .. "/appointments/request/",
  }, table.concat(parts, "&"))
end

function response(status, headers, body)
  local answered = now()
  if posting then
    table.insert(post_seconds, answered - sent_at)
    if status == 302 and (headers["Location"] or ""):find("received", 1, true) then
      accepted = accepted + 1
    else
      refused = refused + 1
    end
  else
    filled_in = form_from(status, headers, body)
    if not filled_in then
      refused = refused + 1
    end
  end
  if answered >= deadline then
    finished = answered - started
    wrk.thread:stop()
  end
end

function done(summary, latency, requests)
  local total_accepted, total_refused, seconds, all_posts = 0, 0, 0, {}
  for _, thread in ipairs(threads) do
    total_accepted = total_accepted + thread:get("accepted")
    total_refused = total_refused + thread:get("refused")
    seconds = math.max(seconds, thread:get("finished") or 0)
    for _, taken in ipairs(thread:get("post_seconds")) do
      table.insert(all_posts, taken)
    end
  end
  table.sort(all_posts)
  local p99 = all_posts[math.max(1, math.ceil(#all_posts * 0.99))] or 0
  io.write(string.format(
    "pairs: %d accepted, %d refused, %.3f s, POST p99 %.1f ms\n",
    total_accepted, total_refused, seconds, p99 * 1000
  ))
end
