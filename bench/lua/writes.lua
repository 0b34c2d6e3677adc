-- wrk script for bench/writes: every request a new write with its own Idempotency-Key.
-- WRITES_KIND=checkin: a walk-in check-in with a NIK no one has used (unique per thread and
-- request); WRITES_KIND=proposal: a proposal; WRITES_KIND=support: a citizen supports a proposal
-- of their village, each (citizen, proposal) once, without a key (as the replay's supporters).
-- Operators' tokens and villages come from the file WRITES_CONFIG ("token village" per line),
-- supporters' from WRITES_CONFIG.supports ("token proposal-id..."); requests go round them.
local kind = os.getenv("WRITES_KIND")
local assembly = os.getenv("WRITES_ASSEMBLY")
local year = os.getenv("WRITES_YEAR")
local run = os.getenv("WRITES_RUN") or "0"
local operators = {}
for line in io.lines(os.getenv("WRITES_CONFIG")) do
  local token, village = line:match("^(%S+)%s+(%S+)$")
  if token then operators[#operators + 1] = { token = token, village = village } end
end

local supporters = {}
if kind == "support" then
  for line in io.lines(os.getenv("WRITES_CONFIG") .. ".supports") do
    local words = {}
    for word in line:gmatch("%S+") do words[#words + 1] = word end
    supporters[#supporters + 1] = { token = table.remove(words, 1), proposals = words, next = 1 }
  end
end

local threads = 0
function setup(thread)
  thread:set("thread_index", threads)
  thread:set("thread_count", 2)  -- bench/writes runs wrk with two threads
  threads = threads + 1
end

-- Each thread takes its own half of the supporters, so no pair is sent twice.
local function support(n)
  local mine = math.floor(#supporters / thread_count)
  local supporter = supporters[thread_index * mine + n % mine + 1]
  local proposal = supporter.proposals[supporter.next] or supporter.proposals[#supporter.proposals]
  supporter.next = supporter.next + 1
  return wrk.format("POST", "/api/v1/proposals/" .. proposal .. "/supports",
    { ["Authorization"] = "Bearer " .. supporter.token }, nil)
end

local counter = 0
function request()
  counter = counter + 1
  local n = counter
  if kind == "support" then return support(n) end
  local operator = operators[(n + thread_index * 7) % #operators + 1]
  local headers = {
    ["Content-Type"] = "application/json",
    ["Authorization"] = "Bearer " .. operator.token,
    ["Idempotency-Key"] = "bench-" .. run .. "-" .. thread_index .. "-" .. n,
  }
  if kind == "checkin" then
    -- NIK: the village's district, a birth date (day +40 for women), a serial: unique per (thread, n).
    local district = operator.village:gsub("%.", ""):sub(1, 6)
    local woman = n % 20 < 9
    local day = 1 + n % 28 + (woman and 40 or 0)
    local month = 1 + math.floor(n / 28) % 12
    local yy = 60 + math.floor(n / 336) % 40
    local serial = (tonumber(run) * 997 + thread_index * 100 + math.floor(n / 13440)) % 10000
    local nik = string.format("%s%02d%02d%02d%04d", district, day, month, yy, serial)
    local body = string.format('{"villageCode":"%s","nik":"%s","name":"Warga Bench %d","role":"community","gender":"%s"}',
      operator.village, nik, n, woman and "female" or "male")
    return wrk.format("POST", "/api/v1/assemblies/" .. assembly .. "/attendance", headers, body)
  end
  local body = string.format('{"villageCode":"%s","year":%s,"title":"Usulan bench %d: perbaikan jalan dusun",' ..
    '"problem":"Jalan rusak dan tergenang saat hujan.","activity":"Pengaspalan jalan lingkungan","fieldCode":"02",' ..
    '"subfieldCode":"02.03","kind":"physical","volume":%d,"unit":"m","estimatedCost":50000000,"fundingSource":"villageFund",' ..
    '"beneficiaries":{"total":200,"women":95,"poor":30,"disabled":2},"source":"onBehalf"}', operator.village, year, n, 100 + n % 400)
  return wrk.format("POST", "/api/v1/proposals", headers, body)
end

function done(summary, latency, requests)
  io.write(string.format("latency_p50_ms %.2f\nlatency_p99_ms %.2f\n", latency:percentile(50) / 1000, latency:percentile(99) / 1000))
end
