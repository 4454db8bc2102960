-- wrk script: GET /certificates/{number} for random numbers of the
-- generated register (registrytest.GenNumber: "2024" and 12 digits),
-- uniform over the register, a different sequence per wrk thread.
-- Set N to the register's size: wrk ... -s lookup.lua URL -- 3000000
local n = 3000000
local threads = 0
function setup(thread)
  thread:set("id", threads)
  threads = threads + 1
end
function init(args)
  if args[1] then n = tonumber(args[1]) end
  math.randomseed(os.time() * 1000 + (id or 0) * 7919 + math.floor(os.clock() * 1000000))
end
function request()
  return wrk.format("GET", string.format("/certificates/2024%012d", math.random(0, n - 1)))
end
