-- wrk script for bench/web_load.py: GETs rotating over the page paths listed in a file (one per line),
-- each thread starting at its own offset, every request carrying the session cookie (given with -H).
-- Bounded: each thread stops after its share of the request budget (wrk's -d bounds the time).
-- Counts every answer that is not 200 as an error, and prints one JSON line at the end:
--   WEBLOAD {"requests": N, "errors": E, "statuses": {...}, "p50_us": ..., "p95_us": ..., "p99_us": ..., ...}
-- Usage: wrk -t1 -c8 -d20s -s bench/web_load.lua -H "Cookie: ..." http://127.0.0.1:PORT -- PATHS_FILE BUDGET THREADS

local threads = {}
local counter = 0

function setup(thread)
   thread:set("offset", counter)
   counter = counter + 1
   table.insert(threads, thread)
end

function init(args)
   paths = {}
   for line in io.lines(args[1]) do
      if #line > 0 then table.insert(paths, line) end
   end
   if #paths == 0 then error("no page paths in " .. args[1]) end
   budget = math.max(1, math.floor(tonumber(args[2]) / tonumber(args[3] or "1")))
   i = (tonumber(offset) or 0) * math.floor(#paths / 2)
   sent, answered, errors = 0, 0, 0
   statuses = {}
end

function request()
   i = i + 1
   sent = sent + 1
   return wrk.format("GET", paths[(i % #paths) + 1])
end

function response(status, headers, body)
   answered = answered + 1
   local key = tostring(status)
   statuses[key] = (statuses[key] or 0) + 1
   if status ~= 200 then errors = errors + 1 end
   if answered >= budget then wrk.thread:stop() end
end

function done(summary, latency, requests)
   local errors_total, statuses_total = 0, {}
   for _, thread in ipairs(threads) do
      errors_total = errors_total + (thread:get("errors") or 0)
      local s = thread:get("statuses") or {}
      for k, v in pairs(s) do statuses_total[k] = (statuses_total[k] or 0) + v end
   end
   local parts = {}
   for k, v in pairs(statuses_total) do table.insert(parts, string.format('"%s": %d', k, v)) end
   local e = summary.errors
   io.write(string.format(
      'WEBLOAD {"requests": %d, "duration_us": %d, "errors": %d, "statuses": {%s}, ' ..
      '"socket_errors": {"connect": %d, "read": %d, "write": %d, "timeout": %d}, ' ..
      '"p50_us": %d, "p95_us": %d, "p99_us": %d, "max_us": %d, "mean_us": %.1f}\n',
      summary.requests, summary.duration, errors_total, table.concat(parts, ", "),
      e.connect, e.read, e.write, e.timeout,
      latency:percentile(50), latency:percentile(95), latency:percentile(99), latency.max, latency.mean))
end
