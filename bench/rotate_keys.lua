-- wrk script: each request presents the next credential from a file of Basic tokens,
-- and the summary is printed as one JSON line for bench/run.py to read.
local tokens = {}
local index = 0

function init(args)
  for line in io.lines(args[1]) do tokens[#tokens + 1] = line end
  index = math.random(#tokens)
end

function request()
  index = index % #tokens + 1
  return wrk.format("GET", "/api/v1/users/me",
    { ["Authorization"] = "Basic " .. tokens[index] })
end

function done(summary, latency, requests)
  io.write(string.format(
    'RESULT {"requests": %d, "duration_us": %d, "p50_us": %d, "p99_us": %d, "non2xx": %d, "errors": %d}\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99),
    summary.errors.status, summary.errors.connect + summary.errors.read + summary.errors.write
      + summary.errors.timeout))
end
