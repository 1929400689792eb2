-- wrk script of scripts/bench-http/run: POSTs GraphQL request bodies to /graphql.
--
--   wrk ... -s bench.lua http://127.0.0.1:PORT -- BODIES_FILE START THREADS
--
-- BODIES_FILE holds one JSON request body per line. With one line the body is static (wrk's
-- fast path). With more, thread `id` of THREADS sends bodies START + id, START + id + THREADS,
-- ... (modulo the count), so the threads never send the same body at once and a run that
-- starts where the previous one ended sends bodies that were not sent recently.
-- `done` prints one JSON line with the summary and latency percentiles (microseconds).

local threads = {}

function setup(thread)
  thread:set("id", #threads)
  table.insert(threads, thread)
end

local bodies = {}
local start, nthreads, counter = 0, 1, 0

function init(args)
  local path = args[1]
  start = tonumber(args[2] or "0")
  nthreads = tonumber(args[3] or "1")
  for line in io.lines(path) do
    if #line > 0 then
      bodies[#bodies + 1] = line
    end
  end
  wrk.method = "POST"
  wrk.path = "/graphql"
  wrk.headers["Content-Type"] = "application/json"
  wrk.headers["Accept"] = "application/graphql-response+json"
  if #bodies == 1 then
    wrk.body = bodies[1]
    request = nil
  end
end

function request()
  local i = (start + id + counter * nthreads) % #bodies
  counter = counter + 1
  return wrk.format(nil, nil, nil, bodies[i + 1])
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    '{"requests":%d,"duration_us":%d,"bytes":%d,"err_connect":%d,"err_read":%d,' ..
    '"err_write":%d,"err_status":%d,"err_timeout":%d,"p50_us":%d,"p90_us":%d,' ..
    '"p99_us":%d,"mean_us":%.1f,"max_us":%d}\n',
    summary.requests, summary.duration, summary.bytes, e.connect, e.read, e.write,
    e.status, e.timeout, latency:percentile(50), latency:percentile(90),
    latency:percentile(99), latency.mean, latency.max))
end
