-- wrk script. With a file of Basic tokens as its argument, each request presents the next
-- credential; without one, requests carry none. The summary is printed as one JSON line
-- for bench/run.py to read.
local tokens = {}
local index = 0

function init(args)
  if args[1] then
    for line in io.lines(args[1]) do tokens[#tokens + 1] = line end
    index = math.random(#tokens)
  end
end

function request()
  if #tokens == 0 then return wrk.format("GET", wrk.path) end
  index = index % #tokens + 1
  -- wrk.format takes these instead of wrk.headers (the -H flags), so they are merged here.
  local headers = { ["Authorization"] = "Basic " .. tokens[index] }
  for name, value in pairs(wrk.headers) do headers[name] = value end
  return wrk.format("GET", wrk.path, headers)
end

function done(summary, latency, requests)
  io.write(string.format(
    'RESULT {"requests": %d, "duration_us": %d, "p50_us": %d, "p99_us": %d, "non2xx": %d, "errors": %d}\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99),
    summary.errors.status, summary.errors.connect + summary.errors.read + summary.errors.write
      + summary.errors.timeout))
end
