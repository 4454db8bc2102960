-- wrk script: GET /certificates/{number} for random numbers of the
-- generated register (registrytest.GenNumber: "2024" and 12 digits).
-- Set N to the register's size: wrk ... -s lookup.lua URL -- 3000000
local n = 3000000
function init(args)
  if args[1] then n = tonumber(args[1]) end
  math.randomseed(os.time() + math.floor(os.clock() * 1000000))
end
function request()
  return wrk.format("GET", string.format("/certificates/2024%012d", math.random(0, n - 1)))
end
