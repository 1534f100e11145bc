-- Per-request bodies for wrk: each %d of BENCH_BODY becomes a number that no other request of
-- the run uses (BENCH_FIRST plus a count modulo BENCH_MODULUS), so each claim can come from a
-- customer of its own. BENCH_TARGETS ("path secret;path secret...") spreads the requests over
-- several paths, each sending its own secret in the BENCH_TARGET_HEADER header (a webhook per
-- merchant's bot).
local threads = {}

function setup(thread)
  thread:set("id", #threads)
  table.insert(threads, thread)
end

function init(args)
  method = os.getenv("BENCH_METHOD") or "GET"
  body = os.getenv("BENCH_BODY")
  modulus = tonumber(os.getenv("BENCH_MODULUS") or "1000000000")
  stride = tonumber(os.getenv("BENCH_THREADS") or "1")
  headers = {["Content-Type"] = "application/json"}
  local auth = os.getenv("BENCH_AUTH")
  if auth then headers["Authorization"] = auth end
  for name, value in string.gmatch(os.getenv("BENCH_HEADERS") or "", "([^:;]+):([^;]*)") do
    headers[name] = value
  end
  first = tonumber(os.getenv("BENCH_FIRST") or "0")
  targets = {}
  for path, secret in string.gmatch(os.getenv("BENCH_TARGETS") or "", "([^ ;]+) ([^;]+)") do
    table.insert(targets, {path = path, secret = secret})
  end
  target_header = os.getenv("BENCH_TARGET_HEADER")
  counter = 0
  answered, refused, failed = 0, 0, 0
end

function request()
  local n = first + (id + counter * stride) % modulus
  counter = counter + 1
  local text = nil
  if body then text = (string.gsub(body, "%%d", string.format("%d", n))) end
  if #targets == 0 then return wrk.format(method, nil, headers, text) end
  local target = targets[n % #targets + 1]
  headers[target_header] = target.secret
  return wrk.format(method, target.path, headers, text)
end

function response(status, _headers, _body)
  if status < 300 then answered = answered + 1
  elseif status < 500 then refused = refused + 1
  else failed = failed + 1 end
end

function done(summary, latency, _requests)
  local ok, no, bad = 0, 0, 0
  for _, thread in ipairs(threads) do
    ok = ok + thread:get("answered")
    no = no + thread:get("refused")
    bad = bad + thread:get("failed")
  end
  io.write(string.format(
    '{"requests": %d, "seconds": %.6f, "p50_ms": %.3f, "p99_ms": %.3f, "socket_errors": %d',
    summary.requests, summary.duration / 1e6, latency:percentile(50) / 1e3,
    latency:percentile(99) / 1e3,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout))
  io.write(string.format(', "answered": %d, "refused": %d, "failed": %d}\n', ok, no, bad))
end
