-- wrk script for scripts/bench-serve: every request places a new order (a fresh
-- Idempotency-Key) in one of the benchmark chain's shops, with 1 to 3 lines, some with a
-- modifier, paid cash on delivery. Shop codes come from the environment (BENCH_SHOPS,
-- comma-separated), the key from BENCH_KEY.
local shops = {}
for code in string.gmatch(os.getenv("BENCH_SHOPS") or "PAR11", "[^,]+") do shops[#shops + 1] = code end
local key = os.getenv("BENCH_KEY")
local pizzas = { "PIZ-MARGHERITA", "PIZ-REINE", "PIZ-REGINA", "PIZ-4FROMAGES", "PIZ-CHORIZO", "PIZ-VEGETARIENNE" }
local drinks = { "DRK-COLA-33", "DRK-EAU-50", "DRK-LIMONADE-33" }
local counter = 0
local thread_id = 0

function setup(thread)
  thread_id = thread_id + 1
  thread:set("id", thread_id)
end

function init(args)
  math.randomseed(id * 7919)
end

local statuses = {}

function request()
  counter = counter + 1
  local shop = shops[math.random(#shops)]
  local lines = {}
  lines[1] = string.format('{"product": "%s", "quantity": %d%s}', pizzas[math.random(#pizzas)], math.random(2),
    math.random(3) == 1 and ', "modifiers": ["extra-mozzarella"]' or "")
  if math.random(2) == 1 then
    lines[#lines + 1] = string.format('{"product": "%s", "quantity": 1}', pizzas[math.random(#pizzas)])
  end
  lines[#lines + 1] = string.format('{"product": "%s", "quantity": %d}', drinks[math.random(#drinks)], math.random(3))
  local body = string.format(
    '{"shop": "%s", "channel": "web", "customer": {"phone": "+336%08d", "name": "Bench"}, "fulfilment": "delivery", '
      .. '"delivery_address": {"line1": "1 rue du Test", "postcode": "75011", "city": "Paris"}, '
      .. '"lines": [%s], "payment": {"method": "cash_on_delivery"}}',
    shop, math.random(0, 99999999), table.concat(lines, ", "))
  local headers = {
    ["Authorization"] = "Bearer " .. key,
    ["Content-Type"] = "application/json",
    ["Idempotency-Key"] = string.format("bench-%d-%d-%d", id, counter, math.random(1000000000)),
  }
  return wrk.format("POST", "/v1/orders", headers, body)
end

function response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
end

function done(summary, latency, requests)
  io.write(string.format("WRK requests=%d errors=%d p50_ms=%.3f p99_ms=%.3f mean_ms=%.3f\n",
    summary.requests, summary.errors.status + summary.errors.connect + summary.errors.read + summary.errors.write
      + summary.errors.timeout,
    latency:percentile(50) / 1000, latency:percentile(99) / 1000, latency.mean / 1000))
end
